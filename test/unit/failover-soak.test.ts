/**
 * A 90-day soak of failover (and the mesh's remote secrets) on the in-memory fleet, with the test clock: thousands of incidents over
 * Tokyo and Osaka (renotified, some delivered hours late, some twice), operators' holds, and a tick
 * every hour, all through the real alert flow, manual drain and tick handler. It checks what months
 * of history must not do: grow the facts document, grow the replay, let a late report lift a drain,
 * or leave routes other than a fresh derivation gives. (The sandbox soak, test/contract/soak,
 * runs the same flows on the emulators and real API servers at a smaller scale.)
 */
import { describe, expect, it } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { mergeIncident, NO_FACTS, readFacts, type FleetFacts } from '../../shared/failover/index.ts';
import { parseIncidentNotification } from '../../shared/failover/incident.ts';
import { manualDrain } from '../../shared/failover/manual-drain.ts';
import { isTokenReusable, remoteSecretName, remoteSecretToken } from '../../shared/mesh/index.ts';
import { planFleet, readSnapshot } from '../../shared/routing/index.ts';
import { incidentNotification } from '../support/events.ts';
import { demoFleet, OSAKA, TOKYO } from '../support/memory-fleet.ts';

const DAYS = 90;
const INCIDENTS_PER_DAY = 24;
const DAY = 24 * 3600_000;
const HOUR = 3600_000;
const FACTS_LIMIT = 64 * 1024;

/** A small seeded PRNG (mulberry32), so a failure replays. */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Delivery =
  { at: number; late: boolean; payload: Record<string, unknown> } | { at: number; manual: 'drain' | 'restore'; region: string };

