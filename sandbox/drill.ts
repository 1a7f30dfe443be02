/**
 * The failover drill on the sandbox: traffic flows → an alert for Osaka opens → the route drains →
 * traffic shifts entirely to Tokyo → a Tokyo alert is refused (last serving region) → the alerts
 * close → the configured hold-down → restore → traffic spreads again. Each step is printed with its
 * time, every claim it prints is checked (a failed one makes the drill throw `ClaimsFailed`, see
 * claims.ts, after it has closed its alerts), and the time to failover is measured in parts.
 */
import type { GcpAdapters } from '../shared/adapters/gcp.ts';
import type { FleetConfig } from '../shared/config/fleet-config.ts';
import { pollUntil } from '../shared/core/retry.ts';
import type { Guard } from '../shared/failover/drain-state.ts';
import { readDrainSnapshot } from '../shared/failover/drain-store.ts';
import { ROUTE_STEPS, regionOf } from '../shared/routing/index.ts';
import type { OperationRecord } from '../shared/state/operations.ts';
import { Claims, allAnsweredBy, describeTraffic, spreadAsExpected } from './claims.ts';
import { sendTraffic, type TrafficResult } from './data-plane/traffic.ts';
import { listOperations, readStoreRoute, waitForStoreRouteLoaded, type ReloadProbe } from './demo-watch.ts';
import { monitoringNotification } from './monitoring-incidents.ts';

/** What the drill needs. */
export interface DrillContext {
  adapters: GcpAdapters;
  token: string;
  projectId: string;
  gatewayUrl: string;
  lastReload: ReloadProbe;
  /** The fleet configuration in force: the hold-down and the baseline weights are read from it. */
  fleetConfig: () => Promise<FleetConfig>;
  print: (line: string) => void;
}

/** Measured figures (all claims about them held, or the drill would have thrown). */
export interface DrillResult {
  baseline: Record<string, number>;
  drained: Record<string, number>;
  restored: Record<string, number>;
  refusal: string;
  /** Alert published → handler started, decision, route write, data-plane reload, last Osaka response. */
  failover: {
    deliveryMs: number;
    decisionMs: number;
    writeMs: number;
    reloadMs: number;
    totalToReloadMs: number;
    lastOsakaResponseMs: number;
  };
  /** From the Osaka close (the incident's `ended_at`) until the drill saw Osaka back in the route. */
  restoreMs: number;
  /** `safety.holdDownSeconds` of the configuration in force. */
  holdDownSeconds: number;
}

const HOST = 'store.example.com';
const REQUESTS = 1000;
const TOKYO = { cluster: 'mc-gw-tokyo', location: 'asia-northeast1-b' };
const OSAKA = { cluster: 'mc-gw-osaka', location: 'asia-northeast2-b' };
const LAST_SERVING_REGION: Guard = 'last-serving-region';
const SPREAD_TOLERANCE = 0.1;

