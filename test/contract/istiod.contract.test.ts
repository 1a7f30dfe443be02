/**
 * The mesh wiring against a real istiod (pilot-discovery built from the istio.io/istio module):
 * one istiod per cluster, as in a multi-primary mesh, each reaching the other cluster only through
 * the remote secret fleetpilot wrote. An xDS client connecting as a sidecar in Tokyo (and one in
 * Osaka) reads what istiod computed from the Pods, Nodes and EndpointSlices of both clusters and
 * from fleetpilot's DestinationRule: endpoint localities and priorities, the weights of a drain, and
 * a cluster that joins and leaves.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { endpointServer } from '../../shared/adapters/kube-servers.ts';
import { createLogger } from '../../shared/core/logger.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { remoteSecretName } from '../../shared/mesh/index.ts';
import { apiRequest } from '../../sandbox/api-client.ts';
import { ensureIstiod, type IstiodBinaries } from '../../sandbox/istiod-build.ts';
import { startIstiod, type RunningIstiod } from '../../sandbox/istiod.ts';
import { ProcessSupervisor } from '../../sandbox/processes.ts';
import { startXdsProbe, type XdsProbe } from '../../sandbox/xds-probe.ts';
import { STORE, addresses, podIps, priorities, serving } from '../support/istiod-fixtures.ts';
import { adminKube, installEastWestGateway, uninstallNetwork } from '../support/cluster-admin.ts';
import { ONBOARD_LABELS, createCluster, deleteCluster, uniqueName } from '../support/fleet-fixtures.ts';
import { pushConfig } from '../support/config-push.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

const TOKYO = { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1' };
const OSAKA = { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2' };
type Member = typeof TOKYO;

describe('a real istiod reads fleetpilot’s mesh wiring', () => {
  let adapters: GcpAdapters;
  let binaries: IstiodBinaries;
  let supervisor: ProcessSupervisor;
  const istiods = new Map<string, RunningIstiod>();
  const probes = new Map<string, XdsProbe>();
  const run = Date.now().toString(36);

  beforeAll(async () => {
    const log = createLogger({ format: 'text', fields: { component: 'istiod-test' }, write: (l) => process.stderr.write(l + '\n') });
    adapters = await sandboxAdapters();
    // The first build takes about 5–7 minutes on 2 cores; `npm test` builds it in its own stage first.
    binaries = await ensureIstiod({ repoRoot: sandboxInfo().repoRoot, log: (m, f) => log.info(m, f) });
    supervisor = new ProcessSupervisor(join(sandboxInfo().stateDir, 'istiod'), log);
    supervisor.cleanupStale();
    for (const member of [TOKYO, OSAKA]) {
      const info = (await adapters.container.getCluster(member.location, member.cluster))!;
      const primary = {
        name: member.cluster,
        server: endpointServer(info.endpoint),
        caPem: info.caCertificatePem,
        token: sandboxInfo().token,
      };
      const istiod = await startIstiod({ binaries, primary, supervisor, workDir: join(sandboxInfo().stateDir, 'istiod'), log });
      istiods.set(member.cluster, istiod);
      probes.set(
        member.cluster,
        startXdsProbe({
          binary: binaries.xdsProbe,
          xdsAddress: istiod.xdsAddress,
          clusterId: member.cluster,
          region: member.region,
          zone: member.location,
          hosts: ['store.store.svc.cluster.local'],
        }),
      );
    }
  }, 900_000);

  afterAll(async () => {
    for (const probe of probes.values()) probe.stop();
    await supervisor?.stopAll();
    await adapters?.close();
  });

  const probe = (m: Member) => probes.get(m.cluster)!;
  it('in each cluster, istiod syncs the other cluster through the remote secret fleetpilot wrote', async () => {
    for (const [self, other] of [
      [TOKYO, OSAKA],
      [OSAKA, TOKYO],
    ] as const) {
      const clusters = await pollUntil(
        async () => {
          const all = await istiods.get(self.cluster)!.clusters();
          return all.find((c) => c.id === other.cluster)?.syncStatus === 'synced' ? all : undefined;
        },
        { timeoutMs: 60_000, what: `${self.cluster}'s istiod to sync ${other.cluster}` },
      );
      expect(clusters).toContainEqual({
        id: other.cluster,
        secretName: `istio-system/${remoteSecretName(other.cluster)}`,
        syncStatus: 'synced',
      });
    }
  });

  it('sends a Tokyo sidecar both clusters’ store endpoints, Tokyo’s at priority 0 and Osaka’s at 1; an Osaka sidecar the reverse', async () => {
    for (const [self, other] of [
      [TOKYO, OSAKA],
      [OSAKA, TOKYO],
    ] as const) {
      const assignment = await probe(self).waitFor(
        STORE,
        (a) => priorities(a)[self.region] === 0 && priorities(a)[other.region] === 1,
        `${self.cluster}'s sidecar: own region first, the other as failover`,
        60_000,
      );
      // Localities come from the Pods' Nodes, labelled by fleetpilot's onboarding.
      expect(assignment.localities.map((l) => `${l.region}/${l.zone}`).sort()).toEqual([
        `${TOKYO.region}/${TOKYO.location}`,
        `${OSAKA.region}/${OSAKA.location}`,
      ]);
      expect(addresses(assignment, self.region)).toEqual(podIps(self.cluster));
      expect(addresses(assignment, other.region)).toEqual(podIps(other.cluster));
    }
  });

  it('while an operator has Osaka drained, sends neither sidecar to Osaka, and restores the priorities after the restore', async () => {
    // An operator's drain (the same drain-aware rules as an alert's) is not limited by the flap
    // budget, which the suite's earlier alert drills of Osaka may have used up.
    const api = sandboxInfo().api;
    const call = async (action: 'drain' | 'restore') => {
      const res = await apiRequest(api.url, 'POST', `/v1/regions/${OSAKA.region}/${action}`, {
        token: api.tokens.operator,
        body: { reason: `istiod contract test ${run}` },
      });
      expect(res.status, `${action}: ${await res.clone().text()}`).toBe(200);
    };
    onTestFailed(() => call('restore'));
    await call('drain');
    for (const self of [TOKYO, OSAKA]) {
      const drained = await probe(self).waitFor(
        STORE,
        (a) => serving(a).join() === TOKYO.region,
        `${self.cluster}'s sidecar sent only to Tokyo`,
        60_000,
      );
      // istiod keeps the drained locality, with no endpoints.
      expect(addresses(drained, OSAKA.region)).toEqual([]);
      expect(addresses(drained, TOKYO.region)).toEqual(podIps(TOKYO.cluster));
    }
    await call('restore');
    for (const [self, other] of [
      [TOKYO, OSAKA],
      [OSAKA, TOKYO],
    ] as const) {
      await probe(self).waitFor(
        STORE,
        (a) => serving(a).length === 2 && priorities(a)[self.region] === 0 && priorities(a)[other.region] === 1,
        `${self.cluster}'s sidecar back to failover priorities after the restore`,
        60_000,
      );
    }
  });

  it('discovers a cluster that joins the mesh, and forgets it and its endpoints once it is offboarded', async () => {
    const joiner = { cluster: uniqueName('mesh-join'), location: 'asia-east1-a', region: 'asia-east1' };
    onTestFailed(() => deleteCluster(adapters, joiner.cluster, joiner.location).catch(() => undefined));
    await createCluster(adapters, joiner.cluster, joiner.location, ONBOARD_LABELS);
    const tokyo = istiods.get(TOKYO.cluster)!;
    await pollUntil(
      async () => ((await tokyo.clusters()).find((c) => c.id === joiner.cluster)?.syncStatus === 'synced' ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 500, what: `Tokyo's istiod to sync ${joiner.cluster}` },
    );
    const joined = await probe(TOKYO).waitFor(
      STORE,
      (a) => addresses(a, joiner.region).length > 0,
      `Tokyo's sidecar to get ${joiner.cluster}'s endpoints`,
      60_000,
    );
    expect(addresses(joined, joiner.region)).toEqual(podIps(joiner.cluster));
    // Neither Tokyo's nor the failover region: Envoy tries it last.
    expect(priorities(joined)[joiner.region]).toBeGreaterThan(1);

    await deleteCluster(adapters, joiner.cluster, joiner.location);
    await pollUntil(async () => ((await tokyo.clusters()).some((c) => c.id === joiner.cluster) ? undefined : true), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `Tokyo's istiod to drop ${joiner.cluster}`,
    });
    const left = await probe(TOKYO).waitFor(STORE, (a) => addresses(a, joiner.region).length === 0, `${joiner.cluster}'s endpoints gone`);
    expect(left.localities.map((l) => l.region).sort()).toEqual([TOKYO.region, OSAKA.region]);
  });
  it('wires an on-prem cluster given its API server address: Tokyo’s istiod syncs it and sends its endpoints; offboarded, it is gone', async () => {
    const { api, controlUrl, token, projectId } = sandboxInfo();
    const id = uniqueName('onprem-mesh');
    const membership = `projects/${projectId}/locations/global/memberships/${id}`;
    const control = (method: string, path: string, body?: unknown) =>
      fetch(`${controlUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    const admin = (path: string, body: unknown) =>
      apiRequest(api.url, 'POST', path, { token: api.tokens.admin, body }).then(async (r) => ({ status: r.status, text: await r.text() }));
    const tokyo = istiods.get(TOKYO.cluster)!;
    const started = await control('POST', '/attached-clusters', { id, platform: 'onprem' });
    expect(started.status).toBe(200);
    const { server } = (await started.json()) as { server: string };
    const cleanup = async () => {
      await admin('/v1/clusters/offboard', { membership });
      await control('DELETE', `/attached-clusters/${id}`);
      await pushConfig(`${id} leaves the mesh`, (doc) => void doc.deleteIn(['mesh', 'apiServers', id]));
    };
    try {
      // The platform team gives the address the other clusters' istiods reach it at, then onboards it.
      await pushConfig(`${id}: API server address for the mesh`, (doc) => doc.setIn(['mesh', 'apiServers', id], server));
      const onboarded = await admin('/v1/clusters/onboard', { membership, region: 'asia-east1' });
      expect(onboarded.status, onboarded.text).toBe(200);
      const synced = await pollUntil(
        async () => ((all) => all.find((c) => c.id === id && c.syncStatus === 'synced'))(await tokyo.clusters()),
        { timeoutMs: 90_000, intervalMs: 500, what: `Tokyo's istiod to sync ${id}` },
      );
      expect(synced.secretName).toBe(`istio-system/${remoteSecretName(id)}`);
      const reached = await probe(TOKYO).waitFor(
        STORE,
        (a) => addresses(a, 'asia-east1').length > 0,
        `Tokyo's sidecar to get ${id}'s endpoints`,
        60_000,
      );
      expect(addresses(reached, 'asia-east1')).toEqual(podIps(id));
      // Its region came from the onboarding request, through the node labels fleetpilot set.
      expect(priorities(reached)['asia-east1']).toBeGreaterThan(1);
    } finally {
      await cleanup();
    }
    await pollUntil(async () => ((await tokyo.clusters()).some((c) => c.id === id) ? undefined : true), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: `Tokyo's istiod to drop ${id}`,
    });
    await probe(TOKYO).waitFor(STORE, (a) => addresses(a, 'asia-east1').length === 0, `${id}'s endpoints gone`);
  });

  it('across networks: a Tokyo sidecar is sent Osaka’s endpoints as Osaka’s east-west gateway once fleetpilot wires the networks', async () => {
    const GATEWAYS = {
      [TOKYO.cluster]: { network: 'net-tokyo', ip: '192.0.2.10' },
      [OSAKA.cluster]: { network: 'net-osaka', ip: '192.0.2.20' },
    };
    const cleanup = async () => {
      await pushConfig('one network again', (doc) => void doc.deleteIn(['mesh', 'networks']));
      for (const m of [TOKYO, OSAKA]) await uninstallNetwork(m.cluster);
    };
    onTestFailed(cleanup);
    for (const m of [TOKYO, OSAKA]) await installEastWestGateway(m.cluster, GATEWAYS[m.cluster]!.network, GATEWAYS[m.cluster]!.ip);
    // The change fleetpilot acts on: the two clusters on networks of their own.
    await pushConfig('Tokyo and Osaka on networks of their own', (doc) =>
      doc.setIn(['mesh', 'networks'], doc.createNode({ default: 'net-tokyo', clusters: { [OSAKA.cluster]: 'net-osaka' } })),
    );
    for (const m of [TOKYO, OSAKA]) {
      await pollUntil(
        async () => {
          const kube = adminKube(m.cluster);
          const ns = await kube.get({ apiVersion: 'v1', kind: 'Namespace', name: 'istio-system' });
          const gw = await kube.get({
            apiVersion: 'networking.istio.io/v1',
            kind: 'Gateway',
            namespace: 'istio-system',
            name: 'cross-network-gateway',
          });
          return ns?.metadata?.labels?.['topology.istio.io/network'] === GATEWAYS[m.cluster]!.network && gw ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 250, what: `fleetpilot to label ${m.cluster}'s network and expose its services` },
      );
    }
    const tokyoIstiod = istiods.get(TOKYO.cluster)!;
    const sidecar = startXdsProbe({
      binary: binaries.xdsProbe,
      xdsAddress: tokyoIstiod.xdsAddress,
      clusterId: TOKYO.cluster,
      region: TOKYO.region,
      zone: TOKYO.location,
      network: 'net-tokyo',
      hosts: ['store.store.svc.cluster.local'],
    });
    try {
      const crossing = await sidecar.waitFor(
        STORE,
        (a) => a.localities.some((l) => l.region === OSAKA.region && l.endpoints.some((e) => e.address === GATEWAYS[OSAKA.cluster]!.ip)),
        'Osaka reached through its east-west gateway',
        60_000,
      );
      // Tokyo's pods directly, at priority 0; Osaka's through its gateway's mTLS port, the failover.
      expect(addresses(crossing, TOKYO.region)).toEqual(podIps(TOKYO.cluster));
      // (istiod leaves a gateway endpoint's health unset: UNKNOWN, which Envoy treats as healthy.)
      expect(crossing.localities.find((l) => l.region === OSAKA.region)?.endpoints.map((e) => `${e.address}:${e.port}`)).toEqual([
        `${GATEWAYS[OSAKA.cluster]!.ip}:15443`,
      ]);
      expect(priorities(crossing)).toEqual({ [TOKYO.region]: 0, [OSAKA.region]: 1 });
    } finally {
      sidecar.stop();
      await cleanup();
    }
  });
});
