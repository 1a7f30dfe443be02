/**
 * Manual drains and restores (failover/manual-drain.ts) on the in-memory demo fleet (Tokyo and Osaka
 * at 50/50): each test makes requests through the real flow and reads back the live route, the
 * drain facts and the operation records.
 */
import { describe, expect, it } from 'vitest';
import { RequestError } from '../../shared/core/errors.ts';
import { recordFact, updateFacts } from '../../shared/failover/drain-store.ts';
import { manualEntry, mergeIncident } from '../../shared/failover/index.ts';
import { planFleet, readSnapshot } from '../../shared/routing/index.ts';
import { manualDrain, type ManualRequest } from '../../shared/failover/manual-drain.ts';
import { FAILOVER_STEPS } from '../../shared/failover/steps.ts';
import { updateRoutes } from '../../shared/routing/update-routes.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { demoFleet, type MemoryFleet } from '../support/memory-fleet.ts';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { onboardCluster } from '../../shared/onboarding/cluster-ops.ts';
import { readFleetView } from '../../shared/ops/fleet-view.ts';

const N1 = 'asia-northeast1';
const N2 = 'asia-northeast2';
const OPERATOR = 'oncall@example.com';

const request = (action: ManualRequest['action'], region: string, more: Partial<ManualRequest> = {}): ManualRequest => ({
  action,
  region,
  reason: `${action} ${region} for the test`,
  principal: OPERATOR,
  dryRun: false,
  source: 'api',
  ...more,
});
const weights = (fleet: MemoryFleet) => fleet.route('store')?.weights;
/** Requests by people never share an instant: the next one comes a minute later. */
const later = (fleet: MemoryFleet) => fleet.clock.advance(60_000);
/** Re-renders as the tick does, as its own operation. */
async function rerender(fleet: MemoryFleet) {
  const op = await startOperation(fleet.ctx, { kind: 'test-render', trigger: {}, principal: 'test', subject: 'fleet' });
  await updateRoutes(fleet.ctx, op, await fleet.ctx.config());
}
const alert = (fleet: MemoryFleet, region: string, id: string, state: 'open' | 'closed') =>
  updateFacts(fleet.store, (facts) =>
    mergeIncident(
      facts,
      {
        incidentId: id,
        state,
        startedAt: new Date(fleet.clock.now().getTime() - 60_000),
        endedAt: state === 'closed' ? fleet.clock.now() : null,
      },
      region,
      fleet.clock.now(),
    ),
  );

