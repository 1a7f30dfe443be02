/**
 * Starting a drill: the checks a drill adds to a manual drain (no incident open anywhere, no other
 * drill running, the region serving), then the manual drain itself — with every guard a manual
 * drain has, capacity included, and never an override — recorded as the drill's hold. The drill
 * record is written before the drain, so a drain whose drill record is missing cannot exist: a
 * record whose drain never took is ended by the tick.
 */
import type { ManualResult } from '../core/manual-result.ts';
import { manualDrain, type ManualDrainContext } from '../failover/manual-drain.ts';
import { planFleet, readSnapshot } from '../routing/index.ts';
import { releaseLease, tryAcquireLease } from '../state/leases.ts';
import { activeDrills, readDrill, saveDrill, type DrillRecord, type GuardVerdict } from './drill-record.ts';

/** A drill to start. */
export interface DrillRequest {
  region: string;
  durationSeconds: number;
  reason: string;
  principal: string;
  source: DrillRecord['source'];
  dryRun: boolean;
  /** The drill's id (a scheduled drill's is derived from its occurrence); a new id when absent. */
  drillId?: string;
  /** The id to record the drain operation under (chosen with the idempotency key). */
  operationId?: string;
}

/** The answer to a drill request: the drain's answer, and the drill record when one was written. */
export interface DrillStartResult extends ManualResult {
  drill?: DrillRecord;
}

/** The id of the manual drain fact a drill holds its region with. */
export function drillHoldId(drillId: string): string {
  return `drill-${drillId}`;
}

/** The id of the manual restore fact that ends a drill's hold. */
export function drillRestoreId(drillId: string): string {
  return `drill-${drillId}-restore`;
}

/** Plans (dry run) or starts a drill. */
export async function startDrill(deps: ManualDrainContext, request: DrillRequest): Promise<DrillStartResult> {
  const id = request.drillId ?? deps.ids();
  const existing = request.drillId ? await readDrill(deps.store, id) : undefined;
  if (existing)
    return { result: 'skipped', summary: `drill ${id} exists already (${existing.state})`, plan: existing.plan, drill: existing };
  const reason = `drill ${id} (${request.durationSeconds} s): ${request.reason}`;
  const drain = { action: 'drain' as const, region: request.region, reason, principal: request.principal, source: 'drill' };
  if (request.dryRun) {
    const refusal = await drillRefusal(deps, request.region);
    if (refusal)
      return {
        result: 'refused',
        summary: `dry run: drill of ${request.region} refused by ${refusal.guard}: ${refusal.reason}`,
        plan: [],
        refusal,
      };
    const planned = await manualDrain(deps, { ...drain, dryRun: true });
    return { ...planned, summary: planned.summary.replace(/^dry run: would drain/, 'dry run: a drill would drain') };
  }
  const admitted = await admit(deps, request, id);
  if ('result' in admitted) return admitted;
  const { drill } = admitted;
  let drained: ManualResult;
  try {
    drained = await manualDrain(deps, {
      ...drain,
      dryRun: false,
      requestId: drillHoldId(id),
      ...(request.operationId ? { operationId: request.operationId } : {}),
    });
  } catch (error) {
    await saveDrill(
      deps.store,
      { ...drill, state: 'aborted', endReason: `the drain failed: ${String(error)}`, endedAt: iso(deps) },
      deps.clock.now(),
    );
    throw error;
  }
  const guards = verdicts(drained.plan);
  if (drained.result !== 'succeeded') {
    const ended: DrillRecord = {
      ...drill,
      state: drained.result === 'refused' ? 'refused' : 'aborted',
      plan: drained.plan,
      guards,
      endReason: drained.refusal ? `${drained.refusal.guard}: ${drained.refusal.reason}` : drained.summary,
      endedAt: iso(deps),
      ...(drained.operation ? { drainOperationId: drained.operation.id } : {}),
    };
    await saveDrill(deps.store, ended, deps.clock.now());
    return { ...drained, summary: `drill of ${request.region}: ${drained.summary}`, drill: ended };
  }
  const started: DrillRecord = {
    ...drill,
    plan: drained.plan,
    guards,
    ...(drained.operation ? { drainOperationId: drained.operation.id } : {}),
    drainWrittenAt: drained.operation?.finishedAt ?? iso(deps),
  };
  await saveDrill(deps.store, started, deps.clock.now());
  return {
    ...drained,
    summary: `drill ${id}: ${request.region} drained for ${request.durationSeconds} s, restored at ${started.restoreDueAt} (${drained.summary})`,
    drill: started,
  };
}

