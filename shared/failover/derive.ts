/**
 * Derives the drain state of the fleet from the facts by replaying them in time order. The state
 * is a function of the facts, the services and `now` only, and the facts merge commutatively, so
 * events processed in any order, or twice, end where time order would (invariant 2).
 *
 * The replay, moment by moment (see {@link compareMoments} for the order of equal times):
 * - **Incident opens** in a serving region: the region wants an alert drain. The guards are checked
 *   against the state at that moment (never-zero first, then the flap budget). Allowed: the region
 *   drains (`cause: 'alert'`). Refused: a refusal is recorded and the region keeps serving, *waiting*.
 * - **A waiting region** is re-evaluated when another region is restored (capacity came back) and
 *   when its flap-budget freeze ends, as long as one of its incidents is still open — so a refused
 *   drain applies once it is safe. Waiting regions are retried oldest open incident first. Waiting
 *   ends when all its incidents close or an operator restores the region.
 * - **Incidents close**: an alert drain lifts at the last close plus the hold-down, if no incident
 *   opened meanwhile and no manual hold exists. Closes never lift a manual drain.
 * - **Manual drain**: the never-zero guards apply (the flap budget does not; manual drains do not
 *   count against it); a refused manual drain is recorded and not retried. Draining a region already
 *   drained by an alert turns it into a manual hold. Only a manual restore lifts a manual hold.
 * - **Manual restore**: the region serves at once whatever its cause, and incidents open at that
 *   moment no longer drain it (an operator overrode them); an incident opening later does.
 *
 * The guards use the services' regions as given (now), for the whole replay. Moments after `now`
 * are ignored. Drains only happen after the guards pass and restores only add capacity, so every
 * moment of the replay keeps every service at `max(1, minHealthyRegions)` serving regions, or at
 * all of its regions when it has fewer (invariant 1).
 */
import type { DeriveInput, DrainCause, FleetDrainState, Refusal, RegionDrainState } from './drain-state.ts';
import { regionFacts } from './facts.ts';
import type { GuardRefusal } from './guards.ts';
import { flapFreeze, neverZeroRefusal, recentDrains } from './guards.ts';
import { factMoments, insertMoment, lastCloseAt, openIncidentsAt } from './timeline.ts';
import type { Moment } from './timeline.ts';

