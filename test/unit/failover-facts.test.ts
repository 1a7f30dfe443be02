import { describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../shared/failover/incident.ts';
import { deriveDrains, drainOverlay, drainedRegions, mergeIncident, mergeManual, NO_FACTS } from '../../shared/failover/index.ts';
import type { ManualFact } from '../../shared/failover/index.ts';

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
  it('records an open with when it was learned and its learned order, and ignores its renotification', () => {
    const opened = mergeIncident(NO_FACTS, incident('open', 0), OSAKA, at(1));
    expect(opened).toEqual({
      changed: true,
      facts: {
        regions: {
          [OSAKA]: { incidents: { 'i-1': { incidentId: 'i-1', region: OSAKA, openedAt: iso(0), learnedAt: iso(1), seq: 1 } }, manual: [] },
        },
        seq: 1,
        learnedAt: iso(1),
      },
    });
    const again = mergeIncident(opened.facts, incident('open', 0), OSAKA, at(2));
    expect(again.changed).toBe(false);
    expect(again.facts).toBe(opened.facts);
  });

  it('takes the open time from a close whose open never arrived, and then ignores the late open', () => {
    const closed = mergeIncident(NO_FACTS, incident('closed', 0, 10), OSAKA, at(11));
    expect(closed.facts.regions[OSAKA]!.incidents['i-1']).toEqual({
      incidentId: 'i-1',
      region: OSAKA,
      openedAt: iso(0),
      closedAt: iso(10),
      learnedAt: iso(11),
      seq: 1,
      closeLearnedAt: iso(11),
      closeSeq: 1,
    });
    expect(mergeIncident(closed.facts, incident('open', 0), OSAKA, at(12)).changed).toBe(false);
  });

  it('keeps the first close learned: later closes of a closed incident change nothing', () => {
    let facts = mergeIncident(NO_FACTS, incident('open', 3), OSAKA, at(3)).facts;
    facts = mergeIncident(facts, incident('closed', 3, 10), OSAKA, at(10)).facts;
    expect(mergeIncident(facts, incident('closed', 3, 8), OSAKA, at(11)).changed).toBe(false);
    expect(mergeIncident(facts, incident('closed', 3, 12), OSAKA, at(12)).changed).toBe(false);
    expect(facts.regions[OSAKA]!.incidents['i-1']).toMatchObject({ openedAt: iso(3), closedAt: iso(10), seq: 1, closeSeq: 2 });
  });

  it('never gives a later report an earlier learned time, whatever the clock says', () => {
    const first = mergeIncident(NO_FACTS, incident('open', 0, undefined, 'a'), OSAKA, at(5)).facts;
    const second = mergeIncident(first, incident('open', 0, undefined, 'b'), TOKYO, at(4)).facts;
    expect(second.regions[TOKYO]!.incidents['b']).toMatchObject({ learnedAt: iso(5), seq: 2 });
    expect(second).toMatchObject({ seq: 2, learnedAt: iso(5) });
  });

  it('learns a fact after the folded history, even from an instance whose clock is far behind', () => {
    const base = { at: iso(60), regions: {}, refusals: [], foldedManual: {}, foldedIncidents: {} };
    const { facts } = mergeIncident({ ...NO_FACTS, base }, incident('open', 0, undefined, 'late'), OSAKA, at(10));
    expect(facts.regions[OSAKA]!.incidents['late']).toMatchObject({ learnedAt: new Date(at(60).getTime() + 1).toISOString(), seq: 1 });
  });

  it('stores odd incident ids as plain keys', () => {
    const { facts } = mergeIncident(NO_FACTS, incident('open', 0, undefined, '__proto__'), OSAKA, at(0));
    expect(Object.keys(facts.regions[OSAKA]!.incidents)).toEqual(['__proto__']);
    expect(mergeIncident(facts, incident('open', 0, undefined, '__proto__'), OSAKA, at(1)).changed).toBe(false);
  });
});

describe('mergeManual', () => {
  it('records a manual action once, with a normalised time, in learned order', () => {
    const first = mergeManual(NO_FACTS, manual({ id: 'm-2', at: '2026-09-21T10:05:00Z' }), at(5));
    const second = mergeManual(first.facts, manual({ id: 'm-1', action: 'restore' }), at(5));
    expect(second.facts.regions[OSAKA]!.manual.map((m) => [m.id, m.at, m.seq])).toEqual([
      ['m-2', iso(5), 1],
      ['m-1', iso(0), 2],
    ]);
    expect(mergeManual(second.facts, manual({ id: 'm-2', at: '2026-09-21T10:05:00Z' }), at(6))).toEqual({
      facts: second.facts,
      changed: false,
    });
  });

  it('keeps the first fact recorded under an id', () => {
    const a = manual({ region: TOKYO, at: iso(5) });
    const b = manual({ region: OSAKA, at: iso(1) });
    const ab = mergeManual(mergeManual(NO_FACTS, a, at(5)).facts, b, at(6)).facts;
    expect(ab.regions).toEqual({ [TOKYO]: { incidents: {}, manual: [{ ...a, learnedAt: iso(5), seq: 1 }] } });
  });

  it('rejects a time that is not a time', () => {
    expect(() => mergeManual(NO_FACTS, manual({ at: 'soon' }), at(0))).toThrow(RangeError);
  });
});

describe('overlay helpers', () => {
  const policy = { minHealthyRegions: 1, holdDownSeconds: 300, flapBudget: { maxDrains: 3, windowSeconds: 3600 } };
  const services = [{ name: 'store', regions: [TOKYO, OSAKA] }];
  const one = mergeIncident(NO_FACTS, incident('open', 0, undefined, 'o1'), OSAKA, at(0)).facts;
  const two = mergeIncident(one, incident('open', 1, undefined, 't1'), TOKYO, at(1)).facts;

  it('lists drained regions as a route overlay', () => {
    const after = deriveDrains({ facts: two, services, policy, now: at(2) });
    expect(drainedRegions(after)).toEqual(new Set([OSAKA]));
    expect(drainOverlay(after, 'keep')).toEqual({ drained: new Set([OSAKA]), pinnedPathsOnDrain: 'keep' });
  });
});
