/**
 * The level-based half of offboarding: the tick removes from the fleet a GKE cluster that no longer
 * exists when its delete audit entry was never handled (dead-lettered, or lost with the sink). Such
 * a cluster kept its record (onboarded, failed or skipped) forever, its membership, and its remote
 * secrets in every other mesh cluster, where each istiod kept dialling an API server that is gone.
 *
 * A record is swept only when a complete list of the project's clusters (the Container adapter
 * throws on a partial one) does not have it, and the record has not changed for
 * {@link GONE_AFTER_MS}, so a run still writing it is not raced. Attached clusters are not in the
 * Container API and are never swept; their removal is an operator's decision.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { runOperation } from '../core/run-operation.ts';
import { clusterRecordId, listClusterRecords, recordKind, type ClusterRecord } from '../state/cluster-records.ts';
import type { OperationRecord } from '../state/operations.ts';
import type { LifecycleContext } from './lifecycle.ts';
import { offboard } from './offboard.ts';
import { clusterTickSpec } from './adopt.ts';

/** A record unchanged this long whose cluster is not listed belongs to a cluster that is gone. */
export const GONE_AFTER_MS = 5 * 60_000;

/** Pure: the records of `project` whose cluster `clusters` (a complete list) lacks, unchanged for {@link GONE_AFTER_MS}. */
export function goneClusterRecords(
  clusters: readonly Pick<ClusterInfo, 'projectId' | 'location' | 'name'>[],
  records: readonly ClusterRecord[],
  project: string,
  now: Date,
): ClusterRecord[] {
  const listed = new Set(clusters.map((c) => clusterRecordId(c)));
  return records
    .filter(
      (r) =>
        r.phase !== 'removed' &&
        recordKind(r) === 'gke' &&
        r.projectId === project &&
        !listed.has(clusterRecordId(r)) &&
        now.getTime() - Date.parse(r.updatedAt) >= GONE_AFTER_MS,
    )
    .sort((a, b) => clusterRecordId(a).localeCompare(clusterRecordId(b)));
}

/**
 * Offboards every gone cluster, one operation each, under the cluster's lease without waiting (a
 * lifecycle run holding it is handling the cluster already). Never throws for a cluster: a run that
 * fails leaves the record as it was, and the next tick tries again.
 */
export async function sweepGoneClusters(ctx: LifecycleContext, config: FleetConfig): Promise<OperationRecord[]> {
  const [clusters, records] = await Promise.all([ctx.container.listClusters(), listClusterRecords(ctx.store)]);
  const ran: OperationRecord[] = [];
  for (const record of goneClusterRecords(clusters, records, config.fleet.project, ctx.clock.now())) {
    const subject = `${record.projectId}/${record.location}/${record.name}`;
    const why = `the cluster is not in the project's cluster list, and its record (${record.phase}) has not changed since ${record.updatedAt}`;
    const spec = clusterTickSpec('cluster-sweep', subject, record.region, why);
    const ref = { projectId: record.projectId, location: record.location, name: record.name };
    const { record: op } = await runOperation(ctx, spec, async ({ op }) => {
      await offboard(ctx, op, config, ref, null);
      return {
        result: 'succeeded',
        reason: `cluster no longer exists and its deletion was not seen: removed from the fleet (was ${record.phase})`,
      };
    });
    ran.push(op);
  }
  return ran;
}
