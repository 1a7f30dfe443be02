/**
 * The sandbox's Kubernetes clusters: one embedded etcd and one real kube-apiserver process per
 * simulated cluster (each under its own etcd prefix), with the real CRDs installed. Clusters can
 * be added and removed while the sandbox runs; a kubeconfig lists one context per cluster.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Logger } from '../shared/core/logger.ts';
import { freePort, freePortPair } from './ports.ts';
import { untilExit, type ProcessSupervisor, type Supervised } from './processes.ts';

/** A running simulated cluster's API server. */
export interface KubeCluster {
  name: string;
  /** `127.0.0.1:PORT`, as the Container API reports an endpoint. */
  endpoint: string;
  server: string;
  caPem: string;
  process: Supervised;
}

/** Dependencies of {@link KubeFleet.start}. */
export interface KubeFleetDeps {
  supervisor: ProcessSupervisor;
  binary: string;
  crdDirs: string[];
  stateDir: string;
  /** The bearer token every API server accepts (the sandbox's Google access token). */
  token: string;
  log: Logger;
}

interface ReadyLine {
  event: 'ready' | 'error';
  message?: string;
  crds?: number;
  elapsedMs?: number;
}

/** Runs etcd and the API servers. */
export class KubeFleet {
  private readonly clusters = new Map<string, KubeCluster>();
  /** How each cluster's API server was started, so that a stopped one comes back the same (port, etcd prefix). */
  private readonly launches = new Map<string, { port: number; prefix: string }>();
  private readonly stopped = new Set<string>();
  private incarnation = 0;

  private constructor(
    private readonly deps: KubeFleetDeps,
    private readonly etcdUrl: string,
    readonly caPem: string,
    private readonly certDir: string,
  ) {}

  /** Generates the CA and keys (once per state directory) and starts etcd. */
  static async start(deps: KubeFleetDeps): Promise<KubeFleet> {
    const certDir = join(deps.stateDir, 'pki');
    mkdirSync(certDir, { recursive: true });
    const certs = deps.supervisor.spawn({
      name: 'kube-certs',
      command: deps.binary,
      args: ['certs', '--dir', certDir, '--hosts', '127.0.0.1,localhost'],
    });
    const code = await certs.exited;
    if (code !== 0) throw new Error(`kube-sandbox certs failed with code ${code}; see logs/kube-certs.log`);
    const port = await freePortPair();
    const etcd = deps.supervisor.spawn({
      name: 'etcd',
      command: deps.binary,
      args: ['etcd', '--data-dir', join(deps.stateDir, 'etcd'), '--port', String(port)],
      marker: deps.binary,
    });
    await untilExit(readyLine(etcd), etcd, 'etcd');
    return new KubeFleet(deps, `http://127.0.0.1:${port}`, readFileSync(join(certDir, 'ca.crt'), 'utf8'), certDir);
  }

  /** Starts a new cluster's API server and waits until it serves with every CRD established. */
  async addCluster(name: string): Promise<KubeCluster> {
    if (this.clusters.has(name)) throw new Error(`cluster ${name} already runs`);
    const port = await freePort();
    const started = Date.now();
    // A fresh etcd prefix per incarnation: a re-created cluster starts empty, as in GKE.
    const prefix = `/clusters/${name}/${++this.incarnation}-${Date.now()}`;
    const proc = this.spawnServer(name, port, prefix);
    const ready = await untilExit(readyLine(proc), proc, `kube-apiserver for ${name}`);
    const cluster: KubeCluster = {
      name,
      endpoint: `127.0.0.1:${port}`,
      server: `https://127.0.0.1:${port}`,
      caPem: this.caPem,
      process: proc,
    };
    this.clusters.set(name, cluster);
    this.launches.set(name, { port, prefix });
    this.deps.log.info('kube-apiserver ready', {
      cluster: name,
      server: cluster.server,
      crds: ready.crds,
      elapsedMs: Date.now() - started,
    });
    return cluster;
  }

  /** Stops a cluster's API server. */
  async removeCluster(name: string): Promise<void> {
    const cluster = this.clusters.get(name);
    if (!cluster) return;
    this.clusters.delete(name);
    this.launches.delete(name);
    await cluster.process.stop();
  }

  /** Fault injection: stops a running cluster's API server but keeps the cluster (its data stays in etcd). */
  async stopServer(name: string): Promise<void> {
    const cluster = this.clusters.get(name);
    if (!cluster) throw new Error(`cluster ${name} does not run`);
    this.stopped.add(name);
    await cluster.process.stop();
  }

  /** Fault injection: starts a stopped cluster's API server again on the same port and etcd prefix. */
  async startServer(name: string): Promise<void> {
    const cluster = this.clusters.get(name);
    const launch = this.launches.get(name);
    if (!cluster || !launch) throw new Error(`cluster ${name} does not run`);
    if (!this.stopped.has(name)) return;
    const proc = this.spawnServer(name, launch.port, launch.prefix);
    await untilExit(readyLine(proc), proc, `kube-apiserver for ${name}`);
    cluster.process = proc;
    this.stopped.delete(name);
    this.deps.log.info('kube-apiserver started again', { cluster: name, server: cluster.server });
  }

  private spawnServer(name: string, port: number, prefix: string): Supervised {
    return this.deps.supervisor.spawn({
      name: `apiserver-${name}`,
      command: this.deps.binary,
      args: [
        'apiserver',
        '--name',
        name,
        '--port',
        String(port),
        '--etcd',
        this.etcdUrl,
        '--etcd-prefix',
        prefix,
        '--certs',
        this.certDir,
        '--crds',
        this.deps.crdDirs.join(','),
      ],
      // In the environment, not the command line, so that `ps` does not show it.
      env: { KUBE_SANDBOX_TOKEN: this.deps.token },
      marker: this.deps.binary,
    });
  }

  /** The running clusters. */
  list(): KubeCluster[] {
    return [...this.clusters.values()];
  }

  get(name: string): KubeCluster | undefined {
    return this.clusters.get(name);
  }

  /** Writes a kubeconfig with one context per running cluster. */
  writeKubeconfig(path: string): void {
    const caData = Buffer.from(this.caPem).toString('base64');
    const clusters = this.list();
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: clusters.map((c) => ({ name: c.name, cluster: { server: c.server, 'certificate-authority-data': caData } })),
        users: [{ name: 'sandbox-admin', user: { token: this.deps.token } }],
        contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: 'sandbox-admin' } })),
        'current-context': clusters[0]?.name ?? '',
        preferences: {},
      }),
      { mode: 0o600 },
    );
  }
}

function readyLine(proc: Supervised): Promise<ReadyLine> {
  return new Promise((resolve, reject) => {
    proc.onLine((line) => {
      if (!line.startsWith('{')) return;
      try {
        const parsed = JSON.parse(line) as ReadyLine;
        if (parsed.event === 'ready') resolve(parsed);
        if (parsed.event === 'error') reject(new Error(`${proc.name}: ${parsed.message ?? 'failed'}`));
      } catch {
        // Not a status line.
      }
    });
  });
}
