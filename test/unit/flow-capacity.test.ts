/**
 * The capacity guard (safety.capacity) on the in-memory demo fleet: an alert drain of Osaka waits
 * while Tokyo cannot run the store's demand, with the numbers, and applies once Tokyo's autoscaler
 * allows it; a drain already applied is not taken back when the numbers change.
 */
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { manualDrain } from '../../shared/failover/manual-drain.ts';
import { capacityRefusal, holdForCapacity, type FleetDrainState } from '../../shared/failover/index.ts';
import { ROUTE_STEPS } from '../../shared/routing/steps.ts';
import { readFleetView } from '../../shared/ops/fleet-view.ts';
import { incidentNotification } from '../support/events.ts';
import { demoFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const N1 = 'asia-northeast1';
const N2 = 'asia-northeast2';
let messages = 0;
const tick = (fleet: MemoryFleet) =>
  tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, `capacity-tick-${++messages}`);
const weights = (fleet: MemoryFleet) => fleet.route('store')?.weights;

/** What a cluster's Deployment controller and autoscaler would show. */
function scale(fleet: MemoryFleet, cluster: string, ready: number, maxReplicas?: number) {
  const kube = fleet.kube(cluster);
  kube.put({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'store', namespace: 'store' },
    spec: { replicas: ready },
    status: { readyReplicas: ready },
  } as KubernetesObject);
  if (maxReplicas !== undefined)
    kube.put({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'store', namespace: 'store' },
      spec: { maxReplicas },
    } as KubernetesObject);
}

/** An incident opened a minute ago in Osaka, delivered once. */
const osakaAlert = (fleet: MemoryFleet, id: string) =>
  handleMonitoringNotification(
    fleet.ctx,
    incidentNotification({
      id,
      state: 'open',
      startedAt: new Date(fleet.clock.now().getTime() - 60_000),
      resource: { location: OSAKA.location },
    }),
    `msg-${id}`,
  );

async function guarded() {
  const fleet = await demoFleet();
  const config = fleet.config();
  fleet.setConfig({ ...config, safety: { ...config.safety, capacity: { headroomPercent: 20, mode: 'refuse' as const } } });
  return fleet;
}

describe('capacity guard', () => {
  it('holds an Osaka alert drain while Tokyo cannot run the demand, with the numbers, and applies it once Tokyo can', async () => {
    const fleet = await guarded();
    scale(fleet, TOKYO.name, 2, 3);
    scale(fleet, OSAKA.name, 6, 8);
    const record = await osakaAlert(fleet, 'inc-osaka');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    const capacityStep = record.steps.find((s) => s.name === ROUTE_STEPS.capacity);
    expect(capacityStep?.detail).toContain(
      `${N2} waits: draining ${N2} would overload the other regions: store runs 8 ready replicas (${N1} 2 + ${N2} 6) and the other regions can run 2.4 (${N1} max 3, less 20% headroom)`,
    );
    // The fleet view says what the routes do: Osaka serves, its drain waiting for capacity.
    const osaka = (await readFleetView(fleet.ctx)).regions.find((r) => r.region === N2);
    expect(osaka).toMatchObject({ drained: false, serving: true });
    expect(osaka?.waitingForCapacity).toMatch(/^draining asia-northeast2 would overload the other regions/);
    // Tokyo's autoscaler may now grow to 10: 8 of them usable, enough for the 8 the store runs.
    scale(fleet, TOKYO.name, 2, 10);
    fleet.clock.advance(60_000);
    await tick(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
    expect((await readFleetView(fleet.ctx)).regions.find((r) => r.region === N2)).toMatchObject({
      drained: true,
      waitingForCapacity: null,
    });
    // Osaka scales down once drained and Tokyo's maximum falls again: the applied drain stays.
    scale(fleet, OSAKA.name, 1, 8);
    scale(fleet, TOKYO.name, 8, 3);
    fleet.clock.advance(60_000);
    await tick(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
  });

  it('does not guard a service whose Deployments are not found', async () => {
    const fleet = await guarded();
    await osakaAlert(fleet, 'inc-1');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
  });
});

describe('capacity guard, partial mode', () => {
  it('moves only the share Tokyo can take, never hands it back, and completes the drain when Tokyo can run it all', async () => {
    const fleet = await demoFleet();
    const config = fleet.config();
    fleet.setConfig({ ...config, safety: { ...config.safety, capacity: { headroomPercent: 20, mode: 'partial' as const } } });
    scale(fleet, TOKYO.name, 2, 3);
    scale(fleet, OSAKA.name, 6, 8);
    const record = await osakaAlert(fleet, 'inc-partial');
    // Tokyo runs 2 and may run 2.4: room for 0.4 of Osaka's 6 replicas, so Osaka keeps 94% of its weight.
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 47 });
    expect(record.result).toBe('succeeded');
    expect(record.reason).toBe(
      `${N2} partly drained: keeps 94% of its weight until the other regions can run the rest (store: the other regions run 2 ready replicas and can run 2.4, room for 0.4 of ${N2}'s 6)`,
    );
    const view = (await readFleetView(fleet.ctx)).regions.find((r) => r.region === N2);
    expect(view).toMatchObject({ drained: false, serving: true, waitingForCapacity: null, partial: { percent: 94 } });
    // The load moved: Tokyo runs 3 and Osaka 5. The same arithmetic would give it back; the percent stays.
    scale(fleet, TOKYO.name, 3, 3);
    scale(fleet, OSAKA.name, 5, 8);
    fleet.clock.advance(60_000);
    await tick(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 47 });
    // Tokyo may grow to 6 (4.8 usable): room for 1.8 of Osaka's 5, so 64% stays.
    scale(fleet, TOKYO.name, 3, 6);
    fleet.clock.advance(60_000);
    await tick(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 32 });
    // Tokyo may grow to 10: it can run all 8, and the drain completes.
    scale(fleet, TOKYO.name, 3, 10);
    fleet.clock.advance(60_000);
    await tick(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
    expect((await readFleetView(fleet.ctx)).regions.find((r) => r.region === N2)).toMatchObject({ drained: true, partial: null });
  });

  it('holds the drain whole, with the numbers, when Tokyo has no room at all', async () => {
    const fleet = await demoFleet();
    const config = fleet.config();
    fleet.setConfig({ ...config, safety: { ...config.safety, capacity: { headroomPercent: 20, mode: 'partial' as const } } });
    scale(fleet, TOKYO.name, 3, 3);
    scale(fleet, OSAKA.name, 6, 8);
    const record = await osakaAlert(fleet, 'inc-no-room');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    expect(record.result).toBe('refused');
    expect(record.reason).toMatch(/^capacity: draining asia-northeast2 would overload the other regions/);
  });
});

