/**
 * The fleet plan (routing/fleet-plan.ts): what views and dry runs show. Planned from a snapshot of
 * the in-memory fleet; it writes nothing, and what it shows is what the render then applies.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { updateFacts } from '../../shared/failover/drain-store.ts';
import { mergeIncident, mergeManual, NO_FACTS, type FleetFacts } from '../../shared/failover/index.ts';
import { describeTrafficMoved, movedShare, planFleet, refusalOf } from '../../shared/routing/fleet-plan.ts';
import { readSnapshot } from '../../shared/routing/snapshot.ts';
import { updateRoutes } from '../../shared/routing/update-routes.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { demoFleet, memoryFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const N1 = 'asia-northeast1';
const N2 = 'asia-northeast2';
const held = (fleet: MemoryFleet, region: string, id: string, facts: FleetFacts = NO_FACTS, minutesAgo = 0) =>
  mergeManual(
    facts,
    {
      id,
      region,
      action: 'drain',
      at: new Date(fleet.clock.now().getTime() - minutesAgo * 60_000).toISOString(),
      by: 'ops',
      reason: 'what if',
    },
    new Date(fleet.clock.now().getTime() - minutesAgo * 60_000),
  ).facts;

describe('planFleet', () => {
  it('of a fleet whose routes match: no diff, nothing moves', async () => {
    const fleet = await demoFleet();
    const plan = planFleet(await readSnapshot(fleet.ctx));
    expect(plan.routes).toMatchObject([
      {
        service: 'store',
        namespace: 'store',
        diff: [],
        problems: [],
        trafficMoved: 0,
        shares: { live: { 'store-asia-northeast1': 0.5, 'store-asia-northeast2': 0.5 } },
      },
    ]);
    expect(describeTrafficMoved(plan.routes)).toEqual([]);
    expect(Object.values(plan.drains.regions).map((r) => [r.region, r.drained])).toEqual([
      [N1, false],
      [N2, false],
    ]);
  });

  it('with hypothetical facts: the drain, its route diff and the traffic that moves — and nothing written', async () => {
    const fleet = await demoFleet();
    const before = structuredClone([...fleet.store.docs]);
    const route = fleet.route('store');
    const snapshot = await readSnapshot(fleet.ctx);
    const plan = planFleet(snapshot, held(fleet, N1, 'what-if'));
    expect(plan.drains.regions[N1]).toMatchObject({ drained: true, cause: 'manual' });
    expect(plan.routes[0]).toMatchObject({
      diff: [`~ store-${N1} weight 50 → 0 on default rule`],
      trafficMoved: 0.5,
      shares: { rendered: { [`store-${N1}`]: 0, [`store-${N2}`]: 1 } },
    });
    expect(describeTrafficMoved(plan.routes)).toEqual(['store: 50% of default traffic moves']);
    expect([...fleet.store.docs]).toEqual(before);
    expect(fleet.route('store')).toEqual(route);
  });

  it('names the refusal of a request by its id', async () => {
    const fleet = await demoFleet();
    const snapshot = await readSnapshot(fleet.ctx);
    const plan = planFleet(snapshot, held(fleet, N1, 'second', held(fleet, N2, 'first', NO_FACTS, 5)));
    expect(refusalOf(plan, 'second')).toMatchObject({ region: N1, guard: 'last-serving-region', cause: 'manual' });
    expect(refusalOf(plan, 'first')).toBeUndefined();
    expect(
      plan.routes[0]?.rendered?.spec.rules?.find((r) => r.matches?.[0]?.path?.value === '/')?.backendRefs?.map((b) => b.weight),
    ).toEqual([50, 0]);
  });

  it('of a fleet with no live route: the whole route is new', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, onboarded: true });
    const plan = planFleet(await readSnapshot(fleet.ctx));
    expect(plan.routes[0]).toMatchObject({ live: null, shares: { live: {}, rendered: { [`store-${N1}`]: 1 } } });
    expect(plan.routes[0]?.diff[0]).toBe('+ HTTPRoute store/store');
  });

  it('renders nothing (and moves nothing) for a service with no ready region', async () => {
    const fleet = await demoFleet();
    fleet.container.setStatus(TOKYO.location, TOKYO.name, 'STOPPING');
    fleet.container.setStatus(OSAKA.location, OSAKA.name, 'STOPPING');
    const plan = planFleet(await readSnapshot(fleet.ctx));
    expect(plan.routes[0]).toMatchObject({ rendered: null, diff: [], trafficMoved: 0 });
    expect(plan.routes[0]?.explanation[0]).toBe('no region of store is ready: no HTTPRoute rendered, a live route stays as it is');
  });

  it.each<[string, Record<string, number>, Record<string, number>, number]>([
    ['nothing to nothing', {}, {}, 0],
    ['half of it to one side', { a: 0.5, b: 0.5 }, { a: 0, b: 1 }, 0.5],
    ['all of it elsewhere', { a: 1 }, { b: 1 }, 1],
    ['a third', { a: 1 / 3, b: 1 / 3, c: 1 / 3 }, { a: 0.5, b: 0.5, c: 0 }, 0.333],
  ])('movedShare: %s', (_name, before, after, moved) => {
    expect(movedShare(before, after)).toBe(moved);
  });

  it('shows exactly what the render then applies, for any drains and alerts', async () => {
    const action = fc.record({
      region: fc.constantFrom(N1, N2),
      kind: fc.constantFrom('hold', 'alert'),
      minutesAgo: fc.integer({ min: 0, max: 30 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 4 }), async (actions) => {
        const fleet = await demoFleet();
        let facts: FleetFacts = NO_FACTS;
        actions.forEach((a, i) => {
          const at = new Date(fleet.clock.now().getTime() - a.minutesAgo * 60_000);
          facts =
            a.kind === 'hold'
              ? mergeManual(facts, { id: `m-${i}`, region: a.region, action: 'drain', at: at.toISOString(), by: 'ops', reason: 'r' }, at)
                  .facts
              : mergeIncident(
                  facts,
                  {
                    incidentId: `inc-${i}`,
                    state: 'open',
                    startedAt: at,
                    endedAt: null,
                  },
                  a.region,
                  at,
                ).facts;
        });
        const plan = planFleet(await readSnapshot(fleet.ctx), facts);
        await updateFacts(fleet.store, () => ({ facts, changed: true }));
        const op = await startOperation(fleet.ctx, { kind: 'test-render', trigger: {}, principal: 'test', subject: 'fleet' });
        const outcome = await updateRoutes(fleet.ctx, op, await fleet.ctx.config());
        expect(fleet.route('store')?.object.spec).toEqual(plan.routes[0]?.rendered?.spec);
        expect(outcome.drains).toEqual(plan.drains);
        // Never zero in any plan.
        expect(Object.values(fleet.route('store')?.weights ?? {}).some((w) => w > 0)).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
