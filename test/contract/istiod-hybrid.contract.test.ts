/**
 * The hybrid mesh against a real istiod: an on-prem cluster (registered in the fleet by its owner,
 * nodes without topology labels, reached by fleetpilot only through Connect Gateway) on a network of
 * its own joins the GKE clusters' mesh. Its istiod, as the primary of a multi-primary mesh, reads the
 * GKE clusters only through the remote secrets fleetpilot wrote into it; an xDS client connecting as
 * a sidecar in Tokyo-on-prem reads what it computed: local endpoints first, asia-northeast1 through
 * its east-west gateway as the failover, `local` mode, and a drain of the on-prem region.
 */
import { join } from 'node:path';
import type { V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createLogger } from '../../shared/core/logger.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { MESH_STEPS, readRemoteSecret, remoteSecretName } from '../../shared/mesh/index.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';
import { apiRequest } from '../../sandbox/api-client.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { ensureIstiod } from '../../sandbox/istiod-build.ts';
import { startIstiod, type RunningIstiod } from '../../sandbox/istiod.ts';
import { ProcessSupervisor } from '../../sandbox/processes.ts';
import { startXdsProbe, type XdsProbe } from '../../sandbox/xds-probe.ts';
import { uniqueName } from '../support/fleet-fixtures.ts';
import { STORE, endpoints, podIps, priorities, serving } from '../support/istiod-fixtures.ts';
import { adminKube, installEastWestGateway, sandboxClusterAccess, uninstallNetwork } from '../support/cluster-admin.ts';
import { pushConfig } from '../support/config-push.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

const ONPREM_REGION = 'tokyo-onprem';
const TOKYO = { cluster: 'mc-gw-tokyo', region: 'asia-northeast1', network: 'vpc-main', gateway: '192.0.2.10' };
const OSAKA = { cluster: 'mc-gw-osaka', region: 'asia-northeast2', network: 'vpc-main', gateway: '192.0.2.20' };
const ONPREM = { network: 'tokyo-dc', gateway: '198.51.100.30' };
/** The default rule the other contract files expect: Tokyo and Osaka only. */
const CLASSIC = ['store-asia-northeast1:50', 'store-asia-northeast2:50'];
const CLOUD_FAILOVER = [
  { from: 'asia-northeast1', to: 'asia-northeast2' },
  { from: 'asia-northeast2', to: 'asia-northeast1' },
];