/** A region during the replay. */
interface Replayed {
  drained: boolean;
  cause?: DrainCause;
  since?: number;
  /** Wants an alert drain the guards refused. */
  waiting: boolean;
  /** Times of automatic drains (epoch ms). */
  autoDrains: number[];
  frozen?: { until: number; reason: string };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The drain state at `input.now`, and every refusal up to then. Pure and deterministic. */
export function deriveDrains(input: DeriveInput): FleetDrainState {
  const { facts, services, policy } = input;
  const now = input.now.getTime();
  if (Number.isNaN(now)) throw new RangeError('deriveDrains: now is not a valid time');
  const holdDownMs = policy.holdDownSeconds * 1000;
  const names = [...new Set([...Object.keys(facts), ...services.flatMap((s) => s.regions)])].sort();
  const regions = new Map<string, Replayed>(names.map((name) => [name, { drained: false, waiting: false, autoDrains: [] }]));
  const refusals: Refusal[] = [];
  const queue = factMoments(facts, holdDownMs, now);

  const state = (region: string) => regions.get(region)!;
  const openAt = (region: string, t: number) => openIncidentsAt(regionFacts(facts, region), t);
  const drainedNow = () => new Set([...regions].filter(([, r]) => r.drained).map(([name]) => name));
  const isFrozen = (r: Replayed, t: number) => r.frozen !== undefined && t < r.frozen.until;

  const refuse = (region: string, t: number, refusal: GuardRefusal, cause: DrainCause, ref: string) => {
    refusals.push({
      region,
      at: iso(t),
      guard: refusal.guard,
      reason: refusal.reason,
      ...(refusal.services ? { services: refusal.services } : {}),
      cause,
      ref,
    });
  };

  const drain = (r: Replayed, cause: DrainCause, t: number) => {
    Object.assign(r, { drained: true, cause, since: t, waiting: false });
  };

  const tryAlertDrain = (region: string, t: number, ref: string) => {
    const r = state(region);
    r.waiting = true;
    if (r.frozen && isFrozen(r, t)) {
      refuse(
        region,
        t,
        { guard: 'flap-budget', reason: `${region} is frozen until ${iso(r.frozen.until)}: ${r.frozen.reason}` },
        'alert',
        ref,
      );
      return;
    }
    const unsafe = neverZeroRefusal(region, drainedNow(), services, policy.minHealthyRegions);
    if (unsafe) return refuse(region, t, unsafe, 'alert', ref);
    const freeze = flapFreeze(r.autoDrains, t, policy.flapBudget);
    if (freeze) {
      const reason = `${region} was drained automatically ${freeze.count} times within ${policy.flapBudget.windowSeconds}s (budget ${policy.flapBudget.maxDrains})`;
      r.frozen = { until: freeze.until, reason };
      if (freeze.until <= now) insertMoment(queue, { at: freeze.until, kind: 'freeze-expiry', region, id: '' });
      refuse(region, t, { guard: 'flap-budget', reason: `${reason}; frozen until ${iso(freeze.until)}` }, 'alert', ref);
      return;
    }
    drain(r, 'alert', t);
    r.autoDrains.push(t);
  };

  const retryWaiting = (t: number) => {
    const candidates = [...regions]
      .filter(([, r]) => r.waiting && !r.drained && !isFrozen(r, t))
      .map(([name]) => ({ name, oldest: openAt(name, t)[0] }))
      .flatMap(({ name, oldest }) => (oldest ? [{ name, oldest }] : []))
      .sort((a, b) => Date.parse(a.oldest.openedAt) - Date.parse(b.oldest.openedAt) || (a.name < b.name ? -1 : 1));
    for (const { name, oldest } of candidates) tryAlertDrain(name, t, oldest.incidentId);
  };

  const restore = (r: Replayed, t: number) => {
    r.drained = false;
    delete r.cause;
    delete r.since;
    retryWaiting(t);
  };

  const step = (m: Moment) => {
    const r = state(m.region);
    const t = m.at;
    switch (m.kind) {
      case 'incident-close':
        if (openAt(m.region, t).length === 0) r.waiting = false;
        return;
      case 'hold-down-expiry': {
        const last = lastCloseAt(regionFacts(facts, m.region), t);
        const due = last !== undefined && last + holdDownMs <= t && openAt(m.region, t).length === 0;
        if (r.drained && r.cause === 'alert' && due) restore(r, t);
        return;
      }
      case 'manual-restore':
        r.waiting = false;
        if (r.drained) restore(r, t);
        return;
      case 'freeze-expiry': {
        if (r.frozen?.until !== t) return;
        delete r.frozen;
        const oldest = openAt(m.region, t)[0];
        if (r.waiting && !r.drained && oldest) tryAlertDrain(m.region, t, oldest.incidentId);
        return;
      }
      case 'incident-open':
        if (!r.drained && openAt(m.region, t).some((f) => f.incidentId === m.id)) tryAlertDrain(m.region, t, m.id);
        return;
      case 'manual-drain': {
        if (r.drained) {
          r.cause = 'manual';
          return;
        }
        const unsafe = neverZeroRefusal(m.region, drainedNow(), services, policy.minHealthyRegions);
        if (unsafe) refuse(m.region, t, unsafe, 'manual', m.id);
        else drain(r, 'manual', t);
        return;
      }
    }
  };

  for (let m = queue.shift(); m !== undefined; m = queue.shift()) step(m);

  const result = [...regions].map(([region, r]): [string, RegionDrainState] => {
    const openIncidents = openAt(region, now)
      .map((f) => f.incidentId)
      .sort();
    const last = lastCloseAt(regionFacts(facts, region), now);
    const lifting = r.drained && r.cause === 'alert' && openIncidents.length === 0 && last !== undefined;
    return [
      region,
      {
        region,
        drained: r.drained,
        ...(r.drained && r.cause !== undefined && r.since !== undefined ? { cause: r.cause, since: iso(r.since) } : {}),
        openIncidents,
        ...(lifting ? { restoreAt: iso(last + holdDownMs) } : {}),
        ...(r.frozen && isFrozen(r, now) ? { frozen: { until: iso(r.frozen.until), reason: r.frozen.reason } } : {}),
        drainsInWindow: recentDrains(r.autoDrains, now, policy.flapBudget.windowSeconds).length,
      },
    ];
  });
  return { regions: Object.fromEntries(result), refusals };
}
