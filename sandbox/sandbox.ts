/**
 * The local sandbox's infrastructure: Pub/Sub and Firestore emulators, real kube-apiservers (one
 * per simulated cluster), the Google API double in front of them, the sandbox control routes, the
 * stand-in store workloads and the MCS importer. One call starts it all and returns the environment
 * fleetpilot's adapters need; `stop()` leaves no process behind. fleetpilot itself (functions,
 * services, GitOps repository, operations API) runs on top of it: see fleetpilot.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { loadEnv, type Env } from '../shared/config/env.ts';
import { createGcpAdapters, type GcpAdapters } from '../shared/adapters/gcp.ts';
import { systemClock } from '../shared/core/clock.ts';
import type { Logger } from '../shared/core/logger.ts';
import { createGoogleDouble } from './google-double/index.ts';
import { startFirestoreEmulator, startPubSubEmulator } from './emulators.ts';
import { ensureKubeSandbox } from './kube-build.ts';
import { KubeFleet, type KubeCluster } from './kube-fleet.ts';
import { startImporter } from './fleet-members.ts';
import { writeGcloudConfig, type GcloudSandboxConfig } from './gcloud-config.ts';
import { importerBlockedBy, setUpProject } from './project-setup.ts';
import { assertPortsFree, freePort } from './ports.ts';
import { assertPrerequisites } from './prerequisites.ts';
import { ProcessSupervisor } from './processes.ts';
import { timed } from './progress.ts';
import { deployClusterTemplate } from './cluster-template.ts';
import { sandboxControlApp } from './sandbox-control.ts';
import { startStoreWorkloads, type StoreWorkloads } from './data-plane/store-workloads.ts';
import { TrafficLedger } from './data-plane/traffic-ledger.ts';

/** Fixed identity of the sandbox project. */
export const SANDBOX_PROJECT = { id: 'fleetpilot-sandbox', number: '424242424242' } as const;

/** Options for {@link startSandbox}. */
export interface SandboxOptions {
  repoRoot: string;
  /** Where processes, logs, certificates and the kubeconfig live; one sandbox per directory. */
  stateDir: string;
  log: Logger;
  /** Fixed ports (main job) or 0 for any free port (tests). */
  ports?: { pubsub?: number; firestore?: number; double?: number; control?: number };
  /** MCS importer delay. */
  importDelayMs?: number;
  /**
   * Enable the procedure's APIs and grant the MCS importer its IAM binding at start, as a set-up
   * project has them (default true). Without it the importer imports nothing until someone does.
   */
  projectSetup?: boolean;
  /** Runs after the cluster template is deployed in each new cluster (e.g. a bench fleet's applications). */
  afterProvision?: (cluster: KubeCluster) => Promise<void>;
}

/** The running sandbox infrastructure. */
export interface SandboxInfra {
  /** The FLEETPILOT_* and emulator environment that points fleetpilot's adapters at this sandbox. */
  env: Record<string, string>;
  config: Env;
  token: string;
  kubeconfigPath: string;
  doubleUrl: string;
  /** The sandbox's control routes: attached and on-prem clusters (see sandbox-control.ts). */
  controlUrl: string;
  fleet: KubeFleet;
  adapters: GcpAdapters;
  /** A gcloud configuration pointed at the double (see gcloud-config.ts). */
  gcloud: GcloudSandboxConfig;
  /** Stand-in `store` workloads, one per cluster, that the local data plane routes to. */
  workloads: StoreWorkloads;
  /** What the data plane answered, per second: the double serves it as the load balancer's Cloud Monitoring metrics. */
  ledger: TrafficLedger;
  stateDir: string;
  /** Owns the sandbox's processes; what is started through it stops with the sandbox. */
  supervisor: ProcessSupervisor;
  /**
   * Stops the infrastructure; returns the processes that survived (none, unless something is
   * wrong). Stop fleetpilot (see fleetpilot.ts) first: it talks to what this stops.
   */
  stop(): Promise<string[]>;
  /** Kills every child process at once, synchronously (for signal handlers). */
  killNow(): void;
}

