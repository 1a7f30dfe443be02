/**
 * Failover benchmark (`npm run bench:failover`): in a fresh sandbox with the classic fleet, runs the
 * failover drill three times and prints the time from an alert being published to the data plane
 * serving the drained route, in parts (delivery, decision, route write, data-plane reload), and the
 * time to restore. Prints numbers; the drill itself checks its claims (a failed one fails the run).
 */
import { join, resolve } from 'node:path';
import { createLogger } from '../../shared/core/logger.ts';
import { createDemoFleet } from '../../sandbox/demo-fleet.ts';
import { listOperations, waitForClassicRoute } from '../../sandbox/demo-watch.ts';
import { ROUTE_STEPS } from '../../shared/routing/index.ts';
import { runFailoverDrill, type DrillResult } from '../../sandbox/drill.ts';
import { startSandboxGateway } from '../../sandbox/gateway.ts';
import { startFleetpilot, type Fleetpilot } from '../../sandbox/fleetpilot.ts';
import { startSandbox, type SandboxInfra } from '../../sandbox/sandbox.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
process.env.METADATA_SERVER_DETECTION ??= 'none';
process.env.LOG_LEVEL ??= 'WARNING';
const log = createLogger({ format: 'text', level: 'WARNING', fields: { component: 'bench' } });
const out = (line: string) => process.stdout.write(line + '\n');
const RUNS = 3;

async function main(): Promise<void> {
  out('starting a fresh sandbox with the classic fleet');
  const sandbox = await startSandbox({
    repoRoot,
    stateDir: join(repoRoot, '.cache', 'sandbox', 'bench-failover'),
    log,
    importDelayMs: 500,
  });
  let results: DrillResult[];
  let handedOver = '';
  try {
    const fleetpilot = await startFleetpilot(sandbox, {
      fleetConfigFile: join(repoRoot, 'examples', 'fleet.yaml'),
      log,
      tickIntervalMs: 1_000,
    });
    try {
      results = await drills(sandbox, fleetpilot);
      handedOver = await describeHandovers(sandbox);
    } finally {
      await fleetpilot.stop();
    }
  } finally {
    await sandbox.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const col = (pick: (r: DrillResult) => number) => `${results.map(pick).join(' / ')} ms (median ${median(results.map(pick))})`;
  out('\ntime to failover (alert published → data plane serving the drained route), per run:');
  out(`  total            ${col((r) => r.failover.totalToReloadMs)}`);
  out(`  delivery         ${col((r) => r.failover.deliveryMs)}   (Pub/Sub push to the function)`);
  out(`  decision         ${col((r) => r.failover.decisionMs)}   (record the incident, observe, derive the drains)`);
  out(`  route write      ${col((r) => r.failover.writeMs)}   (server-side apply on the config cluster)`);
  out(
    `  data-plane reload ${col((r) => r.failover.reloadMs)}   (poll interval 100 ms; negative when a concurrent tick wrote the drained route before the alert's own write)`,
  );
  out(`  last Osaka answer ${col((r) => r.failover.lastOsakaResponseMs)} after the alert`);
  out(`  ${handedOver}`);
  out(
    `time to restore after the close: ${col((r) => r.restoreMs)} (hold-down ${results[0]?.holdDownSeconds ?? '?'} s from safety.holdDownSeconds, tick every 1 s)`,
  );
}

/** How many alert runs rendered themselves and how many handed their render to the route lease's holder (a tick, another alert). */
async function describeHandovers(sandbox: SandboxInfra): Promise<string> {
  const alerts = (await listOperations(sandbox.adapters)).filter((o) => o.kind === 'health-alert' && o.result !== 'retrying');
  const apply = (o: (typeof alerts)[number]) => o.steps.find((s) => s.name === ROUTE_STEPS.applyRoutes);
  const handed = alerts.filter((o) => apply(o)?.detail?.startsWith('applied by operation'));
  return `alert runs: ${alerts.length}, of which ${handed.length} handed their render to the route lease's holder (write = wait for its pass)`;
}

async function drills(sandbox: SandboxInfra, fleetpilot: Fleetpilot): Promise<DrillResult[]> {
  await createDemoFleet(sandbox, log);
  await waitForClassicRoute(sandbox.adapters, sandbox.token, 180_000);
  const gateway = await startSandboxGateway(sandbox, log);
  const results: DrillResult[] = [];
  try {
    for (let i = 1; i <= RUNS; i++) {
      out(`\ndrill ${i} of ${RUNS}`);
      results.push(
        await runFailoverDrill({
          adapters: sandbox.adapters,
          token: sandbox.token,
          projectId: sandbox.config.FLEETPILOT_PROJECT_ID,
          gatewayUrl: gateway.url,
          lastReload: () => gateway.lastReload(),
          fleetConfig: () => fleetpilot.config(),
          print: out,
        }),
      );
    }
  } finally {
    await gateway.stop();
  }
  return results;
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
