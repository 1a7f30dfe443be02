/** Fixture builders for onboarding tests: clusters through the Container double, audit entries, waits. */
import { randomBytes } from 'node:crypto';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { buildFirstAuditEntry, buildLastAuditEntry, type ClusterMethod } from '../../sandbox/google-double/audit-log.ts';
import { sandboxInfo } from './sandbox-clients.ts';

/** Labels that make a cluster match the example configuration's onboarding selector. */
export const ONBOARD_LABELS = { 'fleetpilot-onboard': 'true', app: 'store' };

/** A short unique cluster name. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Creates a cluster through the Container API double and waits for its operation. */
export async function createCluster(adapters: GcpAdapters, name: string, location: string, labels: Record<string, string>): Promise<void> {
  const op = await adapters.container.createCluster(location, { name, resourceLabels: labels });
  await adapters.container.waitForOperation(location, op.split('/').pop()!);
}

/**
 * Deletes a cluster, waits for its operation, and then for fleetpilot to finish offboarding it, so
 * the next test sees the fleet as it was.
 */
export async function deleteCluster(adapters: GcpAdapters, name: string, location: string): Promise<void> {
  const op = await adapters.container.deleteCluster(location, name);
  if (op) await adapters.container.waitForOperation(location, op.split('/').pop()!);
  await pollUntil(
    async () => {
      const record = await adapters.store.get('clusters', `${sandboxInfo().projectId}:${location}:${name}`);
      return !record || record.phase === 'removed' || record.phase === 'skipped' || record.phase === 'failed' ? true : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 200, what: `${name} offboarded` },
  );
}

/** Operation records about one cluster. */
export async function operationsFor(adapters: GcpAdapters, cluster: string): Promise<OperationRecord[]> {
  const all = (await adapters.store.list(OPERATIONS)) as unknown as OperationRecord[];
  return all.filter((o) => o.subject.endsWith(`/${cluster}`)).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Waits for an operation record matching `predicate` to finish. */
export function waitForOperation(
  adapters: GcpAdapters,
  cluster: string,
  predicate: (o: OperationRecord) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<OperationRecord> {
  return pollUntil(async () => (await operationsFor(adapters, cluster)).find((o) => o.finishedAt && predicate(o)), {
    timeoutMs,
    intervalMs: 200,
    what,
  });
}

/** A realistic audit entry pair for a call that fleetpilot did not see happen (replays, reorderings). */
export function auditEntries(cluster: string, location: string, method: ClusterMethod, at: Date) {
  const call = {
    projectId: sandboxInfo().projectId,
    clusterName: cluster,
    location,
    method,
    operationId: `operation-replay-${randomBytes(4).toString('hex')}`,
    viaZonesPath: false,
    principalEmail: 'sre@example.com',
  };
  return {
    first: buildFirstAuditEntry({
      ...call,
      request: { cluster: { name: cluster } },
      response: { name: call.operationId },
      timestamp: at,
      insertId: randomBytes(6).toString('hex'),
    }),
    last: buildLastAuditEntry({ ...call, timestamp: new Date(at.getTime() + 60_000), insertId: randomBytes(6).toString('hex') }),
  };
}
