/**
 * Adoption: the level-based half of onboarding. Audit-log entries are only nudges; when one is lost
 * — dead-lettered because the Hub or Container API failed for longer than its redeliveries — the
 * tick finishes the job. A running cluster that matches the policy is onboarded again, as its own
 * operation, when its onboarding failed (once its record's retry time has come: soon after a
 * transient failure, a few minutes after a terminal one, see failed.ts) or stalled (a run that died
 * mid-way). An adoption that fails, transiently or not, leaves the record failed with its own retry
 * time: a record left `onboarding` would wait for the stalled delay.
 *
 * Clusters fleetpilot has no record of are left alone: they are either being created (their audit
 * entries are on the way) or predate fleetpilot, and bringing those in is an operator's decision
 * (`POST /v1/clusters/onboard`).
 */
import type { ClusterInfo } from '../adapters/container.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { runOperation } from '../core/run-operation.ts';
import { regionOf } from '../routing/index.ts';
import { clusterRecordId, listClusterRecords, recordKind, type ClusterRecord } from '../state/cluster-records.ts';
import type { OperationRecord } from '../state/operations.ts';
import { markOnboardingFailed, retryDueAt } from './failed.ts';
import type { LifecycleContext } from './lifecycle.ts';
import { onboard } from './onboard.ts';
import { evaluatePolicy } from './policy.ts';

/** An onboarding not updated for this long died mid-way (its cluster lease lasts two minutes). */
export const STALLED_AFTER_MS = 5 * 60_000;

/** The run of a tick's work on one cluster: under the cluster's lease, without waiting (a run holding it is handling the cluster). */
export function clusterTickSpec(kind: string, subject: string, region: string, why: string) {
  return {
    kind,
    delivery: 'tick' as const,
    trigger: { source: 'tick', why },
    principal: 'scheduler',
    subject,
    cluster: subject,
    region,
    lease: { key: `cluster:${subject}`, ttlMs: 120_000, waitMs: 0 },
  };
}

/** A cluster the tick should onboard, and why. */
export interface AdoptionCandidate {
  cluster: ClusterInfo;
  why: string;
}

/** Pure: the running, eligible clusters whose failed onboarding is due for a retry, or whose onboarding stalled. */
export function adoptionCandidates(clusters: ClusterInfo[], records: ClusterRecord[], config: FleetConfig, now: Date): AdoptionCandidate[] {
  const byId = new Map(records.filter((r) => recordKind(r) === 'gke').map((r) => [clusterRecordId(r), r]));
  const age = (r: ClusterRecord) => now.getTime() - Date.parse(r.updatedAt);
  const out: AdoptionCandidate[] = [];
  for (const cluster of clusters) {
    if (cluster.status !== 'RUNNING' || !evaluatePolicy(cluster, config).eligible) continue;
    const record = byId.get(clusterRecordId(cluster));
    const why =
      record?.phase === 'failed' && now.getTime() >= retryDueAt(record)
        ? `its onboarding failed at ${record.updatedAt}: ${record.reason ?? 'unknown'}`
        : record?.phase === 'onboarding' && age(record) >= STALLED_AFTER_MS
          ? `its onboarding stalled since ${record.updatedAt}`
          : undefined;
    if (why) out.push({ cluster, why });
  }
  return out.sort((a, b) => clusterRecordId(a.cluster).localeCompare(clusterRecordId(b.cluster)));
}

/**
 * Onboards every candidate, one operation each, under the cluster's lease without waiting (a
 * lifecycle run holding it is already converging). Never throws for a cluster: a failed run marks
 * the record failed with its retry time, and a later tick retries.
 */
export async function adoptClusters(ctx: LifecycleContext, config: FleetConfig): Promise<OperationRecord[]> {
  const [clusters, records] = await Promise.all([ctx.container.listClusters(), listClusterRecords(ctx.store)]);
  const ran: OperationRecord[] = [];
  for (const { cluster, why } of adoptionCandidates(clusters, records, config, ctx.clock.now())) {
    const subject = `${cluster.projectId}/${cluster.location}/${cluster.name}`;
    const spec = clusterTickSpec('cluster-adopt', subject, regionOf(cluster.location), why);
    const { record } = await runOperation(ctx, spec, async ({ op }) => {
      try {
        await onboard(ctx, op, config, cluster);
      } catch (error) {
        // A tick's transient failure ends its run as skipped, without the failure hook: the record
        // must say failed here, or it would stay `onboarding` until the stalled delay.
        await markOnboardingFailed(ctx, cluster, error, op.id);
        throw error;
      }
      return { result: 'succeeded' as const, reason: `cluster onboarded by the tick: ${why}` };
    });
    ran.push(record);
  }
  return ran;
}
