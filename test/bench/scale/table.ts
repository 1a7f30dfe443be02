/** The scale benchmark's table (each figure beside the target, met or missed) and its JSON. */
import type { BurstFigures } from './burst.ts';
import type { ColdStartFigures } from './cold-start.ts';
import { percentile } from './common.ts';
import type { Drain1Figures } from './drain1-runner.ts';
import type { DrillSample } from './drills.ts';
import type { KubectlFigures } from './kubectl.ts';
import type { StormFigures } from './storm.ts';

/** Everything one run measured; phases that were skipped or failed are absent. */
export interface Figures {
  drills: number;
  stormSize: number;
  derive?: Record<number, number>;
  fleet?: { buildMs: number; rssMb: number };
  drain?: DrillSample[];
  kubectl?: KubectlFigures;
  burst?: BurstFigures;
  coldStart?: ColdStartFigures;
  storm?: StormFigures;
  drain1?: Drain1Figures;
  /** Phases that failed, with their error. */
  failed?: Record<string, string>;
}

type Row = [what: string, figure: string, target?: string, met?: boolean];

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Prints the table; returns the JSON document (`drain50.p50Ms` and friends). */
export function printTable(f: Figures, out: (line: string) => void): Record<string, Record<string, unknown>> {
  const json: Record<string, Record<string, unknown>> = {};
  const rows: Row[] = [];
  if (f.fleet) {
    json.fleet = { ...f.fleet };
    rows.push(['scale fleet build (17 API servers, 50 services, converged)', `${(f.fleet.buildMs / 1000).toFixed(1)} s`]);
    rows.push(['sandbox total RSS (all processes)', `${f.fleet.rssMb} MiB`]);
  }
  if (f.drain) {
    const p = (pick: (s: DrillSample) => number, q: number) => percentile(f.drain!.map(pick), q);
    const d = {
      drills: f.drain.length,
      p50Ms: p((s) => s.routesMs, 0.5),
      p90Ms: p((s) => s.routesMs, 0.9),
      dataPlaneP50Ms: p((s) => s.dataPlaneMs, 0.5),
      dataPlaneP90Ms: p((s) => s.dataPlaneMs, 0.9),
      restoreP50Ms: p((s) => s.restoreMs, 0.5),
      samples: f.drain,
    };
    const mesh = { p50Ms: p((s) => s.meshMs, 0.5), p90Ms: p((s) => s.meshMs, 0.9) };
    json.drain50 = d;
    json.mesh = mesh;
    rows.push([`alert → 50 HTTPRoutes written, p50 (${f.drain.length} drills)`, `${d.p50Ms} ms`, '≤ 500 ms', d.p50Ms <= 500]);
    rows.push(['alert → 50 HTTPRoutes written, p90', `${d.p90Ms} ms`]);
    rows.push(['alert → data plane serving every drained route, p50 / p90', `${d.dataPlaneP50Ms} / ${d.dataPlaneP90Ms} ms`]);
    rows.push(['alert → every drain-aware DestinationRule written (160), p50 / p90', `${mesh.p50Ms} / ${mesh.p90Ms} ms`]);
    rows.push(['close → routes restored (hold-down 2 s), p50', `${d.restoreP50Ms} ms`]);
    if (f.kubectl) {
      const k = f.kubectl;
      const vs = {
        kubectlPatchLoopMs: k.patchLoopMs,
        kubectlApplyMs: k.applyMs,
        ratioVsKubectlPatch: r2(d.p50Ms / k.patchLoopMs),
        ratioVsKubectlApply: r2(d.p50Ms / k.applyMs),
      };
      json.drain50 = { ...d, ...vs };
      rows.push([`kubectl patch loop over 50 routes (median of ${k.patchRuns.length})`, `${k.patchLoopMs} ms`]);
      rows.push([`one kubectl apply -f of 50 routes (median of ${k.applyRuns.length})`, `${k.applyMs} ms`]);
      rows.push(['fleetpilot p50 / kubectl patch loop', `${vs.ratioVsKubectlPatch}`, '≤ 0.1 (10× faster)', vs.ratioVsKubectlPatch <= 0.1]);
      rows.push(['fleetpilot p50 / kubectl apply -f', `${vs.ratioVsKubectlApply}`, '< 1 (faster)', vs.ratioVsKubectlApply < 1]);
    }
  }
  if (f.drain1) {
    json.drain1 = { p50Ms: f.drain1.p50Ms, samples: f.drain1.samples };
    rows.push([
      `alert → 1 route written, demo fleet, p50 (${f.drain1.samples.length} drills)`,
      `${f.drain1.p50Ms} ms`,
      '≤ 200 ms',
      f.drain1.p50Ms <= 200,
    ]);
  }
  if (f.storm) {
    const s = f.storm;
    json.storm = { ...s };
    rows.push([
      `alert storm: ${s.handled}/${s.messages} handled in ${(s.handledMs / 1000).toFixed(1)} s`,
      `${s.messagesPerSecond} msg/s`,
      '≥ 200 msg/s',
      s.messagesPerSecond >= 200,
    ]);
    rows.push(['alert storm: publish → routes final', Number.isNaN(s.routesFinalMs) ? 'never' : `${s.routesFinalMs} ms`]);
    rows.push(['alert storm: final routes = time-ordered outcome', `${s.exact}`, 'exact', s.exact]);
    rows.push(['Firestore emulator alone, just before: small writes, 20 at a time', `${s.storeWritesPerSecond}/s`]);
  }
  if (f.coldStart) {
    const c = f.coldStart;
    const ratio = r2(c.fleetpilotFirstEventMs / c.bareFirstEventMs);
    json.coldStart = { ...c, ratioVsBare: ratio, rssMb: c.fleetpilotRssMb };
    rows.push([
      'cold start: process start → first event, healthAlerts (dist) / bare',
      `${c.fleetpilotFirstEventMs} / ${c.bareFirstEventMs} ms`,
    ]);
    rows.push(['cold start ratio vs bare functions-framework', `${ratio}`, '≤ 2', ratio <= 2]);
    rows.push([
      'RSS after 100 events, healthAlerts / bare',
      `${c.fleetpilotRssMb} / ${c.bareRssMb} MiB`,
      '≤ 150 MB',
      c.fleetpilotRssMb <= 150,
    ]);
  }
  if (f.derive) {
    json.derive = { ms100: f.derive[100], ms1k: f.derive[1000], ms10k: f.derive[10000] };
    rows.push(['derivation, 100 / 1,000 facts', `${f.derive[100]} / ${f.derive[1000]} ms`]);
    rows.push(['derivation, 10,000 facts', `${f.derive[10000]} ms`, '≤ 10 ms', (f.derive[10000] ?? Infinity) <= 10]);
  }
  if (f.burst) {
    const b = f.burst;
    const bound = 2 * b.singleMs + b.importDelayMs;
    json.burst = { ...b };
    rows.push(['onboarding: one cluster, last audit entry → route applied', `${b.singleMs} ms`]);
    rows.push(['onboarding: ten at once, median', `${b.tenMedianMs} ms`]);
    rows.push(['onboarding: ten at once, p90', `${b.tenP90Ms} ms`, `≤ 2 × single + importer delay = ${bound} ms`, b.tenP90Ms <= bound]);
  }
  for (const [name, error] of Object.entries(f.failed ?? {})) rows.push([`${name}: FAILED`, error.slice(0, 120)]);
  if (f.failed) json.failed = { ...f.failed };
  const width = Math.max(...rows.map((row) => row[0].length));
  const fig = Math.max(...rows.map((row) => row[1].length));
  out('');
  out(`${'measure'.padEnd(width)}  ${'figure'.padStart(fig)}  target`);
  for (const [what, figure, target, met] of rows) {
    const verdict = target === undefined ? '' : `${target}  ${met ? 'met' : 'MISSED'}`;
    out(`${what.padEnd(width)}  ${figure.padStart(fig)}  ${verdict}`);
  }
  return json;
}
