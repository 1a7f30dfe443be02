/**
 * Drill records: one Firestore document per drill, from the request to its report. A record is
 * written whole at each change of state; its lifetime is {@link DRILL_LIFETIME_MS} from its last
 * write, and at most one drill is active at a time (a new one is refused while another runs).
 */
import type { Store } from '../adapters/firestore.ts';
import { TTL_FIELD } from '../adapters/firestore.ts';
import { expiresAt, withoutExpiry } from '../state/retention.ts';
import type { DrillReport } from './drill-report.ts';

/** The collection of drill records. */
export const DRILLS = 'drills';
/** How long a drill record is kept after its last change: a quarter's drills, to compare them. */
export const DRILL_LIFETIME_MS = 90 * 24 * 3600 * 1000;
/** How many of the latest drills are read to find the active one and to list them. */
export const RECENT_DRILLS = 50;

/**
 * Where a drill is: `draining` until its time is up, `restoring` until the region has its whole
 * weight back, `measuring` until the traffic metrics cover the restore; then `completed`, or
 * `aborted` (ended early, with why), or `refused` (never started, with the guard that said no).
 */
export type DrillState = 'draining' | 'restoring' | 'measuring' | 'completed' | 'aborted' | 'refused';

/** The states of a drill that has not ended. */
export const ACTIVE_DRILL_STATES: readonly DrillState[] = ['draining', 'restoring', 'measuring'];

/** A guard the drill consulted before it drained, and what it said. */
export interface GuardVerdict {
  guard: string;
  verdict: string;
}

/** A stored drill. */
export interface DrillRecord {
  id: string;
  region: string;
  reason: string;
  /** Who asked (a principal), or `schedule` for a scheduled drill. */
  requestedBy: string;
  source: 'api' | 'slack' | 'schedule';
  durationSeconds: number;
  state: DrillState;
  /** ISO times of each step, as far as the drill got. */
  requestedAt: string;
  drainWrittenAt?: string;
  restoreDueAt: string;
  restoreRequestedAt?: string;
  fullWeightAt?: string;
  endedAt?: string;
  /** The operations that drained and restored the region. */
  drainOperationId?: string;
  restoreOperationId?: string;
  /** The drain's plan: the routes' weights and the share of traffic each service moves. */
  plan: string[];
  guards: GuardVerdict[];
  /** Why it ended early, or why it was refused. */
  endReason?: string;
  report?: DrillReport;
}

/** Whether `drill` has not ended. */
export function isActiveDrill(drill: Pick<DrillRecord, 'state'>): boolean {
  return ACTIVE_DRILL_STATES.includes(drill.state);
}

/** Reads one drill; undefined when there is none with that id. */
export async function readDrill(store: Store, id: string): Promise<DrillRecord | undefined> {
  const doc = await store.get(DRILLS, id);
  return doc ? (withoutExpiry(doc) as unknown as DrillRecord) : undefined;
}

/** Writes `drill` whole, kept {@link DRILL_LIFETIME_MS} from `now`. */
export async function saveDrill(store: Store, drill: DrillRecord, now: Date): Promise<void> {
  await store.set(DRILLS, drill.id, {
    ...(JSON.parse(JSON.stringify(drill)) as Record<string, unknown>),
    [TTL_FIELD]: expiresAt(now, DRILL_LIFETIME_MS),
  });
}

/** The latest drills, newest first. */
export async function recentDrills(store: Store, limit = RECENT_DRILLS): Promise<DrillRecord[]> {
  const docs = await store.query(DRILLS, { orderBy: 'requestedAt', limit });
  return docs.map((doc) => withoutExpiry(doc) as unknown as DrillRecord);
}

/** The drills that have not ended, oldest first. */
export async function activeDrills(store: Store): Promise<DrillRecord[]> {
  return (await recentDrills(store)).filter(isActiveDrill).reverse();
}
