/**
 * The route render (routing/update-routes.ts): observe clusters and ServiceImports, derive drains
 * from the facts, apply the Gateway and HTTPRoutes. Each test sets up the fleet and the facts, runs
 * the real render, and reads the live HTTPRoute back from the config cluster.
 */
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { TransientError } from '../../shared/core/errors.ts';
import { readDrainSnapshot, updateFacts } from '../../shared/failover/drain-store.ts';
import { mergeIncident, mergeManual } from '../../shared/failover/index.ts';
import type { IncidentEvent } from '../../shared/failover/incident.ts';
import { ROUTE_STEPS } from '../../shared/routing/index.ts';
import { updateRoutes } from '../../shared/routing/update-routes.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { connectionRefused, httpError } from '../support/faults.ts';
import { MESH_STEPS } from '../../shared/mesh/steps.ts';
import { demoFleet, EXAMPLE_CONFIG, memoryFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

/** Runs one render as its own recorded operation. */
async function render(fleet: MemoryFleet) {
  const op = await startOperation(fleet.ctx, { kind: 'test-render', trigger: {}, principal: 'test', subject: 'fleet' });
  const outcome = await updateRoutes(fleet.ctx, op, await fleet.ctx.config());
  return { outcome, record: await op.finish('succeeded') };
}
const hold = (fleet: MemoryFleet, region: string, id = `hold-${region}`) =>
  updateFacts(fleet.store, (facts) =>
    mergeManual(
      facts,
      { id, region, action: 'drain', at: fleet.clock.now().toISOString(), by: 'ops@example.com', reason: 'maintenance' },
      fleet.clock.now(),
    ),
  );
const incident = (id: string, minutesAgo: number): IncidentEvent => ({
  incidentId: id,
  state: 'open',
  startedAt: new Date(Date.parse('2025-05-01T12:00:00Z') - minutesAgo * 60_000),
  endedAt: null,
  policyName: 'p',
  summary: '',
  resourceLabels: {},
  metricLabels: {},
  policyUserLabels: {},
});
const open = (fleet: MemoryFleet, region: string, id: string, minutesAgo: number) =>
  updateFacts(fleet.store, (facts) => mergeIncident(facts, incident(id, minutesAgo), region, fleet.clock.now()));

const N1 = 'asia-northeast1';
const N2 = 'asia-northeast2';

describe('updateRoutes', () => {
  it.each<[string, (fleet: MemoryFleet) => Promise<void>, Record<string, number>, Record<string, string>]>([
    [
      'both regions importing: the configured weights and both pinned paths',
      async () => undefined,
      { [N1]: 50, [N2]: 50 },
      { '/tokyo': TOKYO.name, '/osaka': OSAKA.name },
    ],
    [
      'a region whose ServiceImports have not appeared stays out',
      async (f) => {
        for (const name of ['store-asia-northeast2', 'store-mc-gw-osaka'])
          f.configKube.remove({ apiVersion: 'net.gke.io/v1', kind: 'ServiceImport', namespace: 'store', name });
      },
      { [N1]: 50 },
      { '/tokyo': TOKYO.name },
    ],
    [
      'a region joins once its regional ServiceImport exists; its pinned path waits for its own import',
      async (f) => {
        f.configKube.remove({ apiVersion: 'net.gke.io/v1', kind: 'ServiceImport', namespace: 'store', name: 'store-mc-gw-osaka' });
      },
      { [N1]: 50, [N2]: 50 },
      { '/tokyo': TOKYO.name },
    ],
    [
      'a cluster being deleted leaves routing with its pinned path',
      async (f) => f.container.setStatus(OSAKA.location, OSAKA.name, 'STOPPING'),
      { [N1]: 50 },
      { '/tokyo': TOKYO.name },
    ],
    [
      'a drained region keeps its backend at weight 0; pinned paths keep serving (policy keep)',
      (f) => hold(f, N2).then(() => undefined),
      { [N1]: 50, [N2]: 0 },
      { '/tokyo': TOKYO.name, '/osaka': OSAKA.name },
    ],
    [
      'a region of a cluster that regionWeights does not list gets defaultWeight',
      async (f) => void (await f.addCluster({ name: 'mc-gw-taipei', location: 'asia-east1-a', onboarded: true })),
      { 'asia-east1': 100, [N1]: 50, [N2]: 50 },
      { '/tokyo': TOKYO.name, '/osaka': OSAKA.name },
    ],
  ])('%s', async (_name, given, weights, pins) => {
    const fleet = await demoFleet();
    await given(fleet);
    await render(fleet);
    expect(fleet.route('store')).toMatchObject({ weights, pins });
  });

  it('a pinned path into a drained region follows the nearest healthy region when the policy says so', async () => {
    const fleet = await demoFleet({ config: EXAMPLE_CONFIG.replace('pinnedPathsOnDrain: keep', 'pinnedPathsOnDrain: nearest-healthy') });
    await hold(fleet, N2);
    const { outcome } = await render(fleet);
    expect(fleet.route('store')).toMatchObject({ weights: { [N1]: 50, [N2]: 0 }, pins: { '/tokyo': TOKYO.name, '/osaka': N1 } });
    expect(outcome.explanation).toContain(`store: /osaka → ${OSAKA.name} redirected to ${N1} while ${N2} is drained`);
  });

  it('never zero: of two regions alerting, the one alerting first drains; the other is refused and keeps serving', async () => {
    const fleet = await demoFleet();
    await open(fleet, N2, 'inc-osaka', 10);
    await open(fleet, N1, 'inc-tokyo', 5);
    const { outcome, record } = await render(fleet);
    expect(fleet.route('store')?.weights).toEqual({ [N1]: 50, [N2]: 0 });
    expect(outcome.drains.refusals).toMatchObject([{ region: N1, guard: 'last-serving-region', ref: 'inc-tokyo' }]);
    expect(record.plan).toContain(`refused: draining ${N1} would leave store with no serving region (last-serving-region)`);
  });

  it('never zero: a held region is served again when the only other region leaves (the guard re-derives the drains)', async () => {
    const fleet = await demoFleet();
    await hold(fleet, N2);
    await render(fleet);
    fleet.container.setStatus(TOKYO.location, TOKYO.name, 'STOPPING');
    const { outcome } = await render(fleet);
    expect(fleet.route('store')?.weights).toEqual({ [N2]: 50 });
    expect(outcome.drains.regions[N2]?.drained).toBe(false);
    expect(outcome.drains.refusals.map((r) => r.guard)).toEqual(['last-serving-region']);
  });

  it('keeps the live route when no region is ready, rather than rendering an empty one', async () => {
    const fleet = await demoFleet();
    const live = fleet.route('store');
    fleet.container.setStatus(TOKYO.location, TOKYO.name, 'STOPPING');
    fleet.container.setStatus(OSAKA.location, OSAKA.name, 'STOPPING');
    const { outcome } = await render(fleet);
    expect(outcome.changed).toEqual([]);
    expect(outcome.explanation[0]).toBe('store: no region of store is ready: no HTTPRoute rendered, a live route stays as it is');
    expect(fleet.route('store')).toEqual(live);
  });

  it('is idempotent: a second render writes nothing and reports no change', async () => {
    const fleet = await demoFleet();
    await hold(fleet, N2);
    const first = await render(fleet);
    const live = fleet.route('store');
    const second = await render(fleet);
    expect(first.outcome.changed).toEqual([`HTTPRoute store/store: ~ store-${N2} weight 50 → 0 on default rule`]);
    expect(second.outcome.changed).toEqual([]);
    expect(second.record.steps.find((s) => s.name === ROUTE_STEPS.applyRoutes)).toMatchObject({
      outcome: 'unchanged',
      detail: 'routes already match',
    });
    expect(fleet.route('store')).toEqual(live);
  });

  it('creates the Gateway when absent and never touches an existing one', async () => {
    const fleet = memoryFleet();
    await fleet.addCluster({ ...TOKYO, onboarded: true });
    const { outcome } = await render(fleet);
    expect(outcome.changed[0]).toBe('Gateway store/external-http created');
    const gateway = fleet.configKube.objects().find((o) => o.kind === 'Gateway') as KubernetesObject & {
      spec: { gatewayClassName: string };
    };
    expect(gateway.spec.gatewayClassName).toBe('gke-l7-global-external-managed-mc');
    fleet.configKube.put({
      ...gateway,
      spec: { ...gateway.spec, gatewayClassName: 'gke-l7-regional-external-managed-mc' },
    } as KubernetesObject);
    await render(fleet);
    expect((fleet.configKube.objects().find((o) => o.kind === 'Gateway') as typeof gateway).spec.gatewayClassName).toBe(
      'gke-l7-regional-external-managed-mc',
    );
  });

  it('makes the mesh follow the drains and records the derived state', async () => {
    const fleet = await demoFleet();
    await hold(fleet, N2);
    const { record } = await render(fleet);
    const rule = await fleet
      .kube(TOKYO.name)
      .get<KubernetesObject & { spec: { trafficPolicy: { loadBalancer?: { localityLbSetting: Record<string, unknown> } } } }>({
        apiVersion: 'networking.istio.io/v1',
        kind: 'DestinationRule',
        namespace: 'store',
        name: 'store',
      });
    expect(rule?.spec.trafficPolicy.loadBalancer?.localityLbSetting).toEqual({
      enabled: true,
      distribute: [
        { from: `${N1}/*`, to: { [`${N1}/*`]: 100 } },
        { from: `${N2}/*`, to: { [`${N1}/*`]: 100 } },
      ],
    });
    expect(await readDrainSnapshot(fleet.store)).toMatchObject({
      operationId: record.id,
      renderedAt: fleet.clock.now().toISOString(),
      regions: { [N2]: { drained: true, cause: 'manual' } },
    });
  });

  it.each<[string, string, boolean]>([
    ['is left out when it was deleted since the render listed it', 'STOPPING', true],
    ['fails the render while it is still running', 'RUNNING', false],
  ])('a member that cannot be reached for its DestinationRule %s', async (_what, statusAtWrite, succeeds) => {
    const fleet = await demoFleet();
    await hold(fleet, N2);
    const osaka = fleet.kube(OSAKA.name);
    // The render listed Osaka RUNNING; by the time its rule is written its API server is gone.
    osaka.get = async () => {
      fleet.container.setStatus(OSAKA.location, OSAKA.name, statusAtWrite);
      throw connectionRefused(OSAKA.name);
    };
    if (!succeeds) {
      await expect(render(fleet)).rejects.toThrow(/ECONNREFUSED/);
      return;
    }
    const { record } = await render(fleet);
    const step = record.steps.find((st) => st.name === MESH_STEPS.drainRules);
    expect(step?.detail).toMatch(new RegExp(`left out: ${OSAKA.name} \\(STOPPING\\)`));
    const tokyoRule = await fleet
      .kube(TOKYO.name)
      .get({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: 'store', name: 'store' });
    expect(tokyoRule).not.toBeNull();
  });

  it.each<[string, (fleet: MemoryFleet) => void]>([
    ['the cluster list fails', (f) => f.container.fail('listClusters', httpError(503, 'unavailable'))],
    ['the ServiceImport list fails', (f) => f.configKube.fail('list', httpError(503, 'unavailable'))],
    ['the cluster records cannot be read', (f) => void (f.store.list = () => Promise.reject(httpError(503, 'firestore unavailable')))],
  ])('fail static: when %s, nothing is written', async (_name, breakIt) => {
    const fleet = await demoFleet();
    fleet.container.setStatus(OSAKA.location, OSAKA.name, 'STOPPING');
    const live = fleet.route('store');
    breakIt(fleet);
    await expect(render(fleet)).rejects.toThrow(/unavailable/);
    expect(fleet.route('store')).toEqual(live);
  });

  it('waits for a config cluster that is not running (a transient failure)', async () => {
    const fleet = await demoFleet();
    fleet.container.setStatus(fleet.configCluster.location, fleet.configCluster.name, 'PROVISIONING');
    await expect(render(fleet)).rejects.toBeInstanceOf(TransientError);
  });
});
