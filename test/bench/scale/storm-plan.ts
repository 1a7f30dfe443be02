/**
 * The alert storm's notifications and the outcome they should have: 40 incidents over the scale
 * fleet's 8 regions (5 each; in 3 regions the last one stays open), sent as opens, renotifications,
 * duplicates and closes in a shuffled order, and the routes computed with the pure functions from
 * the same notifications merged in time order (deriveDrains, drainOverlay, renderHttpRoute).
 */
import type { FleetConfig } from '../../../shared/config/fleet-config.ts';
import { deriveDrains, drainOverlay, mergeIncident, NO_FACTS, type FleetFacts } from '../../../shared/failover/index.ts';
import { parseIncidentNotification, type IncidentEvent } from '../../../shared/failover/incident.ts';
import { renderHttpRoute, routedServices, type RoutingObservation } from '../../../shared/routing/index.ts';
import { monitoringNotification } from '../../../sandbox/monitoring-incidents.ts';
import { defaultWeights, type LiveRoute } from '../../../sandbox/scale-converge.ts';
import { SCALE_MEMBERS, SCALE_REGIONS } from '../../../sandbox/scale-fleet.ts';

/** One notification to publish, with the time its event happened. */
export interface StormMessage {
  payload: Record<string, unknown>;
  event: IncidentEvent;
  region: string;
  at: number;
}

const PER_REGION = 5;
const STILL_OPEN = new Set<string>([SCALE_REGIONS[1], SCALE_REGIONS[4], SCALE_REGIONS[6]]);

/** A small deterministic PRNG (mulberry32), so every run sends the same storm. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` notifications in publishing order; every incident's open (and close) is among them. */
export function stormMessages(size: number, projectId: string, now: number, run: string): StormMessage[] {
  const base = Math.floor((now - 300_000) / 1000) * 1000;
  const rand = random(18);
  const incidents = Array.from({ length: PER_REGION * SCALE_REGIONS.length }, (_, k) => {
    const region = SCALE_REGIONS[k % SCALE_REGIONS.length]!;
    const j = Math.floor(k / SCALE_REGIONS.length);
    const member = SCALE_MEMBERS.find((c) => c.region === region)!;
    const startedAt = new Date(base + j * 40_000 + (k % SCALE_REGIONS.length) * 2_000);
    const closes = !(STILL_OPEN.has(region) && j === PER_REGION - 1);
    const spec = { incidentId: `storm-${run}-${k}`, cluster: member.name, location: member.location, projectId, startedAt };
    const message = (state: 'open' | 'closed'): StormMessage => {
      const endedAt = new Date(startedAt.getTime() + 20_000);
      const payload = monitoringNotification({ ...spec, state, ...(state === 'closed' ? { endedAt } : {}) });
      const parsed = parseIncidentNotification(payload);
      if (!parsed.ok || !('incident' in parsed)) throw new Error('storm notification does not parse');
      return { payload, event: parsed.incident, region, at: (state === 'open' ? startedAt : endedAt).getTime() };
    };
    return { open: message('open'), close: closes ? message('closed') : undefined };
  });
  const messages = incidents.flatMap((i) => (i.close ? [i.open, i.close] : [i.open]));
  while (messages.length < size) {
    const incident = incidents[Math.floor(rand() * incidents.length)]!;
    // Renotifications and duplicates repeat an open or a close as Monitoring (and Pub/Sub) would.
    messages.push(incident.close && rand() < 0.35 ? incident.close : incident.open);
  }
  for (let i = messages.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [messages[i], messages[j]] = [messages[j]!, messages[i]!];
  }
  return messages;
}

/** The facts the messages give when learned in the time order of their events. */
export function timeOrderedFacts(messages: readonly StormMessage[]): FleetFacts {
  let facts = NO_FACTS;
  for (const m of [...messages].sort((a, b) => a.at - b.at)) facts = mergeIncident(facts, m.event, m.region, new Date(m.at)).facts;
  return facts;
}

/** The default rule and pinned rules of each service's route, rendered from `facts` at `now` (null: no route). */
export function expectedRoutes(
  config: FleetConfig,
  observed: RoutingObservation,
  facts: FleetFacts,
  now: Date,
): Map<string, string | null> {
  const services = routedServices(config, observed);
  const drains = deriveDrains({ facts, services, policy: config.safety, now });
  const overlay = drainOverlay(drains, config.safety.pinnedPathsOnDrain);
  return new Map(
    config.services.map((s) => {
      const route = renderHttpRoute(s, config.fleet.gateway, observed, overlay).route as LiveRoute | null;
      return [`${s.namespace}/${s.name}`, route ? routeShape(route) : null];
    }),
  );
}

/** A comparable summary of a route: each rule's path and its backends with weights, default weights sorted. */
export function routeShape(route: LiveRoute | undefined): string {
  const rules = (route?.spec?.rules ?? []).map((r) => ({
    path: r.matches?.[0]?.path?.value ?? '/',
    refs: (r.backendRefs ?? []).map((b) => `${b.name}=${b.weight ?? 1}`).sort(),
  }));
  return JSON.stringify({ rules: rules.sort((a, b) => a.path.localeCompare(b.path)), weights: [...defaultWeights(route)].sort() });
}
