/**
 * The tick's part in drills: start the scheduled drills that are due, then move each running drill
 * on by one step (see drill-step.ts): restore its region when its time is up, note when the region
 * has its whole weight back, and once the traffic metrics cover the restore, measure the report,
 * store it with the drill and publish it as a `drill` operation. Each step is written to the drill
 * record before the next tick, so a tick that dies repeats at most the step it was taking (the
 * restore is idempotent: its request id is the drill's).
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import { runOperation } from '../core/run-operation.ts';
import type { Logger } from '../core/logger.ts';
import { regionFacts, type FleetFacts } from '../failover/index.ts';
import { manualDrain, type ManualDrainContext } from '../failover/manual-drain.ts';
import { planFleet, readSnapshot, type FleetPlan } from '../routing/index.ts';
import type { TrafficMetricsAdapter } from '../adapters/traffic-metrics.ts';
import { activeDrills, readDrill, saveDrill, type DrillRecord } from './drill-record.ts';
import { describeReport, measureDrill, type DrillReport } from './drill-report.ts';
import { dueScheduledDrills } from './drill-schedule.ts';
import { nextDrillStep, type DrillView } from './drill-step.ts';
import { drillHoldId, drillRestoreId, startDrill } from './start-drill.ts';

/** What the tick's drill work needs. */
export type DrillContext = ManualDrainContext & { metrics?: TrafficMetricsAdapter; log: Logger };

/** How long a report waits for unreadable metrics before the drill ends without them. */
const METRICS_GIVE_UP_MS = 3_600_000;

/** Starts due scheduled drills and advances running ones; returns one line per change, for the tick's reason. */
export async function advanceDrills(deps: DrillContext, config: FleetConfig): Promise<string[]> {
  const lines: string[] = [];
  for (const due of dueScheduledDrills(config.drills.schedule, deps.clock.now())) {
    if (await readDrill(deps.store, due.drillId)) continue;
    const started = await startDrill(deps, {
      region: due.region,
      durationSeconds: due.durationSeconds,
      reason: `scheduled at ${due.at}`,
      principal: 'schedule',
      source: 'schedule',
      dryRun: false,
      drillId: due.drillId,
    });
    lines.push(`scheduled drill ${due.drillId}: ${started.drill?.state ?? started.result}`);
  }
  const running = await activeDrills(deps.store);
  if (running.length === 0) return lines;
  const snapshot = await readSnapshot(deps);
  const plan = planFleet(snapshot);
  for (const drill of running) {
    const line = await advance(deps, config, drill, drillView(drill, snapshot.facts, plan, config));
    if (line) lines.push(line);
  }
  return lines;
}

async function advance(deps: DrillContext, config: FleetConfig, drill: DrillRecord, view: DrillView): Promise<string | undefined> {
  const now = deps.clock.now();
  const ramp = config.safety.ramp;
  const step = nextDrillStep(drill, view, now.getTime(), { ...config.drills, ...(ramp ? { rampStepSeconds: ramp.stepSeconds } : {}) });
  const save = (next: DrillRecord) => saveDrill(deps.store, next, deps.clock.now());
  switch (step.kind) {
    case 'wait':
      return undefined;
    case 'stop':
      await save({ ...drill, state: 'measuring', endReason: step.endReason, endedAt: now.toISOString() });
      return `drill ${drill.id}: ${step.endReason}`;
    case 'full-weight':
      await save({ ...drill, state: 'measuring', fullWeightAt: now.toISOString() });
      return `drill ${drill.id}: ${drill.region} has its whole weight back`;
    case 'restore': {
      const restored = await manualDrain(deps, {
        action: 'restore',
        region: drill.region,
        reason: `drill ${drill.id} ${step.endReason ? `ended early: ${step.endReason}` : 'is over'}`,
        principal: `drill:${drill.id}`,
        source: 'drill',
        dryRun: false,
        requestId: drillRestoreId(drill.id),
      });
      if (restored.result === 'failed' || restored.result === 'refused')
        return `drill ${drill.id}: restore ${restored.result}: ${restored.summary}`;
      await save({
        ...drill,
        state: 'restoring',
        restoreRequestedAt: now.toISOString(),
        ...(restored.operation ? { restoreOperationId: restored.operation.id } : {}),
        ...(step.endReason ? { endReason: step.endReason } : {}),
      });
      return `drill ${drill.id}: ${drill.region} restored${step.endReason ? ` early (${step.endReason})` : ''}`;
    }
    case 'report':
      return report(deps, config, { ...drill, ...(step.endReason ? { endReason: step.endReason } : {}) });
  }
}

