/**
 * The time-travel soak (issue 12 item 6): ninety simulated days on an injected clock, through
 * fleetpilot's own flows on the sandbox's emulators and real API servers — hourly ticks, thousands
 * of incident deliveries (renotified, hours late, twice), manual holds, clusters created and
 * deleted. At the end every document is under a fixed size, the tick's render did not slow down
 * with history, no late report lifted a drain, and the live route is what a fresh derivation from
 * the configuration and the open incidents renders. The soak runs on a fleet of its own (its own
 * collections and service) and removes it afterwards; prints its figures at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../shared/core/retry.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { auditEntries, uniqueName } from '../support/fleet-fixtures.ts';
import { testClock } from '../support/test-clock.ts';
import { buildScenario, SOAK_TARGETS } from '../soak/scenario.ts';
import { deploySoakApp, dropSoakCollections, openSoakFleet, removeSoakApp, type SoakFleet } from '../soak/fleet.ts';
import { regionWeights, runSoak } from '../soak/driver.ts';
import { documentSizes, freshDerivation, median } from '../soak/measure.ts';

const DAYS = Number(process.env.SOAK_DAYS ?? 90);
/** Firestore refuses documents over 1 MiB; fleetpilot's must stay far below, however long it runs. */
const MAX_DOCUMENT_BYTES = 256 * 1024;
const TICK_MINUTES = Number(process.env.SOAK_TICK_MINUTES ?? 1440);
const INCIDENTS_PER_DAY = Number(process.env.SOAK_INCIDENTS_PER_DAY ?? 1);
const SEED = Number(process.env.SOAK_SEED ?? 12);

describe('time-travel soak: 90 simulated days (sandbox)', () => {
  const run = Date.now().toString(36);
  // Whole hours, so ticks fall on the hour; the soak's clock starts at the real now (clusters are created in real time).
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const clock = testClock(new Date(start));
  let fleet: SoakFleet;
  beforeAll(async () => {
    fleet = await openSoakFleet(clock, run);
    await deploySoakApp(fleet);
  });
  afterAll(async () => {
    await removeSoakApp(fleet);
    await dropSoakCollections(fleet);
    await fleet.close();
  });

  it('keeps documents bounded, renders as fast on day 90 as on day 1, never lets a late report lift a drain, and ends on the fresh derivation', async () => {
    const wall = performance.now();
    // The soak fleet onboards the demo clusters through the lifecycle flow, then ticks until both regions route.
    for (const t of SOAK_TARGETS) {
      const record = await handleClusterAuditEntry(
        fleet.ctx.fleet,
        auditEntries(t.cluster, t.location, 'CreateCluster', clock.now()).last,
        `onboard-${t.cluster}`,
      );
      expect(record.result).toBe('succeeded');
    }
    await pollUntil(
      async () => {
        await tickHandler(fleet.ctx, `warmup-${Date.now()}`);
        const w = await regionWeights(fleet);
        return w['asia-northeast1'] === 50 && w['asia-northeast2'] === 50 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250, what: 'the soak route over both regions' },
    );
    const events = buildScenario({
      seed: SEED,
      days: DAYS,
      tickMs: TICK_MINUTES * 60_000,
      incidentsPerDay: INCIDENTS_PER_DAY,
      clusters: [
        { name: uniqueName('soak-a'), location: 'asia-northeast1-a', createDay: 20, deleteDay: 50 },
        { name: uniqueName('soak-b'), location: 'asia-northeast2-a', createDay: 40, deleteDay: 75 },
      ].filter((c) => c.deleteDay < DAYS),
    });
    const log = await runSoak(fleet, clock, start, events);

    // Settle past the hold-down, then compare the live route with a fresh derivation.
    clock.advance(3_600_000);
    expect((await tickHandler(fleet.ctx, 'final')).result).toBe('succeeded');
    const { live, fresh, stored } = await freshDerivation(fleet, start, [...log.open.values()]);
    const sizes = await documentSizes(fleet);
    const day1 = median(log.tickMsByDay.get(0) ?? []);
    const day90 = median(log.tickMsByDay.get(DAYS - 1) ?? []);
    const incidents = new Set(events.flatMap((e) => (e.kind === 'alert' ? [e.incidentId] : []))).size;
    const lines = [
      `soak: ${DAYS} simulated days, seed ${SEED}, a tick every ${TICK_MINUTES} simulated minutes (${log.ticks} ticks), ${incidents} incidents in ${log.deliveries} deliveries (${log.lateOpens} opens hours late), probes ${log.probes.length}`,
      `soak: manual ${JSON.stringify(log.manual)}; clusters ${log.clusterOps.join('; ')}`,
      `soak: largest document ${sizes[0]?.largest ?? 0} bytes (${sizes[0]?.collection}/${sizes[0]?.id}); facts document at most ${log.maxFactsBytes} bytes over the run; limit ${MAX_DOCUMENT_BYTES}`,
      `soak: documents by collection ${sizes.map((s) => `${s.collection} ${s.docs} docs, largest ${s.largest} B`).join('; ')}`,
      `soak: tick render time (median) day 1 ${day1.toFixed(1)} ms, day ${DAYS} ${day90.toFixed(1)} ms`,
      `soak: late deliveries that lifted a drain: ${log.flipped.length}; open incidents at the end: ${[...log.open.keys()].join(', ') || 'none'}`,
      `soak: secrets renewed: not measured — the soak fleet has no mesh: the real API servers stamp reader tokens with wall-clock iat/exp, which the test clock cannot age`,
      `soak: wall time ${((performance.now() - wall) / 1000).toFixed(1)} s`,
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);

    expect(log.tickFailures).toEqual([]);
    expect(sizes.every((s) => s.largest < MAX_DOCUMENT_BYTES)).toBe(true);
    expect(log.maxFactsBytes).toBeLessThan(MAX_DOCUMENT_BYTES);
    expect(day90).toBeLessThan(3 * day1 + 50);
    expect(log.flipped).toEqual([]);
    for (const p of log.probes) expect({ id: p.id, after: p.after }).toEqual({ id: p.id, after: p.drained });
    expect(log.probes.every((p) => p.drained.length === 1)).toBe(true);
    expect(stored).toEqual([]);
    expect(fresh).toEqual([]);
    expect(live?.rules?.[0]?.backendRefs?.map((b) => [b.name, b.weight])).toEqual(
      expect.arrayContaining([
        ['soak-asia-northeast1', 50],
        ['soak-asia-northeast2', 0],
      ]),
    );
  }, 1_200_000);
});
