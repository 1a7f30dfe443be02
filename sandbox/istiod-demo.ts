/**
 * `npm run sandbox -- --istiod`: after the mesh is wired, a real istiod per mesh cluster (as in a
 * multi-primary mesh) reads it. Prints which clusters each istiod synced, and through which remote
 * secret, and the store endpoints a sidecar in each cluster is sent — locality and priority — and
 * checks them. The istiods keep running with the sandbox, their debug URLs printed.
 */
import { endpointServer } from '../shared/adapters/kube-servers.ts';
import type { Logger } from '../shared/core/logger.ts';
import { pollUntil } from '../shared/core/retry.ts';
import { Claims } from './claims.ts';
import { ensureIstiod } from './istiod-build.ts';
import { startIstiod, type IstiodCluster } from './istiod.ts';
import type { SandboxInfra } from './sandbox.ts';
import { startXdsProbe, type ProbeAssignment } from './xds-probe.ts';

const STORE = 'outbound|8080||store.store.svc.cluster.local';
const MEMBERS = [
  { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1' },
  { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2' },
] as const;

/** Starts istiod in Tokyo and Osaka and prints what they computed; throws `ClaimsFailed` when a printed claim does not hold. */
export async function showIstiodView(ctx: {
  sandbox: SandboxInfra;
  repoRoot: string;
  log: Logger;
  print: (line: string) => void;
}): Promise<void> {
  const { sandbox, print } = ctx;
  const binaries = await ensureIstiod({ repoRoot: ctx.repoRoot, log: (m, f) => ctx.log.info(m, f) });
  const claims = new Claims('istiod', print);
  print('');
  print(
    `Mesh through a real istiod (istio.io/istio ${binaries.istioVersion}), one per cluster, reaching the other only through fleetpilot's remote secrets:`,
  );
  for (const [i, self] of MEMBERS.entries()) {
    const other = MEMBERS[1 - i]!;
    const info = await sandbox.adapters.container.getCluster(self.location, self.cluster);
    if (!info) throw new Error(`demo cluster ${self.cluster} does not exist`);
    const istiod = await startIstiod({
      binaries,
      primary: { name: self.cluster, server: endpointServer(info.endpoint), caPem: info.caCertificatePem, token: sandbox.token },
      supervisor: sandbox.supervisor,
      workDir: `${sandbox.stateDir}/istiod`,
      log: ctx.log,
    });
    const clusters = await pollUntil(
      async () =>
        ((all: IstiodCluster[]) => (all.find((c) => c.id === other.cluster)?.syncStatus === 'synced' ? all : undefined))(
          await istiod.clusters(),
        ),
      { timeoutMs: 60_000, what: `${self.cluster}'s istiod to sync ${other.cluster}` },
    ).catch(() => istiod.clusters());
    print(
      `  istiod in ${self.cluster}: ${clusters.map((c) => `${c.id} ${c.syncStatus}${c.secretName ? ` (${c.secretName})` : ''}`).join(', ')}`,
    );
    claims.check(
      `${self.cluster}'s istiod synced ${other.cluster}`,
      clusters.some((c) => c.id === other.cluster && c.syncStatus === 'synced'),
      JSON.stringify(clusters),
    );
    const probe = startXdsProbe({
      binary: binaries.xdsProbe,
      xdsAddress: istiod.xdsAddress,
      clusterId: self.cluster,
      region: self.region,
      zone: self.location,
      hosts: ['store.store.svc.cluster.local'],
    });
    const prio = (a: ProbeAssignment, region: string) => a.localities.find((l) => l.region === region && l.endpoints.length > 0)?.priority;
    const assignment = await probe
      .waitFor(STORE, (a) => prio(a, self.region) === 0 && prio(a, other.region) === 1, `${self.cluster}'s sidecar endpoints`, 60_000)
      .catch(() => probe.latest(STORE));
    probe.stop();
    print(`    a sidecar in ${self.cluster} is sent for store.store.svc.cluster.local:`);
    for (const l of assignment?.localities ?? [])
      print(`      ${l.region}/${l.zone} priority ${l.priority}: ${l.endpoints.map((e) => `${e.address}:${e.port}`).join(', ')}`);
    claims.check(
      `a sidecar in ${self.cluster} prefers ${self.region} (priority 0) and fails over to ${other.region} (priority 1)`,
      assignment !== undefined && prio(assignment, self.region) === 0 && prio(assignment, other.region) === 1,
      JSON.stringify(assignment?.localities ?? null),
    );
    print(`    curl -s ${istiod.httpUrl}/debug/clusterz ; curl -s ${istiod.httpUrl}/debug/endpointz`);
  }
  claims.verify();
}