describe('capacity guard on manual drains', () => {
  const drain = (fleet: MemoryFleet, more: Partial<Parameters<typeof manualDrain>[1]> = {}) =>
    manualDrain(fleet.ctx, {
      action: 'drain',
      region: N2,
      reason: 'osaka deploy',
      principal: 'oncall@example.com',
      dryRun: false,
      source: 'api',
      ...more,
    });

  it('refuses it with the numbers when asked (a dry run shows them too), and an admin may override capacity', async () => {
    const fleet = await guarded();
    scale(fleet, TOKYO.name, 2, 3);
    scale(fleet, OSAKA.name, 6, 8);
    const planned = await drain(fleet, { dryRun: true });
    expect(planned.result).toBe('refused');
    expect(planned.plan).toContain(`capacity of store: ${N1} ready 2, max 3; ${N2} ready 6, max 8 (20% headroom)`);
    const refused = await drain(fleet);
    expect(refused).toMatchObject({ result: 'refused', refusal: { guard: 'capacity' } });
    expect(refused.refusal?.reason).toMatch(/^draining asia-northeast2 would overload the other regions: store runs 8 ready replicas/);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    fleet.clock.advance(60_000);
    const forced = await drain(fleet, { principal: 'admin@example.com', overrideGuards: ['capacity'] });
    expect(forced.result).toBe('succeeded');
    expect(forced.operation?.kind).toBe('manual-drain-override');
    expect(forced.plan[0]).toMatch(/^override: capacity broken by admin@example.com/);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
  });
});

describe('capacityRefusal and holdForCapacity', () => {
  const services = [{ name: 'store', regions: [N1, N2, 'us-east1'] }];
  const capacity = { store: { [N1]: { ready: 2, max: 4 }, [N2]: { ready: 6, max: 8 }, 'us-east1': { ready: 1, max: 6 } } };

  it.each([
    ['fits: 9 ready, 8 usable of 10 is not enough', 20, new Set<string>(), true],
    ['fits with no headroom: 9 ready, 10 usable', 0, new Set<string>(), false],
    ['us-east1 already drained: 8 ready (its 1 gone), 4 usable', 0, new Set(['us-east1']), true],
  ])('%s', (_name, headroom, drained, refused) => {
    expect(capacityRefusal(N2, drained, services, capacity, headroom) !== undefined).toBe(refused);
  });

  it('judges new alert drains one by one in name order, each with those before it, and leaves manual and applied drains alone', () => {
    const region = (name: string, drained: boolean, cause?: 'alert' | 'manual') => ({
      region: name,
      drained,
      ...(cause ? { cause, since: '2026-01-01T00:00:00.000Z' } : {}),
      openIncidents: drained && cause === 'alert' ? [`inc-${name}`] : [],
      drainsInWindow: 0,
    });
    const state: FleetDrainState = {
      regions: { [N1]: region(N1, true, 'alert'), [N2]: region(N2, true, 'alert'), 'us-east1': region('us-east1', false) },
      refusals: [],
    };
    const held = holdForCapacity(state, new Set(), services, capacity, 0, new Date('2026-01-01T00:01:00Z'));
    // Tokyo first: 9 ready, Osaka and us-east1 can run 14. Then Osaka: 7 ready, us-east1 alone runs 6.
    expect(held.regions[N1]?.drained).toBe(true);
    expect(held.regions[N2]).toEqual({ region: N2, drained: false, openIncidents: [`inc-${N2}`], drainsInWindow: 0 });
    expect(held.refusals).toMatchObject([{ region: N2, guard: 'capacity', cause: 'alert', ref: `inc-${N2}`, services: ['store'] }]);
    // Applied before: kept whatever the numbers.
    expect(holdForCapacity(state, new Set([N2]), services, capacity, 0, new Date()).regions[N2]?.drained).toBe(true);
    const manual: FleetDrainState = { ...state, regions: { ...state.regions, [N2]: region(N2, true, 'manual') } };
    expect(holdForCapacity(manual, new Set(), services, capacity, 0, new Date()).regions[N2]?.drained).toBe(true);
  });
});
