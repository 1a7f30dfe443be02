/**
 * Derives the drain state of the fleet from the facts by replaying them in learned order, from the
 * folded history ({@link FleetFacts.base}) onwards. The state is a function of the stored facts,
 * the services and `now` only; a fact takes effect when fleetpilot learned of it, so facts learned
 * later never change what an earlier render decided (invariant 2).
 *
 * The replay, moment by moment (see {@link compareMoments} for the order):
 * - **Incident learned open** in a serving region: the region wants an alert drain. The guards are
 *   checked against the state at that moment (never-zero first, then the flap budget). Allowed: the
 *   region drains (`cause: 'alert'`). Refused: a refusal is recorded and the region keeps serving,
 *   *waiting*. A late report of an incident that started long ago is judged now, against the
 *   drains in force now.
 * - **A waiting region** is re-evaluated when another region is restored (capacity came back) and
 *   when its flap-budget freeze ends, as long as one of its incidents is still open — so a refused
 *   drain applies once it is safe. Waiting regions are retried oldest learned incident first.
 * - **Incidents close**: an alert drain lifts when the hold-down after the last close ends (the
 *   incident's end plus the hold-down, never before the close was learned), if no incident is open
 *   and no manual hold exists. Closes never lift a manual drain.
 * - **Manual drain**: the never-zero guards apply (the flap budget does not); a refused manual drain
 *   is recorded and not retried. Draining a region already drained by an alert turns it into a
 *   manual hold. Only a manual restore lifts a manual hold.
 * - **Manual restore**: the region serves at once whatever its cause; incidents learned before it
 *   no longer drain it (an operator overrode them); an incident learned afterwards is judged then.
 *
 * The guards use the services' regions as given (now), for the whole replay. Drains only happen
 * after the guards pass and restores only add capacity, so every moment keeps every service at
 * `max(1, minHealthyRegions)` serving regions, or all of its regions when it has fewer (invariant 1).
 */
import type {
  DeriveInput,
  DrainCause,
  DrainPolicy,
  FleetDrainState,
  OverridableGuard,
  RampState,
  Refusal,
  RegionBase,
  RegionDrainState,
} from './drain-state.ts';
import { REFUSAL_HISTORY } from './drain-state.ts';
import { factRegions, regionFacts } from './facts.ts';
import type { GuardRefusal } from './guards.ts';
import { flapFreezeOfRecent, neverZeroRefusal, recentDrains } from './guards.ts';
import { IncidentCursor, regionSpans } from './incident-cursor.ts';
import { rampAt } from './ramp.ts';
import { endOf, factMoments, insertMoment, positionOf, type IncidentSpan, type Position } from './timeline.ts';
import type { Moment } from './timeline.ts';

/** A region during the replay. */
export interface Replayed {
  drained: boolean;
  cause?: DrainCause;
  since?: number;
  /** Wants an alert drain the guards refused. */
  waiting: boolean;
  /** Times of automatic drains (epoch ms). */
  autoDrains: number[];
  frozen?: { until: number; reason: string };
  /** The latest hold-down end of folded incidents (epoch ms). */
  releaseAt?: number;
  /** The manual drain fact holding the region (`base` when the hold was folded). */
  holdId?: string;
  /** The guard that manual drain overrode (break glass). */
  override?: OverridableGuard;
  /** When it was last restored (epoch ms): where a ramp starts. */
  restoredAt?: number;
}

/** The replay's state at its end. */
export interface Replay {
  regions: Map<string, Replayed>;
  refusals: Refusal[];
  /** Each region's incidents, walked to the end of the replay (ask them about `now` or later). */
  incidents: (region: string) => IncidentCursor;
}

const iso = (ms: number) => new Date(ms).toISOString();