/** Measures, stores and publishes the report of `drill`. */
async function report(deps: DrillContext, config: FleetConfig, drill: DrillRecord): Promise<string | undefined> {
  const now = deps.clock.now();
  const resolution = config.drills.resolutionSeconds;
  const requestedAt = Date.parse(drill.requestedAt);
  const durationMs = drill.durationSeconds * 1000;
  let measured: DrillReport | undefined;
  let unreadable: string | undefined;
  try {
    if (!deps.metrics) throw new Error('no traffic metrics are configured for this deployment');
    const from = new Date(requestedAt - Math.max(durationMs, resolution * 1000) - resolution * 1000);
    const samples = await deps.metrics.traffic({ from, to: now, stepSeconds: resolution });
    measured = measureDrill(
      {
        region: drill.region,
        requestedAt,
        stoppedAt: Date.parse(drill.restoreRequestedAt ?? drill.endedAt ?? now.toISOString()),
        ...(drill.restoreRequestedAt ? { restoreRequestedAt: Date.parse(drill.restoreRequestedAt) } : {}),
        ...(drill.fullWeightAt ? { fullWeightAt: Date.parse(drill.fullWeightAt) } : {}),
        until: now.getTime(),
        durationMs,
        ...(config.safety.ramp ? { ramp: config.safety.ramp } : {}),
      },
      samples,
      resolution,
    );
  } catch (error) {
    unreadable = error instanceof Error ? error.message : String(error);
    if (now.getTime() - Date.parse(drill.fullWeightAt ?? drill.restoreRequestedAt ?? drill.restoreDueAt) < METRICS_GIVE_UP_MS) {
      deps.log.warn('drill traffic metrics unreadable; the next tick tries again', { drillId: drill.id, error });
      return undefined;
    }
  }
  const ended: DrillRecord = {
    ...drill,
    state: drill.endReason || !measured ? 'aborted' : 'completed',
    endedAt: drill.endedAt ?? now.toISOString(),
    ...(measured ? { report: measured } : {}),
    ...(unreadable ? { endReason: `${drill.endReason ? `${drill.endReason}; ` : ''}traffic metrics unreadable: ${unreadable}` } : {}),
  };
  const lines = measured ? describeReport(drill.region, measured) : [`no report: ${ended.endReason}`];
  const summary = `drill ${drill.id} of ${drill.region} ${ended.state}${ended.endReason ? ` (${ended.endReason})` : ''}: ${lines[0]}; ${lines[1]}`;
  await runOperation(
    deps,
    {
      kind: 'drill',
      delivery: 'tick',
      trigger: { source: drill.source, drillId: drill.id },
      principal: drill.requestedBy,
      subject: `region/${drill.region}`,
      region: drill.region,
      plan: lines,
    },
    async ({ op }) => {
      op.attach({ drill: ended });
      await saveDrill(deps.store, ended, deps.clock.now());
      return { result: 'succeeded' as const, reason: summary };
    },
  );
  return `drill ${drill.id}: ${ended.state}`;
}

/** What the step planner needs to know about `drill`'s region. */
export function drillView(drill: DrillRecord, facts: FleetFacts, plan: FleetPlan, config: FleetConfig): DrillView {
  const region = plan.drains.regions[drill.region];
  const holdDownMs = config.safety.holdDownSeconds * 1000;
  const closes = Object.values(regionFacts(facts, drill.region).incidents).flatMap((i) => (i.closedAt ? [Date.parse(i.closedAt)] : []));
  const folded = facts.base?.regions[drill.region]?.releaseAt;
  const holds = [...closes.map((t) => t + holdDownMs), ...(folded ? [Date.parse(folded)] : [])];
  return {
    region,
    heldByDrill: region?.drained === true && region.cause === 'manual' && region.holdId === drillHoldId(drill.id),
    otherIncidents: Object.values(plan.drains.regions)
      .filter((r) => r.region !== drill.region)
      .flatMap((r) => r.openIncidents.map((i) => `${r.region}/${i}`)),
    ...(holds.length > 0 ? { alertHoldUntil: Math.max(...holds) } : {}),
  };
}
