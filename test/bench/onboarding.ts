/**
 * Onboarding benchmark (`npm run bench:onboarding`): in a fresh sandbox, measures the time from a
 * cluster's last audit-log entry to its route being applied, for one cluster and for ten clusters
 * created at once. Prints numbers; asserts nothing.
 */
import { join, resolve } from 'node:path';
import { createLogger } from '../../shared/core/logger.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';
import { DEMO_CLUSTERS, createDemoCluster } from '../../sandbox/demo-fleet.ts';
import { listOperations, readStoreRoute } from '../../sandbox/demo-watch.ts';
import { startFleetpilot } from '../../sandbox/fleetpilot.ts';
import { startSandbox, type SandboxInfra } from '../../sandbox/sandbox.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
process.env.METADATA_SERVER_DETECTION ??= 'none';
// The functions run in this process; keep their JSON logs to warnings so the figures stay readable.
process.env.LOG_LEVEL ??= 'WARNING';
const log = createLogger({ format: 'text', level: 'WARNING', fields: { component: 'bench' } });
const progress = (message: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${message}\n`);

const REGIONS = [
  'us-east1',
  'us-west1',
  'us-central1',
  'europe-west1',
  'europe-west2',
  'europe-west3',
  'europe-west4',
  'asia-south1',
  'asia-east1',
  'australia-southeast1',
];

interface Sample {
  cluster: string;
  auditToRouteMs: number;
  steps: string;
}

async function onboardBatch(sandbox: SandboxInfra, clusters: { name: string; location: string }[]): Promise<Sample[]> {
  const since = new Date().toISOString();
  await Promise.all(
    clusters.map(async (c) => {
      const op = await sandbox.adapters.container.createCluster(c.location, {
        name: c.name,
        resourceLabels: { 'fleetpilot-onboard': 'true', app: 'store' },
      });
      await sandbox.adapters.container.waitForOperation(c.location, op.split('/').pop()!, 300_000);
    }),
  );
  progress(`${clusters.length} cluster(s) running; waiting for fleetpilot to route them`);
  const wanted = clusters.map((c) => `store-${c.location.replace(/-[a-z]$/, '')}`);
  await pollUntil(
    async () => {
      const names = (await readStoreRoute(sandbox.adapters, sandbox.token))?.defaultBackends.map((b) => b.name) ?? [];
      return wanted.every((w) => names.includes(w)) ? true : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 100, what: 'every region in the route' },
  );
  const ops = await pollUntil(
    async () => {
      const done = (await listOperations(sandbox.adapters)).filter(
        (o) => o.startedAt >= since && o.trigger.phase === 'last' && o.result === 'succeeded',
      );
      return clusters.every((c) => done.some((o) => o.subject.endsWith(`/${c.name}`))) ? done : undefined;
    },
    { timeoutMs: 600_000, intervalMs: 250, what: 'every onboarding operation' },
  );
  return clusters.map((c) =>
    sample(
      ops.find((o) => o.subject.endsWith(`/${c.name}`))!,
      c.name,
    ),
  );
}

function sample(op: OperationRecord, cluster: string): Sample {
  const audit = Date.parse(String(op.trigger.timestamp));
  return {
    cluster,
    auditToRouteMs: Date.parse(op.finishedAt!) - audit,
    steps: op.steps.map((s) => `${s.name.split(' ').slice(0, 2).join(' ')} ${s.elapsedMs}`).join(', '),
  };
}

function report(title: string, samples: Sample[]): void {
  const sorted = samples.map((s) => s.auditToRouteMs).sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  process.stdout.write(`\n${title}\n`);
  for (const s of samples) process.stdout.write(`  ${s.cluster.padEnd(16)} ${String(s.auditToRouteMs).padStart(6)} ms   (${s.steps})\n`);
  process.stdout.write(
    `  last audit entry → route applied: min ${sorted[0]} ms, median ${pct(0.5)} ms, p90 ${pct(0.9)} ms, max ${sorted.at(-1)} ms\n`,
  );
}

async function main(): Promise<void> {
  progress('starting a fresh sandbox for the benchmark (MCS importer delay 1 s)');
  const sandbox = await startSandbox({ repoRoot, stateDir: join(repoRoot, '.cache', 'sandbox', 'bench'), log, importDelayMs: 1_000 });
  try {
    const fleetpilot = await startFleetpilot(sandbox, { fleetConfigFile: join(repoRoot, 'examples', 'fleet.yaml'), log });
    try {
      await createDemoCluster(sandbox, DEMO_CLUSTERS[0]!, log);
      progress('config cluster ready; onboarding one cluster');
      report('one cluster', await onboardBatch(sandbox, [{ name: 'bench-single', location: 'asia-northeast1-c' }]));
      progress('onboarding ten clusters created at once');
      report(
        'ten clusters at once',
        await onboardBatch(
          sandbox,
          REGIONS.map((r, i) => ({ name: `bench-${i}`, location: `${r}-b` })),
        ),
      );
    } finally {
      await fleetpilot.stop();
    }
  } finally {
    const survivors = await sandbox.stop();
    progress(survivors.length === 0 ? 'sandbox stopped' : `sandbox stopped; survivors: ${survivors.join(', ')}`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
