/**
 * The Slack commands on the API's fleet operations: the same flows, principals and guards; only
 * the wording is for a chat channel. Request errors (unknown region…) become 4xx ApiErrors so the
 * user sees their message.
 */
import type { FleetOps } from '../api/deps.ts';
import type { FleetView } from '../../shared/ops/fleet-view.ts';
import type { ManualResult } from '../../shared/core/manual-result.ts';
import { ApiError, toErrorResponse } from '../http-errors.ts';
import type { SlackOpResult, SlackOps } from './deps.ts';
import { grants, type Principal } from '../api/principal.ts';

/** Slack operations backed by `ops`. */
export function slackOpsFrom(ops: FleetOps): SlackOps {
  return {
    status: async () => statusMessage(await userFacing(ops.fleet())),
    drain: async (principal, input) =>
      resultMessage(
        await userFacing(
          ops.manualDrain({
            action: 'drain',
            region: input.region,
            reason: input.reason,
            dryRun: input.dryRun,
            requestId: input.requestId,
            principal: principal.id,
            source: 'slack',
            ...(input.overrideGuards ? { overrideGuards: input.overrideGuards } : {}),
          }),
        ),
      ),
    restore: async (principal, input) =>
      resultMessage(
        await userFacing(
          ops.manualDrain({
            action: 'restore',
            region: input.region,
            reason: input.reason || `restore requested in Slack by ${principal.id}`,
            dryRun: input.dryRun,
            requestId: input.requestId,
            principal: principal.id,
            source: 'slack',
          }),
        ),
      ),
    approvals: () => approvalsMessage(ops),
    decide: (principal, input) => decideMessage(ops, principal, input),
  };
}

/** The pending approvals, one line each. */
async function approvalsMessage(ops: FleetOps): Promise<SlackOpResult> {
  const pending = await userFacing(ops.approvals('pending'));
  if (pending.length === 0) return { summary: 'no approval is waiting' };
  return {
    summary: `${pending.length} approval${pending.length === 1 ? '' : 's'} waiting (/fleet approve ID or /fleet deny ID):`,
    text: pending.map((a) => `• ${a.id}: ${a.summary} — asked by ${a.requestedBy}, expires ${a.expiresAt} (${a.rule})`).join('\n'),
  };
}

/** Decides an approval as the API does: overrides and offboardings need an admin. */
async function decideMessage(
  ops: FleetOps,
  principal: Principal,
  input: { id: string; decision: 'approve' | 'deny'; reason: string },
): Promise<SlackOpResult> {
  const approval = await userFacing(ops.approval(input.id));
  if (!approval) throw new ApiError(404, 'not_found', `approval ${input.id} does not exist`);
  if (approval.action !== 'drain' && !grants(principal.role, 'admin'))
    throw new ApiError(403, 'permission_denied', `deciding an ${approval.action} approval needs the admin role; you are ${principal.role}`);
  return resultMessage(
    await userFacing(
      ops.decide({ id: input.id, principal: principal.id, decision: input.decision, ...(input.reason ? { reason: input.reason } : {}) }),
    ),
  );
}

/** One line per region, and the clusters that are not onboarded or not healthy. */
export function statusMessage(view: FleetView): SlackOpResult {
  const drained = view.regions.filter((r) => r.drained);
  const summary =
    drained.length === 0
      ? `all ${view.regions.length} regions serving`
      : `${drained.length} of ${view.regions.length} regions drained: ${drained.map((r) => r.region).join(', ')}`;
  const lines = view.regions.map((r) => {
    const traffic = Object.entries(r.traffic)
      .map(([service, share]) => `${service} ${Math.round(share * 100)}%`)
      .join(', ');
    const override = r.override ? `, overriding ${r.override}` : '';
    const serving = r.waitingForCapacity
      ? `serving (alert drain waiting for capacity: ${r.waitingForCapacity})`
      : r.partial
        ? `partly drained (keeps ${r.partial.percent}% of its weight until the other regions can run the rest: ${r.partial.reason})`
        : r.ramp
          ? `serving (ramping: ${r.ramp.percent}% of its weight, next step at ${r.ramp.nextStepAt})`
          : 'serving';
    const state = r.drained
      ? `drained (${r.cause === 'manual' && r.manualHold ? `manual hold by ${r.manualHold.by}${override}: ${r.manualHold.reason}` : `alert${r.restoreAt ? `, restore at ${r.restoreAt}` : ''}`})`
      : r.serving
        ? serving
        : 'no serving cluster';
    const incidents = r.openIncidents.length > 0 ? `; open incidents: ${r.openIncidents.map((i) => i.incidentId).join(', ')}` : '';
    return `• ${r.region}: ${state}${traffic ? ` — ${traffic}` : ''}; clusters: ${r.clusters.join(', ') || 'none'}${incidents}`;
  });
  const unusual = view.clusters.filter((c) => c.phase !== 'onboarded');
  if (unusual.length > 0) lines.push(`clusters not serving: ${unusual.map((c) => `${c.name} (${c.phase})`).join(', ')}`);
  return { summary, text: lines.join('\n') };
}

function resultMessage(result: ManualResult): SlackOpResult {
  // The request line repeats what the user typed; an override line (break glass) stays first.
  const detail = result.plan.filter((l) => !/^(drain|restore) \S+ requested by /.test(l)).slice(0, 7);
  return { summary: result.summary, ...(detail.length > 0 ? { text: detail.map((l) => `• ${l}`).join('\n') } : {}) };
}

async function userFacing<T>(run: Promise<T>): Promise<T> {
  try {
    return await run;
  } catch (error) {
    const mapped = toErrorResponse(error);
    if (mapped.internal || mapped.status >= 500) throw error;
    throw new ApiError(mapped.status, mapped.body.code, mapped.body.message);
  }
}
