import { describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../shared/failover/incident.ts';
import { deriveDrains, drainOverlay, drainedRegions, mergeIncident, mergeManual } from '../../shared/failover/index.ts';
import type { FleetFacts, ManualFact } from '../../shared/failover/index.ts';

const OSAKA = 'asia-northeast2';
const TOKYO = 'asia-northeast1';
const T0 = Date.parse('2026-09-21T10:00:00.000Z');
const at = (min: number) => new Date(T0 + min * 60_000);
const iso = (min: number) => at(min).toISOString();

function incident(state: 'open' | 'closed', startMin: number, endMin?: number, id = 'i-1'): IncidentEvent {
  return {
    incidentId: id,
    state,
    startedAt: at(startMin),
    endedAt: endMin === undefined ? null : at(endMin),
    policyName: 'p',
    summary: '',
    resourceLabels: {},
    metricLabels: {},
    policyUserLabels: {},
  };
}

const manual = (over: Partial<ManualFact> = {}): ManualFact => ({
  id: 'm-1',
  region: OSAKA,
  action: 'drain',
  at: iso(0),
  by: 'alice',
  reason: 'drill',
  ...over,
});

describe('mergeIncident', () => {
  it('records an open, and ignores its renotification', () => {
    const opened = mergeIncident({}, incident('open', 0), OSAKA);
    expect(opened).toEqual({
      changed: true,
      facts: { [OSAKA]: { incidents: { 'i-1': { incidentId: 'i-1', region: OSAKA, openedAt: iso(0) } }, manual: [] } },
    });
    const again = mergeIncident(opened.facts, incident('open', 0), OSAKA);
    expect(again.changed).toBe(false);
    expect(again.facts).toBe(opened.facts);
  });

  it('takes the open time from a close whose open never arrived, and then ignores the late open', () => {
    const closed = mergeIncident({}, incident('closed', 0, 10), OSAKA);
    expect(closed.facts[OSAKA]!.incidents['i-1']).toEqual({ incidentId: 'i-1', region: OSAKA, openedAt: iso(0), closedAt: iso(10) });
    expect(mergeIncident(closed.facts, incident('open', 0), OSAKA).changed).toBe(false);
  });

  it('keeps the earliest open and the latest close; stale events change nothing', () => {
    let facts: FleetFacts = mergeIncident({}, incident('closed', 5, 10), OSAKA).facts;
    facts = mergeIncident(facts, incident('open', 3), OSAKA).facts;
    expect(mergeIncident(facts, incident('closed', 5, 8), OSAKA).changed).toBe(false);
    facts = mergeIncident(facts, incident('closed', 5, 12), OSAKA).facts;
    expect(facts[OSAKA]!.incidents['i-1']).toEqual({ incidentId: 'i-1', region: OSAKA, openedAt: iso(3), closedAt: iso(12) });
  });

  it('stores odd incident ids as plain keys', () => {
    const { facts } = mergeIncident({}, incident('open', 0, undefined, '__proto__'), OSAKA);
    expect(Object.keys(facts[OSAKA]!.incidents)).toEqual(['__proto__']);
    expect(mergeIncident(facts, incident('open', 0, undefined, '__proto__'), OSAKA).changed).toBe(false);
  });
});

describe('mergeManual', () => {
  it('records a manual action once, with a normalised time, sorted by time', () => {
    const first = mergeManual({}, manual({ id: 'm-2', at: '2026-09-21T10:05:00Z' }));
    const second = mergeManual(first.facts, manual({ id: 'm-1', action: 'restore' }));
    expect(second.facts[OSAKA]!.manual.map((m) => [m.id, m.at])).toEqual([
      ['m-1', iso(0)],
      ['m-2', iso(5)],
    ]);
    expect(mergeManual(second.facts, manual({ id: 'm-2', at: '2026-09-21T10:05:00Z' }))).toEqual({ facts: second.facts, changed: false });
  });

  it('resolves two facts under one id the same way in either order', () => {
    const a = manual({ region: TOKYO, at: iso(5) });
    const b = manual({ region: OSAKA, at: iso(1) });
    const ab = mergeManual(mergeManual({}, a).facts, b).facts;
    const ba = mergeManual(mergeManual({}, b).facts, a).facts;
    expect(ab).toEqual(ba);
    expect(ab).toEqual({ [OSAKA]: { incidents: {}, manual: [b] } });
  });

  it('rejects a time that is not a time', () => {
    expect(() => mergeManual({}, manual({ at: 'soon' }))).toThrow(RangeError);
  });
});

describe('overlay helpers', () => {
  const policy = { minHealthyRegions: 1, holdDownSeconds: 300, flapBudget: { maxDrains: 3, windowSeconds: 3600 } };
  const services = [{ name: 'store', regions: [TOKYO, OSAKA] }];
  const one = mergeIncident({}, incident('open', 0, undefined, 'o1'), OSAKA).facts;
  const two = mergeIncident(one, incident('open', 1, undefined, 't1'), TOKYO).facts;

  it('lists drained regions as a route overlay', () => {
    const after = deriveDrains({ facts: two, services, policy, now: at(2) });
    expect(drainedRegions(after)).toEqual(new Set([OSAKA]));
    expect(drainOverlay(after, 'keep')).toEqual({ drained: new Set([OSAKA]), pinnedPathsOnDrain: 'keep' });
  });
});
