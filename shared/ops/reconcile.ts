/**
 * Reconcile: the level-based pass the tick runs every minute and an operator can ask for now —
 * re-apply onboarded clusters' member objects, then re-render every route from the facts.
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import { ensureMemberObjects } from '../onboarding/member-objects.ts';
import type { LifecycleDeps } from '../onboarding/deps.ts';
import { updateRoutes } from '../onboarding/update-routes.ts';
import { regionOf } from '../routing/index.ts';
import { listClusterRecords } from '../state/cluster-records.ts';
import { startOperation, type OperationRecorder } from '../state/operations.ts';
import { describeTrafficMoved, planFleet } from './plan.ts';
import type { ManualResult } from './result.ts';
import { readSnapshot } from './snapshot.ts';

/** Re-applies member objects and routes; returns the route changes (empty when nothing changed). */
export async function reconcileFleet(deps: LifecycleDeps, op: OperationRecorder, config: FleetConfig): Promise<string[]> {
  for (const record of await listClusterRecords(deps.store)) {
    if (record.phase !== 'onboarded') continue;
    const cluster = await deps.container.getCluster(record.location, record.name);
    if (!cluster || cluster.status !== 'RUNNING') continue;
    const kube = await deps.kubeFor(cluster, record.membership?.split('/').pop());
    await op.step(`member objects of ${record.name}`, () => ensureMemberObjects(kube, config, { name: record.name, location: record.location, region: regionOf(record.location) }),
      (o) => ({ outcome: o.changed.length > 0 ? 'done' : 'unchanged', ...(o.changed.length > 0 ? { detail: o.changed.join(', ') } : {}) }));
  }
  return (await updateRoutes(deps, op, config)).changed;
}

/** Reconcile now on a person's request; a dry run shows what the route render would change. */
export async function reconcileNow(deps: LifecycleDeps, request: { principal: string; dryRun: boolean; source: string }): Promise<ManualResult> {
  if (request.dryRun) {
    const plan = planFleet(await readSnapshot(deps));
    const lines = [...plan.routes.flatMap((r) => r.diff.map((line) => `HTTPRoute ${r.namespace}/${r.service}: ${line}`)), ...describeTrafficMoved(plan.routes)];
    return { result: 'planned', summary: lines.length > 0 ? `dry run: reconcile would change ${lines.length} route line(s)` : 'dry run: routes already match; reconcile changes nothing', plan: lines, routes: plan.routes };
  }
  const op = await startOperation(deps, { kind: 'reconcile', trigger: { source: request.source }, principal: request.principal, subject: 'fleet' });
  try {
    const changed = await reconcileFleet(deps, op, await deps.config());
    const summary = changed.length > 0 ? `reconciled by ${request.principal}: ${changed.join('; ')}` : `reconciled by ${request.principal}: nothing to change`;
    const record = await op.finish('succeeded', summary);
    return { result: 'succeeded', summary, plan: record.plan, operation: record };
  } catch (error) {
    await op.finish('failed', error instanceof Error ? error.message : String(error));
    throw error;
  }
}
