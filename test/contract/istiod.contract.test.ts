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
import { templateNodes } from '../../sandbox/cluster-template.ts';
import { ensureIstiod, type IstiodBinaries } from '../../sandbox/istiod-build.ts';
import { startIstiod, type RunningIstiod } from '../../sandbox/istiod.ts';
import { ProcessSupervisor } from '../../sandbox/processes.ts';
import { storeReplicas } from '../../sandbox/store-pods.ts';
import { startXdsProbe, type ProbeAssignment, type XdsProbe } from '../../sandbox/xds-probe.ts';
import { ONBOARD_LABELS, createCluster, deleteCluster, uniqueName } from '../support/fleet-fixtures.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

const STORE = 'outbound|8080||store.store.svc.cluster.local';
const TOKYO = { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1' };
const OSAKA = { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2' };
type Member = typeof TOKYO;

/** The store Pods' IPs in a sandbox cluster, as its cluster template created them. */
const podIps = (cluster: string) =>
  storeReplicas(
    cluster,
    templateNodes(cluster).map((n) => n.metadata!.name!),
  )
    .map((r) => r.ip)
    .sort();
const addresses = (a: ProbeAssignment, region: string) =>
  a.localities
    .filter((l) => l.region === region)
    .flatMap((l) => l.endpoints.map((e) => e.address))
    .sort();
const priorities = (a: ProbeAssignment) => Object.fromEntries(a.localities.map((l) => [l.region, l.priority]));
const serving = (a: ProbeAssignment) =>
  a.localities
    .filter((l) => l.weight > 0 && l.endpoints.length > 0)
    .map((l) => l.region)
    .sort();

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
});
