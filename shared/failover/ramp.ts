/**
 * Ramps: how much of its baseline weight a region gets while it comes back (a restore) or comes in
 * (its first cluster onboarded), from when that began, the time and `safety.ramp`. Pure.
 */
import type { DrainPolicy, RampState } from './drain-state.ts';

/**
 * The ramp at `now` of something that began at `start` (epoch ms), or undefined once it has the
 * whole weight — or when it began before ramps were configured (`inForceSince`).
 */
export function rampAt(start: number, now: number, ramp: DrainPolicy['ramp']): RampState | undefined {
  if (!ramp || start > now) return undefined;
  if (ramp.inForceSince !== undefined && start < Date.parse(ramp.inForceSince)) return undefined;
  const stepMs = ramp.stepSeconds * 1000;
  const step = Math.floor((now - start) / stepMs);
  if (step >= ramp.steps.length - 1) return undefined;
  return {
    percent: ramp.steps[step]!,
    since: new Date(start).toISOString(),
    nextStepAt: new Date(start + (step + 1) * stepMs).toISOString(),
  };
}

/**
 * Regions joining routing, by the onboarding of their first cluster: the ramp percent of each that
 * is still ramping. A region with any cluster onboarded before `onboardedAt` was recorded counts as
 * long joined.
 */
export function joinRamps(
  clusters: readonly { region: string; phase: string; onboardedAt?: string }[],
  ramp: DrainPolicy['ramp'],
  now: Date,
): Map<string, number> {
  const joined = new Map<string, number | null>();
  for (const c of clusters) {
    if (c.phase !== 'serving') continue;
    const at = c.onboardedAt === undefined ? NaN : Date.parse(c.onboardedAt);
    const earlier = joined.get(c.region);
    if (Number.isNaN(at) || earlier === null) joined.set(c.region, null);
    else joined.set(c.region, earlier === undefined ? at : Math.min(earlier, at));
  }
  const ramps = new Map<string, number>();
  for (const [region, at] of joined) {
    const state = at === null ? undefined : rampAt(at, now.getTime(), ramp);
    if (state) ramps.set(region, state.percent);
  }
  return ramps;
}
