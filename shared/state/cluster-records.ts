/**
 * fleetpilot's record of each cluster it has seen: whether it is onboarded (its backends may
 * route), leaving (a delete began: out of routing), removed, or skipped by policy, and why.
 */
import type { Store } from '../adapters/firestore.ts';

/** The collection of cluster records. */
export const CLUSTERS = 'clusters';

/** Where a cluster stands with fleetpilot. */
export type ClusterPhase = 'onboarding' | 'onboarded' | 'leaving' | 'removed' | 'skipped' | 'failed';

/** One cluster's record. */
export interface ClusterRecord {
  projectId: string;
  location: string;
  name: string;
  region: string;
  phase: ClusterPhase;
  reason?: string;
  membership?: string;
  /** Timestamp of the newest lifecycle event applied, to recognise stale events. */
  lastEventAt?: string;
  updatedAt: string;
  operationId?: string;
}

/** The record id of a cluster. */
export function clusterRecordId(c: { projectId: string; location: string; name: string }): string {
  return `${c.projectId}:${c.location}:${c.name}`;
}

/** Reads a cluster record. */
export async function readClusterRecord(store: Store, c: { projectId: string; location: string; name: string }): Promise<ClusterRecord | undefined> {
  return (await store.get(CLUSTERS, clusterRecordId(c))) as ClusterRecord | undefined;
}

/** Writes a cluster record. */
export async function writeClusterRecord(store: Store, record: ClusterRecord): Promise<void> {
  await store.set(CLUSTERS, clusterRecordId(record), JSON.parse(JSON.stringify(record)) as Record<string, unknown>);
}

/** Every cluster record (the fleet is small: tens to hundreds of clusters). */
export async function listClusterRecords(store: Store): Promise<ClusterRecord[]> {
  return (await store.list(CLUSTERS)) as unknown as ClusterRecord[];
}
