import { describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../shared/failover/incident.ts';
import { deriveDrains, drainDiff, mergeIncident, mergeManual, NO_FACTS } from '../../shared/failover/index.ts';
import type { DrainPolicy, FleetDrainState, FleetFacts, RegionDrainState, ServiceRegions } from '../../shared/failover/index.ts';

const TOKYO = 'asia-northeast1';
const OSAKA = 'asia-northeast2';
const IOWA = 'us-central1';
const T0 = Date.parse('2026-09-21T10:00:00.000Z');
/** Minutes after T0. */
const at = (min: number) => new Date(T0 + min * 60_000);
const iso = (min: number) => at(min).toISOString();

const POLICY: DrainPolicy = { minHealthyRegions: 1, holdDownSeconds: 300, flapBudget: { maxDrains: 3, windowSeconds: 3600 } };
const STORE: ServiceRegions[] = [{ name: 'store', regions: [TOKYO, OSAKA] }];

function incident(id: string, state: 'open' | 'closed', startMin: number, endMin?: number): IncidentEvent {
  return {
    incidentId: id,
    state,
    startedAt: at(startMin),
    endedAt: endMin === undefined ? null : at(endMin),
    policyName: 'store error rate',
    summary: '',
    resourceLabels: {},
    metricLabels: {},
    policyUserLabels: {},
  };
}

/** A fixture builder: the facts read like the scenario. */
function history(services: ServiceRegions[] = STORE, policy: DrainPolicy = POLICY) {
  let facts: FleetFacts = NO_FACTS;
  // Each report is learned when it happens (`learnedMin` for a late one): the order of the calls is the order of arrival.
  const h = {
    open(region: string, id: string, min: number, learnedMin = min) {
      facts = mergeIncident(facts, incident(id, 'open', min), region, at(learnedMin)).facts;
      return h;
    },
    close(region: string, id: string, openMin: number, closeMin: number, learnedMin = closeMin) {
      facts = mergeIncident(facts, incident(id, 'closed', openMin, closeMin), region, at(learnedMin)).facts;
      return h;
    },
    manual(region: string, action: 'drain' | 'restore', id: string, min: number) {
      facts = mergeManual(facts, { id, region, action, at: iso(min), by: 'alice@example.com', reason: 'drill' }, at(min)).facts;
      return h;
    },
    facts: () => facts,
    derive: (nowMin: number): FleetDrainState => deriveDrains({ facts, services, policy, now: at(nowMin) }),
  };
  return h;
}

const serving = (region: string, extra: Partial<RegionDrainState> = {}): RegionDrainState => ({
  region,
  drained: false,
  openIncidents: [],
  drainsInWindow: 0,
  ...extra,
});
const drained = (region: string, cause: 'alert' | 'manual', sinceMin: number, extra: Partial<RegionDrainState> = {}): RegionDrainState => ({
  region,
  drained: true,
  cause,
  since: iso(sinceMin),
  openIncidents: [],
  drainsInWindow: cause === 'alert' ? 1 : 0,
  ...extra,
});
const noServingRefusal = (region: string, min: number, ref: string, cause: 'alert' | 'manual' = 'alert') => ({
  region,
  at: iso(min),
  guard: 'last-serving-region' as const,
  reason: `draining ${region} would leave store with no serving region`,
  services: ['store'],
  cause,
  ref,
});

describe('deriveDrains: the Osaka drill', () => {
  const drill = history().open(OSAKA, 'o1', 0).open(TOKYO, 't1', 5).close(OSAKA, 'o1', 0, 20);

  it('drains osaka when its incident opens', () => {
    expect(history().open(OSAKA, 'o1', 0).derive(1)).toEqual({
      regions: { [OSAKA]: drained(OSAKA, 'alert', 0, { openIncidents: ['o1'] }), [TOKYO]: serving(TOKYO) },
      refusals: [],
    });
  });

  it('refuses to drain tokyo while osaka is drained, and records why', () => {
    expect(history().open(OSAKA, 'o1', 0).open(TOKYO, 't1', 5).derive(6)).toEqual({
      regions: { [OSAKA]: drained(OSAKA, 'alert', 0, { openIncidents: ['o1'] }), [TOKYO]: serving(TOKYO, { openIncidents: ['t1'] }) },
      refusals: [noServingRefusal(TOKYO, 5, 't1')],
    });
  });

  it('keeps osaka drained until the hold-down after its close', () => {
    const state = drill.derive(24);
    expect(state).toEqual({
      regions: { [OSAKA]: drained(OSAKA, 'alert', 0, { restoreAt: iso(25) }), [TOKYO]: serving(TOKYO, { openIncidents: ['t1'] }) },
      refusals: [noServingRefusal(TOKYO, 5, 't1')],
    });
  });

  it('restores osaka at close + hold-down and then drains tokyo, whose incident is still open', () => {
    const after = drill.derive(25);
    expect(after).toEqual({
      regions: { [OSAKA]: serving(OSAKA, { drainsInWindow: 1 }), [TOKYO]: drained(TOKYO, 'alert', 25, { openIncidents: ['t1'] }) },
      refusals: [noServingRefusal(TOKYO, 5, 't1')],
    });
    expect(drainDiff(drill.derive(24), after)).toEqual({ drained: [TOKYO], restored: [OSAKA] });
  });

  it('ignores facts later than now', () => {
    expect(drill.derive(-1)).toEqual({ regions: { [OSAKA]: serving(OSAKA), [TOKYO]: serving(TOKYO) }, refusals: [] });
  });

  it('processes restores before drains at the same instant, so nothing is refused', () => {
    const state = history().open(OSAKA, 'o1', 0).close(OSAKA, 'o1', 0, 20).open(TOKYO, 't1', 25).derive(30);
    expect(state.refusals).toEqual([]);
    expect(state.regions[TOKYO]).toEqual(drained(TOKYO, 'alert', 25, { openIncidents: ['t1'] }));
  });

  it('keeps a region drained across overlapping incidents and lifts it after the last close', () => {
    const h = history().open(OSAKA, 'o1', 0).open(OSAKA, 'o2', 3).close(OSAKA, 'o1', 0, 4);
    expect(h.derive(10).regions[OSAKA]).toEqual(drained(OSAKA, 'alert', 0, { openIncidents: ['o2'] }));
    h.close(OSAKA, 'o2', 3, 8);
    expect(h.derive(12).regions[OSAKA]).toEqual(drained(OSAKA, 'alert', 0, { restoreAt: iso(13) }));
    expect(h.derive(13).regions[OSAKA]).toEqual(serving(OSAKA, { drainsInWindow: 1 }));
  });

  it('does not restore when a new incident opens during the hold-down', () => {
    const h = history().open(OSAKA, 'o1', 0).close(OSAKA, 'o1', 0, 10).open(OSAKA, 'o2', 12);
    expect(h.derive(20).regions[OSAKA]).toEqual(drained(OSAKA, 'alert', 0, { openIncidents: ['o2'] }));
  });
});

describe('deriveDrains: flap budget', () => {
  const policy: DrainPolicy = { ...POLICY, holdDownSeconds: 60 };
  const flapping = () =>
    history(STORE, policy)
      .open(OSAKA, 'a', 0)
      .close(OSAKA, 'a', 0, 2)
      .open(OSAKA, 'b', 10)
      .close(OSAKA, 'b', 10, 12)
      .open(OSAKA, 'c', 20)
      .close(OSAKA, 'c', 20, 22)
      .open(OSAKA, 'd', 30);
  const reason = `${OSAKA} was drained automatically 3 times within 3600s (budget 3)`;

  it('freezes a region after maxDrains automatic drains in the window', () => {
    const state = flapping().derive(31);
    expect(state).toEqual({
      regions: {
        [OSAKA]: serving(OSAKA, { openIncidents: ['d'], frozen: { until: iso(60), reason }, drainsInWindow: 3 }),
        [TOKYO]: serving(TOKYO),
      },
      refusals: [
        { region: OSAKA, at: iso(30), guard: 'flap-budget', reason: `${reason}; frozen until ${iso(60)}`, cause: 'alert', ref: 'd' },
      ],
    });
  });

  it('refuses new incidents while frozen and drains once the window allows, if still alerting', () => {
    const h = flapping().open(OSAKA, 'e', 40);
    expect(h.derive(59).refusals.map((r) => [r.at, r.guard, r.ref])).toEqual([
      [iso(30), 'flap-budget', 'd'],
      [iso(40), 'flap-budget', 'e'],
    ]);
    expect(h.derive(59).refusals[1]!.reason).toBe(`${OSAKA} is frozen until ${iso(60)}: ${reason}`);
    expect(h.derive(60).regions[OSAKA]).toEqual(drained(OSAKA, 'alert', 60, { openIncidents: ['d', 'e'], drainsInWindow: 3 }));
  });

  it('stays serving after the freeze when the incidents closed meanwhile', () => {
    expect(flapping().close(OSAKA, 'd', 30, 45).derive(90).regions[OSAKA]).toEqual(serving(OSAKA, { drainsInWindow: 0 }));
  });
});

describe('deriveDrains: minimum healthy regions', () => {
  const services = [
    { name: 'store', regions: [TOKYO, OSAKA, IOWA] },
    { name: 'cart', regions: [TOKYO, IOWA] },
  ];
  const policy = { ...POLICY, minHealthyRegions: 2 };

  it('drains one of three regions and refuses the second', () => {
    expect(history(services, policy).open(OSAKA, 'o1', 0).open(TOKYO, 't1', 5).derive(6)).toEqual({
      regions: {
        [OSAKA]: drained(OSAKA, 'alert', 0, { openIncidents: ['o1'] }),
        [TOKYO]: serving(TOKYO, { openIncidents: ['t1'] }),
        [IOWA]: serving(IOWA),
      },
      refusals: [
        {
          region: TOKYO,
          at: iso(5),
          guard: 'min-healthy-regions',
          services: ['cart', 'store'],
          cause: 'alert',
          ref: 't1',
          reason: `draining ${TOKYO} would leave cart with 1 serving region, store with 1 serving region (minimum 2)`,
        },
      ],
    });
  });

  it('names the last-serving-region guard when a service would keep none', () => {
    const state = history([{ name: 'store', regions: [OSAKA] }], policy)
      .open(OSAKA, 'o1', 0)
      .derive(1);
    expect(state.refusals).toEqual([
      { ...noServingRefusal(OSAKA, 0, 'o1'), reason: `draining ${OSAKA} would leave store with no serving region (minimum 2)` },
    ]);
    expect(state.regions[OSAKA]!.drained).toBe(false);
  });
});

describe('deriveDrains: manual drains and restores', () => {
  it('holds a manual drain through alert closes until a manual restore', () => {
    const h = history().open(OSAKA, 'o1', 0).manual(OSAKA, 'drain', 'm1', 2).close(OSAKA, 'o1', 0, 10);
    expect(h.derive(30)).toEqual({
      regions: { [OSAKA]: drained(OSAKA, 'manual', 0, { drainsInWindow: 1, holdId: 'm1' }), [TOKYO]: serving(TOKYO) },
      refusals: [],
    });
    h.manual(OSAKA, 'restore', 'm2', 40);
    expect(h.derive(41)).toEqual({ regions: { [OSAKA]: serving(OSAKA, { drainsInWindow: 1 }), [TOKYO]: serving(TOKYO) }, refusals: [] });
  });

  it('drains a healthy region on request and keeps it drained without incidents', () => {
    expect(history().manual(TOKYO, 'drain', 'm1', 0).derive(500).regions[TOKYO]).toEqual(drained(TOKYO, 'manual', 0, { holdId: 'm1' }));
  });

  it('refuses a manual drain that would leave a service with no region', () => {
    const state = history().manual(TOKYO, 'drain', 'm1', 0).manual(OSAKA, 'drain', 'm2', 1).derive(2);
    expect(state.regions[OSAKA]).toEqual(serving(OSAKA));
    expect(state.refusals).toEqual([noServingRefusal(OSAKA, 1, 'm2', 'manual')]);
  });

  it('does not retry a refused manual drain when capacity returns', () => {
    const state = history().manual(TOKYO, 'drain', 'm1', 0).manual(OSAKA, 'drain', 'm2', 1).manual(TOKYO, 'restore', 'm3', 5).derive(6);
    expect(state.regions).toEqual({ [OSAKA]: serving(OSAKA), [TOKYO]: serving(TOKYO) });
  });

  it('lets an operator restore an alerting region; only a later incident drains it again', () => {
    const h = history().open(OSAKA, 'o1', 0).manual(OSAKA, 'restore', 'm1', 5);
    expect(h.derive(6).regions[OSAKA]).toEqual(serving(OSAKA, { openIncidents: ['o1'], drainsInWindow: 1 }));
    expect(h.open(OSAKA, 'o2', 10).derive(11).regions[OSAKA]).toEqual(
      drained(OSAKA, 'alert', 10, { openIncidents: ['o1', 'o2'], drainsInWindow: 2 }),
    );
  });

  it('lets a refused alert drain apply after a manual restore of another region', () => {
    const state = history().manual(OSAKA, 'drain', 'm1', 0).open(TOKYO, 't1', 5).manual(OSAKA, 'restore', 'm2', 8).derive(9);
    expect(state).toEqual({
      regions: { [OSAKA]: serving(OSAKA), [TOKYO]: drained(TOKYO, 'alert', 8, { openIncidents: ['t1'] }) },
      refusals: [noServingRefusal(TOKYO, 5, 't1')],
    });
  });
});
