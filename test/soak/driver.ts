/**
 * Drives the soak fleet through a schedule on the test clock, calling fleetpilot's flows directly
 * (the tick, the alert flow, manual drains, the lifecycle flow), and keeps what the end of the soak
 * checks: tick render times by day, late deliveries that flipped a drain, probe outcomes, the
 * largest facts document seen, and which incidents are still open.
 */
import { tickHandler } from '../../functions/tick/handler.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { manualDrain } from '../../shared/failover/manual-drain.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import type { HttpRoute } from '../../shared/routing/index.ts';
import { monitoringNotification } from '../../sandbox/monitoring-incidents.ts';
import { ONBOARD_LABELS, auditEntries, createCluster, deleteCluster } from '../support/fleet-fixtures.ts';
import type { TestClock } from '../support/test-clock.ts';
import { SOAK_TARGETS, type AlertDelivery, type SoakEvent } from './scenario.ts';
import { SOAK, type SoakFleet } from './fleet.ts';

const DAY = 86_400_000;

/** What a soak run observed. */
export interface SoakLog {
  tickMsByDay: Map<number, number[]>;
  ticks: number;
  tickFailures: string[];
  deliveries: number;
  lateOpens: number;
  /** Late deliveries after which a region drained before it served again. */
  flipped: string[];
  probes: { id: string; drained: string[]; after: string[] }[];
  manual: Record<string, number>;
  clusterOps: string[];
  maxFactsBytes: number;
  /** Incidents whose open was delivered and whose close was not. */
  open: Map<string, AlertDelivery>;
}

/** Default-rule weights of the soak route by region (0 for a drained region). */
export async function regionWeights(fleet: SoakFleet): Promise<Record<string, number>> {
  const route = await fleet.configKube.get<HttpRoute>({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    namespace: SOAK,
    name: SOAK,
  });
  const weights: Record<string, number> = {};
  for (const rule of route?.spec.rules ?? [])
    for (const ref of rule.backendRefs ?? []) {
      const region = SOAK_TARGETS.find((t) => ref.name === `${SOAK}-${t.region}`)?.region;
      if (region) weights[region] = Math.min(weights[region] ?? Infinity, ref.weight ?? 1);
    }
  return weights;
}

/** Regions whose default weight is 0. */
export async function drainedRegions(fleet: SoakFleet): Promise<string[]> {
  return Object.entries(await regionWeights(fleet))
    .filter(([, w]) => w === 0)
    .map(([r]) => r)
    .sort();
}