describe('manual drain', () => {
  it('a dry run plans the drain and changes nothing: no fact, no record, the same route', async () => {
    const fleet = await demoFleet();
    const live = fleet.route('store');
    const result = await manualDrain(fleet.ctx, request('drain', N1, { dryRun: true }));
    expect(result).toMatchObject({ result: 'planned', summary: `dry run: would drain ${N1} (store: 50% of default traffic moves)` });
    expect(result.plan).toEqual([
      `drain ${N1} requested by ${OPERATOR}: drain ${N1} for the test`,
      `drain ${N1}`,
      `HTTPRoute store/store: ~ store-${N1} weight 50 → 0 on default rule`,
      'store: 50% of default traffic moves',
    ]);
    expect(result.operation).toBeUndefined();
    expect(
      result.routes?.[0]?.rendered?.spec.rules?.find((r) => r.matches?.[0]?.path?.value === '/')?.backendRefs?.map((b) => b.weight),
    ).toEqual([0, 50]);
    expect(fleet.route('store')).toEqual(live);
    expect(await fleet.facts()).toEqual({});
    expect(fleet.operations()).toEqual([]);
  });

  it('a drain holds the region at weight 0, records the manual fact and the operation, and publishes it', async () => {
    const fleet = await demoFleet();
    const result = await manualDrain(fleet.ctx, request('drain', N1, { requestId: 'req-1' }));
    const summary = `${N1} drained (manual hold) by ${OPERATOR} (store: 50% of default traffic moves): drain ${N1} for the test`;
    expect(result).toMatchObject({ result: 'succeeded', summary });
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
    expect((await fleet.facts())[N1]?.manual).toEqual([
      {
        id: 'req-1',
        region: N1,
        action: 'drain',
        at: fleet.clock.now().toISOString(),
        by: OPERATOR,
        reason: `drain ${N1} for the test`,
        learnedAt: fleet.clock.now().toISOString(),
        seq: 1,
      },
    ]);
    expect(fleet.operations()).toEqual([result.operation]);
    expect(result.operation).toMatchObject({
      kind: 'manual-drain',
      principal: OPERATOR,
      region: N1,
      result: 'succeeded',
      reason: summary,
      trigger: { source: 'api', requestId: 'req-1' },
    });
    // The record's plan starts with the request's plan; the render adds its explanation.
    expect(result.operation?.plan.slice(0, result.plan.length)).toEqual(result.plan);
    expect(fleet.published).toEqual([result.operation]);
  });

  it('a restore lifts the hold: the region serves again', async () => {
    const fleet = await demoFleet();
    await manualDrain(fleet.ctx, request('drain', N1));
    later(fleet);
    const result = await manualDrain(fleet.ctx, request('restore', N1));
    expect(result).toMatchObject({
      result: 'succeeded',
      summary: `${N1} restored by ${OPERATOR} (store: 50% of default traffic moves): restore ${N1} for the test`,
    });
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    expect(fleet.operations().map((o) => `${o.kind} ${o.result}`)).toEqual(['manual-drain succeeded', 'manual-restore succeeded']);
  });

  it('a drain the guards refuse is recorded as refused, names its guard, and changes nothing', async () => {
    const fleet = await demoFleet();
    await manualDrain(fleet.ctx, request('drain', N2));
    later(fleet);
    const facts = await fleet.facts();
    const result = await manualDrain(fleet.ctx, request('drain', N1));
    const reason = `draining ${N1} would leave store with no serving region`;
    expect(result).toMatchObject({
      result: 'refused',
      summary: `drain ${N1} refused by last-serving-region: ${reason}`,
      refusal: { guard: 'last-serving-region', reason },
    });
    expect(result.operation).toMatchObject({
      kind: 'manual-drain',
      result: 'refused',
      reason: `last-serving-region: ${reason}`,
      steps: [{ name: FAILOVER_STEPS.checkGuards, outcome: 'failed' }],
    });
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
    expect(await fleet.facts()).toEqual(facts);
  });

  it('a dry run the guards would refuse says so and records nothing', async () => {
    const fleet = await demoFleet();
    await manualDrain(fleet.ctx, request('drain', N2));
    later(fleet);
    const result = await manualDrain(fleet.ctx, request('drain', N1, { dryRun: true }));
    expect(result).toMatchObject({
      result: 'refused',
      refusal: { guard: 'last-serving-region' },
      summary: `dry run: drain ${N1} would be refused by last-serving-region: draining ${N1} would leave store with no serving region`,
    });
    expect(fleet.operations()).toHaveLength(1);
  });

  it.each<[string, ManualRequest['action'], boolean, string]>([
    [
      'draining a held region',
      'drain',
      true,
      `drain ${N1}: nothing to change (${N1} is drained (manual hold) since 2025-05-01T12:00:00.000Z)`,
    ],
    ['restoring a serving region', 'restore', false, `restore ${N1}: nothing to change (${N1} is serving)`],
  ])('%s changes nothing and is recorded as skipped', async (_name, action, heldFirst, summary) => {
    const fleet = await demoFleet();
    if (heldFirst) await manualDrain(fleet.ctx, request('drain', N1));
    later(fleet);
    const before = fleet.route('store');
    const facts = await fleet.facts();
    const result = await manualDrain(fleet.ctx, request(action, N1));
    expect(result).toMatchObject({ result: 'skipped', summary });
    expect(result.operation?.result).toBe('skipped');
    expect(fleet.route('store')).toEqual(before);
    expect(await fleet.facts()).toEqual(facts);
  });

  it('an unknown region is a request error naming the known ones; nothing is recorded', async () => {
    const fleet = await demoFleet();
    const error = await manualDrain(fleet.ctx, request('drain', 'europe-west1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({
      problem: 'not_found',
      message: 'region europe-west1 is not part of the fleet',
      details: { knownRegions: [N1, N2] },
    });
    expect(fleet.operations()).toEqual([]);
  });

  it('a manual drain of an alert-drained region is a hold: the close and its hold-down do not lift it', async () => {
    const fleet = await demoFleet();
    await alert(fleet, N1, 'inc-1', 'open');
    await rerender(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
    later(fleet);
    expect((await manualDrain(fleet.ctx, request('drain', N1))).result).toBe('succeeded');
    await alert(fleet, N1, 'inc-1', 'closed');
    fleet.clock.advance(3_600_000);
    await rerender(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
    expect(await fleet.drainedRegions()).toEqual([N1]);
  });

  it('a manual restore overrides an open alert; a renotification of that alert does not drain again', async () => {
    const fleet = await demoFleet();
    await alert(fleet, N1, 'inc-1', 'open');
    await rerender(fleet);
    fleet.clock.advance(60_000);
    expect((await manualDrain(fleet.ctx, request('restore', N1))).result).toBe('succeeded');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    await alert(fleet, N1, 'inc-1', 'open');
    await rerender(fleet);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
  });

  it('the same request id twice acts once', async () => {
    const fleet = await demoFleet();
    await manualDrain(fleet.ctx, request('drain', N1, { requestId: 'idem-1' }));
    later(fleet);
    const again = await manualDrain(fleet.ctx, request('drain', N1, { requestId: 'idem-1' }));
    expect(again.result).toBe('skipped');
    expect((await fleet.facts())[N1]?.manual.map((m) => m.id)).toEqual(['idem-1']);
  });

  it('the drain learned first wins: one requested earlier but recorded after this one (while it renders) is the one refused', async () => {
    const fleet = await demoFleet();
    const earlier = new Date(fleet.clock.now().getTime() - 1_000).toISOString();
    // The plan reads the config cluster once; the render reaches for it again: the other operator's drain of Osaka is recorded in between.
    fleet.container.before('getCluster', async () =>
      fleet.container.before('getCluster', async () => {
        await recordFact(
          fleet.store,
          manualEntry(
            { id: 'other-request', region: N2, action: 'drain', at: earlier, by: 'other@example.com', reason: 'osaka maintenance' },
            fleet.clock.now(),
          ),
        );
      }),
    );
    const mine = await manualDrain(fleet.ctx, request('drain', N1));
    expect(mine).toMatchObject({ result: 'succeeded' });
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
    const { drains } = planFleet(await readSnapshot(fleet.ctx));
    expect(drains.refusals.find((r) => r.ref === 'other-request')).toMatchObject({
      guard: 'last-serving-region',
      reason: `draining ${N2} would leave store with no serving region`,
    });
  });
});

describe('ramped restore (safety.ramp)', () => {
  const withRamp = async () => {
    const fleet = await demoFleet();
    const config = fleet.config();
    fleet.setConfig({ ...config, safety: { ...config.safety, ramp: { steps: [10, 25, 50, 100], stepSeconds: 60 } } });
    return fleet;
  };

  it('brings a restored region back 10 → 25 → 50 → 100 % of its baseline, one step a minute, each step a tick operation with its plan', async () => {
    const fleet = await withRamp();
    await manualDrain(fleet.ctx, request('drain', N1));
    later(fleet);
    await manualDrain(fleet.ctx, request('restore', N1));
    expect((await readFleetView(fleet.ctx)).regions.find((r) => r.region === N1)?.ramp).toEqual({
      percent: 10,
      nextStepAt: new Date(fleet.clock.now().getTime() + 60_000).toISOString(),
    });
    const seen = [weights(fleet)?.[N1]];
    for (let i = 0; i < 4; i++) {
      fleet.clock.advance(60_000);
      await tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, `ramp-tick-${i}`);
      seen.push(weights(fleet)?.[N1]);
    }
    // 10 % of 50 is 5, 25 % is 12.5 → 13; the last step is the baseline, and it stays there.
    expect(seen).toEqual([5, 13, 25, 50, 50]);
    expect(weights(fleet)?.[N2]).toBe(50);
    const steps = fleet.operations('tick').map((o) => o.plan.filter((l) => l.startsWith('HTTPRoute')));
    expect(steps).toEqual([
      [`HTTPRoute store/store: ~ store-${N1} weight 5 → 13 on default rule`],
      [`HTTPRoute store/store: ~ store-${N1} weight 13 → 25 on default rule`],
      [`HTTPRoute store/store: ~ store-${N1} weight 25 → 50 on default rule`],
      [],
    ]);
  });

  it('sends a ramping region back to 0 at once when an incident opens, and ramps again from the start after the next restore', async () => {
    const fleet = await withRamp();
    await manualDrain(fleet.ctx, request('drain', N1));
    later(fleet);
    await manualDrain(fleet.ctx, request('restore', N1));
    fleet.clock.advance(60_000);
    await rerender(fleet);
    expect(weights(fleet)?.[N1]).toBe(13);
    await alert(fleet, N1, 'inc-ramp', 'open');
    await rerender(fleet);
    expect(weights(fleet)?.[N1]).toBe(0);
    later(fleet);
    await manualDrain(fleet.ctx, request('restore', N1));
    expect(weights(fleet)?.[N1]).toBe(5);
  });

  it('ramps a region in when its first cluster is onboarded, while the long-onboarded regions keep their weights', async () => {
    const fleet = await withRamp();
    await fleet.addCluster({ name: 'mc-gw-taipei', location: 'asia-east1-a' });
    const onboarded = await onboardCluster(fleet.ctx, {
      cluster: { location: 'asia-east1-a', name: 'mc-gw-taipei' },
      principal: 'admin@example.com',
      dryRun: false,
      source: 'api',
    });
    expect(onboarded.result).toBe('succeeded');
    // The MCS importer's ServiceImport arrives; the tick adds the region, at the first step.
    fleet.importService('store', { region: 'asia-east1' });
    const seen: (number | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      if (i > 0) fleet.clock.advance(60_000);
      await tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, `join-tick-${i}`);
      seen.push(weights(fleet)?.['asia-east1']);
    }
    // defaultWeight 100: 10, 25, 50, then the whole weight; Tokyo and Osaka keep theirs throughout.
    expect(seen).toEqual([10, 25, 50, 100]);
    expect(weights(fleet)).toMatchObject({ [N1]: 50, [N2]: 50 });
    // Counted from the onboarding, kept while the cluster stays onboarded.
    expect(Date.parse(fleet.clusterRecord('mc-gw-taipei')!.onboardedAt!)).toBeLessThanOrEqual(fleet.clock.now().getTime() - 180_000);
  });
});
