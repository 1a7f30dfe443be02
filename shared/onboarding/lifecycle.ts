/**
 * The cluster lifecycle flow: an audit-log entry is a nudge to look at one cluster. The handler
 * reads the cluster's real state and converges — onboard a running cluster that matches the
 * policy, offboard a deleting or deleted one — so duplicates and any order of events end in the
 * same state. Malformed entries are recorded and acknowledged; transient failures are rethrown
 * so Pub/Sub redelivers.
 */
import { rejectEvent, runOperation, type FlowOutcome, type OperationSpec, type RunnerContext } from '../core/run-operation.ts';
import { parseClusterAuditEntry, type ClusterAuditEvent } from './audit-log.ts';
import { regionOf } from '../routing/index.ts';
import { writeClusterRecord } from '../state/cluster-records.ts';
import type { OperationRecord, OperationRecorder } from '../state/operations.ts';
import { markOnboardingFailed } from './failed.ts';
import { offboard } from './offboard.ts';
import { onboard, type OnboardContext } from './onboard.ts';
import { evaluatePolicy } from './policy.ts';
import { ONBOARDING_STEPS } from './steps.ts';

/** Dedupe markers live a week (audit entries are not redelivered later than that). */
const MARKER_TTL_MS = 7 * 24 * 3600 * 1000;

/** What the lifecycle flow needs. */
export type LifecycleContext = RunnerContext & OnboardContext;

/** Handles one audit-log entry (already decoded from its transport); throws only for what Pub/Sub should redeliver. */
export async function handleClusterAuditEntry(
  ctx: LifecycleContext,
  entry: unknown,
  messageId: string,
  options: { finalAttempt?: boolean } = {},
): Promise<OperationRecord> {
  const parsed = parseClusterAuditEntry(entry);
  if (!parsed.ok)
    return rejectEvent(
      ctx,
      { kind: KIND, trigger: { source: 'audit-log', messageId }, principal: 'audit-log', subject: 'unknown' },
      `entry rejected: ${parsed.reason}`,
    );
  const event = parsed.event;
  const ref = { projectId: event.projectId, location: event.location, name: event.clusterName };
  const subject = `${ref.projectId}/${ref.location}/${ref.name}`;
  const spec: OperationSpec = {
    kind: KIND,
    delivery: 'pubsub',
    trigger: {
      source: 'audit-log',
      messageId,
      action: event.action,
      phase: event.phase,
      operationId: event.operationId,
      apiVersion: event.apiVersion,
      timestamp: event.timestamp,
    },
    principal: 'audit-log',
    subject,
    cluster: subject,
    region: regionOf(event.location),
    marker: { key: `audit:${event.operationId}:${event.phase}`, ttlMs: MARKER_TTL_MS },
    lease: { key: `cluster:${subject}`, ttlMs: 120_000, waitMs: 30_000 },
    finalAttempt: options.finalAttempt ?? false,
  };
  const ran = await runOperation(ctx, spec, ({ op }) => converge(ctx, op, event), {
    // A creation whose onboarding gives up leaves a failed record even when it failed before writing
    // one (the cluster read itself failed): the tick's adoption retries what has a record.
    onFailure: (error, { op }) =>
      markOnboardingFailed(ctx, ref, error, op.id, event.action === 'create' ? regionOf(event.location) : undefined),
  });
  return ran.record;
}

const KIND = 'cluster-lifecycle';

async function converge(deps: LifecycleContext, op: OperationRecorder, event: ClusterAuditEvent): Promise<FlowOutcome> {
  const ref = { projectId: event.projectId, location: event.location, name: event.clusterName };
  const config = await deps.config();
  if (event.action === 'create' && event.phase === 'first')
    return { result: 'skipped', reason: 'creation accepted; onboarding waits for the last entry' };
  if (event.action === 'create' && !event.ok) {
    await writeClusterRecord(deps.store, {
      ...ref,
      region: regionOf(ref.location),
      phase: 'failed',
      reason: event.statusMessage ?? 'creation failed',
      updatedAt: deps.clock.now().toISOString(),
      operationId: op.id,
    });
    return { result: 'skipped', reason: `cluster creation failed: ${event.statusMessage ?? 'unknown error'}` };
  }
  // The event only says where to look; the Container API says what is true (null = confirmed gone).
  const live = await op.step(
    ONBOARDING_STEPS.readCluster,
    () => deps.container.getCluster(ref.location, ref.name),
    (c) => ({ detail: c ? `status ${c.status}` : 'not found (deleted)' }),
  );
  if (!live || live.status === 'STOPPING') {
    await offboard(deps, op, config, ref, live);
    return {
      result: 'succeeded',
      reason: live ? 'cluster is being deleted: taken out of routing' : 'cluster is deleted: removed from the fleet',
    };
  }
  if (live.status !== 'RUNNING' && live.status !== 'RECONCILING') {
    return { result: 'skipped', reason: `cluster status is ${live.status}; nothing to do until it runs` };
  }
  const decision = evaluatePolicy(live, config);
  if (!decision.eligible) {
    await writeClusterRecord(deps.store, {
      ...ref,
      region: regionOf(ref.location),
      phase: 'skipped',
      reason: decision.reason,
      updatedAt: deps.clock.now().toISOString(),
      operationId: op.id,
    });
    return { result: 'skipped', reason: `policy: ${decision.reason}` };
  }
  await onboard(deps, op, config, live);
  return { result: 'succeeded', reason: 'cluster onboarded' };
}
