import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IncidentEvent } from '../../shared/failover/incident.ts';
import { deriveDrains, mergeIncident, mergeManual } from '../../shared/failover/index.ts';
import type { FleetDrainState, FleetFacts, ManualFact, ServiceRegions } from '../../shared/failover/index.ts';

const ALL_REGIONS = ['asia-northeast1', 'asia-northeast2', 'asia-east1', 'us-central1'];
const T0 = Date.parse('2026-09-21T10:00:00.000Z');
const at = (min: number) => new Date(T0 + min * 60_000);

/** One delivery: an incident notification mapped to a region, or a manual request. */
type Delivery =
  { kind: 'incident'; region: string; event: IncidentEvent; time: number } | { kind: 'manual'; fact: ManualFact; time: number };

function incidentEvent(id: string, state: 'open' | 'closed', start: number, end?: number): IncidentEvent {
  return {
    incidentId: id,
    state,
    startedAt: at(start),
    endedAt: end === undefined ? null : at(end),
    policyName: 'p',
    summary: '',
    resourceLabels: {},
    metricLabels: {},
    policyUserLabels: {},
  };
}

const scenarioArb = fc.integer({ min: 2, max: 4 }).chain((n) => {
  const regions = ALL_REGIONS.slice(0, n);
  const region = fc.constantFrom(...regions);
  const incident = fc.record({
    region,
    start: fc.integer({ min: 0, max: 180 }),
    duration: fc.option(fc.integer({ min: 0, max: 60 })),
    renotifications: fc.integer({ min: 0, max: 2 }),
  });
  const manual = fc.record({
    region,
    action: fc.constantFrom<'drain' | 'restore'>('drain', 'restore'),
    minute: fc.integer({ min: 0, max: 300 }),
  });
  return fc.record({
    regions: fc.constant(regions),
    incidents: fc.array(incident, { minLength: 1, maxLength: 10 }),
    manual: fc.array(manual, { maxLength: 3 }),
    services: fc.array(fc.subarray(regions), { minLength: 1, maxLength: 3 }),
    policy: fc.record({
      // Mostly 1, so that drains (and flapping) happen often enough to test.
      minHealthyRegions: fc.oneof({ weight: 3, arbitrary: fc.constant(1) }, { weight: 2, arbitrary: fc.integer({ min: 2, max: 3 }) }),
      holdDownSeconds: fc.constantFrom(0, 60, 300, 1800),
      flapBudget: fc.record({ maxDrains: fc.integer({ min: 1, max: 3 }), windowSeconds: fc.constantFrom(60, 3600) }),
    }),
    now: fc.integer({ min: 0, max: 420 }),
  });
});
type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** Every delivery of a scenario, once each, in time order. */
function deliveries(s: Scenario): Delivery[] {
  const out: Delivery[] = [];
  s.incidents.forEach((inc, i) => {
    const id = `inc-${i}`;
    for (let r = 0; r <= inc.renotifications; r++)
      out.push({ kind: 'incident', region: inc.region, event: incidentEvent(id, 'open', inc.start), time: inc.start + r });
    if (inc.duration !== null)
      out.push({
        kind: 'incident',
        region: inc.region,
        event: incidentEvent(id, 'closed', inc.start, inc.start + inc.duration),
        time: inc.start + inc.duration,
      });
  });
  s.manual.forEach((m, i) =>
    out.push({
      kind: 'manual',
      time: m.minute,
      fact: { id: `m-${i}`, region: m.region, action: m.action, at: at(m.minute).toISOString(), by: 'ops', reason: 'test' },
    }),
  );
  return out.sort((a, b) => a.time - b.time);
}

function apply(facts: FleetFacts, d: Delivery) {
  return d.kind === 'incident' ? mergeIncident(facts, d.event, d.region) : mergeManual(facts, d.fact);
}

const services = (s: Scenario): ServiceRegions[] => s.services.map((regions, i) => ({ name: `svc-${i}`, regions }));
const derive = (facts: FleetFacts, s: Scenario, now = s.now): FleetDrainState =>
  deriveDrains({ facts, services: services(s), policy: s.policy, now: at(now) });