function schedule(start: number, random: () => number): Delivery[] {
  const out: Delivery[] = [];
  let n = 0;
  for (let day = 0; day < DAYS; day++) {
    for (let i = 0; i < INCIDENTS_PER_DAY; i++) {
      const where = random() < 0.5 ? TOKYO : OSAKA;
      const opened = start + day * DAY + Math.floor(random() * DAY);
      const ended = opened + (5 + Math.floor(random() * 120)) * 60_000;
      const id = `soak-${n++}`;
      const spec = { id, startedAt: new Date(opened), resource: { location: where.location } };
      // One in five opens arrives hours late (a retried delivery, a delayed channel); some come twice.
      const delay = random() < 0.2 ? Math.floor(random() * 6 * HOUR) : Math.floor(random() * 30_000);
      out.push({ at: opened + delay, late: delay > 30 * 60_000, payload: incidentNotification({ ...spec, state: 'open' }) });
      if (random() < 0.3) out.push({ at: opened + 5 * 60_000, late: false, payload: incidentNotification({ ...spec, state: 'open' }) });
      const close = incidentNotification({ ...spec, state: 'closed', endedAt: new Date(ended) });
      out.push({ at: ended + Math.floor(random() * 60_000), late: false, payload: close });
      if (random() < 0.1) out.push({ at: ended + HOUR, late: false, payload: close });
    }
    if (day % 9 === 4) {
      const region = random() < 0.5 ? TOKYO.region : OSAKA.region;
      out.push({ at: start + day * DAY + 10 * HOUR, manual: 'drain', region });
      out.push({ at: start + day * DAY + 13 * HOUR, manual: 'restore', region });
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const factCount = (f: FleetFacts) => Object.values(f.regions).reduce((n, rf) => n + Object.keys(rf.incidents).length + rf.manual.length, 0);

describe('90 days of failover (in-memory fleet, test clock)', () => {
  it(
    'keeps the facts bounded, the replay flat, every applied drain through late reports, and ends where a fresh derivation does',
    { timeout: 300_000 },
    async () => {
      const fleet = await demoFleet();
      const random = prng(90);
      const start = fleet.clock.now().getTime();
      const tick = (id: string) => tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, id);
      const deliveries = schedule(start, random);
      const tickMs = new Map<number, number[]>();
      let largestFacts = 0;
      let mostFacts = 0;
      let lateProbes = 0;
      let next = 0;
      let message = 0;
      let renewed = 0;
      for (let t = start; t <= start + DAYS * DAY; t += HOUR) {
        for (; next < deliveries.length && deliveries[next]!.at < t + HOUR; next++) {
          const d = deliveries[next]!;
          fleet.clock.set(new Date(d.at));
          if ('manual' in d) {
            const result = await manualDrain(fleet.ctx, {
              action: d.manual,
              region: d.region,
              reason: 'soak',
              principal: 'ops@example.com',
              dryRun: false,
              source: 'api',
            });
            expect(['succeeded', 'skipped', 'refused']).toContain(result.result);
            continue;
          }
          if (d.late) {
            // Due restores are applied first (as a tick at this instant would), so only the late report can change anything.
            await tick(`pre-${message}`);
            const before = await fleet.drainedRegions();
            await handleMonitoringNotification(fleet.ctx, d.payload, `m-${++message}`);
            const after = new Set(await fleet.drainedRegions());
            for (const region of before) expect(after.has(region), `a late report lifted the drain of ${region}`).toBe(true);
            lateProbes++;
          } else await handleMonitoringNotification(fleet.ctx, d.payload, `m-${++message}`);
        }
        fleet.clock.set(new Date(t));
        const began = performance.now();
        const record = await tick(`tick-${t}`);
        const day = Math.floor((t - start) / DAY);
        tickMs.set(day, [...(tickMs.get(day) ?? []), performance.now() - began]);
        expect(record.result).toBe('succeeded');
        // The in-memory fleet answers in microtasks only: let the test runner's own messages through once a simulated day.
        if ((t - start) % DAY === 0) await new Promise((resolve) => setImmediate(resolve));
        renewed += Number(/mesh remote secrets: created \d+, renewed (\d+)/.exec(record.reason ?? '')?.[1] ?? 0);
        const facts = await readFacts(fleet.store);
        largestFacts = Math.max(largestFacts, JSON.stringify(facts).length);
        mostFacts = Math.max(mostFacts, factCount(facts));
        expect(Object.values(fleet.route('store')?.weights ?? {}).some((w) => w > 0)).toBe(true);
      }

      // The end: a quiet day, then one incident; the routes are what a fresh derivation of that incident gives.
      fleet.clock.advance(DAY);
      await tick('quiet');
      const final = incidentNotification({
        id: 'soak-final',
        state: 'open',
        startedAt: fleet.clock.now(),
        resource: { location: OSAKA.location },
      });
      await handleMonitoringNotification(fleet.ctx, final, 'final');
      const parsed = parseIncidentNotification(final);
      if (!parsed.ok || !('incident' in parsed)) throw new Error('the final notification does not parse');
      const fresh = mergeIncident(NO_FACTS, parsed.incident, OSAKA.region, fleet.clock.now()).facts;
      const snapshot = await readSnapshot(fleet.ctx);
      expect(planFleet(snapshot, fresh).drains.regions[OSAKA.region]?.drained).toBe(true);
      expect(fleet.route('store')?.weights).toEqual({ [TOKYO.region]: 50, [OSAKA.region]: 0 });
      expect(planFleet(snapshot).routes.every((r) => r.diff.length === 0)).toBe(true);

      // The mesh: Tokyo and Osaka hold each other's remote secret, with a token still worth keeping.
      for (const [holder, source] of [
        [TOKYO.name, OSAKA.name],
        [OSAKA.name, TOKYO.name],
      ] as const) {
        const secret = fleet
          .kube(holder)
          .objects()
          .find((o) => o.kind === 'Secret' && o.metadata?.name === remoteSecretName(source));
        const token = secret && remoteSecretToken(secret, source);
        const uid = fleet
          .kube(source)
          .objects()
          .find((o) => o.kind === 'ServiceAccount' && o.metadata?.namespace === 'istio-system')?.metadata?.uid;
        expect(token && isTokenReusable(token, { now: fleet.clock.now(), ttlSeconds: 7 * 24 * 3600, serviceAccountUid: uid ?? '' })).toBe(
          true,
        );
      }

      const incidents = deliveries.filter((d) => 'payload' in d).length;
      process.stdout.write(
        [
          `failover soak: ${DAYS} days, ${DAYS * INCIDENTS_PER_DAY} incidents in ${incidents} deliveries (${lateProbes} hours late), ${DAYS * 24} ticks`,
          `failover soak: largest facts document ${largestFacts} bytes (limit ${FACTS_LIMIT}); at most ${mostFacts} unfolded facts`,
          `failover soak: remote secrets renewed ${renewed} times by the tick; Tokyo and Osaka hold valid secrets both ways at the end`,
          `failover soak: tick median day 1 ${median(tickMs.get(0)!).toFixed(1)} ms, day ${DAYS} ${median(tickMs.get(DAYS - 1)!).toFixed(1)} ms`,
        ].join('\n') + '\n',
      );
      expect(largestFacts).toBeLessThan(FACTS_LIMIT);
      expect(lateProbes).toBeGreaterThan(100);
      // Tokens live 7 days and are renewed from half that on: each of the two secrets more than once a week.
      expect(renewed).toBeGreaterThan(2 * Math.floor(DAYS / 7));
    },
  );
});