function startState(input: DeriveInput): Map<string, Replayed> {
  const base = input.facts.base?.regions ?? {};
  const names = [...new Set([...factRegions(input.facts), ...input.services.flatMap((s) => s.regions)])].sort();
  return new Map(
    names.map((name): [string, Replayed] => {
      const b = Object.hasOwn(base, name) ? base[name] : undefined;
      // One shape for every region (absent fields undefined), so the replay's property reads stay fast.
      const r: Replayed = {
        drained: false,
        cause: undefined,
        since: undefined,
        waiting: false,
        autoDrains: [],
        frozen: undefined,
        releaseAt: undefined,
        holdId: undefined,
        override: undefined,
        restoredAt: undefined,
      };
      if (!b) return [name, r];
      r.drained = b.drained;
      if (b.drained && b.cause) r.cause = b.cause;
      if (b.drained && b.since) r.since = Date.parse(b.since);
      r.waiting = b.waiting;
      r.autoDrains = b.autoDrains.map((t) => Date.parse(t)).sort((x, y) => x - y);
      if (b.frozen) r.frozen = { until: Date.parse(b.frozen.until), reason: b.frozen.reason };
      if (b.releaseAt) r.releaseAt = Date.parse(b.releaseAt);
      if (!b.drained && b.restoredAt) r.restoredAt = Date.parse(b.restoredAt);
      if (b.hold) r.holdId = 'base';
      if (b.hold && b.override) r.override = b.override;
      return [name, r];
    }),
  );
}

