/** Partial drains (pure): what moves never exceeds the room the others have, and a partial drain never hands load back. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { partialDrain } from '../../shared/failover/index.ts';

const N1 = 'asia-northeast1';
const N2 = 'asia-northeast2';
const services = [{ name: 'store', regions: [N1, N2] }];
const numbers = fc.record({
  ownReady: fc.integer({ min: 1, max: 50 }),
  otherReady: fc.integer({ min: 0, max: 50 }),
  otherMax: fc.integer({ min: 0, max: 60 }),
  headroom: fc.integer({ min: 0, max: 90 }),
  previous: fc.option(fc.integer({ min: 1, max: 100 }), { nil: undefined }),
});

describe('partialDrain', () => {
  it('moves at most the room the other regions have, keeps 1–100% of the weight, and never more than the last render kept', () => {
    fc.assert(
      fc.property(numbers, ({ ownReady, otherReady, otherMax, headroom, previous }) => {
        const capacity = { store: { [N2]: { ready: ownReady, max: ownReady }, [N1]: { ready: otherReady, max: otherMax } } };
        const part = partialDrain(N2, new Set(), services, capacity, headroom, previous);
        const usable = Math.floor((otherMax * (100 - headroom)) / 10) / 10;
        if (otherReady + ownReady <= usable) {
          expect(part).toBeUndefined();
          return;
        }
        expect(part).toBeDefined();
        const percent = part!.percent;
        expect(percent).toBeGreaterThanOrEqual(1);
        expect(percent).toBeLessThanOrEqual(100);
        if (previous !== undefined) expect(percent).toBeLessThanOrEqual(previous);
        // Without an earlier, lower percent, the load moved (the weight given up) fits in the room.
        if (previous === undefined || previous >= 100) {
          const room = Math.max(0, usable - otherReady);
          expect(((100 - percent) / 100) * ownReady).toBeLessThanOrEqual(room + 1e-9);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('says nothing for a region no guarded service routes to', () => {
    expect(partialDrain('us-east1', new Set(), services, { store: {} }, 20)).toBeUndefined();
  });
});