describe('a real istiod in an on-prem cluster on its own network', () => {
  const { api, controlUrl, token, projectId } = sandboxInfo();
  const id = uniqueName('tokyo-dc');
  const membership = `projects/${projectId}/locations/global/memberships/${id}`;
  const log = createLogger({ format: 'text', fields: { component: 'istiod-hybrid' }, write: (l) => process.stderr.write(l + '\n') });
  const supervisor = new ProcessSupervisor(join(sandboxInfo().stateDir, 'istiod-hybrid'), log);
  let adapters: GcpAdapters;
  let istiod: RunningIstiod;
  let sidecar: XdsProbe;
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${controlUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  const call = (role: 'operator' | 'admin', path: string, body: unknown) =>
    apiRequest(api.url, 'POST', path, { token: api.tokens[role], body }).then(async (r) => ({ status: r.status, text: await r.text() }));
  const backends = async () => (await readStoreRoute(adapters, token))?.defaultBackends.map((b) => `${b.name}:${b.weight}`) ?? [];
  /** The store mesh service's locality mode, as the platform team sets it in Git. */
  const setStoreLocality = (message: string, localityLb: unknown) =>
    pushConfig(message, (doc) => {
      const index = (doc.toJS() as { mesh: { services: { name: string }[] } }).mesh.services.findIndex((s) => s.name === 'store');
      doc.setIn(['mesh', 'services', index, 'localityLb'], doc.createNode(localityLb));
    });

  beforeAll(async () => {
    adapters = await sandboxAdapters();
    const binaries = await ensureIstiod({ repoRoot: sandboxInfo().repoRoot, log: (m, f) => log.info(m, f) });
    supervisor.cleanupStale();
    const started = await control('POST', '/attached-clusters', { id, platform: 'onprem' });
    expect(started.status, await started.clone().text()).toBe(200);
    const { server } = (await started.json()) as { server: string };
    // What the platform team's Istio install leaves: one east-west gateway per cluster, each with an address in its network.
    await installEastWestGateway(TOKYO.cluster, TOKYO.network, TOKYO.gateway);
    await installEastWestGateway(OSAKA.cluster, OSAKA.network, OSAKA.gateway);
    await installEastWestGateway(id, ONPREM.network, ONPREM.gateway);
    // What the platform team tells fleetpilot: the networks, the address istiods reach the on-prem
    // API server at, and that on-prem fails over to asia-northeast1.
    await pushConfig(`${id} joins the mesh on its own network`, (doc) => {
      doc.setIn(['mesh', 'networks'], doc.createNode({ default: 'vpc-main', clusters: { [id]: ONPREM.network } }));
      doc.setIn(['mesh', 'apiServers', id], server);
    });
    await setStoreLocality('on-prem fails over to Tokyo', { failover: [{ from: ONPREM_REGION, to: TOKYO.region }, ...CLOUD_FAILOVER] });
    const onboarded = await call('admin', '/v1/clusters/onboard', { membership, region: ONPREM_REGION });
    expect(onboarded.status, onboarded.text).toBe(200);
    const access = sandboxClusterAccess(id);
    istiod = await startIstiod({
      binaries,
      primary: { name: id, server: access.server, caPem: access.caPem, token },
      supervisor,
      workDir: join(sandboxInfo().stateDir, 'istiod-hybrid'),
      log,
    });
    // On-prem nodes have no zone: the sidecar's locality is the region fleetpilot labelled them with.
    sidecar = startXdsProbe({
      binary: binaries.xdsProbe,
      xdsAddress: istiod.xdsAddress,
      clusterId: id,
      region: ONPREM_REGION,
      zone: '',
      network: ONPREM.network,
      hosts: ['store.store.svc.cluster.local'],
    });
  }, 900_000);

  afterAll(async () => {
    sidecar?.stop();
    await supervisor.stopAll();
    await call('operator', `/v1/regions/${ONPREM_REGION}/restore`, { reason: 'hybrid mesh test cleanup' });
    await call('admin', '/v1/clusters/offboard', { membership });
    await control('DELETE', `/attached-clusters/${id}`);
    await pushConfig(`${id} leaves the mesh`, (doc) => {
      for (const path of [
        ['mesh', 'networks'],
        ['mesh', 'apiServers', id],
      ])
        if (doc.hasIn(path)) doc.deleteIn(path);
    });
    await setStoreLocality('cloud failover only', { failover: CLOUD_FAILOVER });
    for (const cluster of [TOKYO.cluster, OSAKA.cluster]) await uninstallNetwork(cluster);
    // Leaves the fleet as the other contract files expect it.
    await pollUntil(async () => ((await backends()).join() === CLASSIC.join() ? true : undefined), {
      timeoutMs: 60_000,
      what: 'the classic route',
    });
    await adapters?.close();
  }, 300_000);

  it('onboarding wires it: network label, expose-services Gateway, node region labels, remote secrets both ways', async () => {
    const onprem = adminKube(id);
    const ns = await onprem.get({ apiVersion: 'v1', kind: 'Namespace', name: 'istio-system' });
    expect(ns?.metadata?.labels?.['topology.istio.io/network']).toBe(ONPREM.network);
    expect(
      await onprem.get({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespace: 'istio-system', name: 'cross-network-gateway' }),
    ).not.toBeNull();
    const nodes = await onprem.list('v1', 'Node');
    expect(nodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/region'])).toEqual(nodes.map(() => ONPREM_REGION));
    // Tokyo reaches on-prem at the configured address; on-prem reaches Tokyo at its endpoint.
    const inTokyo = await adminKube(TOKYO.cluster).get<V1Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: 'istio-system',
      name: remoteSecretName(id),
    });
    expect(readRemoteSecret(inTokyo!, id)?.server).toBe(sandboxClusterAccess(id).server);
    const synced = await pollUntil(
      async () => {
        const all = await istiod.clusters();
        return [TOKYO.cluster, OSAKA.cluster].every((c) => all.some((s) => s.id === c && s.syncStatus === 'synced')) ? all : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `the on-prem istiod to sync Tokyo and Osaka through fleetpilot's remote secrets` },
    );
    expect(synced.find((c) => c.id === TOKYO.cluster)?.secretName).toBe(`istio-system/${remoteSecretName(TOKYO.cluster)}`);
  });

  it('sends an on-prem sidecar its own endpoints at priority 0 and fails over to asia-northeast1 through its east-west gateway', async () => {
    const assignment = await sidecar.waitFor(
      STORE,
      (a) => priorities(a)[ONPREM_REGION] === 0 && priorities(a)[TOKYO.region] === 1 && endpoints(a, TOKYO.region).length > 0,
      'on-prem first, asia-northeast1 as the failover',
      90_000,
    );
    expect(endpoints(assignment, ONPREM_REGION)).toEqual(podIps(id).map((ip) => `${ip}:8080`));
    // Across networks: never a Tokyo Pod's IP, only the east-west gateway's mTLS port.
    expect(endpoints(assignment, TOKYO.region)).toEqual([`${TOKYO.gateway}:15443`]);
    expect(priorities(assignment)[OSAKA.region]).toBe(2);
  });

  it('in local mode keeps the on-prem sidecar’s traffic in its region', async () => {
    await setStoreLocality('store stays local', { local: 'region' });
    const local = await sidecar.waitFor(STORE, (a) => serving(a).join() === ONPREM_REGION, 'only on-prem serving', 60_000);
    expect(endpoints(local, ONPREM_REGION)).toEqual(podIps(id).map((ip) => `${ip}:8080`));
    await setStoreLocality('on-prem fails over to Tokyo again', {
      failover: [{ from: ONPREM_REGION, to: TOKYO.region }, ...CLOUD_FAILOVER],
    });
    await sidecar.waitFor(STORE, (a) => serving(a).length === 3, 'every region serving again', 60_000);
  });

  it('a drain of the on-prem region moves the on-prem sidecar’s traffic to the cloud regions, and the restore brings it back', async () => {
    onTestFailed(async () => void (await call('operator', `/v1/regions/${ONPREM_REGION}/restore`, { reason: 'hybrid mesh test failed' })));
    const drained = await call('operator', `/v1/regions/${ONPREM_REGION}/drain`, { reason: 'on-prem maintenance' });
    expect(drained.status, drained.text).toBe(200);
    const away = await sidecar.waitFor(
      STORE,
      (a) => serving(a).join() === [TOKYO.region, OSAKA.region].sort().join(),
      'on-prem drained: only the cloud regions serving',
      60_000,
    );
    expect(endpoints(away, ONPREM_REGION)).toEqual([]);
    expect(endpoints(away, TOKYO.region)).toEqual([`${TOKYO.gateway}:15443`]);
    const restored = await call('operator', `/v1/regions/${ONPREM_REGION}/restore`, { reason: 'maintenance done' });
    expect(restored.status, restored.text).toBe(200);
    await sidecar.waitFor(
      STORE,
      (a) => serving(a).length === 3 && priorities(a)[ONPREM_REGION] === 0 && priorities(a)[TOKYO.region] === 1,
      'on-prem first again after the restore',
      60_000,
    );
  });

  it('onboards an on-prem cluster without an east-west gateway into routing, its mesh-network step skipped naming what is missing', async () => {
    const other = uniqueName('osaka-dc');
    const otherMembership = `projects/${projectId}/locations/global/memberships/${other}`;
    const started = await control('POST', '/attached-clusters', { id: other, platform: 'onprem' });
    expect(started.status, await started.clone().text()).toBe(200);
    const { server } = (await started.json()) as { server: string };
    try {
      await pushConfig(`${other} joins the mesh on its own network, no east-west gateway yet`, (doc) => {
        doc.setIn(['mesh', 'networks', 'clusters', other], 'osaka-dc');
        doc.setIn(['mesh', 'apiServers', other], server);
      });
      const onboarded = await call('admin', '/v1/clusters/onboard', { membership: otherMembership, region: 'osaka-onprem' });
      expect(onboarded.status, onboarded.text).toBe(200);
      const { operation } = JSON.parse(onboarded.text) as { operation: OperationRecord };
      expect(operation.result).toBe('succeeded');
      const network = operation.steps.find((s) => s.name === MESH_STEPS.network);
      expect(network).toMatchObject({ outcome: 'skipped' });
      expect(network?.detail).toMatch(
        /network osaka-dc; .*no east-west gateway: no Service labelled istio=eastwestgateway in istio-system/,
      );
      expect(operation.steps.find((s) => s.name === MESH_STEPS.reconcileSecrets)).toMatchObject({ outcome: 'done' });
      // Routing does not wait for the mesh: the region is in the default rule.
      await pollUntil(async () => ((await backends()).includes('store-osaka-onprem:100') ? true : undefined), {
        timeoutMs: 60_000,
        what: 'osaka-onprem in the default rule',
      });
    } finally {
      await call('admin', '/v1/clusters/offboard', { membership: otherMembership });
      await control('DELETE', `/attached-clusters/${other}`);
      await pushConfig(`${other} leaves the mesh`, (doc) => {
        for (const path of [
          ['mesh', 'networks', 'clusters', other],
          ['mesh', 'apiServers', other],
        ])
          if (doc.hasIn(path)) doc.deleteIn(path);
      });
    }
  });
});