/** The lease held from the check that no drill runs until the new drill's record says it runs. */
const START_LEASE = 'drill-start';
const START_LEASE_MS = 30_000;

/**
 * Checks that the drill may start and writes its record, as one step no other start can interleave
 * with (two admins asking at once would otherwise both see no drill running): a refused drill is
 * recorded and answered, an admitted one is returned in state `draining`.
 */
async function admit(deps: ManualDrainContext, request: DrillRequest, id: string): Promise<DrillStartResult | { drill: DrillRecord }> {
  const holder = `drill:${id}`;
  const held = await tryAcquireLease(deps, START_LEASE, holder, START_LEASE_MS);
  try {
    const refusal = held ? await drillRefusal(deps, request.region) : { guard: 'drill-in-progress', reason: 'another drill is starting' };
    if (refusal) {
      const refused = await recordRefused(deps, request, id, refusal);
      return {
        result: 'refused',
        summary: `drill of ${request.region} refused by ${refusal.guard}: ${refusal.reason}`,
        plan: [],
        refusal,
        drill: refused,
      };
    }
    const now = deps.clock.now();
    const drill = newDrill(request, id, now, {
      state: 'draining',
      restoreDueAt: new Date(now.getTime() + request.durationSeconds * 1000).toISOString(),
    });
    await saveDrill(deps.store, drill, now);
    return { drill };
  } finally {
    if (held) await releaseLease(deps, START_LEASE, holder);
  }
}

/** Why a drill of `region` may not start now: another drill, an open incident, or the region not serving. */
async function drillRefusal(deps: ManualDrainContext, region: string): Promise<{ guard: string; reason: string } | undefined> {
  const running = (await activeDrills(deps.store))[0];
  if (running) return { guard: 'drill-in-progress', reason: `drill ${running.id} of ${running.region} is ${running.state}` };
  const plan = planFleet(await readSnapshot(deps));
  const open = Object.values(plan.drains.regions).flatMap((r) => r.openIncidents.map((i) => `${r.region}/${i}`));
  if (open.length > 0) return { guard: 'open-incident', reason: `incidents are open (${open.join(', ')}): drills wait for a quiet fleet` };
  const state = plan.drains.regions[region];
  if (state?.drained) return { guard: 'region-drained', reason: `${region} is drained already (${state.cause}) since ${state.since}` };
  if (state?.ramp) return { guard: 'region-ramping', reason: `${region} is ramping back (${state.ramp.percent}% of its weight)` };
  return undefined;
}

async function recordRefused(
  deps: ManualDrainContext,
  request: DrillRequest,
  id: string,
  refusal: { guard: string; reason: string },
): Promise<DrillRecord> {
  const now = deps.clock.now();
  const drill = newDrill(request, id, now, {
    state: 'refused',
    restoreDueAt: now.toISOString(),
    guards: [{ guard: refusal.guard, verdict: `refused: ${refusal.reason}` }],
    endReason: `${refusal.guard}: ${refusal.reason}`,
    endedAt: now.toISOString(),
  });
  await saveDrill(deps.store, drill, now);
  return drill;
}

/** A drill record for `request`, asked for at `now`. */
function newDrill(
  request: DrillRequest,
  id: string,
  now: Date,
  fields: Pick<DrillRecord, 'state' | 'restoreDueAt'> & Partial<DrillRecord>,
): DrillRecord {
  return {
    id,
    region: request.region,
    reason: request.reason,
    requestedBy: request.principal,
    source: request.source,
    durationSeconds: request.durationSeconds,
    requestedAt: now.toISOString(),
    plan: [],
    guards: [],
    ...fields,
  };
}

/** The guards a started drill passed, as its record shows them. */
function verdicts(plan: string[]): GuardVerdict[] {
  const capacity = plan.filter((line) => line.startsWith('capacity'));
  return [
    { guard: 'drill-in-progress', verdict: 'no other drill running' },
    { guard: 'open-incident', verdict: 'no incident open in the fleet' },
    { guard: 'last-serving-region', verdict: 'passed: other regions serve every service' },
    { guard: 'min-healthy-regions', verdict: 'passed' },
    {
      guard: 'capacity',
      verdict: capacity.length > 0 ? `passed: ${capacity.join('; ')}` : 'not configured (safety.capacity absent): not consulted',
    },
  ];
}

function iso(deps: Pick<ManualDrainContext, 'clock'>): string {
  return deps.clock.now().toISOString();
}