/** Replays the facts up to `input.now` and returns every region's replayed state. Pure. */
export function replayDrains(input: DeriveInput): Replay {
  const { facts, services, policy } = input;
  const now = input.now.getTime();
  if (Number.isNaN(now)) throw new RangeError('deriveDrains: now is not a valid time');
  const holdDownMs = policy.holdDownSeconds * 1000;
  const regions = startState(input);
  const refusals: Refusal[] = [...(facts.base?.refusals ?? [])];
  // Each incident is parsed once; the cursors answer "what is open" as the replay moves forward.
  const spans = new Map<string, IncidentSpan[]>();
  const spansOf = (region: string) => {
    let found = spans.get(region);
    if (!found) spans.set(region, (found = regionSpans(regionFacts(facts, region), holdDownMs)));
    return found;
  };
  const cursors = new Map<string, IncidentCursor>();
  const cursor = (region: string) => {
    let found = cursors.get(region);
    if (!found) cursors.set(region, (found = new IncidentCursor(spansOf(region))));
    return found;
  };
  const queue = factMoments(facts, holdDownMs, now, spansOf);
  for (const [region, r] of regions) {
    if (r.frozen && r.frozen.until <= now)
      insertMoment(queue, { at: r.frozen.until, kind: 'freeze-expiry', region, id: '', seq: undefined });
  }

  const state = (region: string) => regions.get(region)!;
  const drainedNow = () => new Set([...regions].filter(([, r]) => r.drained).map(([name]) => name));
  // The never-zero answer depends only on the region and the drained set, which take few values in a
  // replay: computing it over every service at every drain made long histories slow. The drained
  // set is a bit mask over the regions (in name order), kept as drains and restores happen.
  const index = new Map([...regions.keys()].map((name, i) => [name, i]));
  const maskable = regions.size <= 30;
  const bit = new Map([...index].map(([name, i]) => [name, maskable ? 2 ** i : 0]));
  let drainedMask = 0;
  for (const [name, r] of regions) if (r.drained) drainedMask += bit.get(name)!;
  const guardAnswers = new Map<number | string, GuardRefusal | undefined>();
  const neverZero = (region: string): GuardRefusal | undefined => {
    const key = maskable ? drainedMask * 32 + index.get(region)! : [region, ...drainedNow()].join('\n');
    if (!guardAnswers.has(key)) guardAnswers.set(key, neverZeroRefusal(region, drainedNow(), services, policy.minHealthyRegions));
    return guardAnswers.get(key);
  };
  const windowMs = policy.flapBudget.windowSeconds * 1000;
  /** A region's automatic drains within the window ending at `t`, oldest first (older ones never count again: time only moves on). */
  const recentAutoDrains = (r: Replayed, t: number) => {
    let aged = 0;
    while (aged < r.autoDrains.length && r.autoDrains[aged]! <= t - windowMs) aged++;
    if (aged > 0) r.autoDrains.splice(0, aged);
    return r.autoDrains;
  };
  const isFrozen = (r: Replayed, t: number) => r.frozen !== undefined && t < r.frozen.until;

  const refuse = (region: string, t: number, refusal: GuardRefusal, cause: DrainCause, ref: string) => {
    const entry = { region, at: iso(t), guard: refusal.guard, reason: refusal.reason, cause, ref };
    refusals.push(refusal.services ? { ...entry, services: refusal.services } : entry);
  };

  const drain = (region: string, r: Replayed, cause: DrainCause, t: number) => {
    if (!r.drained) drainedMask += bit.get(region)!;
    r.drained = true;
    r.cause = cause;
    r.since = t;
    r.waiting = false;
  };

  const tryAlertDrain = (region: string, t: number, ref: string) => {
    const r = state(region);
    r.waiting = true;
    if (r.frozen && isFrozen(r, t)) {
      const reason = `${region} is frozen until ${iso(r.frozen.until)}: ${r.frozen.reason}`;
      return refuse(region, t, { guard: 'flap-budget', reason }, 'alert', ref);
    }
    const unsafe = neverZero(region);
    if (unsafe) return refuse(region, t, unsafe, 'alert', ref);
    const freeze = flapFreezeOfRecent(recentAutoDrains(r, t), policy.flapBudget);
    if (freeze) {
      const reason = `${region} was drained automatically ${freeze.count} times within ${policy.flapBudget.windowSeconds}s (budget ${policy.flapBudget.maxDrains})`;
      r.frozen = { until: freeze.until, reason };
      if (freeze.until <= now) insertMoment(queue, { at: freeze.until, kind: 'freeze-expiry', region, id: '', seq: undefined });
      return refuse(region, t, { guard: 'flap-budget', reason: `${reason}; frozen until ${iso(freeze.until)}` }, 'alert', ref);
    }
    drain(region, r, 'alert', t);
    r.autoDrains.push(t);
  };

  const retryWaiting = (p: Position) => {
    let anyWaiting = false;
    for (const r of regions.values()) anyWaiting ||= r.waiting && !r.drained;
    if (!anyWaiting) return;
    const candidates = [...regions]
      .filter(([, r]) => r.waiting && !r.drained && !isFrozen(r, p.at))
      .flatMap(([name]) => {
        const oldest = cursor(name).firstOpenAt(p);
        return oldest ? [{ name, oldest }] : [];
      });
    // Oldest learned incident first; openAt already sorts within a region.
    const firstOf = new Map(candidates.map((c) => [c.name, Date.parse(c.oldest.learnedAt ?? c.oldest.openedAt)]));
    candidates.sort(
      (a, b) => firstOf.get(a.name)! - firstOf.get(b.name)! || (a.oldest.seq ?? 0) - (b.oldest.seq ?? 0) || (a.name < b.name ? -1 : 1),
    );
    for (const { name, oldest } of candidates) tryAlertDrain(name, p.at, oldest.incidentId);
  };

  const restore = (region: string, r: Replayed, p: Position) => {
    const wasDrained = r.drained;
    if (r.drained) drainedMask -= bit.get(region)!;
    // Assigned, not deleted: deleting properties turns the object into a slow dictionary.
    r.drained = false;
    r.cause = undefined;
    r.since = undefined;
    r.holdId = undefined;
    r.override = undefined;
    if (wasDrained) r.restoredAt = p.at;
    retryWaiting(p);
  };

  const step = (m: Moment) => {
    const r = state(m.region);
    const p = positionOf(m);
    const t = m.at;
    switch (m.kind) {
      case 'incident-close':
        if (!cursor(m.region).anyOpenAt(p)) r.waiting = false;
        return;
      case 'hold-down-expiry': {
        const last = cursor(m.region).releaseAt(p);
        const due = last !== undefined && last <= t && !cursor(m.region).anyOpenAt(p);
        if (r.drained && r.cause === 'alert' && due) restore(m.region, r, p);
        return;
      }
      case 'manual-restore':
        r.waiting = false;
        if (r.drained) restore(m.region, r, p);
        return;
      case 'freeze-expiry': {
        if (r.frozen?.until !== t) return;
        r.frozen = undefined;
        const oldest = cursor(m.region).firstOpenAt(p);
        if (r.waiting && !r.drained && oldest) tryAlertDrain(m.region, t, oldest.incidentId);
        return;
      }
      case 'incident-open':
        if (!r.drained && cursor(m.region).isOpenAt(p, m.id)) tryAlertDrain(m.region, t, m.id);
        return;
      case 'manual-drain': {
        if (r.drained) {
          r.cause = 'manual';
          r.holdId = m.id;
          return;
        }
        const unsafe = neverZero(m.region);
        // Break glass: an admin named this guard for this drain; only a manual restore lifts it.
        const overridden =
          unsafe && m.overrides?.includes(unsafe.guard as OverridableGuard) ? (unsafe.guard as OverridableGuard) : undefined;
        if (unsafe && !overridden) refuse(m.region, t, unsafe, 'manual', m.id);
        else {
          drain(m.region, r, 'manual', t);
          r.holdId = m.id;
          r.override = overridden;
        }
        return;
      }
    }
  };

  // An index, not shift(): shifting a long queue costs a copy per moment. Inserted moments always come after it.
  for (let i = 0; i < queue.length; i++) step(queue[i]!);
  return { regions, refusals: refusals.slice(-REFUSAL_HISTORY), incidents: cursor };
}