/** Starts the sandbox infrastructure; on failure everything already started is stopped. */
export async function startSandbox(opts: SandboxOptions): Promise<SandboxInfra> {
  const { log } = opts;
  assertPrerequisites();
  mkdirSync(opts.stateDir, { recursive: true });
  const supervisor = new ProcessSupervisor(opts.stateDir, log);
  const stale = supervisor.cleanupStale();
  if (stale > 0) log.notice('cleaned up processes left by an earlier run', { count: stale });
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => log.warn('sandbox cleanup step failed', { error }));
    await supervisor.stopAll();
    return supervisor.survivors();
  };
  try {
    const kube = await timed(log, 'kube-apiserver build (cached after the first run)', () =>
      ensureKubeSandbox({ repoRoot: opts.repoRoot, log: (m, f) => log.info(m, f) }),
    );
    const token = `sandbox-${randomBytes(24).toString('hex')}`;
    await assertPortsFree([opts.ports?.pubsub, opts.ports?.firestore, opts.ports?.double, opts.ports?.control]);
    const [pubsubPort, firestorePort, doublePort] = await Promise.all([
      opts.ports?.pubsub || freePort(),
      opts.ports?.firestore || freePort(),
      opts.ports?.double || freePort(),
    ]);
    const [pubsub, firestore, fleet] = await timed(log, 'emulators and etcd', () =>
      Promise.all([
        startPubSubEmulator(supervisor, pubsubPort, SANDBOX_PROJECT.id),
        startFirestoreEmulator(supervisor, firestorePort, {
          projectId: SANDBOX_PROJECT.id,
          dataDir: join(opts.stateDir, 'firestore-data'),
        }),
        KubeFleet.start({ supervisor, binary: kube.binary, crdDirs: kube.crdDirs, stateDir: opts.stateDir, token, log }),
      ]),
    );
    cleanups.push(() => firestore.close());
    const env: Record<string, string> = {
      FLEETPILOT_PROJECT_ID: SANDBOX_PROJECT.id,
      FLEETPILOT_PROJECT_NUMBER: SANDBOX_PROJECT.number,
      FLEETPILOT_CONTAINER_ENDPOINT: `http://127.0.0.1:${doublePort}`,
      FLEETPILOT_GKEHUB_ENDPOINT: `http://127.0.0.1:${doublePort}`,
      FLEETPILOT_CONNECT_GATEWAY_ENDPOINT: `http://127.0.0.1:${doublePort}`,
      FLEETPILOT_SERVICEUSAGE_ENDPOINT: `http://127.0.0.1:${doublePort}`,
      FLEETPILOT_RESOURCEMANAGER_ENDPOINT: `http://127.0.0.1:${doublePort}`,
      FLEETPILOT_MONITORING_ENDPOINT: `http://127.0.0.1:${doublePort}`,
      FLEETPILOT_STATIC_ACCESS_TOKEN: token,
      PUBSUB_EMULATOR_HOST: pubsub.host,
      FIRESTORE_EMULATOR_HOST: firestore.host,
    };
    const config = loadEnv(env);
    const adapters = await createGcpAdapters(config, { clock: systemClock, log });
    cleanups.push(() => adapters.close());
    await timed(log, 'Pub/Sub topics and subscriptions', () => adapters.pubsub.ensureTopology());

    const kubeconfigPath = join(opts.stateDir, 'kubeconfig');
    const workloads = await startStoreWorkloads([], log.child({ component: 'store-workloads' }));
    cleanups.push(() => workloads.stop());
    const ledger = new TrafficLedger();
    const double = createGoogleDouble({
      token,
      projectId: SANDBOX_PROJECT.id,
      projectNumber: SANDBOX_PROJECT.number,
      // Container, Hub and Monitoring calls need their API enabled (the project set-up below does it, as the procedure does).
      enforceEnabledServices: true,
      trafficLedger: ledger,
      clock: () => new Date(),
      newId: () => randomBytes(8).toString('hex'),
      provisioner: {
        provision: async ({ name, location }) => {
          const cluster = await fleet.addCluster(name);
          await workloads.addCluster({ name, zone: location });
          fleet.writeKubeconfig(kubeconfigPath);
          await deployClusterTemplate(cluster, token);
          await opts.afterProvision?.(cluster);
          return { endpoint: cluster.endpoint, caCertificatePem: cluster.caPem };
        },
        deprovision: async ({ name }) => {
          await workloads.removeCluster(name);
          await fleet.removeCluster(name);
          fleet.writeKubeconfig(kubeconfigPath);
        },
      },
      publishAuditLog: async (entry) => {
        await adapters.pubsub.publish('clusterEvents', entry, { 'logging.googleapis.com/timestamp': String(entry.timestamp) });
      },
      log: log.child({ component: 'google-double' }),
    });
    const server = await listen(double.app.fetch, doublePort);
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    fleet.writeKubeconfig(kubeconfigPath);
    const doubleUrl = `http://127.0.0.1:${doublePort}`;
    const attachedDeps = {
      fleet,
      workloads,
      hub: adapters.hub,
      token,
      doubleUrl,
      kubeconfigPath,
      log: log.child({ component: 'attached-clusters' }),
    };
    const control = await listen(sandboxControlApp({ ...attachedDeps, firestore }).fetch, opts.ports?.control ?? 0);
    cleanups.push(() => new Promise<void>((resolve) => control.close(() => resolve())));
    const controlUrl = `http://127.0.0.1:${(control.address() as AddressInfo).port}`;

    const gcloud = writeGcloudConfig(opts.stateDir, { doubleUrl, token, projectId: SANDBOX_PROJECT.id });
    if (opts.projectSetup !== false) {
      await timed(log, 'project set-up: APIs enabled, MCS importer IAM binding', () =>
        setUpProject({ doubleUrl, token, projectId: SANDBOX_PROJECT.id }),
      );
    }
    const importer = startImporter({
      adapters,
      fleet,
      token,
      log: log.child({ component: 'mcs-importer' }),
      delayMs: opts.importDelayMs ?? 1_000,
      blockedBy: () => importerBlockedBy(double.state),
    });
    cleanups.push(() => importer.stop());
    writeEnvFile(opts.stateDir, env);
    return {
      env,
      config,
      token,
      kubeconfigPath,
      doubleUrl,
      controlUrl,
      gcloud,
      fleet,
      adapters,
      workloads,
      ledger,
      stateDir: opts.stateDir,
      stop,
      supervisor,
      killNow: () => supervisor.killAllSync(),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Writes `env` to `STATE_DIR/env` (mode 0600), for `source` in a shell. */
export function writeEnvFile(stateDir: string, env: Record<string, string>): void {
  writeFileSync(
    join(stateDir, 'env'),
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
}

function listen(fetch: (req: Request) => Response | Promise<Response>, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: '127.0.0.1' }, () => resolve(server));
    // Clients keep connections alive; a server closing an idle one first races their next request (ECONNRESET).
    Object.assign(server, { keepAliveTimeout: 120_000, headersTimeout: 125_000 });
    server.once('error', reject);
  });
}
