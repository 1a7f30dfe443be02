/**
 * The failover drill on the sandbox: traffic flows → an alert for Osaka opens → the route drains →
 * traffic shifts entirely to Tokyo → a Tokyo alert is refused (last serving region) → the Osaka
 * alert closes → hold-down → restore → traffic spreads again. Each step is printed with its time,
 * and the time to failover is measured in parts.
 */
import type { GcpAdapters } from '../shared/adapters/gcp.ts';
import { pollUntil } from '../shared/core/retry.ts';
import type { OperationRecord } from '../shared/state/operations.ts';
import { ROUTE_STEPS } from '../shared/routing/index.ts';
import { sendTraffic } from './data-plane/traffic.ts';
import { listOperations, readStoreRoute } from './demo-watch.ts';
import { monitoringNotification } from './monitoring-incidents.ts';

/** What the drill needs. */
export interface DrillContext {
  adapters: GcpAdapters;
  token: string;
  projectId: string;
  gatewayUrl: string;
  lastReload: () => { at: Date; version: string; generations: Record<string, number> } | undefined;
  print: (line: string) => void;
  holdDownSeconds: number;
}

/** Measured figures. */
export interface DrillResult {
  baseline: Record<string, number>;
  drained: Record<string, number>;
  restored: Record<string, number>;
  refusal: string;
  /** Alert published → handler started, decision, route write, data-plane reload, last Osaka response. */
  failover: { deliveryMs: number; decisionMs: number; writeMs: number; reloadMs: number; totalToReloadMs: number; lastOsakaResponseMs: number };
  restoreMs: number;
  holdDownSeconds: number;
}

const HOST = 'store.example.com';
const TOKYO = { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b' };
const OSAKA = { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b' };

/** Runs the drill once. */
export async function runFailoverDrill(ctx: DrillContext): Promise<DrillResult> {
  const t0 = Date.now();
  const step = (text: string) => ctx.print(`  +${((Date.now() - t0) / 1000).toFixed(2).padStart(6)} s  ${text}`);
  const traffic = async (label: string) => {
    const result = await sendTraffic({ url: ctx.gatewayUrl, host: HOST, path: '/', count: 1000, concurrency: 20 });
    step(`${label}: 1000 requests → ${Object.entries(result.byCluster).map(([c, n]) => `${c} ${n}`).join(', ')}${result.errors ? `, ${result.errors} errors` : ''}`);
    return result.byCluster;
  };
  const osakaWeight = async () => (await readStoreRoute(ctx.adapters, ctx.token))?.defaultBackends.find((b) => b.name === 'store-asia-northeast2')?.weight;
  // The data plane has loaded a route once it reports the route's generation.
  const loaded = async (what: string) => {
    const generation = (await readStoreRoute(ctx.adapters, ctx.token))?.generation ?? 0;
    return pollUntil(() => {
      const r = ctx.lastReload();
      return r && (r.generations['store/store'] ?? 0) >= generation ? r : undefined;
    }, { timeoutMs: 10_000, intervalMs: 5, what });
  };
  const run = Date.now().toString(36);
  const notify = (spec: { id: string; state: 'open' | 'closed'; startedAt: Date; target: typeof TOKYO }) =>
    ctx.adapters.pubsub.publish('healthAlerts', monitoringNotification({ incidentId: spec.id, state: spec.state, startedAt: spec.startedAt, cluster: spec.target.cluster, location: spec.target.location, projectId: ctx.projectId }));

  const baseline = await traffic('traffic flows');
  // Continuous traffic during the failover records when Osaka answered last.
  let watching = true;
  let lastOsaka = 0;
  const watcher = (async () => {
    while (watching) {
      const r = await sendTraffic({ url: ctx.gatewayUrl, host: HOST, path: '/', count: 20, concurrency: 4 });
      if (r.byCluster[OSAKA.cluster]) lastOsaka = Date.now();
    }
  })();

  const osakaStarted = new Date();
  const alertAt = Date.now();
  await notify({ id: `drill-osaka-${run}`, state: 'open', startedAt: osakaStarted, target: OSAKA });
  step('alert for Osaka opened (published to the health-alerts topic)');
  await pollUntil(async () => ((await osakaWeight()) === 0 ? true : undefined), { timeoutMs: 30_000, intervalMs: 20, what: 'Osaka drained in the route' });
  const op = await pollUntil(async () => (await listOperations(ctx.adapters)).find((o) => o.trigger.incidentId === `drill-osaka-${run}` && o.finishedAt), { timeoutMs: 10_000, intervalMs: 50, what: 'the drain operation' });
  step(`route drained: store-asia-northeast2 weight 0 (operation ${op.id}: ${op.reason ?? op.result})`);
  for (const s of op.steps) step(`    ${String(s.elapsedMs).padStart(5)} ms  ${s.name}`);
  const reload = await loaded('the data plane to load the drained route');
  step('data plane reloaded the route');
  await new Promise((r) => setTimeout(r, 500));
  watching = false;
  await watcher;
  const drained = await traffic('Osaka drained');

  await notify({ id: `drill-tokyo-${run}`, state: 'open', startedAt: new Date(), target: TOKYO });
  const refusedOp = await pollUntil(async () => (await listOperations(ctx.adapters)).find((o) => o.trigger.incidentId === `drill-tokyo-${run}` && o.finishedAt), { timeoutMs: 30_000, intervalMs: 50, what: 'the Tokyo alert to be handled' });
  step(`alert for Tokyo while Osaka is drained: ${refusedOp.result} — ${refusedOp.reason ?? ''}`);
  await traffic('route still serves');
  // Closed before Osaka's: a refused drain still pending would apply as soon as Osaka is back.
  await notify({ id: `drill-tokyo-${run}`, state: 'closed', startedAt: new Date(), target: TOKYO });
  step('alert for Tokyo closed');

  const closeAt = Date.now();
  await notify({ id: `drill-osaka-${run}`, state: 'closed', startedAt: osakaStarted, target: OSAKA });
  step('alert for Osaka closed; waiting for the hold-down and a tick');
  await pollUntil(async () => ((await osakaWeight()) !== 0 ? true : undefined), { timeoutMs: 120_000, intervalMs: 50, what: 'Osaka restored in the route' });
  const restoreMs = Date.now() - closeAt;
  step(`Osaka restored after ${(restoreMs / 1000).toFixed(1)} s`);
  await loaded('the data plane to load the restored route');
  const restored = await traffic('traffic spreads again');
  return {
    baseline, drained, restored,
    refusal: refusedOp.reason ?? '',
    failover: breakdown(op, alertAt, reload.at.getTime(), lastOsaka),
    restoreMs,
    holdDownSeconds: ctx.holdDownSeconds,
  };
}

function breakdown(op: OperationRecord, alertAt: number, reloadAt: number, lastOsaka: number): DrillResult['failover'] {
  const started = Date.parse(op.startedAt);
  const apply = op.steps.find((s) => s.name === ROUTE_STEPS.applyRoutes);
  const applyStart = started + (apply?.offsetMs ?? 0);
  const written = applyStart + (apply?.elapsedMs ?? 0);
  return {
    deliveryMs: started - alertAt,
    decisionMs: applyStart - started,
    writeMs: apply?.elapsedMs ?? 0,
    reloadMs: reloadAt - written,
    totalToReloadMs: reloadAt - alertAt,
    lastOsakaResponseMs: lastOsaka > 0 ? lastOsaka - alertAt : 0,
  };
}
