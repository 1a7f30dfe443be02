/**
 * `failover.mode: propose`: an alert's open does not drain; it proposes the drain as a pending
 * approval with the plan the drain would have. Approving it records the incident as learned at
 * that moment (so the guards, the hold-down and the alert's close then work as for any alert);
 * the alert's close while the proposal is pending cancels it. A renotification proposes nothing
 * new: the proposal's id is the region and incident.
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import type { ManualResult } from '../core/manual-result.ts';
import { runOperation, type FlowOutcome, type RunnerContext } from '../core/run-operation.ts';
import { incidentEntry, mergeIncident, recordFact, type IncidentEvent } from '../failover/index.ts';
import { describeTrafficMoved, planFleet, readSnapshot, updateRoutes, type RoutesContext } from '../routing/index.ts';
import { materialLines } from './approval-policy.ts';
import { readApproval, type ApprovalRequest } from './approval-record.ts';
import { cancelApproval } from './decide-approval.ts';
import { askFor } from './request-approval.ts';

type AlertDrain = Extract<ApprovalRequest, { type: 'alert-drain' }>;

/** The id of the proposal an alert makes. */
export function proposalId(region: string, incidentId: string): string {
  return `alert-${region}-${incidentId}`.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 100);
}

/**
 * Handles an alert in propose mode: an open proposes the drain, a close cancels a pending
 * proposal. Returns the outcome, or undefined when the alert takes its usual way (a close whose
 * proposal was approved, or never made).
 */
export async function proposeOrCancel(
  deps: RoutesContext & RunnerContext,
  config: FleetConfig,
  incident: IncidentEvent,
  region: string,
): Promise<FlowOutcome | undefined> {
  const id = proposalId(region, incident.incidentId);
  if (incident.state === 'closed') {
    const pending = await readApproval(deps.store, id);
    if (pending?.state !== 'pending') return undefined;
    await cancelApproval(deps, id, `incident ${incident.incidentId} closed before anyone approved the drain`);
    return { result: 'succeeded', reason: `proposed drain of ${region} cancelled: incident ${incident.incidentId} closed` };
  }
  if (await readApproval(deps.store, id)) return { result: 'skipped', reason: `drain of ${region} already proposed (approval ${id})` };
  const request: AlertDrain = {
    type: 'alert-drain',
    region,
    incidentId: incident.incidentId,
    startedAt: incident.startedAt.toISOString(),
    policy: incident.policyName,
  };
  const planned = await planAlertDrain(deps, request);
  if (planned.refused) return { result: 'refused', reason: `${planned.refused} (nothing proposed)` };
  const asked = await askFor(deps, config, {
    id,
    action: 'drain',
    rule: 'failover.mode is propose: alerts drain only once a person approves',
    request,
    principal: 'cloud-monitoring',
    plan: planned.plan,
    summary: `drain ${region} for incident ${incident.incidentId} (${incident.policyName})`,
  });
  return { result: 'succeeded', reason: `proposed, not applied: ${asked.summary}` };
}

/** What approving `r` would change now, and the guard that would refuse it. */
export async function planAlertDrain(
  deps: RoutesContext,
  r: AlertDrain,
): Promise<{ plan: string[]; material: string[]; refused?: string }> {
  const snapshot = await readSnapshot(deps);
  const merged = mergeIncident(
    snapshot.facts,
    { incidentId: r.incidentId, state: 'open', startedAt: new Date(r.startedAt), endedAt: null },
    r.region,
    snapshot.now,
  );
  const after = planFleet(snapshot, merged.facts);
  const refusal = after.drains.refusals.filter((x) => x.ref === r.incidentId).at(-1);
  const plan = [
    ...(after.drains.regions[r.region]?.drained ? [`drain ${r.region}`] : []),
    ...after.routes.flatMap((x) => x.diff.map((line) => `HTTPRoute ${x.namespace}/${x.service}: ${line}`)),
    ...describeTrafficMoved(after.routes),
  ];
  return { plan, material: materialLines(plan), ...(refusal ? { refused: `${refusal.guard}: ${refusal.reason}` } : {}) };
}

/** Carries an approved proposal out: the incident is recorded as learned now, and the routes rendered. */
export async function applyAlertDrain(
  deps: RoutesContext & RunnerContext,
  r: AlertDrain,
  approval: { id: string; approvedBy: string },
): Promise<ManualResult> {
  const { record, outcome } = await runOperation(
    deps,
    {
      kind: 'health-alert',
      delivery: 'request',
      trigger: { source: 'approval', incidentId: r.incidentId, policy: r.policy, approvalId: approval.id, approvedBy: approval.approvedBy },
      principal: 'cloud-monitoring',
      subject: `region/${r.region}`,
      region: r.region,
    },
    async ({ op }) => {
      const event = { incidentId: r.incidentId, state: 'open' as const, startedAt: new Date(r.startedAt), endedAt: null };
      await op.step('record the approved incident', () => recordFact(deps.store, incidentEntry(event, r.region, deps.clock.now())));
      const rendered = await updateRoutes(deps, op, await deps.config());
      const drained = rendered.drains.regions[r.region]?.drained === true;
      return {
        result: drained ? ('succeeded' as const) : ('refused' as const),
        reason: drained ? `${r.region} drained` : `${r.region} not drained by the render`,
      };
    },
  );
  return { result: outcome?.result ?? 'failed', summary: outcome?.reason ?? record.reason ?? '', plan: record.plan, operation: record };
}