/** Runs `events` from `start` on `clock`. */
export async function runSoak(fleet: SoakFleet, clock: TestClock, start: number, events: SoakEvent[]): Promise<SoakLog> {
  const log: SoakLog = {
    tickMsByDay: new Map(),
    ticks: 0,
    tickFailures: [],
    deliveries: 0,
    lateOpens: 0,
    flipped: [],
    probes: [],
    manual: {},
    clusterOps: [],
    maxFactsBytes: 0,
    open: new Map(),
  };
  const { fleet: ctx } = fleet.ctx;
  const closed = new Set<string>();
  const deliver = async (d: AlertDelivery) => {
    const payload = monitoringNotification({
      incidentId: d.incidentId,
      state: d.state,
      startedAt: new Date(start + d.startedAt),
      ...(d.endedAt !== undefined ? { endedAt: new Date(start + d.endedAt) } : {}),
      cluster: d.target.cluster,
      location: d.target.location,
      projectId: fleet.ctx.env.FLEETPILOT_PROJECT_ID,
    });
    const record = await handleMonitoringNotification(ctx, payload, d.messageId);
    if (record.result === 'failed' || record.result === 'retrying')
      throw new Error(`alert ${d.messageId} ${record.result}: ${record.reason}`);
    log.deliveries++;
    if (d.state === 'open' && !log.open.has(d.incidentId) && !closed.has(d.incidentId)) log.open.set(d.incidentId, d);
    if (d.state === 'closed') {
      closed.add(d.incidentId);
      log.open.delete(d.incidentId);
    }
  };
  let day = -1;
  for (const e of events) {
    clock.set(new Date(start + e.at));
    const today = Math.floor(e.at / DAY);
    if (today !== day) {
      day = today;
      log.maxFactsBytes = Math.max(log.maxFactsBytes, JSON.stringify((await ctx.store.get('failover', 'facts')) ?? {}).length);
    }
    if (e.kind === 'tick') {
      const t0 = performance.now();
      const record = await tickHandler(fleet.ctx, `tick-${e.at}`);
      const ms = performance.now() - t0;
      const tickDay = Math.floor((e.at - 1) / DAY);
      log.tickMsByDay.set(tickDay, [...(log.tickMsByDay.get(tickDay) ?? []), ms]);
      log.ticks++;
      if (record.result !== 'succeeded')
        log.tickFailures.push(`${new Date(start + e.at).toISOString()}: ${record.result} ${record.reason}`);
    } else if (e.kind === 'alert') {
      if (!e.late || e.state !== 'open') {
        await deliver(e);
        continue;
      }
      log.lateOpens++;
      // A render at the same moment first: restores already due (the tick is daily) are not the late report's doing.
      await tickHandler(fleet.ctx, `before-${e.messageId}`);
      const before = await drainedRegions(fleet);
      await deliver(e);
      const after = await drainedRegions(fleet);
      const lifted = before.filter((r) => !after.includes(r));
      if (lifted.length > 0) log.flipped.push(`${e.messageId} lifted ${lifted.join(', ')}`);
    } else if (e.kind === 'manual') {
      const result = await manualDrain(ctx, {
        action: e.action,
        region: e.region,
        reason: `soak ${e.id}`,
        principal: 'soak@example.com',
        dryRun: false,
        requestId: e.id,
        source: 'api',
      });
      log.manual[`${e.action} ${result.result}`] = (log.manual[`${e.action} ${result.result}`] ?? 0) + 1;
    } else if (e.kind === 'probe') {
      log.probes.push(await probeLateReport(fleet, clock, start, e.id, deliver));
    } else {
      await clusterOp(fleet, clock, e.kind, e.cluster, e.location, log);
    }
  }
  return log;
}

/**
 * The late report: one region drained by an alert, then an incident in the other region
 * that started earlier arrives. The drain in force stays and the other region keeps serving; both
 * incidents then close.
 */
async function probeLateReport(
  fleet: SoakFleet,
  clock: TestClock,
  start: number,
  id: string,
  deliver: (d: AlertDelivery) => Promise<void>,
): Promise<SoakLog['probes'][number]> {
  const [first, second] = SOAK_TARGETS;
  const now = () => clock.now().getTime() - start;
  const a: AlertDelivery = {
    kind: 'alert',
    incidentId: `${id}-a`,
    state: 'open',
    startedAt: now(),
    target: first,
    messageId: `${id}-a`,
    late: false,
  };
  await deliver(a);
  const drained = await drainedRegions(fleet);
  clock.advance(60_000);
  const b: AlertDelivery = {
    ...a,
    incidentId: `${id}-b`,
    startedAt: a.startedAt - 2 * 3_600_000,
    target: second,
    messageId: `${id}-b`,
    late: true,
  };
  await deliver(b);
  const after = await drainedRegions(fleet);
  clock.advance(60_000);
  await deliver({ ...b, state: 'closed', endedAt: now(), messageId: `${id}-b-close` });
  await deliver({ ...a, state: 'closed', endedAt: now(), messageId: `${id}-a-close` });
  return { id, drained, after };
}

async function clusterOp(fleet: SoakFleet, clock: TestClock, kind: 'create' | 'delete', name: string, location: string, log: SoakLog) {
  const t0 = performance.now();
  if (kind === 'create') await createCluster(fleet.adapters, name, location, ONBOARD_LABELS);
  // Offboarded by the sandbox's fleetpilot too (it onboarded the cluster as well): waited for, so the demo fleet is as it was.
  else await deleteCluster(fleet.adapters, name, location);
  const entry = auditEntries(name, location, kind === 'create' ? 'CreateCluster' : 'DeleteCluster', clock.now()).last;
  const record = await handleClusterAuditEntry(fleet.ctx.fleet, entry, `${kind}-${name}`);
  log.clusterOps.push(`${kind} ${name}: ${record.result} (${Math.round(performance.now() - t0)} ms wall)`);
}
