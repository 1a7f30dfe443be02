/**
 * An on-prem cluster outside the Container API, onboarded and offboarded through the operations
 * API by its existing fleet membership and a region, end to end in the sandbox: a real
 * kube-apiserver registered in the double's fleet, reached only through the double's Connect
 * Gateway; its exports imported by the MCS importer; the real config cluster's HTTPRoute. The
 * fleet is left at the classic Tokyo/Osaka route.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createKubeFactory } from '../../shared/adapters/cluster-access.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import type { KubeAdapter } from '../../shared/adapters/kube.ts';
import { loadEnv } from '../../shared/config/env.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { attachedCluster } from '../../shared/onboarding/attached.ts';
import { attachedClusterInfo } from '../../shared/adapters/attached-cluster-info.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { uniqueName } from '../support/fleet-fixtures.ts';
import { kubeFor, sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';
import { ONBOARDING_STEPS } from '../../shared/onboarding/index.ts';
import { ROUTE_STEPS } from '../../shared/routing/index.ts';

const REGION = 'asia-east1';
const DEADLINE = 60_000;
const CLASSIC = ['store-asia-northeast1:50', 'store-asia-northeast2:50'];

type Json = Record<string, unknown> & {
  code?: string;
  message?: string;
  result?: string;
  summary?: string;
  plan?: string[];
  operation?: OperationRecord;
};
type ClusterView = {
  name: string;
  kind: string;
  phase: string;
  status: string | null;
  region: string;
  membership: string | null;
  membershipState: string | null;
};

describe('attached on-prem cluster through the operations API (sandbox end to end)', () => {
  const { api, controlUrl, token, projectId } = sandboxInfo();
  const id = uniqueName('onprem');
  const membershipName = `projects/${projectId}/locations/global/memberships/${id}`;
  let adapters: GcpAdapters;
  let kube: KubeAdapter;

  const call = async (method: string, path: string, opts: { token?: string; body?: unknown } = {}) => {
    const res = await fetch(`${api.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${opts.token ?? api.tokens.admin}`,
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as Json };
  };
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${controlUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const backends = async () => (await readStoreRoute(adapters, token))?.defaultBackends.map((b) => `${b.name}:${b.weight}`) ?? [];
  const record = () => adapters.store.get('clusters', `${projectId}:global:${id}`);
  const fleetCluster = async () =>
    ((await call('GET', '/v1/fleet/clusters', { token: api.tokens.viewer })).body.clusters as ClusterView[]).find((c) => c.name === id);
  const configImports = async () => {
    const config = await kubeFor(adapters, 'asia-northeast1-b', 'mc-gw-config-cluster');
    return (await config.list('net.gke.io/v1', 'ServiceImport', 'store')).map((i) => i.metadata?.name);
  };
  // Leaves the fleet as the other contract files expect it: out of routing, classic route.
  const offboardIfNeeded = async () => {
    const phase = (await record())?.phase;
    if (phase && phase !== 'removed') await call('POST', '/v1/clusters/offboard', { body: { membership: membershipName } });
    await pollUntil(async () => ((await backends()).join() === CLASSIC.join() ? true : undefined), {
      timeoutMs: DEADLINE,
      what: 'the classic route',
    });
  };

  beforeAll(async () => {
    adapters = await sandboxAdapters();
    const started = await control('POST', '/attached-clusters', { id, platform: 'onprem', zone: `${REGION}-dc1` });
    expect(started.status).toBe(200);
    const cluster = attachedCluster(projectId, membershipName, REGION);
    kube = await createKubeFactory(loadEnv(sandboxInfo().env), adapters.tokens)(attachedClusterInfo(cluster), membershipName);
  });
  afterAll(async () => {
    await offboardIfNeeded();
    await control('DELETE', `/attached-clusters/${id}`);
    // The importer drops the cluster's imports once its membership is gone.
    await pollUntil(
      async () => ((await configImports()).some((name) => name === `store-${REGION}` || name === `store-${id}`) ? undefined : true),
      { timeoutMs: DEADLINE, what: `imports of ${id} gone` },
    );
    await adapters.close();
  });

  it('is a READY fleet membership of an on-prem cluster, unknown to the Container API', async () => {
    const membership = await adapters.hub.getMembership('global', id);
    expect(membership?.state?.code).toBe('READY');
    expect(membership?.endpoint?.gkeCluster).toBeUndefined();
    expect(membership?.endpoint?.onPremCluster?.resourceLink).toMatch(
      new RegExp(`^//gkeonprem\\.googleapis\\.com/projects/.*/bareMetalClusters/${id}$`),
    );
    expect((await adapters.container.listClusters('-')).map((c) => c.name)).not.toContain(id);
    expect((await kube.list('v1', 'Node')).map((n) => n.metadata?.labels?.['topology.kubernetes.io/region'])).toEqual([
      undefined,
      undefined,
    ]);
  });

  it('refuses to onboard it without a region, and to offboard it before it was onboarded', async () => {
    const noRegion = await call('POST', '/v1/clusters/onboard', { body: { membership: membershipName } });
    expect([noRegion.status, noRegion.body.code]).toEqual([400, 'invalid_argument']);
    expect(noRegion.body.message).toContain('region is required to onboard on-prem cluster');
    const regionForGke = await call('POST', '/v1/clusters/onboard', {
      body: { location: 'asia-northeast1-b', name: 'mc-gw-tokyo', region: REGION },
    });
    expect(regionForGke.status).toBe(400);
    const early = await call('POST', '/v1/clusters/offboard', { body: { membership: membershipName } });
    expect(early).toMatchObject({ status: 409, body: { code: 'failed_precondition' } });
    const plan = await call('POST', '/v1/clusters/onboard', { body: { membership: membershipName, region: REGION, dryRun: true } });
    expect(plan.body).toMatchObject({ result: 'planned' });
    expect(plan.body.plan).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mesh: remote secrets need/),
        `route ${REGION} once its ServiceImports exist on the config cluster`,
      ]),
    );
    expect(await record()).toBeUndefined();
  });

  it('onboards it by membership and region into the route, and offboards it keeping its membership', async () => {
    onTestFailed(offboardIfNeeded);
    const onboarded = await call('POST', '/v1/clusters/onboard', { body: { membership: membershipName, region: REGION } });
    expect(onboarded.status).toBe(200);
    expect(onboarded.body.operation).toMatchObject({
      kind: 'manual-onboard',
      principal: 'admin@sandbox.local',
      region: REGION,
      result: 'succeeded',
    });
    const steps = Object.fromEntries((onboarded.body.operation?.steps ?? []).map((s) => [s.name, s.outcome]));
    expect(steps).toMatchObject({
      [ONBOARDING_STEPS.checkMembership]: 'unchanged',
      [ONBOARDING_STEPS.joinMesh]: 'skipped',
      [ONBOARDING_STEPS.recordOnboarded]: 'done',
      [ONBOARDING_STEPS.waitForImports]: 'done',
    });
    expect(steps).not.toHaveProperty(ONBOARDING_STEPS.registerMembership);

    // Read through Connect Gateway from the real API server: labelled nodes and the exports.
    const nodes = await kube.list('v1', 'Node');
    expect(nodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/region'])).toEqual([REGION, REGION]);
    expect(nodes.every((n) => n.metadata?.labels?.['topology.kubernetes.io/zone'] === undefined)).toBe(true);
    expect((await kube.list('net.gke.io/v1', 'ServiceExport', 'store')).map((e) => e.metadata?.name).sort()).toEqual(
      ['store', `store-${REGION}`, `store-${id}`].sort(),
    );
    const derived = await kube.get<KubernetesObject & { spec: { selector: Record<string, string> } }>({
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'store',
      name: `store-${REGION}`,
    });
    expect(derived?.spec.selector).toEqual({ app: 'store' });
    expect(await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'istio-system' })).toBeNull();

    await pollUntil(async () => ((await backends()).includes(`store-${REGION}:100`) ? true : undefined), {
      timeoutMs: DEADLINE,
      what: `${REGION} in the default rule`,
    });
    expect(await backends()).toEqual(expect.arrayContaining(CLASSIC));
    expect(await fleetCluster()).toMatchObject({
      kind: 'attached',
      phase: 'onboarded',
      status: 'READY',
      region: REGION,
      membership: membershipName,
      membershipState: 'READY',
    });
    const region = (
      (await call('GET', '/v1/fleet/regions', { token: api.tokens.viewer })).body.regions as {
        region: string;
        serving: boolean;
        clusters: string[];
      }[]
    ).find((r) => r.region === REGION);
    expect(region).toMatchObject({ serving: true, clusters: [id] });
    // The tick re-applies its member objects through Connect Gateway too.
    await pollUntil(
      async () => {
        const ticks = (await call('GET', '/v1/operations?kind=tick&pageSize=5', { token: api.tokens.viewer })).body
          .operations as OperationRecord[];
        return ticks.some((t) => t.steps.some((s) => s.name === `member objects of ${id}` && s.outcome !== 'failed')) ? true : undefined;
      },
      { timeoutMs: DEADLINE, what: `a tick reconciling ${id}` },
    );

    const offboarded = await call('POST', '/v1/clusters/offboard', { body: { membership: membershipName } });
    expect(offboarded.status).toBe(200);
    expect((offboarded.body.operation?.steps ?? []).map((s) => s.name)).toEqual(
      expect.arrayContaining([
        ONBOARDING_STEPS.markLeaving,
        ROUTE_STEPS.applyRoutes,
        ONBOARDING_STEPS.keepMembership,
        ONBOARDING_STEPS.recordRemoved,
      ]),
    );
    expect(await backends()).toEqual(CLASSIC);
    expect((await adapters.hub.getMembership('global', id))?.state?.code).toBe('READY');
    expect(await record()).toMatchObject({ kind: 'attached', phase: 'removed', region: REGION, membership: membershipName });
    expect(await fleetCluster()).toMatchObject({ kind: 'attached', phase: 'removed', status: 'READY' });
  });
});
