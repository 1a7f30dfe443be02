/**
 * End to end in the sandbox: clusters created and deleted through the Container API double are
 * onboarded and offboarded by the cluster-lifecycle function (served by the real
 * functions-framework behind the Pub/Sub emulator). Assertions read the real API servers, the
 * double and Firestore.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { gkeResourceLink, workloadIdentityIssuer } from '../../shared/adapters/gkehub-types.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { injectFault } from '../support/double-admin.ts';
import {
  ONBOARD_LABELS,
  auditEntries,
  createCluster,
  deleteCluster,
  operationsFor,
  uniqueName,
  waitForOperation,
} from '../support/fleet-fixtures.ts';
import { kubeFor, sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';
import { ONBOARDING_STEPS } from '../../shared/onboarding/index.ts';
import { ROUTE_STEPS } from '../../shared/routing/index.ts';

const DEADLINE = 60_000;

describe('cluster onboarding and offboarding (sandbox end to end)', () => {
  let adapters: GcpAdapters;
  beforeAll(async () => void (adapters = await sandboxAdapters()));
  afterAll(async () => adapters.close());
  // A failed test still deletes its cluster, so the next test sees the fleet it expects.
  const cleanupOnFailure = (name: string, location: string) => onTestFailed(() => deleteCluster(adapters, name, location));
  const backends = async () =>
    (await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends.map((b) => `${b.name}:${b.weight}`) ?? [];

  it('onboards a new cluster in a new region, then takes it out when it is deleted', async () => {
    const name = uniqueName('ob');
    const location = 'us-east1-b';
    await createCluster(adapters, name, location, ONBOARD_LABELS);
    cleanupOnFailure(name, location);

    const membership = await pollUntil(
      async () => {
        const m = await adapters.hub.getMembership('global', name);
        return m?.state?.code === 'READY' ? m : undefined;
      },
      { timeoutMs: DEADLINE, what: 'membership READY' },
    );
    expect(membership.authority?.issuer).toBe(workloadIdentityIssuer(sandboxInfo().projectId, location, name));
    expect(membership.endpoint?.gkeCluster?.resourceLink).toBe(gkeResourceLink(sandboxInfo().projectId, location, name));

    const kube = await kubeFor(adapters, location, name);
    // A just-started API server may answer 429 while its storage initialises: poll, don't assume.
    const exports = await pollUntil(
      async () => {
        const names = (await kube.list('net.gke.io/v1', 'ServiceExport', 'store')).map((e) => e.metadata?.name).sort();
        return names.length >= 3 ? names : undefined;
      },
      { timeoutMs: DEADLINE, what: 'ServiceExports' },
    );
    expect(exports).toEqual(['store', `store-${name}`, 'store-us-east1'].sort());
    const derived = await kube.get<KubernetesObject & { spec: { selector: Record<string, string>; ports: { port: number }[] } }>({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'store',
      name: 'store-us-east1',
    });
    expect(derived?.spec.selector).toEqual({ app: 'store' });
    expect(derived?.spec.ports.map((p) => p.port)).toEqual([8080]);
    // Nodes are labelled in the same step, right after the exports: poll, don't assume.
    const nodes = await pollUntil(
      async () => {
        const all = await kube.list('v1', 'Node');
        return all.length > 0 && all.every((n) => n.metadata?.labels?.['topology.kubernetes.io/zone']) ? all : undefined;
      },
      { timeoutMs: DEADLINE, what: 'topology labels on every node' },
    );
    for (const node of nodes) {
      expect(node.metadata?.labels).toMatchObject({ 'topology.kubernetes.io/region': 'us-east1', 'topology.kubernetes.io/zone': location });
    }

    await pollUntil(async () => ((await backends()).includes('store-us-east1:100') ? true : undefined), {
      timeoutMs: DEADLINE,
      what: 'us-east1 in the default rule',
    });
    // Mesh: remote secrets both ways with the other mesh clusters, and the DestinationRule.
    const tokyo = await kubeFor(adapters, 'asia-northeast1-b', 'mc-gw-tokyo');
    const secret = (cluster: string) => ({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'istio-system',
      name: `istio-remote-secret-${cluster}`,
    });
    expect(await tokyo.get(secret(name))).not.toBeNull();
    expect(await kube.get(secret('mc-gw-tokyo'))).not.toBeNull();
    expect(await kube.get(secret('mc-gw-osaka'))).not.toBeNull();
    const rule = await kube.get<
      KubernetesObject & { spec: { trafficPolicy: { loadBalancer: { localityLbSetting: { enabled: boolean } } } } }
    >({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: 'store', name: 'store' });
    expect(rule?.spec.trafficPolicy.loadBalancer.localityLbSetting.enabled).toBe(true);
    expect((await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'store' }))?.metadata?.labels?.['istio-injection']).toBe('enabled');
    const onboarded = await waitForOperation(
      adapters,
      name,
      (o) => o.trigger.phase === 'last' && o.result === 'succeeded',
      'onboarding operation',
    );
    expect(onboarded.steps.map((s) => s.name)).toEqual(
      expect.arrayContaining([ONBOARDING_STEPS.registerMembership, ONBOARDING_STEPS.enableFeatures, ROUTE_STEPS.applyRoutes]),
    );
    expect(onboarded.principal).toBe('audit-log');

    await deleteCluster(adapters, name, location);
    await pollUntil(async () => (!(await backends()).some((b) => b.startsWith('store-us-east1')) ? true : undefined), {
      timeoutMs: DEADLINE,
      what: 'us-east1 out of the default rule',
    });
    await pollUntil(async () => ((await adapters.hub.getMembership('global', name)) === null ? true : undefined), {
      timeoutMs: DEADLINE,
      what: 'membership removed',
    });
    await pollUntil(
      async () =>
        (await adapters.store.get('clusters', `${sandboxInfo().projectId}:${location}:${name}`))?.phase === 'removed' ? true : undefined,
      { timeoutMs: DEADLINE, what: 'cluster recorded as removed' },
    );
    expect(await tokyo.get(secret(name))).toBeNull();
    expect(await backends()).toEqual(expect.arrayContaining(['store-asia-northeast1:50', 'store-asia-northeast2:50']));
  });

  it('leaves a cluster that does not match the policy alone, and records why', async () => {
    const name = uniqueName('skip');
    await createCluster(adapters, name, 'asia-northeast1-c', { team: 'data' });
    cleanupOnFailure(name, 'asia-northeast1-c');
    const op = await waitForOperation(adapters, name, (o) => o.trigger.phase === 'last', 'policy decision');
    expect(op.result).toBe('skipped');
    expect(op.reason).toMatch(/policy: cluster labels do not match the onboarding selector \(needs fleetpilot-onboard=true\)/);
    expect(await adapters.hub.getMembership('global', name)).toBeNull();
    await deleteCluster(adapters, name, 'asia-northeast1-c');
  });

  it('changes nothing when every event of a run is replayed, duplicated and reversed', async () => {
    const routeVersion = async () => {
      const config = (await adapters.container.getCluster('asia-northeast1-b', 'mc-gw-config-cluster'))!;
      const kube = await kubeFor(adapters, config.location, config.name);
      return (await kube.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: 'store', name: 'store' }))
        ?.metadata?.resourceVersion;
    };
    const before = {
      route: await routeVersion(),
      membership: (await adapters.hub.getMembership('global', 'mc-gw-tokyo'))?.updateTime,
      backends: await backends(),
    };
    const create = auditEntries('mc-gw-tokyo', 'asia-northeast1-b', 'CreateCluster', new Date(Date.now() - 3_600_000));
    const staleDelete = auditEntries('mc-gw-osaka', 'asia-northeast2-b', 'DeleteCluster', new Date(Date.now() - 7_200_000));
    const replay = [create.last, create.first, create.last, staleDelete.last, staleDelete.first, create.last];
    for (const entry of replay) await adapters.pubsub.publish('clusterEvents', entry);
    await pollUntil(
      async () => {
        const ops = [...(await operationsFor(adapters, 'mc-gw-tokyo')), ...(await operationsFor(adapters, 'mc-gw-osaka'))].filter(
          (o) => [create.last.operation.id, staleDelete.last.operation.id].includes(String(o.trigger.operationId)) && o.finishedAt,
        );
        return ops.length >= replay.length ? ops : undefined;
      },
      { timeoutMs: DEADLINE, what: 'every replayed entry processed' },
    );
    expect(await routeVersion()).toBe(before.route);
    expect((await adapters.hub.getMembership('global', 'mc-gw-tokyo'))?.updateTime).toBe(before.membership);
    expect(await backends()).toEqual(before.backends);
  });

  it('retries a transient Hub failure during onboarding and completes', async () => {
    const name = uniqueName('flt');
    await injectFault({
      method: 'POST',
      pathPattern: '/memberships$',
      queryPattern: `membershipId=${name}$`,
      status: 503,
      count: 2,
      message: 'backend unavailable',
    });
    await createCluster(adapters, name, 'asia-northeast2-c', ONBOARD_LABELS);
    cleanupOnFailure(name, 'asia-northeast2-c');
    await pollUntil(async () => ((await adapters.hub.getMembership('global', name))?.state?.code === 'READY' ? true : undefined), {
      timeoutMs: DEADLINE,
      what: 'membership after retries',
    });
    await waitForOperation(adapters, name, (o) => o.trigger.phase === 'last' && o.result === 'succeeded', 'successful attempt');
    const attempts = (await operationsFor(adapters, name)).filter((o) => o.trigger.phase === 'last');
    expect(attempts.filter((o) => o.result === 'retrying').length).toBeGreaterThanOrEqual(1);
    await deleteCluster(adapters, name, 'asia-northeast2-c');
  });

  it('records a permanent conflict once, with a clear message, and does not retry it', async () => {
    const name = uniqueName('cfl');
    await adapters.hub.createMembership('global', name, {
      endpoint: { gkeCluster: { resourceLink: gkeResourceLink(sandboxInfo().projectId, 'europe-west1-b', 'someone-else') } },
    });
    await createCluster(adapters, name, 'asia-northeast1-c', ONBOARD_LABELS);
    cleanupOnFailure(name, 'asia-northeast1-c');
    const failed = await waitForOperation(adapters, name, (o) => o.trigger.phase === 'last' && o.result === 'failed', 'failed operation');
    expect(failed.reason).toMatch(new RegExp(`membership ${name} already exists for another cluster .*someone-else.*refusing to touch it`));
    const laterAttempts = await pollUntil(
      async () => {
        await new Promise((r) => setTimeout(r, 3_000));
        return (await operationsFor(adapters, name)).filter((o) => o.trigger.phase === 'last');
      },
      { timeoutMs: 10_000, what: 'settle' },
    );
    expect(laterAttempts).toHaveLength(1);
    expect((await adapters.hub.getMembership('global', name))?.endpoint?.gkeCluster?.resourceLink).toMatch(/someone-else$/);
    expect(await adapters.store.get('clusters', `${sandboxInfo().projectId}:asia-northeast1-c:${name}`)).toMatchObject({ phase: 'failed' });
    await deleteCluster(adapters, name, 'asia-northeast1-c');
  });
});
