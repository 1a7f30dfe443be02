/**
 * The health-alert flow: a Cloud Monitoring incident is mapped to a region, merged as a fact, and
 * the routes are re-rendered from the drain state derived from all facts (guards included). Test
 * notifications and incidents that cannot be mapped are recorded and acknowledged, never drained.
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import { rejectEvent, runOperation, type FlowOutcome, type RunnerContext } from '../core/run-operation.ts';
import { isHandedOver, regionOf, updateRoutes, type RoutesContext } from '../routing/index.ts';
import { listClusterRecords, recordKind } from '../state/cluster-records.ts';
import type { OperationRecord, OperationRecorder } from '../state/operations.ts';
import { recordFact } from './drain-store.ts';
import { incidentEntry } from './fact-log.ts';
import { parseIncidentNotification, type IncidentEvent } from './incident.ts';
import { mapIncidentToRegion } from './map-region.ts';
import { FAILOVER_STEPS } from './steps.ts';
import { proposeOrCancel } from '../approvals/index.ts';

/** What the alert flow needs. */
export type AlertContext = RunnerContext & RoutesContext;

const KIND = 'health-alert';
const PRINCIPAL = 'cloud-monitoring';

/** Handles one notification payload (already decoded from its Pub/Sub message); throws only for what Pub/Sub should redeliver. */
export async function handleMonitoringNotification(ctx: AlertContext, payload: unknown, messageId: string): Promise<OperationRecord> {
  const parsed = parseIncidentNotification(payload);
  const trigger: Record<string, unknown> = { source: PRINCIPAL, messageId };
  const unknown = { kind: KIND, trigger, principal: PRINCIPAL, subject: 'unknown' };
  if (!parsed.ok) return rejectEvent(ctx, unknown, `notification rejected: ${parsed.reason}`);
  if ('test' in parsed) {
    return rejectEvent(
      ctx,
      { ...unknown, trigger: { ...trigger, test: true }, subject: 'test' },
      'test notification: recognised, nothing drained',
    );
  }
  const incident = parsed.incident;
  Object.assign(trigger, {
    incidentId: incident.incidentId,
    state: incident.state,
    startedAt: incident.startedAt.toISOString(),
    endedAt: incident.endedAt?.toISOString() ?? null,
    policy: incident.policyName,
  });
  // Read alongside the cluster records and the fact: a failover waits for each round trip in turn.
  const config = ctx.config();
  config.catch(() => undefined);
  const records = await listClusterRecords(ctx.store);
  // An attached cluster's location is its membership's (`global`); the region it was onboarded for is what counts.
  const mapped = mapIncidentToRegion(
    incident,
    records.map((r) => ({ name: r.name, location: r.location, region: recordKind(r) === 'attached' ? r.region : regionOf(r.location) })),
  );
  if (!mapped.ok) return rejectEvent(ctx, unknown, `incident not mapped to a region: ${mapped.reason}`);
  const region = mapped.region;
  const spec = {
    kind: KIND,
    delivery: 'pubsub' as const,
    trigger: { ...trigger, region, via: mapped.via },
    principal: PRINCIPAL,
    subject: `region/${region}`,
    region,
  };
  return (await runOperation(ctx, spec, ({ op }) => drainOrRestore(ctx, op, incident, region, config))).record;
}

/** Merges the incident as a fact and renders routes from the derived drains. */
async function drainOrRestore(
  ctx: RoutesContext & RunnerContext,
  op: OperationRecorder,
  incident: IncidentEvent,
  region: string,
  config: Promise<FleetConfig>,
): Promise<FlowOutcome> {
  const settings = await config;
  // Propose mode: an open asks a person first, a close cancels what is still pending.
  if (settings.failover.mode === 'propose') {
    const proposed = await proposeOrCancel(ctx, settings, incident, region);
    if (proposed) return proposed;
  }
  const merged = await op.step(
    FAILOVER_STEPS.recordIncident(incident.state),
    () => recordFact(ctx.store, incidentEntry(incident, region, ctx.clock.now())),
    (m) => ({
      outcome: m.changed ? 'done' : 'unchanged',
      detail: m.changed ? `incident ${incident.incidentId} ${incident.state}` : 'already known (renotification or duplicate)',
    }),
  );
  // A notice that adds nothing does not wait for a busy holder (in a storm, most of them): its mark
  // alone makes the holder render once more, which covers a redelivery whose first run died.
  const outcome = await updateRoutes(ctx, op, settings, merged.changed ? {} : { leaseWaitMs: 0 }).catch((error: unknown) => {
    if (isHandedOver(error)) return undefined;
    throw error;
  });
  if (!outcome)
    return {
      result: 'skipped',
      reason: `no change: incident ${incident.incidentId} ${incident.state} already known; the route lease holder renders again`,
    };
  const state = outcome.drains.regions[region];
  const refusal = outcome.drains.refusals.filter((r) => r.ref === incident.incidentId).at(-1);
  if (incident.state === 'open' && !state?.drained && refusal) return { result: 'refused', reason: `${refusal.guard}: ${refusal.reason}` };
  const summary = state?.drained
    ? `${region} drained${state.restoreAt ? `; restore due at ${state.restoreAt}` : ''}`
    : state?.partial
      ? `${region} partly drained: keeps ${state.partial.percent}% of its weight until the other regions can run the rest (${state.partial.reason})`
      : `${region} serving`;
  // A redelivery whose fact was already recorded may still be the run that changes the routes.
  const changed = merged.changed || outcome.changed.length > 0;
  return { result: changed ? 'succeeded' : 'skipped', reason: changed ? summary : `no change: ${summary}` };
}
