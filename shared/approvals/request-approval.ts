/**
 * Asking for approval: a manual drain or an offboarding the policy names is planned as a dry run,
 * stored as a pending approval with that plan, recorded as an `approval-requested` operation (and
 * so published), and answered `pending`; nothing else changes until a second person approves.
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import type { ManualResult } from '../core/manual-result.ts';
import { runOperation, type RunnerContext } from '../core/run-operation.ts';
import { manualDrain, type ManualDrainContext, type ManualRequest } from '../failover/manual-drain.ts';
import { offboardCluster, type ClusterOpsContext, type ClusterRequest } from '../onboarding/index.ts';
import { approvalRuleFor, materialLines } from './approval-policy.ts';
import { createApproval, type ApprovalRecord, type ApprovalRequest } from './approval-record.ts';

/** What gated requests need. */
export type ApprovalContext = ManualDrainContext & ClusterOpsContext;

/** A manual drain or restore; a drain the approval rules name waits for approval instead. */
export async function gatedManualDrain(deps: ApprovalContext, request: ManualRequest): Promise<ManualResult> {
  if (request.dryRun || request.action !== 'drain' || request.approval) return manualDrain(deps, request);
  const config = await deps.config();
  if (config.approvals.rules.length === 0) return manualDrain(deps, request);
  const planned = await manualDrain(deps, { ...request, dryRun: true });
  // A refusal needs nobody's approval: the real request records it.
  if (planned.result !== 'planned') return manualDrain(deps, request);
  const trafficMoved = Math.max(0, ...(planned.routes ?? []).map((r) => r.trafficMoved));
  const rule = approvalRuleFor(config.approvals, {
    action: 'drain',
    ...(request.overrideGuards ? { overrideGuards: request.overrideGuards } : {}),
    trafficMoved,
  });
  if (!rule) return manualDrain(deps, request);
  return askFor(deps, config, {
    ...rule,
    request: {
      type: 'drain',
      region: request.region,
      reason: request.reason,
      ...(request.overrideGuards?.length ? { overrideGuards: [...request.overrideGuards] } : {}),
    },
    principal: request.principal,
    plan: planned.plan,
    summary: `drain ${request.region} by ${request.principal}: ${request.reason}${planned.summary.replace(/^dry run: would drain \S+/, '')}`,
  });
}

/** An offboarding; one the approval rules name waits for approval instead. */
export async function gatedOffboard(deps: ApprovalContext, request: ClusterRequest, source = 'api'): Promise<ManualResult> {
  const config = await deps.config();
  const rule = request.dryRun ? undefined : approvalRuleFor(config.approvals, { action: 'offboard', trafficMoved: 0 });
  if (!rule) return offboardCluster(deps, request);
  const planned = await offboardCluster(deps, { ...request, dryRun: true, source });
  if (planned.result !== 'planned') return offboardCluster(deps, request);
  return askFor(deps, config, {
    ...rule,
    request: {
      type: 'offboard',
      cluster: { ...request.cluster },
      ...(request.region ? { region: request.region } : {}),
    },
    principal: request.principal,
    plan: planned.plan,
    summary: `offboard by ${request.principal}: ${planned.summary.replace(/^dry run: /, '')}`,
  });
}

/** Stores a pending approval and records the request as an operation; answers `pending`. */
export async function askFor(
  deps: RunnerContext,
  config: FleetConfig,
  ask: {
    action: ApprovalRecord['action'];
    rule: string;
    request: ApprovalRequest;
    principal: string;
    plan: string[];
    summary: string;
    id?: string;
  },
): Promise<ManualResult> {
  const now = deps.clock.now();
  const approval: ApprovalRecord = {
    id: ask.id ?? deps.ids(),
    action: ask.action,
    request: ask.request,
    rule: ask.rule,
    requestedBy: ask.principal,
    requestedAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + config.approvals.expireAfterSeconds * 1000).toISOString(),
    plan: ask.plan,
    material: materialLines(ask.plan),
    summary: ask.summary,
    state: 'pending',
  };
  if (!(await createApproval(deps.store, approval)))
    return { result: 'skipped', summary: `approval ${approval.id} was already asked for`, plan: ask.plan };
  const summary = `${ask.summary} — waits for approval ${approval.id} (${ask.rule}) until ${approval.expiresAt}`;
  const { record } = await runOperation(
    deps,
    {
      kind: 'approval-requested',
      delivery: 'request',
      trigger: { approvalId: approval.id, action: approval.action, rule: ask.rule },
      principal: ask.principal,
      subject: `approval/${approval.id}`,
      ...('region' in ask.request && ask.request.region ? { region: ask.request.region } : {}),
      plan: ask.plan,
    },
    async () => ({ result: 'succeeded' as const, reason: summary }),
  );
  return {
    result: 'pending',
    summary,
    plan: ask.plan,
    approval: { id: approval.id, expiresAt: approval.expiresAt, rule: ask.rule },
    operation: record,
  };
}
