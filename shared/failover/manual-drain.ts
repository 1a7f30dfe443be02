/**
 * Manual drains and restores of a region (API, chat-ops). The request is planned first with the
 * same derivation the alert flow uses — so the same guards apply and a refusal names its guard —
 * then recorded as a manual fact and rendered under the route lease. A dry run stops after the
 * plan. A manual drain is a hold: only a manual restore lifts it.
 */
import { RequestError } from '../core/errors.ts';
import type { OverridableGuard } from './drain-state.ts';
import { recordFact } from './drain-store.ts';
import { manualEntry } from './fact-log.ts';
import { factRegions, mergeManual, type ManualFact } from './facts.ts';
import type { RegionDrainState } from './drain-state.ts';
import { drainDiff } from './overlay.ts';
import { runOperation, type FlowOutcome, type RunnerContext } from '../core/run-operation.ts';
import { updateRoutes, type RoutesContext } from '../routing/index.ts';
import { describeTrafficMoved, planFleet, readCapacity, refusalOf, routedServices, type FleetPlan } from '../routing/index.ts';
import { capacityRefusal, describeCapacity } from './capacity-guard.ts';
import type { ManualResult } from '../core/manual-result.ts';
import { readSnapshot, type FleetSnapshot } from '../routing/index.ts';
import { FAILOVER_STEPS } from './steps.ts';

/** A manual drain or restore. */
export interface ManualRequest {
  action: 'drain' | 'restore';
  region: string;
  reason: string;
  principal: string;
  dryRun: boolean;
  /** Stable id of the request (idempotency key or chat request); a new id when absent. */
  requestId?: string;
  /** The id to record the operation under (chosen with the idempotency key, so that a retry finds it); a new id when absent. */
  operationId?: string;
  /** Where the request came from (`api`, `slack`). */
  source: string;
  /** Break glass: never-zero guards this drain may break (the caller has checked the admin role). */
  overrideGuards?: OverridableGuard[];
  /** The approval this request carries out (shared/approvals): recorded on the operation's trigger. */
  approval?: { id: string; approvedBy: string };
}

/** What a manual drain needs. */
export type ManualDrainContext = RoutesContext & RunnerContext;

/** Plans, and unless it is a dry run applies, a manual drain or restore. */
export async function manualDrain(deps: ManualDrainContext, request: ManualRequest): Promise<ManualResult> {
  const snapshot = await readSnapshot(deps);
  requireKnownRegion(snapshot, request.region);
  const overrides = request.action === 'drain' ? [...new Set(request.overrideGuards ?? [])].sort() : [];
  const before = planFleet(snapshot);
  const fact: ManualFact = {
    id: request.requestId ?? deps.ids(),
    region: request.region,
    action: request.action,
    at: snapshot.now.toISOString(),
    by: request.principal,
    reason: request.reason,
    ...(overrides.length > 0 ? { overrideGuards: overrides } : {}),
  };
  const after = planFleet(snapshot, mergeManual(snapshot.facts, fact, snapshot.now).facts);
  let refusal: { guard: string; reason: string } | undefined = refusalOf(after, fact.id);
  // What the override actually breaks: the guard the same drain without it would be refused by.
  let broken: { guard: string; reason: string } | undefined =
    overrides.length > 0
      ? refusalOf(planFleet(snapshot, mergeManual(snapshot.facts, { ...fact, overrideGuards: [] }, snapshot.now).facts), fact.id)
      : undefined;
  // The capacity guard judges a manual drain when it is asked for (the render does not hold it back).
  const capacity = request.action === 'drain' && !refusal ? await manualCapacity(deps, snapshot, request.region, before) : undefined;
  if (capacity?.refusal && overrides.includes('capacity')) broken ??= capacity.refusal;
  else if (capacity?.refusal) refusal = capacity.refusal;
  const overrideLine = broken
    ? [`override: ${broken.guard} broken by ${request.principal} (${request.reason}); without it: ${broken.reason}`]
    : overrides.length > 0
      ? [`override of ${overrides.join(', ')} requested, but no guard refuses this drain: applied as a normal drain`]
      : [];
  const lines = [...overrideLine, ...planLines(before, after, request), ...(capacity?.lines ?? [])];
  const verb = request.action === 'drain' ? 'drain' : 'restore';
  const unchanged = !refusal && isNoop(request.action, before.drains.regions[request.region], after.drains.regions[request.region]);

  if (request.dryRun) {
    const summary = refusal
      ? `dry run: ${verb} ${request.region} would be refused by ${refusal.guard}: ${refusal.reason}`
      : unchanged
        ? `dry run: ${verb} ${request.region} changes nothing (${describeRegion(before.drains.regions[request.region])})`
        : `dry run: would ${verb} ${request.region}${movedSuffix(after)}`;
    return {
      result: refusal ? 'refused' : 'planned',
      summary,
      plan: lines,
      ...(refusal ? { refusal: { guard: refusal.guard, reason: refusal.reason } } : {}),
      routes: after.routes,
    };
  }

  const spec = {
    ...(request.operationId ? { id: request.operationId } : {}),
    // A drain that breaks a guard is its own kind, so that subscribers of the results topic can tell it apart.
    kind: broken ? 'manual-drain-override' : `manual-${request.action}`,
    delivery: 'request' as const,
    trigger: {
      source: request.source,
      requestId: fact.id,
      reason: request.reason,
      ...(overrides.length > 0 ? { overrideGuards: overrides } : {}),
      ...(request.approval ? { approvalId: request.approval.id, approvedBy: request.approval.approvedBy } : {}),
    },
    principal: request.principal,
    subject: `region/${request.region}`,
    region: request.region,
    plan: lines,
  };
  const refused = (r: { guard: string; reason: string }) => ({
    result: 'refused' as const,
    reason: `${r.guard}: ${r.reason}`,
    summary: `${verb} ${request.region} refused by ${r.guard}: ${r.reason}`,
    refusal: { guard: r.guard, reason: r.reason },
  });
  const { record, outcome } = await runOperation(
    deps,
    spec,
    async ({ op }): Promise<FlowOutcome & { summary: string; refusal?: { guard: string; reason: string } }> => {
      if (refusal) {
        op.note(FAILOVER_STEPS.checkGuards, 'failed', `${refusal.guard}: ${refusal.reason}`);
        return refused(refusal);
      }
      if (unchanged) {
        const state = describeRegion(before.drains.regions[request.region]);
        return {
          result: 'skipped',
          reason: `nothing to change: ${state}`,
          summary: `${verb} ${request.region}: nothing to change (${state})`,
        };
      }
      await op.step(
        FAILOVER_STEPS.recordManual(request.action),
        () => recordFact(deps.store, manualEntry(fact, deps.clock.now())),
        (m) => ({
          outcome: m.changed ? 'done' : 'unchanged',
          detail: `${request.action} ${request.region} by ${request.principal}: ${request.reason}`,
        }),
      );
      const rendered = await updateRoutes(deps, op, snapshot.config);
      // Another writer may have changed the facts since the plan: the render inside the lease decides.
      const late = rendered.drains.refusals.filter((r) => r.ref === fact.id).at(-1);
      if (late) return refused(late);
      const state = rendered.drains.regions[request.region];
      const overridden = state?.override ? `, overriding ${state.override}` : '';
      const summary = `${request.region} ${state?.drained ? `drained (manual hold${overridden})` : 'restored'} by ${request.principal}${movedSuffix(after)}: ${request.reason}`;
      return { result: 'succeeded', reason: summary, summary };
    },
  );
  const ended = outcome!;
  return {
    result: ended.result === 'failed' ? 'failed' : ended.result,
    summary: ended.summary,
    plan: lines,
    ...(ended.refusal ? { refusal: ended.refusal } : {}),
    operation: record,
  };
}

