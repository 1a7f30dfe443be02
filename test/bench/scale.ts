/**
 * Scale benchmark (`npm run bench:scale`): builds the scale fleet (8 regions × 2 members, 50
 * services, 10 in the mesh; see sandbox/scale-fleet.ts) once, then measures on the same API
 * servers, in one run: 50-route drains against a `kubectl patch` loop and one `kubectl apply -f`,
 * the mesh part, an onboarding burst, cold starts of the built functions, an alert storm, the
 * derivation cost, and first (in a child process with the demo fleet) the one-route drain. Prints a table
 * with the targets and writes `.cache/bench/scale.json`. Asserts nothing.
 *
 * Environment: SCALE_DRILLS (default 10), SCALE_STORM (default 1000), SCALE_SKIP (comma-separated
 * phases to skip: derive, drills, kubectl, burst, coldstart, storm, drain1).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createLogger } from '../../shared/core/logger.ts';
import { createKubeAdapter } from '../../shared/adapters/kube.ts';
import { startDataPlane } from '../../sandbox/data-plane/data-plane.ts';
import { SCALE_CONFIG_CLUSTER, SCALE_GATEWAY, scaleFleetConfig } from '../../sandbox/scale-fleet.ts';
import { startScaleFleet } from '../../sandbox/scale-sandbox.ts';
import { phase, progress } from './scale/common.ts';
import { measureDerive } from './scale/derive.ts';
import { runDrills } from './scale/drills.ts';
import { runKubectl } from './scale/kubectl.ts';
import { runStorm } from './scale/storm.ts';
import { runBurst } from './scale/burst.ts';
import { runColdStart } from './scale/cold-start.ts';
import { runDrain1 } from './scale/drain1-runner.ts';
import { printTable, type Figures } from './scale/table.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
process.env.METADATA_SERVER_DETECTION ??= 'none';
// The functions run in this process; keep their JSON logs to warnings so the progress stays readable.
process.env.LOG_LEVEL ??= 'WARNING';
const log = createLogger({ format: 'text', level: 'WARNING', fields: { component: 'bench' } });
const DRILLS = Number(process.env.SCALE_DRILLS ?? 10);
const STORM = Number(process.env.SCALE_STORM ?? 1000);
const skip = new Set((process.env.SCALE_SKIP ?? '').split(',').filter(Boolean));

async function main(): Promise<void> {
  const figures: Figures = { drills: DRILLS, stormSize: STORM };
  if (!skip.has('derive'))
    figures.derive = await phase('derivation cost vs history size (pure, in-process)', async () =>
      measureDerive(scaleFleetConfig('p').config),
    );
  // First, on an idle machine: run after the scale fleet, the child's sandbox once made no progress
  // at all (the parent still held clients of the stopped fleet, which retry for minutes).
  if (!skip.has('drain1'))
    figures.drain1 = await phase('one-route drain on the demo fleet (child process)', () => runDrain1(repoRoot, progress)).catch(
      (error: unknown) => {
        (figures.failed ??= {})['one-route drain'] = error instanceof Error ? error.message : String(error);
        return undefined;
      },
    );
  const fleet = await phase('build the scale fleet (17 kube-apiservers, 50 services)', () => startScaleFleet({ repoRoot, log, progress }));
  figures.fleet = { buildMs: fleet.buildMs, rssMb: fleet.rssMb };
  progress(`scale fleet built in ${(fleet.buildMs / 1000).toFixed(1)} s; sandbox total RSS ${fleet.rssMb} MiB`);
  try {
    const dataPlane = await startDataPlane({
      configKube: createKubeAdapter(fleet.kubeConfig(SCALE_CONFIG_CLUSTER.name), 'sandbox-gateway-controller'),
      gateway: SCALE_GATEWAY,
      workloads: fleet.sandbox.workloads,
      log: log.child({ component: 'data-plane' }),
    });
    try {
      // A phase that fails is reported in the table and the JSON; the phases after it still run.
      const attempt = <T>(name: string, fn: () => Promise<T>) =>
        phase(name, fn).catch((error: unknown) => {
          (figures.failed ??= {})[name] = error instanceof Error ? error.message : String(error);
          return undefined;
        });
      if (!skip.has('drills'))
        figures.drain = await attempt(`${DRILLS} drain drills, alternating regions`, () => runDrills(fleet, dataPlane, DRILLS));
      if (!skip.has('kubectl')) figures.kubectl = await attempt('the same drain by kubectl', () => runKubectl(fleet, progress));
      if (!skip.has('burst')) figures.burst = await attempt('onboarding: one cluster, then ten at once', () => runBurst(fleet, progress));
      if (!skip.has('coldstart'))
        figures.coldStart = await attempt('cold start of the built functions', () => runColdStart(fleet, progress));
      if (!skip.has('storm'))
        figures.storm = await attempt(`alert storm of ${STORM} notifications`, () => runStorm(fleet, STORM, progress));
    } finally {
      await dataPlane.stop();
    }
  } finally {
    await phase('stop the scale fleet', () => fleet.stop());
  }
  const json = printTable(figures, (line) => process.stdout.write(line + '\n'));
  const dir = join(repoRoot, '.cache', 'bench');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scale.json'), JSON.stringify(json, null, 2) + '\n');
  progress(`figures written to ${join('.cache', 'bench', 'scale.json')}`);
}

main().then(
  // Clients of the stopped fleet may still hold timers (a run cut off mid-flight retrying its reads): the figures are written, so end.
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
