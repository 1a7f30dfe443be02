/**
 * The soak's schedule: a seeded, deterministic list of what happens over the simulated days —
 * hourly ticks, incidents (renotified, delivered hours late, delivered twice), manual holds, cluster
 * creations and deletions, late-report probes and one incident left open at the end.
 */

/** The two demo regions' clusters the incidents are about. */
export const SOAK_TARGETS = [
  { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1' },
  { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2' },
] as const;

/** A cluster the scenario's index refers to. */
export type Target = (typeof SOAK_TARGETS)[number];

/** One incident notification delivery. */
export interface AlertDelivery {
  kind: 'alert';
  incidentId: string;
  state: 'open' | 'closed';
  startedAt: number;
  endedAt?: number;
  target: Target;
  /** Pub/Sub message id: a redelivery reuses it. */
  messageId: string;
  /** Delivered hours after it was sent. */
  late: boolean;
}

/** Something that happens at a simulated moment. */
export type SoakEvent = { at: number } & (
  | { kind: 'tick' }
  | AlertDelivery
  | { kind: 'manual'; action: 'drain' | 'restore'; region: string; id: string }
  | { kind: 'create' | 'delete'; cluster: string; location: string }
  | { kind: 'probe'; id: string }
);

/** How big the scenario is. */
export interface ScenarioOptions {
  seed: number;
  days: number;
  tickMs: number;
  incidentsPerDay: number;
  /** The created clusters, each created and deleted once. */
  clusters: { name: string; location: string; createDay: number; deleteDay: number }[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: a small seeded PRNG, so a failing seed replays exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The schedule, in time order (ties keep generation order), relative to the start. Random incidents
 * and holds happen between 12:00 and 21:00 of each day and are over (late deliveries included) by
 * 06:00 the next day, so the probes at 10:00 and the final incident see a settled fleet.
 */
export function buildScenario(options: ScenarioOptions): SoakEvent[] {
  const rnd = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const between = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo));
  const events: SoakEvent[] = [];
  for (let t = options.tickMs; t <= options.days * DAY; t += options.tickMs) events.push({ at: t, kind: 'tick' });
  let n = 0;
  for (let day = 0; day < options.days - 2; day++) {
    for (let i = 0; i < options.incidentsPerDay; i++) {
      const id = `soak-${options.seed}-${++n}`;
      const target = pick(SOAK_TARGETS);
      const startedAt = day * DAY + between(12 * HOUR, 21 * HOUR);
      const endedAt = startedAt + between(5 * 60_000, 3 * HOUR);
      const late = rnd() < 0.1;
      const delay = late ? between(HOUR, 6 * HOUR) : between(5_000, 60_000);
      const open: AlertDelivery = { kind: 'alert', incidentId: id, state: 'open', startedAt, target, messageId: `${id}-open`, late };
      events.push({ ...open, at: startedAt + delay });
      if (rnd() < 0.1) events.push({ ...open, at: startedAt + delay + between(1_000, 120_000) });
      if (rnd() < 0.3 && startedAt + 30 * 60_000 < endedAt)
        events.push({ ...open, at: startedAt + 30 * 60_000, messageId: `${id}-re`, late: false });
      const close: AlertDelivery = { ...open, state: 'closed', endedAt, messageId: `${id}-close`, late: false };
      events.push({ ...close, at: endedAt + between(5_000, 60_000) });
      if (rnd() < 0.05) events.push({ ...close, at: endedAt + between(HOUR, 3 * HOUR), late: true });
    }
    if (day % 6 === 1) {
      const region = pick(SOAK_TARGETS).region;
      const at = day * DAY + between(12 * HOUR, 18 * HOUR);
      events.push({ at, kind: 'manual', action: 'drain', region, id: `hold-${day}` });
      events.push({ at: at + between(HOUR, 6 * HOUR), kind: 'manual', action: 'restore', region, id: `lift-${day}` });
    }
    if (day % 10 === 2) events.push({ at: day * DAY + 10 * HOUR + 60_000, kind: 'probe', id: `probe-${day}` });
  }
  for (const c of options.clusters) {
    events.push({ at: c.createDay * DAY + 11 * HOUR, kind: 'create', cluster: c.name, location: c.location });
    events.push({ at: c.deleteDay * DAY + 11 * HOUR, kind: 'delete', cluster: c.name, location: c.location });
  }
  // Left open at the end: the final routes must show it, as a fresh derivation does.
  const last = options.days - 1;
  const final: AlertDelivery = {
    kind: 'alert',
    incidentId: `soak-${options.seed}-final`,
    state: 'open',
    startedAt: last * DAY + 10 * HOUR,
    target: SOAK_TARGETS[1],
    messageId: `soak-${options.seed}-final-open`,
    late: false,
  };
  events.push({ ...final, at: final.startedAt + 30_000 });
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.at - b.e.at || a.i - b.i)
    .map(({ e }) => e);
}
