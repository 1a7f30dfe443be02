import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIsoMs } from '../../shared/failover/iso-time.ts';

const sameAsDateParse = (s: string) => expect(Object.is(parseIsoMs(s), Date.parse(s)), s).toBe(true);

describe('parseIsoMs', () => {
  it('equals Date.parse for every time toISOString writes', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0000-01-01T00:00:00.000Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }),
        (d) => {
          const s = d.toISOString();
          sameAsDateParse(s);
          expect(parseIsoMs(s)).toBe(d.getTime());
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it.each([
    '2026-02-29T00:00:00.000Z',
    '2024-02-29T12:30:45.123Z',
    '2026-02-30T00:00:00.000Z',
    '2026-13-01T00:00:00.000Z',
    '2026-00-10T00:00:00.000Z',
    '2026-01-00T00:00:00.000Z',
    '2024-02-29T24:00:00.000Z',
    '2024-02-28T23:59:60.000Z',
    '2024-02-28T23:60:00.000Z',
    '2024-02-28T23:59:00.00xZ',
    '2024-02-28 23:59:00.000Z',
    '2024-02-28T23:59:00.000+01:00',
    '2024-02-28T23:59:00Z',
    '+002024-02-28T23:59:00.000Z',
    '0000-01-01T00:00:00.000Z',
    '1969-12-31T23:59:59.999Z',
    'not a time',
    '',
  ])('equals Date.parse for %j', (s) => sameAsDateParse(s));

  it('equals Date.parse for strings shaped like a timestamp with any character in any place', () => {
    const chars = fc.constantFrom(...'0123456789-:.TZ +x'.split(''));
    fc.assert(
      fc.property(
        fc.nat({ max: 23 }),
        chars,
        fc.date({ noInvalidDate: true, min: new Date(0), max: new Date('2100-01-01') }),
        (at, c, d) => {
          const s = d.toISOString();
          sameAsDateParse(s.slice(0, at) + c + s.slice(at + 1));
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
