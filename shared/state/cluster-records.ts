/**
 * fleetpilot's record of each cluster it has seen: whether it is onboarded (its backends may
 * route), leaving (a delete began: out of routing), removed, or skipped by policy, and why.
 * A removed cluster's record expires {@link FIXED_LIFETIMES.removedClusterMs} after its removal
 * (`updatedAt`); no other phase expires, and a record written again loses any earlier expiry. A
 * record whose cluster is gone is made removed by the tick's sweep (onboarding/sweep.ts).
 */
import { TTL_FIELD, type Store } from '../adapters/firestore.ts';
import { expiresAt, FIXED_LIFETIMES, withoutExpiry } from './retention.ts';

/** The collection of cluster records. */
export const CLUSTERS = 'clusters';

/** Where a cluster stands with fleetpilot. */
export type ClusterPhase = 'onboarding' | 'onboarded' | 'leaving' | 'removed' | 'skipped' | 'failed';

/**
 * What kind of cluster a record is about: a GKE cluster (in the Container API), or an attached or
 * on-prem cluster that exists only as a fleet membership and is reached through Connect Gateway.
 */
export type ClusterKind = 'gke' | 'attached';

/**
 * One cluster's record. A GKE cluster is keyed by its project, location and name. An attached
 * cluster by the fleet project, its membership's location and its membership id; its `region` is the
 * one given when it was onboarded (where its traffic is counted), not derived from the location.
 */
export interface ClusterRecord {
  projectId: string;
  location: string;
  name: string;
  region: string;
  /** Absent for records written before attached clusters existed: `gke`. */
  kind?: ClusterKind;
  phase: ClusterPhase;
  reason?: string;
  /** Full membership name. */
  membership?: string;
  /** When it was first onboarded (ISO), kept while it stays onboarded: where a new region's ramp starts. */
  onboardedAt?: string;
  /** Timestamp of the newest lifecycle event applied, to recognise stale events. */
  lastEventAt?: string;
  updatedAt: string;
  /** A failed onboarding: when the tick's adoption tries it again (absent: two minutes after `updatedAt`). */
  retryAt?: string;
  operationId?: string;
}

/**
 * The `onboardedAt` of a record being written as onboarded: the previous one's while it was
 * onboarded already (absent on records older than the field: long onboarded), else `now`.
 */
export function onboardedSince(previous: ClusterRecord | null | undefined, now: Date): { onboardedAt?: string } {
  if (previous?.phase === 'onboarded') return previous.onboardedAt ? { onboardedAt: previous.onboardedAt } : {};
  return { onboardedAt: now.toISOString() };
}

/** The kind of a record (`gke` when absent). */
export function recordKind(record: Pick<ClusterRecord, 'kind'>): ClusterKind {
  return record.kind ?? 'gke';
}

/** The record id of a cluster. */
export function clusterRecordId(c: { projectId: string; location: string; name: string }): string {
  return `${c.projectId}:${c.location}:${c.name}`;
}

/** Reads a cluster record. */
export async function readClusterRecord(
  store: Store,
  c: { projectId: string; location: string; name: string },
): Promise<ClusterRecord | undefined> {
  const doc = await store.get(CLUSTERS, clusterRecordId(c));
  return doc && (withoutExpiry(doc) as unknown as ClusterRecord);
}

/** Writes a cluster record; a removed cluster's with its expiry, counted from `updatedAt`. */
export async function writeClusterRecord(store: Store, record: ClusterRecord): Promise<void> {
  const plain = withoutExpiry(JSON.parse(JSON.stringify(record)) as Record<string, unknown>);
  const expiry = record.phase === 'removed' ? { [TTL_FIELD]: expiresAt(new Date(record.updatedAt), FIXED_LIFETIMES.removedClusterMs) } : {};
  await store.set(CLUSTERS, clusterRecordId(record), { ...plain, ...expiry });
}

/** Every cluster record (the fleet is small: tens to hundreds of clusters). */
export async function listClusterRecords(store: Store): Promise<ClusterRecord[]> {
  return (await store.list(CLUSTERS)).map(withoutExpiry) as unknown as ClusterRecord[];
}
