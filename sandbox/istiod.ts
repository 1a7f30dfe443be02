/**
 * Runs a real istiod (`pilot-discovery discovery`, built by `istiod-build.ts`) against one sandbox
 * cluster as its primary, the way a multi-primary mesh runs one istiod per cluster. It reaches the
 * other clusters only through the remote secrets in that cluster's `istio-system` — the ones
 * fleetpilot writes — so what it discovers is what fleetpilot's wiring gives a real control plane.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Logger } from '../shared/core/logger.ts';
import { pollUntil } from '../shared/core/retry.ts';
import type { IstiodBinaries } from './istiod-build.ts';
import { freePort } from './ports.ts';
import { untilExit, type ProcessSupervisor } from './processes.ts';

/** The cluster istiod runs against, and the credential it uses there (istiod's own service account in GKE). */
export interface IstiodPrimary {
  name: string;
  server: string;
  caPem: string;
  token: string;
}

/** A cluster as istiod's `/debug/clusterz` reports it. */
export interface IstiodCluster {
  id: string;
  /** `namespace/name` of the remote secret it came from; empty for the primary. */
  secretName: string;
  /** `synced`, `syncing`, `timeout` or `closed`. */
  syncStatus: string;
}

/** A started istiod. */
export interface RunningIstiod {
  cluster: string;
  /** Plaintext xDS (`host:port`), where sidecars connect. */
  xdsAddress: string;
  /** istiod's HTTP port (`/ready`, `/debug/...`). */
  httpUrl: string;
  /** The clusters istiod knows (its own and the remote ones), from `/debug/clusterz`. */
  clusters(): Promise<IstiodCluster[]>;
  stop(): Promise<void>;
}

/** How long a first start (CA key generation, informer sync) may take on a loaded 2-core machine. */
const READY_TIMEOUT_MS = 120_000;

/** Starts istiod with `primary` as its cluster and waits until it reports ready. */
export async function startIstiod(opts: {
  binaries: IstiodBinaries;
  primary: IstiodPrimary;
  supervisor: ProcessSupervisor;
  /** Folder for istiod's kubeconfig, mesh config and working files. */
  workDir: string;
  log: Logger;
}): Promise<RunningIstiod> {
  const { primary, log } = opts;
  const dir = join(opts.workDir, `istiod-${primary.name}`);
  await mkdir(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, primaryKubeconfig(primary), { mode: 0o600 });
  const meshConfig = join(dir, 'mesh.yaml');
  // Locality load balancing is on by default; the DestinationRules say how.
  await writeFile(meshConfig, stringify({ defaultConfig: { discoveryAddress: 'istiod.istio-system.svc:15012' } }));
  const [grpc, http, https, secureGrpc, monitoring, ctrlz] = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const addr = (port: number | undefined) => `127.0.0.1:${port}`;
  const started = Date.now();
  log.info('starting istiod', { cluster: primary.name, version: opts.binaries.istioVersion });
  const child = opts.supervisor.spawn({
    name: `istiod-${primary.name}`,
    command: opts.binaries.pilotDiscovery,
    cwd: dir,
    args: [
      'discovery',
      `--kubeconfig=${kubeconfig}`,
      `--clusterID=${primary.name}`,
      `--meshConfig=${meshConfig}`,
      `--networksConfig=${join(dir, 'mesh-networks.yaml')}`,
      `--grpcAddr=${addr(grpc)}`,
      `--httpAddr=${addr(http)}`,
      `--httpsAddr=${addr(https)}`,
      `--secureGRPCAddr=${addr(secureGrpc)}`,
      `--monitoringAddr=${addr(monitoring)}`,
      `--ctrlz_port=${ctrlz}`,
      '--keepaliveMaxServerConnectionAge=30m',
    ],
    env: { POD_NAMESPACE: 'istio-system', POD_NAME: `istiod-${primary.name}`, REVISION: 'default', PILOT_CERT_PROVIDER: 'istiod' },
    marker: `--clusterID=${primary.name}`,
  });
  const httpUrl = `http://${addr(http)}`;
  const ready = pollUntil(async () => ((await fetch(`${httpUrl}/ready`).catch(() => null))?.ok ? true : undefined), {
    timeoutMs: READY_TIMEOUT_MS,
    intervalMs: 250,
    what: `istiod for ${primary.name} to be ready`,
  });
  await untilExit(ready, child, `istiod for ${primary.name}`);
  log.info('istiod ready', { cluster: primary.name, xds: addr(grpc), elapsedMs: Date.now() - started });
  return {
    cluster: primary.name,
    xdsAddress: addr(grpc),
    httpUrl,
    async clusters() {
      const res = await fetch(`${httpUrl}/debug/clusterz`);
      if (!res.ok) throw new Error(`istiod /debug/clusterz answered ${res.status}`);
      return (await res.json()) as IstiodCluster[];
    },
    stop: () => child.stop(),
  };
}

/** A kubeconfig with one cluster, user and context, as mounted into istiod's pod would give it. */
function primaryKubeconfig(p: IstiodPrimary): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: p.name, cluster: { server: p.server, 'certificate-authority-data': Buffer.from(p.caPem).toString('base64') } }],
    users: [{ name: 'istiod', user: { token: p.token } }],
    contexts: [{ name: p.name, context: { cluster: p.name, user: 'istiod' } }],
    'current-context': p.name,
  });
}
