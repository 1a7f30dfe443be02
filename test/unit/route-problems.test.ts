import { beforeEach, describe, expect, it } from 'vitest';
import { planConfigChange } from '../../shared/ops/config-ops.ts';
import { reconcileRoutes } from '../../shared/routing/apply-routes.ts';
import { planFleet, readSnapshot, renderHttpRoute, updateRoutes } from '../../shared/routing/index.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { EXAMPLE_CONFIG, memoryFleet, type MemoryFleet } from '../support/memory-fleet.ts';

// 17 regions ready for `store`: one more than a rule's 16 backendRefs, a problem only the planner sees.
const PROBLEM = 'store: 17 ready regions exceed the 16 backendRefs a rule can hold';

describe('route problems name their service once, whoever passes them on', () => {
  let fleet: MemoryFleet;
  beforeEach(async () => {
    fleet = memoryFleet();
    for (let i = 0; i < 17; i++) await fleet.addCluster({ name: `c${i}`, location: `test-region${i}-a`, onboarded: true });
  });

  it('the planner prefixes the service name', async () => {
    const snapshot = await readSnapshot(fleet.ctx);
    const store = fleet.config().services[0]!;
    expect(renderHttpRoute(store, fleet.config().fleet.gateway, snapshot.observed).problems).toEqual([PROBLEM]);
    expect(planFleet(snapshot).routes.map((r) => r.problems)).toEqual([[PROBLEM]]);
  });

  it('applying routes passes the problem on as it is (was: "store: store: …")', async () => {
    const snapshot = await readSnapshot(fleet.ctx);
    expect((await reconcileRoutes(fleet.configKube, fleet.config(), snapshot.observed)).problems).toEqual([PROBLEM]);
    const op = await startOperation(fleet.ctx, { kind: 'test', principal: 'test', subject: 'routes', trigger: {} });
    expect((await updateRoutes(fleet.ctx, op, fleet.config())).problems).toEqual([PROBLEM]);
  });

  it('a configuration dry run reports it as it is (was: "store: store: …")', async () => {
    const result = await planConfigChange(fleet.ctx, EXAMPLE_CONFIG);
    expect(result.result).toBe('refused');
    expect(result.refusal).toEqual({ guard: 'route-planner', reason: PROBLEM });
    expect(result.summary).toBe(`dry run: the configuration would be refused by the route planner: ${PROBLEM}`);
    expect(result.plan).toContain(`refused: ${PROBLEM}`);
  });
});
