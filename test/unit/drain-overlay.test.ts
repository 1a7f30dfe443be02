import { describe, expect, it } from 'vitest';
import { updateFacts } from '../../shared/failover/drain-store.ts';
import { drainOverlay, drainedRegions, mergeManual } from '../../shared/failover/index.ts';
import { planFleet, readSnapshot, renderHttpRoute, updateRoutes } from '../../shared/routing/index.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { EXAMPLE_CONFIG, OSAKA, TOKYO, demoFleet, type MemoryFleet } from '../support/memory-fleet.ts';

/** An operator's manual drain of Osaka, recorded now. */
const holdOsaka = (fleet: MemoryFleet) =>
  updateFacts(fleet.store, (facts) =>
    mergeManual(
      facts,
      { id: 'm-1', region: OSAKA.region, action: 'drain', at: fleet.clock.now().toISOString(), by: 'oncall', reason: 'bad deploy' },
      fleet.clock.now(),
    ),
  );

describe('drainOverlay: the one builder of the drain overlay the route renderer applies', () => {
  it('takes the drained regions of the state and the configured policy for pinned paths', async () => {
    const fleet = await demoFleet();
    await holdOsaka(fleet);
    const { drains } = planFleet(await readSnapshot(fleet.ctx));
    expect(drainOverlay(drains, 'nearest-healthy')).toEqual({ drained: new Set([OSAKA.region]), pinnedPathsOnDrain: 'nearest-healthy' });
    expect(drainOverlay(drains, 'keep')).toEqual({ drained: drainedRegions(drains), pinnedPathsOnDrain: 'keep' });
  });

  it('is what both the plan and the applied routes render with, pinned-path policy included', async () => {
    const fleet = await demoFleet({ config: EXAMPLE_CONFIG.replace('pinnedPathsOnDrain: keep', 'pinnedPathsOnDrain: nearest-healthy') });
    await holdOsaka(fleet);
    const snapshot = await readSnapshot(fleet.ctx);
    const plan = planFleet(snapshot);
    const config = fleet.config();
    const expected = renderHttpRoute(
      config.services[0]!,
      config.fleet.gateway,
      snapshot.observed,
      drainOverlay(plan.drains, 'nearest-healthy'),
    ).route;
    expect(plan.routes[0]?.rendered).toEqual(expected);

    await updateRoutes(
      fleet.ctx,
      await startOperation(fleet.ctx, { kind: 'test', principal: 'test', subject: 'routes', trigger: {} }),
      config,
    );
    const live = fleet.route('store');
    expect(live?.object.spec).toEqual(expected?.spec);
    // The policy reached the renderer: the path pinned to Osaka follows the nearest healthy region.
    expect(live?.weights).toEqual({ [TOKYO.region]: 50, [OSAKA.region]: 0 });
    expect(live?.pins).toEqual({ '/tokyo': TOKYO.name, '/osaka': TOKYO.region });
  });
});
