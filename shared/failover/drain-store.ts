/**
 * Persistence of the drain facts (incidents and manual holds per region) in one Firestore document,
 * merged inside transactions so that concurrent instances never lose a fact; and of the derived
 * drain state, kept for people and the API to read.
 */
import type { Store } from '../adapters/firestore.ts';
import type { FleetDrainState } from './drain-state.ts';
import type { FleetFacts } from './facts.ts';

/** The collection of failover documents. */
export const FAILOVER = 'failover';
const FACTS = 'facts';
const STATE = 'state';

/** Reads every region's facts. */
export async function readFacts(store: Store): Promise<FleetFacts> {
  return ((await store.get(FAILOVER, FACTS))?.regions ?? {}) as FleetFacts;
}

/** Applies `merge` to the stored facts in a transaction; writes only when something changed. */
export async function updateFacts(
  store: Store,
  merge: (facts: FleetFacts) => { facts: FleetFacts; changed: boolean },
): Promise<{ facts: FleetFacts; changed: boolean }> {
  return store.transaction(async (tx) => {
    const current = ((await tx.get(FAILOVER, FACTS))?.regions ?? {}) as FleetFacts;
    const result = merge(current);
    if (result.changed) tx.set(FAILOVER, FACTS, { regions: JSON.parse(JSON.stringify(result.facts)) as Record<string, unknown> });
    return result;
  });
}

/** Stores the derived state as last rendered into routes. */
export async function writeDrainSnapshot(store: Store, state: FleetDrainState, at: Date, operationId: string): Promise<void> {
  await store.set(
    FAILOVER,
    STATE,
    JSON.parse(JSON.stringify({ ...state, renderedAt: at.toISOString(), operationId })) as Record<string, unknown>,
  );
}

/** The last derived state, if any. */
export async function readDrainSnapshot(
  store: Store,
): Promise<(FleetDrainState & { renderedAt: string; operationId: string }) | undefined> {
  return (await store.get(FAILOVER, STATE)) as (FleetDrainState & { renderedAt: string; operationId: string }) | undefined;
}
