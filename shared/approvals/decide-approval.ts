/**
 * Deciding an approval. A denial ends it. An approval re-plans the request against the fleet as
 * it is now and refuses when what would change differs from the plan that was approved (both are
 * shown); otherwise it carries the request out in the requester's name, with the approval on the
 * operation's trigger. An approval past its expiry does nothing but say so. Each decision is an
 * operation (`approval-approved`, `approval-denied`, `approval-expired`), so it is published.
 */
import { RequestError } from '../core/errors.ts';
import type { ManualResult } from '../core/manual-result.ts';
import { runOperation, type RunnerContext } from '../core/run-operation.ts';
import type { OverridableGuard } from '../failover/index.ts';
import { manualDrain } from '../failover/manual-drain.ts';
import { offboardCluster, type ClusterRequest } from '../onboarding/index.ts';
import { materialLines } from './approval-policy.ts';
import { readApproval, updateApproval, type ApprovalRecord } from './approval-record.ts';
import { applyAlertDrain, planAlertDrain } from './alert-proposal.ts';
import type { ApprovalContext } from './request-approval.ts';

/** A decision on an approval. */
export interface Decision {
  id: string;
  principal: string;
  decision: 'approve' | 'deny';
  reason?: string;
}

/** Approves or denies; throws a RequestError when the approval cannot be decided (absent, decided, expired). */
export async function decideApproval(deps: ApprovalContext, decision: Decision): Promise<ManualResult> {
  const current = await readApproval(deps.store, decision.id);
  if (!current) throw new RequestError('not_found', `approval ${decision.id} does not exist`);
  if (current.state !== 'pending')
    throw new RequestError(
      'conflict',
      `approval ${current.id} is ${current.state}${current.decidedBy ? ` (by ${current.decidedBy})` : ''}`,
    );
  if (deps.clock.now().getTime() >= Date.parse(current.expiresAt)) {
    await expire(deps, current);
    throw new RequestError('failed_precondition', `approval ${current.id} expired at ${current.expiresAt}: nothing was done`);
  }
  if (decision.principal === current.requestedBy)
    throw new RequestError(
      'permission_denied',
      `${decision.principal} asked for approval ${current.id} and cannot decide it: a second person must`,
    );
  if (decision.decision === 'deny') return deny(deps, current, decision);

  const now = await replan(deps, current);
  const changed = JSON.stringify(now.material) !== JSON.stringify(current.material);
  if (changed || now.refused)
    return {
      result: 'refused',
      summary: `approval ${current.id} refused: ${now.refused ?? 'the plan changed since it was asked for'}`,
      plan: ['approved plan:', ...current.material, 'plan now:', ...now.material],
      refusal: { guard: 'plan-changed', reason: now.refused ?? 'what would change differs from the plan that was asked for' },
    };
  const taken = await updateApproval(deps.store, current.id, (a) =>
    a.state === 'pending'
      ? { ...a, state: 'approving', decidedBy: decision.principal, decidedAt: deps.clock.now().toISOString() }
      : `approval ${a.id} is ${a.state}`,
  );
  if (typeof taken === 'string') throw new RequestError('conflict', taken);
  const done = await carryOut(deps, taken).catch(async (error: unknown) => {
    await updateApproval(deps.store, current.id, (a) => ({ ...a, state: 'failed', outcome: String(error) }));
    throw error;
  });
  const approved: ApprovalRecord = {
    ...taken,
    state: done.result === 'succeeded' || done.result === 'skipped' ? 'approved' : 'failed',
    outcome: done.summary,
    ...(done.operation ? { operationId: done.operation.id } : {}),
  };
  await updateApproval(deps.store, current.id, () => approved);
  await announce(deps, approved, 'approval-approved', `approved by ${decision.principal}: ${done.summary}`);
  return { ...done, summary: `approval ${current.id} approved by ${decision.principal}: ${done.summary}` };
}

/** Ends pending approvals past their expiry (the tick); returns their ids. */
export async function expireApprovals(deps: RunnerContext, pending: readonly ApprovalRecord[]): Promise<string[]> {
  const now = deps.clock.now().getTime();
  const due = pending.filter((a) => a.state === 'pending' && now >= Date.parse(a.expiresAt));
  for (const a of due) await expire(deps, a);
  return due.map((a) => a.id);
}

