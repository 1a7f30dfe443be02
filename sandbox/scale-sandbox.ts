/**
 * Starts the scale fleet (see scale-fleet.ts) on a sandbox of its own: its own state directory and
 * free ports, so it never clashes with the normal sandbox the contract suite uses. The clusters are
 * created through the Container API double, fleetpilot onboards them from their audit-log entries,
 * and the start returns once every route and every mesh rule has converged.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { createKubeAdapter } from '../shared/adapters/kube.ts';
import { kubeConfigFor } from '../shared/adapters/kube-config.ts';
import type { Logger } from '../shared/core/logger.ts';
import { withRetry } from '../shared/core/retry.ts';
import { startFleetpilot, type Fleetpilot } from './fleetpilot.ts';
import type { KubeCluster } from './kube-fleet.ts';
import { startSandbox, type SandboxInfra } from './sandbox.ts';
import { SCALE_CONFIG_CLUSTER, SCALE_MEMBERS, scaleApplications, scaleFleetConfig, type ScaleCluster } from './scale-fleet.ts';
import { treeRssMb } from './scale-rss.ts';
import { waitForConvergence, type ScaleWatches } from './scale-converge.ts';

/** The running scale fleet. */
export interface ScaleFleet {
  sandbox: SandboxInfra;
  fleetpilot: Fleetpilot;
  fleetConfigFile: string;
  /** Watches of the routes (config cluster) and the drain-aware DestinationRules (every member). */
  watches: ScaleWatches;
  /** A KubeConfig for one running cluster of the sandbox. */
  kubeConfig(cluster: string): KubeConfig;
  /** From the sandbox's start to a converged fleet. */
  buildMs: number;
  /** Resident memory of this process and every process it started, once converged. */
  rssMb: number;
  stop(): Promise<void>;
}

/** The MCS importer's delay in the scale fleet. */
export const SCALE_IMPORT_DELAY_MS = 1_000;

/** Where the scale fleet keeps its state; separate from every other sandbox's. */
export function scaleStateDir(repoRoot: string): string {
  return join(repoRoot, '.cache', 'sandbox', 'bench-scale');
}

/** Builds the scale fleet; `progress` hears what it waits for. On failure everything started is stopped. */
export async function startScaleFleet(opts: { repoRoot: string; log: Logger; progress: (line: string) => void }): Promise<ScaleFleet> {
  const started = Date.now();
  const stateDir = scaleStateDir(opts.repoRoot);
  let token = '';
  const sandbox = await startSandbox({
    repoRoot: opts.repoRoot,
    stateDir,
    log: opts.log,
    importDelayMs: SCALE_IMPORT_DELAY_MS,
    afterProvision: (cluster) => deployApplications(cluster, token),
  });
  token = sandbox.token;
  opts.progress(`sandbox infrastructure up after ${seconds(started)}`);
  const fleetConfigFile = join(stateDir, 'scale-fleet.yaml');
  writeFileSync(fleetConfigFile, scaleFleetConfig(sandbox.config.FLEETPILOT_PROJECT_ID).yaml);
  let fleetpilot: Fleetpilot | undefined;
  let watches: ScaleWatches | undefined;
  try {
    fleetpilot = await startFleetpilot(sandbox, { fleetConfigFile, log: opts.log, tickIntervalMs: 1_000 });
    await createCluster(sandbox, SCALE_CONFIG_CLUSTER);
    opts.progress(
      `config cluster ${SCALE_CONFIG_CLUSTER.name} running after ${seconds(started)}; creating ${SCALE_MEMBERS.length} members`,
    );
    await inBatches(SCALE_MEMBERS, 4, async (c) => {
      await createCluster(sandbox, c);
      opts.progress(`  cluster ${c.name} running (${seconds(started)})`);
    });
    const kubeConfig = (name: string) => {
      const cluster = sandbox.fleet.get(name);
      if (!cluster) throw new Error(`cluster ${name} does not run`);
      return kubeConfigFor({ name, server: cluster.server, caPem: cluster.caPem, token: sandbox.token });
    };
    opts.progress('waiting for fleetpilot to onboard every member, render 50 routes and 160 DestinationRules');
    watches = await waitForConvergence(kubeConfig, opts.progress);
    const buildMs = Date.now() - started;
    const fp = fleetpilot;
    const w = watches;
    return {
      sandbox,
      fleetpilot,
      fleetConfigFile,
      watches,
      kubeConfig,
      buildMs,
      rssMb: treeRssMb(),
      async stop() {
        w.stop();
        await fp.stop();
        await sandbox.stop();
      },
    };
  } catch (error) {
    watches?.stop();
    await fleetpilot?.stop();
    await sandbox.stop();
    throw error;
  }
}

/** Creates one cluster through the Container API, as `gcloud container clusters create` would. */
export async function createCluster(sandbox: SandboxInfra, c: ScaleCluster, labels?: Record<string, string>): Promise<void> {
  const { container } = sandbox.adapters;
  const op = await container.createCluster(c.location, {
    name: c.name,
    initialNodeCount: 3,
    resourceLabels: labels ?? (c.config ? { env: 'scale', role: 'config' } : { env: 'scale', 'fleetpilot-onboard': 'true' }),
    workloadIdentityConfig: { workloadPool: `${sandbox.config.FLEETPILOT_PROJECT_ID}.svc.id.goog` },
    ...(c.config ? { fleet: { project: `projects/${sandbox.config.FLEETPILOT_PROJECT_NUMBER}` } } : {}),
  });
  await container.waitForOperation(c.location, op.split('/').pop()!, 600_000);
}

async function deployApplications(cluster: KubeCluster, token: string): Promise<void> {
  const kube = createKubeAdapter(
    kubeConfigFor({ name: cluster.name, server: cluster.server, caPem: cluster.caPem, token }),
    'cluster-template',
  );
  const objects = scaleApplications();
  const apply = (o: (typeof objects)[number]) => withRetry(() => kube.apply(o), { attempts: 20, baseDelayMs: 100, maxDelayMs: 1_000 });
  // Namespaces before the Services in them.
  await inBatches(
    objects.filter((o) => o.kind === 'Namespace'),
    10,
    apply,
  );
  await inBatches(
    objects.filter((o) => o.kind !== 'Namespace'),
    10,
    apply,
  );
}

/** Runs `fn` over `items`, at most `size` at a time. */
export async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.min(size, queue.length) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
    }),
  );
}

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}
