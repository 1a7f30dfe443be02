/**
 * The health-alert flow: a Cloud Monitoring incident is mapped to a region, merged as a fact, and
 * the routes are re-rendered from the drain state derived from all facts (guards included). Test
 * notifications and incidents that cannot be mapped are recorded and acknowledged, never drained.
 */
import { isRetryable } from '../core/errors.ts';
import { parseIncidentNotification } from './incident.ts';
import { mapIncidentToRegion, mergeIncident } from './index.ts';
import type { LifecycleDeps } from '../core/context.ts';
import { updateRoutes } from '../routing/update-routes.ts';
import { listClusterRecords, recordKind } from '../state/cluster-records.ts';
import { startOperation, type OperationRecord } from '../state/operations.ts';
import { updateFacts } from './drain-store.ts';

/** Handles one notification payload (already decoded from its Pub/Sub message). */
export async function handleMonitoringNotification(deps: LifecycleDeps, payload: unknown, messageId: string): Promise<OperationRecord> {
  const parsed = parseIncidentNotification(payload);
  const trigger: Record<string, unknown> = { source: 'cloud-monitoring', messageId };
  if (!parsed.ok) {
    const op = await startOperation(deps, { kind: 'health-alert', trigger, principal: 'cloud-monitoring', subject: 'unknown' });
    deps.log.warn('monitoring notification rejected', { messageId, reason: parsed.reason });
    return op.finish('skipped', `notification rejected: ${parsed.reason}`);
  }
  if ('test' in parsed) {
    const op = await startOperation(deps, { kind: 'health-alert', trigger: { ...trigger, test: true }, principal: 'cloud-monitoring', subject: 'test' });
    return op.finish('skipped', 'test notification: recognised, nothing drained');
  }
  const incident = parsed.incident;
  Object.assign(trigger, { incidentId: incident.incidentId, state: incident.state, startedAt: incident.startedAt.toISOString(), endedAt: incident.endedAt?.toISOString() ?? null, policy: incident.policyName });
  const records = await listClusterRecords(deps.store);
  // An attached cluster's location is its membership's (`global`); the region it was onboarded for is what counts.
  const mapped = mapIncidentToRegion(incident, records.map((r) => ({ name: r.name, location: recordKind(r) === 'attached' ? r.region : r.location })));
  if (!mapped.ok) {
    const op = await startOperation(deps, { kind: 'health-alert', trigger, principal: 'cloud-monitoring', subject: 'unknown' });
    deps.log.warn('incident could not be mapped to a region', { messageId, incidentId: incident.incidentId, reason: mapped.reason });
    return op.finish('skipped', `incident not mapped to a region: ${mapped.reason}`);
  }
  const region = mapped.region;
  const op = await startOperation(deps, { kind: 'health-alert', trigger: { ...trigger, region, via: mapped.via }, principal: 'cloud-monitoring', subject: `region/${region}`, region });
  const log = deps.log.child({ operationId: op.id, messageId, region, incidentId: incident.incidentId });
  try {
    const merged = await op.step(`record incident ${incident.state}`, () => updateFacts(deps.store, (facts) => mergeIncident(facts, incident, region)),
      (m) => ({ outcome: m.changed ? 'done' : 'unchanged', detail: m.changed ? `incident ${incident.incidentId} ${incident.state}` : 'already known (renotification or duplicate)' }));
    const config = await deps.config();
    const outcome = await updateRoutes(deps, op, config);
    const state = outcome.drains.regions[region];
    const refusal = outcome.drains.refusals.filter((r) => r.ref === incident.incidentId).at(-1);
    if (incident.state === 'open' && !state?.drained && refusal) {
      log.warn('drain refused', { guard: refusal.guard, reason: refusal.reason });
      return await op.finish('refused', `${refusal.guard}: ${refusal.reason}`);
    }
    const summary = state?.drained
      ? `${region} drained${state.restoreAt ? `; restore due at ${state.restoreAt}` : ''}`
      : `${region} serving`;
    log.info('health alert handled', { drained: state?.drained ?? false, changed: merged.changed });
    return await op.finish(merged.changed || outcome.changed.length > 0 ? 'succeeded' : 'skipped', merged.changed ? summary : `no change: ${summary}`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (isRetryable(error)) {
      await op.finish('retrying', message);
      throw error;
    }
    log.error('health alert failed permanently', { error });
    return op.finish('failed', message);
  }
}
