/**
 * The cluster lifecycle flow: an audit-log entry is a nudge to look at one cluster. The handler
 * reads the cluster's real state and converges — onboard a running cluster that matches the
 * policy, offboard a deleting or deleted one — so duplicates and any order of events end in the
 * same state. Malformed entries are recorded and acknowledged; transient failures are rethrown
 * so Pub/Sub redelivers.
 */
import { MARKERS } from '../adapters/firestore.ts';
import { isRetryable } from '../core/errors.ts';
import { parseClusterAuditEntry, type ClusterAuditEvent } from './audit-log.ts';
import { regionOf } from '../routing/index.ts';
import { readClusterRecord, writeClusterRecord } from '../state/cluster-records.ts';
import { withLease } from '../state/leases.ts';
import { startOperation, type OperationRecord, type OperationRecorder } from '../state/operations.ts';
import type { LifecycleDeps } from '../core/context.ts';
import { offboard } from './offboard.ts';
import { onboard } from './onboard.ts';
import { evaluatePolicy } from './policy.ts';

/** Dedupe markers live a week (audit entries are not redelivered later than that). */
const MARKER_TTL_MS = 7 * 24 * 3600 * 1000;

/** Handles one audit-log entry (already decoded from its transport). */
export async function handleClusterAuditEntry(deps: LifecycleDeps, entry: unknown, messageId: string): Promise<OperationRecord> {
  const parsed = parseClusterAuditEntry(entry);
  if (!parsed.ok) {
    const op = await startOperation(deps, { kind: 'cluster-lifecycle', trigger: { source: 'audit-log', messageId }, principal: 'audit-log', subject: 'unknown' });
    deps.log.warn('audit entry rejected', { messageId, reason: parsed.reason });
    return op.finish('skipped', `entry rejected: ${parsed.reason}`);
  }
  const event = parsed.event;
  const markerKey = `audit:${event.operationId}:${event.phase}`;
  const subject = `${event.projectId}/${event.location}/${event.clusterName}`;
  const trigger = { source: 'audit-log', messageId, action: event.action, phase: event.phase, operationId: event.operationId, apiVersion: event.apiVersion, timestamp: event.timestamp };
  const op = await startOperation(deps, { kind: 'cluster-lifecycle', trigger, principal: 'audit-log', subject, cluster: subject, region: regionOf(event.location) });
  const log = deps.log.child({ operationId: op.id, messageId, cluster: subject });
  if (await deps.store.get(MARKERS, markerKey)) {
    log.info('duplicate audit entry ignored', { marker: markerKey });
    return op.finish('skipped', 'duplicate: this entry was already processed');
  }
  try {
    const result = await withLease(deps, `cluster:${subject}`, `${deps.instanceId}:${op.id}`, 120_000,
      () => converge(deps, op, event), 30_000);
    await deps.store.markOnce(markerKey, MARKER_TTL_MS, { operationId: op.id });
    log.info('cluster lifecycle handled', { result: result.result, reason: result.reason });
    return await op.finish(result.result, result.reason);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isRetryable(error)) {
      log.warn('cluster lifecycle failed transiently; Pub/Sub will redeliver', { error });
      await op.finish('retrying', message);
      throw error;
    }
    log.error('cluster lifecycle failed permanently', { error });
    // The cluster's record says why, instead of staying in the phase the run had reached.
    const record = await readClusterRecord(deps.store, { projectId: event.projectId, location: event.location, name: event.clusterName });
    if (record && record.phase === 'onboarding') {
      await writeClusterRecord(deps.store, { ...record, phase: 'failed', reason: message, updatedAt: deps.clock.now().toISOString(), operationId: op.id });
    }
    await deps.store.markOnce(markerKey, MARKER_TTL_MS, { operationId: op.id, failed: true });
    return op.finish('failed', message);
  }
}

async function converge(deps: LifecycleDeps, op: OperationRecorder, event: ClusterAuditEvent): Promise<{ result: 'succeeded' | 'skipped'; reason?: string }> {
  const ref = { projectId: event.projectId, location: event.location, name: event.clusterName };
  const config = await deps.config();
  if (event.action === 'create' && event.phase === 'first') return { result: 'skipped', reason: 'creation accepted; onboarding waits for the last entry' };
  if (event.action === 'create' && !event.ok) {
    await writeClusterRecord(deps.store, { ...ref, region: regionOf(ref.location), phase: 'failed', reason: event.statusMessage ?? 'creation failed', updatedAt: deps.clock.now().toISOString(), operationId: op.id });
    return { result: 'skipped', reason: `cluster creation failed: ${event.statusMessage ?? 'unknown error'}` };
  }
  // The event only says where to look; the Container API says what is true (null = confirmed gone).
  const live = await op.step('read cluster', () => deps.container.getCluster(ref.location, ref.name), (c) => ({ detail: c ? `status ${c.status}` : 'not found (deleted)' }));
  if (!live || live.status === 'STOPPING') {
    await offboard(deps, op, config, ref, live);
    return { result: 'succeeded', reason: live ? 'cluster is being deleted: taken out of routing' : 'cluster is deleted: removed from the fleet' };
  }
  if (live.status !== 'RUNNING' && live.status !== 'RECONCILING') {
    return { result: 'skipped', reason: `cluster status is ${live.status}; nothing to do until it runs` };
  }
  const decision = evaluatePolicy(live, config);
  if (!decision.eligible) {
    await writeClusterRecord(deps.store, { ...ref, region: regionOf(ref.location), phase: 'skipped', reason: decision.reason, updatedAt: deps.clock.now().toISOString(), operationId: op.id });
    return { result: 'skipped', reason: `policy: ${decision.reason}` };
  }
  await onboard(deps, op, config, live);
  return { result: 'succeeded', reason: 'cluster onboarded' };
}
