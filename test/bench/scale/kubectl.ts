/**
 * The same drain done by hand, on the same config cluster: a `kubectl patch` loop over the 50
 * routes (one JSON patch of the drained region's weight each), and one `kubectl apply -f` of all 50
 * routes rendered with that weight at 0. Real kubectl, with the sandbox's kubeconfig. fleetpilot's
 * tick puts the routes back afterwards (it owns them); the bench waits for that between runs.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { regionalServiceName } from '../../../shared/routing/names.ts';
import { routesServing, scaleRoutes, type LiveRoute } from '../../../sandbox/scale-converge.ts';
import { SCALE_CONFIG_CLUSTER, SCALE_REGIONS, SCALE_SERVICE_LIST } from '../../../sandbox/scale-fleet.ts';
import type { ScaleFleet } from '../../../sandbox/scale-sandbox.ts';
import { median } from './common.ts';

const run = promisify(execFile);
const REGION = 'us-west1';
const PATCH_RUNS = 2;
const APPLY_RUNS = 3;

/** Medians over the runs, in ms. */
export interface KubectlFigures {
  region: string;
  patchLoopMs: number;
  applyMs: number;
  patchRuns: number[];
  applyRuns: number[];
}

function defaultRuleIndex(route: LiveRoute): number {
  return (route.spec?.rules ?? []).findIndex((r) => (r.matches?.[0]?.path?.value ?? '/') === '/');
}

/** Runs the patch loop and the single apply, each a few times, restoring the baseline in between. */
export async function runKubectl(fleet: ScaleFleet, progress: (line: string) => void): Promise<KubectlFigures> {
  const { routes } = fleet.watches;
  const base = ['--kubeconfig', fleet.sandbox.kubeconfigPath, '--context', SCALE_CONFIG_CLUSTER.name];
  const baseline = () => routes.until(routesServing(SCALE_REGIONS), 120_000, 'fleetpilot to restore the routes after kubectl');
  await baseline();
  const live = scaleRoutes(routes.objects()).map((r) => structuredClone(r!));
  const patches = SCALE_SERVICE_LIST.map((s, i) => {
    const route = live[i]!;
    const rule = defaultRuleIndex(route);
    const ref = route.spec!.rules![rule]!.backendRefs!.findIndex((b) => b.name === regionalServiceName(s.name, REGION));
    const patch = JSON.stringify([{ op: 'replace', path: `/spec/rules/${rule}/backendRefs/${ref}/weight`, value: 0 }]);
    return ['patch', 'httproute', s.name, '-n', s.namespace, '--type=json', '-p', patch];
  });
  const drainedFile = join(fleet.sandbox.stateDir, 'kubectl-drained-routes.yaml');
  writeFileSync(
    drainedFile,
    live
      .map((route, i) => {
        const s = SCALE_SERVICE_LIST[i]!;
        const spec = structuredClone(route.spec!);
        for (const ref of spec.rules![defaultRuleIndex(route)]!.backendRefs!)
          if (ref.name === regionalServiceName(s.name, REGION)) ref.weight = 0;
        const { name, namespace, labels } = route.metadata!;
        return stringify({ apiVersion: route.apiVersion, kind: route.kind, metadata: { name, namespace, labels }, spec });
      })
      .join('---\n'),
  );
  const patchRuns: number[] = [];
  for (let i = 0; i < PATCH_RUNS; i++) {
    await baseline();
    const started = performance.now();
    for (const args of patches) await run('kubectl', [...base, ...args]);
    patchRuns.push(Math.round(performance.now() - started));
    progress(`  kubectl patch loop ${i + 1}/${PATCH_RUNS}: ${patchRuns.at(-1)} ms for 50 routes`);
  }
  const applyRuns: number[] = [];
  for (let i = 0; i < APPLY_RUNS; i++) {
    await baseline();
    const started = performance.now();
    await run('kubectl', [...base, 'apply', '-f', drainedFile]);
    applyRuns.push(Math.round(performance.now() - started));
    progress(`  kubectl apply -f (50 routes) ${i + 1}/${APPLY_RUNS}: ${applyRuns.at(-1)} ms`);
  }
  await baseline();
  return { region: REGION, patchLoopMs: median(patchRuns), applyMs: median(applyRuns), patchRuns, applyRuns };
}