/** Runs the drill once; throws `ClaimsFailed` when something it printed did not hold. */
export async function runFailoverDrill(ctx: DrillContext): Promise<DrillResult> {
  const claims = new Claims('failover drill', ctx.print);
  const t0 = Date.now();
  const step = (text: string) => ctx.print(`  +${((Date.now() - t0) / 1000).toFixed(2).padStart(6)} s  ${text}`);
  const traffic = async (label: string) => {
    const result = await sendTraffic({ url: ctx.gatewayUrl, host: HOST, path: '/', count: REQUESTS, concurrency: 20 });
    step(`${label}: ${describeTraffic(result)}`);
    return result;
  };
  const allTokyo = (when: string, t: TrafficResult) =>
    claims.check(
      `${when}, all ${REQUESTS} requests are answered by Tokyo (${TOKYO.cluster})`,
      allAnsweredBy(t, REQUESTS, TOKYO.cluster),
      describeTraffic(t),
    );
  const spread = async (when: string, t: TrafficResult) => {
    const shares = configuredShares(await ctx.fleetConfig());
    const expected = Object.entries(shares)
      .map(([c, s]) => `${c} ${Math.round(s * 100)}%`)
      .join(', ');
    claims.check(
      `${when}, traffic spreads over both regions as configured (${expected} ± ${SPREAD_TOLERANCE * 100} points)`,
      spreadAsExpected(t, REQUESTS, shares, SPREAD_TOLERANCE),
      describeTraffic(t),
    );
  };
  const osakaWeight = async () =>
    (await readStoreRoute(ctx.adapters, ctx.token))?.defaultBackends.find((b) => b.name === 'store-asia-northeast2')?.weight;
  // The run that decided: an attempt that ended 'retrying' (e.g. it waited too long for the route lease) is redelivered.
  const operationFor = (incidentId: string, what: string) =>
    pollUntil(
      async () =>
        (await listOperations(ctx.adapters)).find((o) => o.trigger.incidentId === incidentId && o.finishedAt && o.result !== 'retrying'),
      { timeoutMs: 60_000, intervalMs: 50, what },
    );
  const run = Date.now().toString(36);
  const ids = { osaka: `drill-osaka-${run}`, tokyo: `drill-tokyo-${run}` };
  const notify = (spec: { id: string; state: 'open' | 'closed'; startedAt: Date; endedAt?: Date; target: typeof TOKYO }) =>
    ctx.adapters.pubsub.publish(
      'healthAlerts',
      monitoringNotification({
        incidentId: spec.id,
        state: spec.state,
        startedAt: spec.startedAt,
        ...(spec.endedAt ? { endedAt: spec.endedAt } : {}),
        cluster: spec.target.cluster,
        location: spec.target.location,
        projectId: ctx.projectId,
      }),
    );

  const baseline = await traffic('traffic flows');
  await spread('before the alert', baseline);
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
  await notify({ id: ids.osaka, state: 'open', startedAt: osakaStarted, target: OSAKA });
  step('alert for Osaka opened (published to the health-alerts topic)');
  await pollUntil(async () => ((await osakaWeight()) === 0 ? true : undefined), {
    timeoutMs: 30_000,
    intervalMs: 20,
    what: 'Osaka drained in the route',
  });
  const op = await operationFor(ids.osaka, 'the drain operation');
  step(`route drained: store-asia-northeast2 weight 0 (operation ${op.id}: ${op.reason ?? op.result})`);
  for (const s of op.steps) step(`    ${String(s.elapsedMs).padStart(5)} ms  ${s.name}`);
  claims.check(
    `the drain operation records its "${ROUTE_STEPS.applyRoutes}" step (the failover breakdown is measured on it)`,
    op.steps.some((s) => s.name === ROUTE_STEPS.applyRoutes),
    `steps: ${op.steps.map((s) => s.name).join(', ')}`,
  );
  const reload = await waitForStoreRouteLoaded(ctx.adapters, ctx.token, ctx.lastReload, 'the data plane to load the drained route');
  step('data plane reloaded the route');
  await new Promise((r) => setTimeout(r, 500));
  watching = false;
  await watcher;
  const drained = await traffic('Osaka drained');
  allTokyo('while Osaka is drained', drained);

  await notify({ id: ids.tokyo, state: 'open', startedAt: new Date(), target: TOKYO });
  const refusedOp = await operationFor(ids.tokyo, 'the Tokyo alert to be handled');
  step(`alert for Tokyo while Osaka is drained: ${refusedOp.result} — ${refusedOp.reason ?? ''}`);
  const guard = (await readDrainSnapshot(ctx.adapters.store))?.refusals.findLast((r) => r.ref === ids.tokyo)?.guard;
  claims.check(
    `the Tokyo alert is refused by the ${LAST_SERVING_REGION} guard`,
    refusedOp.result === 'refused' && guard === LAST_SERVING_REGION,
    `operation ${refusedOp.result ?? 'without result'} (${refusedOp.reason ?? 'no reason'}); guard recorded: ${guard ?? 'none'}`,
  );
  allTokyo('after the refusal', await traffic('route still serves'));
  // Closed before Osaka's: a refused drain still pending would apply as soon as Osaka is back.
  await notify({ id: ids.tokyo, state: 'closed', startedAt: new Date(), target: TOKYO });
  step('alert for Tokyo closed');

  const { holdDownSeconds } = (await ctx.fleetConfig()).safety;
  // The incident's ended_at (whole seconds) is when fleetpilot's hold-down starts.
  const closedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
  await notify({ id: ids.osaka, state: 'closed', startedAt: osakaStarted, endedAt: closedAt, target: OSAKA });
  step(
    `alert for Osaka closed (ended_at ${closedAt.toISOString()}); waiting for the hold-down (${holdDownSeconds} s, safety.holdDownSeconds) and a tick`,
  );
  let stillDrainedAt = closedAt.getTime();
  await pollUntil(
    async () => {
      const read = Date.now();
      if ((await osakaWeight()) !== 0) return true;
      stillDrainedAt = read;
      return undefined;
    },
    { timeoutMs: 120_000 + holdDownSeconds * 1000, intervalMs: 50, what: 'Osaka restored in the route' },
  );
  const restoreMs = Date.now() - closedAt.getTime();
  step(
    `Osaka restored after ${(restoreMs / 1000).toFixed(2)} s (still drained ${((stillDrainedAt - closedAt.getTime()) / 1000).toFixed(2)} s after the close)`,
  );
  claims.check(
    `Osaka is restored no earlier than its close + the configured hold-down (${holdDownSeconds} s)`,
    restoreMs >= holdDownSeconds * 1000,
    `restored ${(restoreMs / 1000).toFixed(2)} s after ended_at ${closedAt.toISOString()} (the route polled every 50 ms)`,
  );
  await waitForStoreRouteLoaded(ctx.adapters, ctx.token, ctx.lastReload, 'the data plane to load the restored route');
  const restored = await traffic('traffic spreads again');
  await spread('after the restore', restored);
  claims.verify();
  return {
    baseline: baseline.byCluster,
    drained: drained.byCluster,
    restored: restored.byCluster,
    refusal: refusedOp.reason ?? '',
    failover: breakdown(op, alertAt, reload.at.getTime(), lastOsaka),
    restoreMs,
    holdDownSeconds,
  };
}

/** The expected fraction of the store's default-rule traffic per demo cluster, from the configured region weights. */
function configuredShares(config: FleetConfig): Record<string, number> {
  const store = config.services.find((s) => s.name === 'store');
  const weight = (location: string) => store?.regionWeights[regionOf(location)] ?? store?.defaultWeight ?? 0;
  const total = weight(TOKYO.location) + weight(OSAKA.location);
  return total === 0 ? {} : { [TOKYO.cluster]: weight(TOKYO.location) / total, [OSAKA.cluster]: weight(OSAKA.location) / total };
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