/** Refuses a region no service, cluster or fact knows, naming the ones that exist. */
export function requireKnownRegion(snapshot: FleetSnapshot, region: string): void {
  const known = new Set([
    ...snapshot.observed.clusters.map((c) => c.region),
    ...snapshot.config.services.flatMap((s) => Object.keys(s.regionWeights)),
    ...factRegions(snapshot.facts),
  ]);
  if (!known.has(region))
    throw new RequestError('not_found', `region ${region} is not part of the fleet`, { knownRegions: [...known].sort() });
}

function isNoop(action: ManualRequest['action'], before: RegionDrainState | undefined, after: RegionDrainState | undefined): boolean {
  if (action === 'drain') return before?.drained === true && before.cause === 'manual';
  return !before?.drained && (before?.openIncidents.length ?? 0) === 0 && !after?.drained;
}

function describeRegion(state: RegionDrainState | undefined): string {
  if (!state?.drained) return `${state?.region ?? 'region'} is serving`;
  return `${state.region} is drained (${state.cause === 'manual' ? 'manual hold' : 'alert'}) since ${state.since}`;
}

function movedSuffix(plan: FleetPlan): string {
  const moved = describeTrafficMoved(plan.routes);
  return moved.length > 0 ? ` (${moved.join('; ')})` : '';
}

function planLines(before: FleetPlan, after: FleetPlan, request: ManualRequest): string[] {
  const diff = drainDiff(before.drains, after.drains);
  return [
    `${request.action} ${request.region} requested by ${request.principal}: ${request.reason}`,
    ...diff.drained.map((r) => `drain ${r}`),
    ...diff.restored.map((r) => `restore ${r}`),
    ...after.routes.flatMap((r) => r.diff.map((line) => `HTTPRoute ${r.namespace}/${r.service}: ${line}`)),
    ...describeTrafficMoved(after.routes),
  ];
}

/**
 * The capacity guard for a manual drain of `region` (with `safety.capacity`): the services' numbers
 * for the plan, and the refusal when the other regions could not run the demand.
 */
async function manualCapacity(
  deps: ManualDrainContext,
  snapshot: FleetSnapshot,
  region: string,
  before: FleetPlan,
): Promise<{ refusal?: { guard: string; reason: string }; lines: string[] } | undefined> {
  const headroom = snapshot.config.safety.capacity?.headroomPercent;
  if (headroom === undefined) return undefined;
  const { capacity, unread } = await readCapacity(deps, snapshot.config, snapshot.observed);
  const drained = new Set(
    Object.values(before.drains.regions)
      .filter((r) => r.drained)
      .map((r) => r.region),
  );
  const refused = capacityRefusal(region, drained, routedServices(snapshot.config, snapshot.observed), capacity, headroom);
  const lines = [
    ...describeCapacity(capacity).map((line) => `capacity of ${line} (${headroom}% headroom)`),
    ...(unread.length > 0 ? [`capacity not read in: ${unread.join(', ')}`] : []),
  ];
  return { ...(refused ? { refusal: { guard: refused.guard, reason: refused.reason } } : {}), lines };
}