/** Never zero: each service keeps max(1, min) serving regions, or all of them when it has fewer. */
function expectNeverZero(state: FleetDrainState, s: Scenario) {
  const required = Math.max(1, s.policy.minHealthyRegions);
  for (const svc of services(s)) {
    const total = new Set(svc.regions);
    const serving = [...total].filter((r) => !state.regions[r]?.drained);
    expect(serving.length).toBeGreaterThanOrEqual(Math.min(required, total.size));
  }
}

/** A scenario with its deliveries shuffled and some of them duplicated. */
const deliveredArb = scenarioArb.chain((s) => {
  const inOrder = deliveries(s);
  return fc.record({
    s: fc.constant(s),
    inOrder: fc.constant(inOrder),
    shuffled: fc.subarray(inOrder).chain((dups) => fc.shuffledSubarray([...inOrder, ...dups], { minLength: inOrder.length + dups.length })),
  });
});

describe('drain model properties', () => {
  it('(a) never leaves a service without serving regions: after every delivery, and at every moment', () => {
    // What the generated scenarios exercised, so a weak generator cannot pass silently.
    const seen = { drains: 0, 'last-serving-region': 0, 'min-healthy-regions': 0, 'flap-budget': 0 };
    fc.assert(
      fc.property(deliveredArb, ({ s, inOrder, shuffled }) => {
        let facts: FleetFacts = {};
        for (const d of shuffled) {
          facts = apply(facts, d).facts;
          expectNeverZero(derive(facts, s), s);
        }
        for (const minute of new Set([...inOrder.map((d) => d.time), ...inOrder.map((d) => d.time + 1), 500])) {
          const state = derive(facts, s, minute);
          expectNeverZero(state, s);
          seen.drains += Object.values(state.regions).filter((r) => r.drained).length;
          for (const r of state.refusals) seen[r.guard] += 1;
        }
      }),
      { numRuns: 200 },
    );
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
  });

  it('(b) any order with duplicates ends where time order does; repeats report no change', () => {
    fc.assert(
      fc.property(deliveredArb, ({ s, inOrder, shuffled }) => {
        const expected = inOrder.reduce((f, d) => apply(f, d).facts, {} as FleetFacts);
        let facts: FleetFacts = {};
        const seen = new Set<Delivery>();
        for (const d of shuffled) {
          const result = apply(facts, d);
          if (seen.has(d)) expect(result.changed).toBe(false);
          seen.add(d);
          facts = result.facts;
        }
        expect(facts).toEqual(expected);
        expect(derive(facts, s)).toEqual(derive(expected, s));
      }),
      { numRuns: 300 },
    );
  });

  it('(c) merges are idempotent and commutative', () => {
    const conflicting = fc.record({
      id: fc.constantFrom('m-0', 'm-1'),
      region: fc.constantFrom(...ALL_REGIONS),
      action: fc.constantFrom<'drain' | 'restore'>('drain', 'restore'),
      minute: fc.integer({ min: 0, max: 10 }),
      by: fc.constantFrom('a', 'b'),
    });
    const manualArb = conflicting.map((m): Delivery => ({
      kind: 'manual',
      time: m.minute,
      fact: { id: m.id, region: m.region, action: m.action, at: at(m.minute).toISOString(), by: m.by, reason: 'r' },
    }));
    const incidentArb = fc
      .record({
        id: fc.constantFrom('a', 'b'),
        region: fc.constantFrom(...ALL_REGIONS),
        start: fc.integer({ min: 0, max: 10 }),
        duration: fc.option(fc.integer({ min: 0, max: 10 })),
      })
      .map((i): Delivery => ({
        kind: 'incident',
        region: i.region,
        time: i.start,
        event: i.duration === null ? incidentEvent(i.id, 'open', i.start) : incidentEvent(i.id, 'closed', i.start, i.start + i.duration),
      }));
    const deliveryArb = fc.oneof(manualArb, incidentArb);
    fc.assert(
      fc.property(fc.array(deliveryArb, { maxLength: 6 }), deliveryArb, deliveryArb, (base, x, y) => {
        const facts = base.reduce((f, d) => apply(f, d).facts, {} as FleetFacts);
        const once = apply(facts, x).facts;
        expect(apply(once, x)).toEqual({ facts: once, changed: false });
        expect(apply(apply(facts, x).facts, y).facts).toEqual(apply(apply(facts, y).facts, x).facts);
      }),
      { numRuns: 500 },
    );
  });
});