/** Ends a pending approval without acting (an alert's close cancels its proposal). */
export async function cancelApproval(deps: RunnerContext, id: string, why: string): Promise<boolean> {
  const ended = await updateApproval(deps.store, id, (a) =>
    a.state === 'pending' ? { ...a, state: 'cancelled', outcome: why } : `approval ${id} is ${a.state}`,
  );
  if (typeof ended === 'string') return false;
  await announce(deps, ended, 'approval-cancelled', why);
  return true;
}

async function expire(deps: RunnerContext, a: ApprovalRecord): Promise<void> {
  const why = `expired at ${a.expiresAt} without a decision: nothing was done`;
  const ended = await updateApproval(deps.store, a.id, (c) =>
    c.state === 'pending' ? { ...c, state: 'expired', outcome: why } : `approval ${a.id} is ${c.state}`,
  );
  if (typeof ended !== 'string') await announce(deps, ended, 'approval-expired', why);
}

async function deny(deps: ApprovalContext, a: ApprovalRecord, decision: Decision): Promise<ManualResult> {
  const why = `denied by ${decision.principal}${decision.reason ? `: ${decision.reason}` : ''}`;
  const ended = await updateApproval(deps.store, a.id, (c) =>
    c.state === 'pending'
      ? { ...c, state: 'denied', decidedBy: decision.principal, decidedAt: deps.clock.now().toISOString(), outcome: why }
      : `approval ${a.id} is ${c.state}`,
  );
  if (typeof ended === 'string') throw new RequestError('conflict', ended);
  const record = await announce(deps, ended, 'approval-denied', why);
  return { result: 'succeeded', summary: `approval ${a.id} ${why}; nothing was done`, plan: a.plan, operation: record };
}

/** The request's plan now, as its material lines; `refused` when it would now be refused. */
async function replan(deps: ApprovalContext, a: ApprovalRecord): Promise<{ material: string[]; refused?: string }> {
  const r = a.request;
  if (r.type === 'alert-drain') return planAlertDrain(deps, r);
  const planned =
    r.type === 'drain'
      ? await manualDrain(deps, {
          action: 'drain',
          region: r.region,
          reason: r.reason,
          principal: a.requestedBy,
          dryRun: true,
          source: 'approval',
          ...overrides(r.overrideGuards),
        })
      : await offboardCluster(deps, offboardRequest(a, true));
  return {
    material: materialLines(planned.plan),
    ...(planned.refusal ? { refused: `${planned.refusal.guard}: ${planned.refusal.reason}` } : {}),
  };
}

async function carryOut(deps: ApprovalContext, a: ApprovalRecord): Promise<ManualResult> {
  const r = a.request;
  const approval = { id: a.id, approvedBy: a.decidedBy! };
  if (r.type === 'alert-drain') return applyAlertDrain(deps, r, approval);
  if (r.type === 'drain')
    return manualDrain(deps, {
      action: 'drain',
      region: r.region,
      reason: r.reason,
      principal: a.requestedBy,
      dryRun: false,
      source: 'approval',
      requestId: `approval-${a.id}`,
      approval,
      ...overrides(r.overrideGuards),
    });
  return offboardCluster(deps, offboardRequest(a, false));
}

function offboardRequest(a: ApprovalRecord, dryRun: boolean): ClusterRequest {
  const r = a.request as Extract<ApprovalRecord['request'], { type: 'offboard' }>;
  return {
    cluster: r.cluster as unknown as ClusterRequest['cluster'],
    ...(r.region ? { region: r.region } : {}),
    principal: a.requestedBy,
    dryRun,
    source: 'approval',
  };
}

function overrides(guards: string[] | undefined): { overrideGuards?: OverridableGuard[] } {
  return guards?.length ? { overrideGuards: guards as OverridableGuard[] } : {};
}

async function announce(deps: RunnerContext, a: ApprovalRecord, kind: string, reason: string) {
  const { record } = await runOperation(
    deps,
    {
      kind,
      delivery: 'request',
      trigger: { approvalId: a.id, action: a.action, requestedBy: a.requestedBy },
      principal: a.decidedBy ?? 'fleetpilot',
      subject: `approval/${a.id}`,
      ...('region' in a.request && a.request.region ? { region: a.request.region } : {}),
      plan: a.plan,
    },
    async () => ({ result: 'succeeded' as const, reason: `${a.summary}: ${reason}` }),
  );
  return record;
}
