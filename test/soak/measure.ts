/** What the end of the soak measures: document sizes by collection, medians, and a fresh derivation of the routes. */
import { NO_FACTS, mergeIncident, type FleetFacts } from '../../shared/failover/index.ts';
import { parseIncidentNotification } from '../../shared/failover/incident.ts';
import { planFleet, readSnapshot, type HttpRoute } from '../../shared/routing/index.ts';
import { monitoringNotification } from '../../sandbox/monitoring-incidents.ts';
import { SOAK } from './fleet.ts';
import type { SoakFleet } from './fleet.ts';
import type { AlertDelivery } from './scenario.ts';

/** The largest document (JSON-serialised bytes) of each collection the soak fleet wrote, and their counts. */
export async function documentSizes(fleet: SoakFleet): Promise<{ collection: string; docs: number; largest: number; id: string }[]> {
  const out = [];
  for (const c of await fleet.firestore.listCollections()) {
    if (!c.id.startsWith(fleet.prefix)) continue;
    const docs = (await c.get()).docs;
    let largest = 0;
    let id = '';
    for (const d of docs) {
      const size = Buffer.byteLength(JSON.stringify(d.data()));
      if (size > largest) [largest, id] = [size, d.id];
    }
    out.push({ collection: c.id.slice(fleet.prefix.length), docs: docs.length, largest, id });
  }
  return out.sort((a, b) => b.largest - a.largest);
}

/** The median of `values` (0 for none). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * The live soak HTTPRoute and how the route a fresh derivation renders differs from it: the configuration and the
 * clusters observed now, with facts holding only the incidents still open, learned now.
 */
export async function freshDerivation(
  fleet: SoakFleet,
  start: number,
  open: AlertDelivery[],
): Promise<{ live: HttpRoute['spec'] | undefined; fresh: string[]; stored: string[] }> {
  const ctx = fleet.ctx.fleet;
  const snapshot = await readSnapshot(ctx);
  let facts: FleetFacts = NO_FACTS;
  for (const d of open) {
    const parsed = parseIncidentNotification(
      monitoringNotification({
        incidentId: d.incidentId,
        state: 'open',
        startedAt: new Date(start + d.startedAt),
        cluster: d.target.cluster,
        location: d.target.location,
        projectId: fleet.ctx.env.FLEETPILOT_PROJECT_ID,
      }),
    );
    if (!parsed.ok || 'test' in parsed) throw new Error(`incident ${d.incidentId} does not parse`);
    facts = mergeIncident(facts, parsed.incident, d.target.region, ctx.clock.now()).facts;
  }
  const fresh = planFleet(snapshot, facts).routes.find((r) => r.service === SOAK);
  const stored = planFleet(snapshot).routes.find((r) => r.service === SOAK);
  if (!fresh?.rendered || !stored) throw new Error('the fresh derivation renders no soak route');
  // Differences from the live route, as the planner describes them (the API server's defaults are not differences).
  return { live: snapshot.live.get(SOAK)?.spec, fresh: fresh.diff, stored: stored.diff };
}