/** The drain state at `input.now`, and the most recent refusals up to then. Pure and deterministic. */
export function deriveDrains(input: DeriveInput): FleetDrainState {
  const { regions, refusals, incidents } = replayDrains(input);
  const now = input.now.getTime();
  const result = [...regions].map(([region, r]): [string, RegionDrainState] => {
    const openIncidents = incidents(region)
      .openAt(endOf(now))
      .map((f) => f.incidentId)
      .sort();
    const lastFact = incidents(region).releaseAt(endOf(now));
    const last = lastFact === undefined ? r.releaseAt : r.releaseAt === undefined ? lastFact : Math.max(lastFact, r.releaseAt);
    const lifting = r.drained && r.cause === 'alert' && openIncidents.length === 0 && last !== undefined;
    return [
      region,
      {
        region,
        drained: r.drained,
        ...(r.drained && r.cause !== undefined && r.since !== undefined ? { cause: r.cause, since: iso(r.since) } : {}),
        ...(r.drained && r.override ? { override: r.override } : {}),
        ...holdOf(r, input.facts.base?.regions[region]),
        ...rampOf(r, now, input.policy.ramp),
        openIncidents,
        ...(lifting ? { restoreAt: iso(last) } : {}),
        ...(r.frozen && r.frozen.until > now ? { frozen: { until: iso(r.frozen.until), reason: r.frozen.reason } } : {}),
        drainsInWindow: recentDrains(r.autoDrains, now, input.policy.flapBudget.windowSeconds).length,
      },
    ];
  });
  return { regions: Object.fromEntries(result), refusals };
}

/** The id of the manual drain holding a drained region, while one does. */
function holdOf(r: Replayed, base: RegionBase | undefined): { holdId?: string } {
  if (!r.drained || r.cause !== 'manual' || r.holdId === undefined) return {};
  const id = r.holdId === 'base' ? base?.hold?.id : r.holdId;
  return id ? { holdId: id } : {};
}

/** The ramp a restored region is on at `now`, or nothing once it has its whole weight (or no ramp is configured). */
function rampOf(r: Replayed, now: number, ramp: DrainPolicy['ramp']): { ramp?: RampState } {
  const state = r.drained || r.restoredAt === undefined ? undefined : rampAt(r.restoredAt, now, ramp);
  return state ? { ramp: state } : {};
}
