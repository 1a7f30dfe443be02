/**
 * The one-route drain on the demo fleet (child process of bench:scale, since one process runs one
 * fleetpilot): a demo sandbox of its own (own state directory, free ports), the classic fleet with a
 * 2 s hold-down, and drills alternating Osaka and Tokyo: alert published → the store HTTPRoute
 * written with the region's weight 0 (seen on the config cluster's watch). Prints progress, then one
 * JSON line `{"samples":[…]}`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { kubeConfigFor } from '../../../shared/adapters/kube-config.ts';
import { createLogger } from '../../../shared/core/logger.ts';
import { DEMO_CLUSTERS, createDemoFleet } from '../../../sandbox/demo-fleet.ts';
import { listOperations, waitForClassicRoute } from '../../../sandbox/demo-watch.ts';
import type { GcpAdapters } from '../../../shared/adapters/gcp.ts';
import { startFleetpilot } from '../../../sandbox/fleetpilot.ts';
import { monitoringNotification } from '../../../sandbox/monitoring-incidents.ts';
import { defaultWeights, type LiveRoute } from '../../../sandbox/scale-converge.ts';
import { watchObjects } from '../../../sandbox/scale-watch.ts';
import { startSandbox } from '../../../sandbox/sandbox.ts';
import { progress, sleep } from './common.ts';

const repoRoot = resolve(import.meta.dirname, '../../..');
process.env.METADATA_SERVER_DETECTION ??= 'none';
process.env.LOG_LEVEL ??= 'WARNING';
const log = createLogger({ format: 'text', level: 'WARNING', fields: { component: 'bench-drain1' } });
const DRILLS = Number(process.env.SCALE_DRAIN1_DRILLS ?? 6);
let sandboxAdapters: GcpAdapters | undefined;

async function main(): Promise<void> {
  const stateDir = join(repoRoot, '.cache', 'sandbox', 'bench-scale-demo');
  const sandbox = await startSandbox({ repoRoot, stateDir, log, importDelayMs: 500 });
  sandboxAdapters = sandbox.adapters;
  // Stopped by the parent (no progress): leave no emulator or API server behind.
  process.once('SIGINT', () => {
    sandbox.killNow();
    process.exit(130);
  });
  const samples: number[] = [];
  try {
    const document = parse(readFileSync(join(repoRoot, 'examples', 'fleet.yaml'), 'utf8')) as { safety: { holdDownSeconds: number } };
    document.safety.holdDownSeconds = 2;
    const fleetConfigFile = join(stateDir, 'fleet.yaml');
    writeFileSync(fleetConfigFile, stringify(document));
    const fleetpilot = await startFleetpilot(sandbox, { fleetConfigFile, log, tickIntervalMs: 1_000 });
    try {
      await createDemoFleet(sandbox, log);
      await waitForClassicRoute(sandbox.adapters, sandbox.token, 180_000);
      const config = sandbox.fleet.get(DEMO_CLUSTERS[0]!.name)!;
      const routes = await watchObjects<LiveRoute>(
        kubeConfigFor({ name: config.name, server: config.server, caPem: config.caPem, token: sandbox.token }),
        { path: '/apis/gateway.networking.k8s.io/v1/httproutes', apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
      );
      const weight = (region: string) => defaultWeights(routes.objects().get('store/store')).get(`store-${region}`);
      try {
        for (let i = 0; i < DRILLS; i++) {
          const member = DEMO_CLUSTERS[1 + (i % 2)]!;
          // Every region, not only this one: a drain while the other is still held down is refused
          // (last serving region) and applies only when that one restores, which is not what is measured.
          await routes.until(
            () => DEMO_CLUSTERS.slice(1).every((c) => (weight(c.region) ?? 0) > 0),
            60_000,
            'every region serving before the drill',
          );
          const startedAt = new Date();
          const incidentId = `drain1-${startedAt.getTime().toString(36)}-${i}`;
          const notify = (state: 'open' | 'closed', endedAt?: Date) =>
            sandbox.adapters.pubsub.publish(
              'healthAlerts',
              monitoringNotification({
                incidentId,
                state,
                startedAt,
                ...(endedAt ? { endedAt } : {}),
                cluster: member.name,
                location: member.location,
                projectId: sandbox.config.FLEETPILOT_PROJECT_ID,
              }),
            );
          const t0 = Date.now();
          await notify('open');
          const at = await routes.until(() => weight(member.region) === 0, 60_000, `${member.region} drained`);
          samples.push(at - t0);
          progress(
            `  demo drill ${i + 1}/${DRILLS} ${member.region}: route written ${at - t0} ms after the alert; ${await alertSteps(incidentId, t0)}`,
          );
          await notify('closed', new Date(Math.floor(Date.now() / 1000) * 1000));
        }
      } finally {
        routes.stop();
      }
    } finally {
      await fleetpilot.stop();
    }
  } finally {
    await sandbox.stop();
  }
  process.stdout.write(JSON.stringify({ samples }) + '\n');
}

/** Where the alert's time went: delivery, then each step of its operation (offset from its start). */
async function alertSteps(incidentId: string, publishedAt: number): Promise<string> {
  // Steps are stored when the operation finishes, shortly after the route is written.
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await sleep(50)) {
    const op = (await listOperations(sandboxAdapters!)).find(
      (o) => o.kind === 'health-alert' && o.trigger.incidentId === incidentId && o.finishedAt !== undefined,
    );
    if (!op) continue;
    const steps = op.steps.map((s) => `${s.name} +${s.offsetMs} ${s.elapsedMs} ms`).join(', ');
    return `delivery ${Date.parse(op.startedAt) - publishedAt} ms, ${steps}`;
  }
  return 'its operation did not finish within 10 s';
}

main().catch((error: unknown) => {
  process.stderr.write(`drain1 failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
