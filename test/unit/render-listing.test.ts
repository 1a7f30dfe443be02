/**
 * A render of several services reads fleetpilot's HTTPRoutes in one list, and each member's
 * DestinationRules in one list per cluster (by the managed-by label), and falls back to reading an
 * object alone: one someone created without the label, and every one when the role may not list.
 * Each case runs the real render on an in-memory fleet of two services and reads the live objects back.
 */
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { updateRoutes } from '../../shared/routing/update-routes.ts';
import { updateFacts } from '../../shared/failover/drain-store.ts';
import { mergeManual } from '../../shared/failover/index.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { httpError } from '../support/faults.ts';
import { EXAMPLE_CONFIG, memoryFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

/** The example configuration with a second service, `cart`, in both regions and in the mesh. */
function twoServices(): string {
  const doc = parse(EXAMPLE_CONFIG) as { services: Record<string, unknown>[]; mesh: { services: Record<string, unknown>[] } };
  doc.mesh.services.push({ ...doc.mesh.services[0], name: 'cart', namespace: 'cart' });
  doc.services.push({
    name: 'cart',
    namespace: 'cart',
    port: 8080,
    hostnames: ['cart.example.com'],
    regionWeights: { 'asia-northeast1': 70, 'asia-northeast2': 30 },
  });
  return stringify(doc);
}

async function fleetOfTwo(): Promise<MemoryFleet> {
  const fleet = memoryFleet({ config: twoServices() });
  await fleet.addCluster({ ...TOKYO, onboarded: true });
  await fleet.addCluster({ ...OSAKA, onboarded: true });
  for (const region of [TOKYO.region, OSAKA.region]) fleet.importService('cart', { region });
  return fleet;
}

async function render(fleet: MemoryFleet) {
  const op = await startOperation(fleet.ctx, { kind: 'test-render', trigger: {}, principal: 'test', subject: 'fleet' });
  return updateRoutes(fleet.ctx, op, await fleet.ctx.config());
}

/** Makes every list of `kind` (HTTPRoutes on the config cluster by default) fail with `error`; other lists, such as ServiceImports, still work. */
function failRouteLists(fleet: MemoryFleet, error: Error, kube = fleet.configKube, failing = 'HTTPRoute'): void {
  const list = kube.list.bind(kube);
  kube.list = (apiVersion: string, kind: string, namespace?: string, selector?: string) =>
    kind === failing ? Promise.reject(error) : list(apiVersion, kind, namespace, selector);
}

const weights = (fleet: MemoryFleet, service: string) => fleet.route(service)?.weights;

describe('reading the routes of a render', () => {
  it('renders every service when the routes are listed, and writes nothing the second time', async () => {
    const fleet = await fleetOfTwo();
    await render(fleet);
    expect(weights(fleet, 'store')).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 50 });
    expect(weights(fleet, 'cart')).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 30 });
    const again = await render(fleet);
    expect(again.changed).toEqual([]);
  });

  it('takes over a route created by hand without the managed-by label (read alone, not missed by the list)', async () => {
    const fleet = await fleetOfTwo();
    fleet.configKube.put({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'cart', namespace: 'cart' },
      spec: { parentRefs: [{ name: 'external-http', namespace: 'store' }], hostnames: ['cart.example.com'], rules: [] },
    } as KubernetesObject);
    const outcome = await render(fleet);
    expect(weights(fleet, 'cart')).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 30 });
    expect(outcome.changed.some((line) => line.startsWith('HTTPRoute cart/cart:'))).toBe(true);
    const cart = fleet.configKube.objects().find((o) => o.kind === 'HTTPRoute' && o.metadata?.name === 'cart');
    expect(cart?.metadata?.labels).toMatchObject({ 'app.kubernetes.io/managed-by': 'fleetpilot' });
  });

  it('reads each route alone when the role may not list routes (RBAC from before list was granted)', async () => {
    const fleet = await fleetOfTwo();
    await render(fleet);
    failRouteLists(fleet, httpError(403, 'httproutes.gateway.networking.k8s.io is forbidden: cannot list'));
    fleet.setConfig({
      ...fleet.config(),
      services: fleet.config().services.map((s) => ({ ...s, regionWeights: { ...s.regionWeights, [OSAKA.region]: 10 } })),
    });
    await render(fleet);
    expect(weights(fleet, 'store')).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 10 });
    expect(weights(fleet, 'cart')).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 10 });
  });

  it('fails the render, writing nothing, when the list fails for another reason (a transient error is retried)', async () => {
    const fleet = await fleetOfTwo();
    await render(fleet);
    const before = [weights(fleet, 'store'), weights(fleet, 'cart')];
    failRouteLists(fleet, httpError(503, 'etcdserver: leader changed'));
    fleet.setConfig({
      ...fleet.config(),
      services: fleet.config().services.map((s) => ({ ...s, regionWeights: { ...s.regionWeights, [OSAKA.region]: 10 } })),
    });
    await expect(render(fleet)).rejects.toThrow('etcdserver: leader changed');
    expect([weights(fleet, 'store'), weights(fleet, 'cart')]).toEqual(before);
  });
});

describe("reading the mesh's DestinationRules of a render", () => {
  const holdOsaka = (fleet: MemoryFleet) =>
    updateFacts(fleet.store, (facts) =>
      mergeManual(
        facts,
        {
          id: 'hold-osaka',
          region: OSAKA.region,
          action: 'drain',
          at: fleet.clock.now().toISOString(),
          by: 'ops@example.com',
          reason: 'test',
        },
        fleet.clock.now(),
      ),
    );
  type Rule = KubernetesObject & { spec?: { trafficPolicy?: { loadBalancer?: { localityLbSetting?: { distribute?: unknown[] } } } } };
  const rule = (fleet: MemoryFleet, cluster: string, name: string): Rule | undefined =>
    fleet
      .kube(cluster)
      .objects()
      .find((o) => o.kind === 'DestinationRule' && o.metadata?.name === name);

  it.each([
    ['listed', false],
    ['read alone when the role may not list them', true],
  ])('writes every cluster’s drain-aware rules, taking over one made by hand without the label (%s)', async (_, forbidden) => {
    const fleet = await fleetOfTwo();
    await render(fleet);
    fleet.kube(TOKYO.name).put({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'cart', namespace: 'cart' },
      spec: { host: 'cart.cart.svc.cluster.local' },
    } as KubernetesObject);
    if (forbidden)
      for (const cluster of [TOKYO.name, OSAKA.name])
        failRouteLists(fleet, httpError(403, 'destinationrules is forbidden'), fleet.kube(cluster), 'DestinationRule');
    await holdOsaka(fleet);
    await render(fleet);
    for (const cluster of [TOKYO.name, OSAKA.name])
      for (const name of ['store', 'cart']) {
        const live = rule(fleet, cluster, name);
        expect(live?.metadata?.labels, `${cluster} ${name}`).toMatchObject({ 'app.kubernetes.io/managed-by': 'fleetpilot' });
        expect(live?.spec?.trafficPolicy?.loadBalancer?.localityLbSetting?.distribute, `${cluster} ${name}`).toHaveLength(2);
      }
  });
});
