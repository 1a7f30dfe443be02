import { describe, expect, it } from 'vitest';
import { responseCodeClass, TrafficLedger } from '../../sandbox/data-plane/traffic-ledger.ts';
import { manualClock } from '../../sandbox/google-double/testing.ts';

const T0 = Date.parse('2025-01-15T09:00:00.000Z') / 1000;

describe('traffic ledger: what the data plane answered, per second', () => {
  it.each([
    [200, 200],
    [204, 200],
    [302, 300],
    [404, 400],
    [499, 400],
    [502, 500],
    [503, 500],
    [101, 100],
    [99, 0],
    [600, 0],
  ])('puts status %i in class %i', (status, codeClass) => {
    expect(responseCodeClass(status)).toBe(codeClass);
  });

  it('counts per whole second, per cluster (null without a backend) and per code class', () => {
    const clock = manualClock('2025-01-15T09:00:00.000Z');
    const ledger = new TrafficLedger({ clock });
    ledger.record('tokyo', 200);
    ledger.record('tokyo', 204);
    ledger.record('osaka', 200);
    clock.advance(999);
    ledger.record('tokyo', 503);
    ledger.record(null, 503);
    clock.advance(1);
    ledger.record('osaka', 200);
    expect(ledger.read(T0 * 1000, (T0 + 2) * 1000)).toEqual([
      { second: T0, cluster: null, codeClass: 500, count: 1 },
      { second: T0, cluster: 'osaka', codeClass: 200, count: 1 },
      { second: T0, cluster: 'tokyo', codeClass: 200, count: 2 },
      { second: T0, cluster: 'tokyo', codeClass: 500, count: 1 },
      { second: T0 + 1, cluster: 'osaka', codeClass: 200, count: 1 },
    ]);
  });

  it('reads the seconds that start in [from, to)', () => {
    const clock = manualClock('2025-01-15T09:00:00.000Z');
    const ledger = new TrafficLedger({ clock });
    for (let i = 0; i < 5; i++) {
      ledger.record('tokyo', 200);
      clock.advance(1_000);
    }
    const seconds = (fromMs: number, toMs: number) => ledger.read(fromMs, toMs).map((b) => b.second - T0);
    expect(seconds((T0 + 1) * 1000, (T0 + 3) * 1000)).toEqual([1, 2]);
    expect(seconds((T0 + 1) * 1000 + 1, (T0 + 3) * 1000 + 1)).toEqual([2, 3]);
    expect(seconds(T0 * 1000, T0 * 1000)).toEqual([]);
  });

  it('keeps only the last retainSeconds, and ignores a late answer older than that', () => {
    const clock = manualClock('2025-01-15T09:00:00.000Z');
    const ledger = new TrafficLedger({ clock, retainSeconds: 3 });
    for (let i = 0; i < 10; i++) {
      ledger.record('tokyo', 200);
      clock.advance(1_000);
    }
    expect(ledger.size()).toBe(3);
    expect(ledger.read(0, Number.MAX_SAFE_INTEGER).map((b) => b.second - T0)).toEqual([7, 8, 9]);

    // A clock that steps back: second 5 is older than the bound, second 8 is still kept.
    clock.advance(-5_000);
    ledger.record('tokyo', 200);
    expect(ledger.read(0, Number.MAX_SAFE_INTEGER).map((b) => b.second - T0)).toEqual([7, 8, 9]);
    clock.advance(3_000);
    ledger.record('osaka', 200);
    expect(ledger.read((T0 + 8) * 1000, (T0 + 9) * 1000)).toEqual([
      { second: T0 + 8, cluster: 'osaka', codeClass: 200, count: 1 },
      { second: T0 + 8, cluster: 'tokyo', codeClass: 200, count: 1 },
    ]);
  });

  it('refuses a bound that is not a positive whole number of seconds', () => {
    expect(() => new TrafficLedger({ retainSeconds: 0 })).toThrow(/retainSeconds/);
    expect(() => new TrafficLedger({ retainSeconds: 1.5 })).toThrow(/retainSeconds/);
  });
});
