import { describe, expect, it } from 'vitest';
import type { TrafficSample } from '../../shared/adapters/traffic-metrics.ts';
import { describeReport, measureDrill, type DrillTimes } from '../../shared/drills/index.ts';

const T0 = Date.parse('2026-12-04T10:00:00Z');
const OSAKA = 'asia-northeast2';
const TOKYO = 'asia-northeast1';

/** One-second samples from `from` (seconds after T0), each with Osaka's and Tokyo's requests. */
function series(from: number, rows: [osaka: number, tokyo: number, errors?: number][]): TrafficSample[] {
  return rows.map(([osaka, tokyo, errors = 0], i) => ({
    start: new Date(T0 + (from + i) * 1000),
    end: new Date(T0 + (from + i + 1) * 1000),
    byRegion: { ...(osaka ? { [OSAKA]: osaka } : {}), ...(tokyo ? { [TOKYO]: tokyo } : {}) },
    requests: osaka + tokyo + errors,
    errors,
  }));
}

const times: DrillTimes = {
  region: OSAKA,
  requestedAt: T0 + 10_200,
  stoppedAt: T0 + 20_000,
  restoreRequestedAt: T0 + 20_000,
  fullWeightAt: T0 + 26_000,
  until: T0 + 40_000,
  durationMs: 10_000,
};

describe('measureDrill', () => {
  it('measures the drain, the return and the share moved from the samples', () => {
    const samples = [
      ...series(
        0,
        Array.from({ length: 10 }, () => [50, 50] as [number, number]),
      ), // before: half each
      ...series(10, [
        [40, 60],
        [10, 90],
        [0, 100],
        [0, 100],
        [0, 100],
        [0, 100],
        [0, 100],
        [0, 100],
        [0, 100],
        [0, 100],
      ]),
      ...series(20, [
        [0, 100],
        [0, 100],
        [10, 90],
        [10, 90],
        [25, 75],
        [25, 75],
        [49, 51],
        [50, 50],
        [50, 50],
        [50, 50],
      ]),
    ];
    const report = measureDrill(times, samples, 1);
    expect(report.shareMoved).toBe(0.5);
    // Osaka served in the sample ending 12 s after T0: 1.8 s after the drain was asked for.
    expect(report.timeToDrainMs).toBe(1_800);
    expect(report.timeToFirstTrafficMs).toBe(3_000);
    // 49 of 100 is at least 90% of a 50% share: 7 s after the restore.
    expect(report.timeToRestoreMs).toBe(7_000);
    expect(report.timeToFullWeightMs).toBe(6_000);
    expect(report.before).toEqual({ requests: 1_000, toRegion: 500, errors: 0 });
    expect(report.drained).toEqual({ requests: 1_000, toRegion: 50, errors: 0 });
    expect(report.after.toRegion).toBe(269);
    expect(report.notes).toEqual([]);
    expect(describeReport(OSAKA, report)[1]).toBe('time to drain (until asia-northeast2 served no more requests): 1.8 s');
  });

  it.each([
    {
      name: 'no traffic before the drill',
      samples: series(10, [[0, 10]]),
      expect: { shareMoved: null, timeToDrainMs: null },
      note: 'no traffic was measured in the 10 s before the drill',
    },
    {
      name: 'the region served nothing before the drill',
      samples: series(0, [[0, 10]]),
      expect: { shareMoved: 0, timeToDrainMs: null },
      note: 'asia-northeast2 served no traffic before the drill: nothing to move',
    },
    {
      name: 'the region kept serving until the restore',
      samples: [
        ...series(0, [[5, 5]]),
        ...series(
          10,
          Array.from({ length: 10 }, () => [5, 5] as [number, number]),
        ),
      ],
      expect: { shareMoved: 0.5, timeToDrainMs: null },
      note: 'asia-northeast2 still served until the drill stopped holding it: time to drain not measured',
    },
  ])('says why a time is not measured: $name', (row) => {
    const report = measureDrill(times, row.samples, 1);
    expect(report).toMatchObject(row.expect);
    expect(report.notes).toContain(row.note);
  });

  it("measures the region's share in each ramp step from the step's second half (a step is written after its time)", () => {
    // 4-s steps from 20 s; each step's render lands a second or two late.
    const shares: [number, number][] = [
      [0, 100],
      [5, 95],
      [5, 95],
      [5, 95],
      [5, 95],
      [30, 70],
      [33, 67],
      [34, 66],
      [34, 66],
      [50, 50],
      [50, 50],
      [49, 51],
    ];
    const samples = [...series(0, [[50, 50]]), ...series(20, shares)];
    const report = measureDrill({ ...times, until: T0 + 40_000, ramp: { steps: [10, 50, 100], stepSeconds: 4 } }, samples, 1);
    expect(report.ramp).toEqual([
      { percent: 10, share: 0.05, requests: 200 },
      { percent: 50, share: 0.335, requests: 200 },
      { percent: 100, share: 0.495, requests: 200 },
    ]);
    expect(describeReport(OSAKA, report)).toContain(
      'ramp (percent of its weight → its share of requests): 10% → 5%, 50% → 33.5%, 100% → 49.5%',
    );
  });

  it('counts 5xx answers in each part, and needs no restore to measure the drain', () => {
    const samples = [
      ...series(0, [[5, 5, 1]]),
      ...series(10, [
        [5, 5, 2],
        [0, 10, 3],
      ]),
    ];
    const report = measureDrill({ ...times, restoreRequestedAt: undefined, fullWeightAt: undefined }, samples, 1);
    expect(report.before.errors).toBe(1);
    expect(report.drained.errors).toBe(5);
    expect(report.timeToDrainMs).toBe(800);
    expect(report.timeToFirstTrafficMs).toBeNull();
    expect(report.notes).toContain('the drill did not restore the region: times to restore not measured');
  });
});
