/**
 * Reconcile: the level-based pass the tick runs every minute and an operator can ask for now —
 * re-apply onboarded clusters' member objects (attached ones through Connect Gateway), bring the
 * mesh's remote secrets to every pair of mesh clusters (renewed, stale ones removed), then
 * re-render every route from the facts.
 */
import type { KubeAdapter } from '../adapters/kube.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { attachedClusterOf, attachedKube, type AttachedCluster } from './attached.ts';
import { ensureMemberObjects } from './member-objects.ts';
import { MESH_STEPS, meshNamespacesStep, meshNetworkStep, reconcileMeshSecrets } from '../mesh/index.ts';
import type { Needs } from '../core/context.ts';
import { runOperation, type RunnerContext } from '../core/run-operation.ts';
import { updateRoutes, type RenderOptions, type RoutesContext } from '../routing/index.ts';
import { regionOf } from '../routing/index.ts';
import { listClusterRecords } from '../state/cluster-records.ts';
import type { OperationRecorder } from '../state/operations.ts';
import { describeTrafficMoved, planFleet } from '../routing/index.ts';
import type { ManualResult } from '../core/manual-result.ts';
import { readSnapshot } from '../routing/index.ts';
import { ONBOARDING_STEPS } from './steps.ts';

/** What a reconcile needs: the route render, the fleet (attached memberships) and a logger. */
export type ReconcileContext = RoutesContext & Needs<'hub' | 'log'>;

/** The reason of a reconcile that changed nothing. */
export const NOTHING_TO_CHANGE = 'nothing to change';

/**
 * Re-applies member objects (GKE clusters at their endpoint, attached clusters through Connect
 * Gateway), the mesh's remote secrets and routes; returns the mesh summary and the route changes
 * (empty when nothing changed). The mesh runs before the routes: a route lease another run holds
 * ends the tick, and must not starve token renewal.
 */
export async function reconcileFleet(
  deps: ReconcileContext,
  op: OperationRecorder,
  config: FleetConfig,
  options: RenderOptions = {},
): Promise<string[]> {
  for (const record of await listClusterRecords(deps.store)) {
    if (record.phase !== 'onboarded') continue;
    const attached = attachedClusterOf(record);
    if (attached) {
      await reconcileAttached(deps, op, config, attached);
      continue;
    }
    const cluster = await deps.container.getCluster(record.location, record.name);
    if (!cluster || cluster.status !== 'RUNNING') continue;
    try {
      const kube = await deps.kubeFor(cluster, record.membership);
      await memberObjectsStep(op, kube, config, { name: record.name, location: record.location, region: regionOf(record.location) });
      await meshNetworkStep(op, MESH_STEPS.networkOf(record.name), kube, config, record.name);
    } catch (error) {
      // Recorded as a failed step; one API server that cannot be reached holds up neither the mesh nor the routes.
      deps.log.warn('cluster not reconciled; the next tick tries again', { cluster: record.name, error });
    }
  }
  const mesh = await reconcileMeshSecrets(deps, op, config, {
    kube: (record) => attachedKube(deps, attachedClusterOf(record)!),
  });
  return [...mesh, ...(await updateRoutes(deps, op, config, options)).changed];
}

/**
 * An attached cluster's member objects, through Connect Gateway, while its membership is READY. A
 * cluster the gateway cannot reach is recorded as a failed step and does not hold up the others or
 * the routes (which do not depend on reaching it).
 */
async function reconcileAttached(
  deps: ReconcileContext,
  op: OperationRecorder,
  config: FleetConfig,
  cluster: AttachedCluster,
): Promise<void> {
  const membership = await deps.hub.getMembership(cluster.location, cluster.name);
  if (membership?.state?.code !== 'READY') {
    op.note(
      ONBOARDING_STEPS.memberObjectsOf(cluster.name),
      'skipped',
      `membership ${cluster.membership} is ${membership ? (membership.state?.code ?? 'in no state') : 'gone'}`,
    );
    return;
  }
  try {
    const kube = await attachedKube(deps, cluster);
    await memberObjectsStep(op, kube, config, {
      name: cluster.name,
      location: cluster.region,
      region: cluster.region,
    });
    // Only a cluster wired into the mesh (one with an address, see mesh.apiServers) has a network there.
    if (Object.hasOwn(config.mesh.apiServers, cluster.name)) {
      if (config.mesh.services.length > 0) await meshNamespacesStep(op, kube, cluster.name, config.mesh.services);
      await meshNetworkStep(op, MESH_STEPS.networkOf(cluster.name), kube, config, cluster.name);
    }
  } catch (error) {
    deps.log.warn('attached cluster not reconciled; the next tick tries again', { cluster: cluster.membership, error });
  }
}

function memberObjectsStep(
  op: OperationRecorder,
  kube: KubeAdapter,
  config: FleetConfig,
  cluster: { name: string; location: string; region: string },
) {
  return op.step(
    ONBOARDING_STEPS.memberObjectsOf(cluster.name),
    () => ensureMemberObjects(kube, config, cluster),
    (o) => ({ outcome: o.changed.length > 0 ? 'done' : 'unchanged', ...(o.changed.length > 0 ? { detail: o.changed.join(', ') } : {}) }),
  );
}

/** Reconcile now on a person's request; a dry run shows what the route render would change. */
export async function reconcileNow(
  deps: ReconcileContext & RunnerContext,
  request: { principal: string; dryRun: boolean; source: string },
): Promise<ManualResult> {
  if (request.dryRun) {
    const plan = planFleet(await readSnapshot(deps));
    const lines = [
      ...plan.routes.flatMap((r) => r.diff.map((line) => `HTTPRoute ${r.namespace}/${r.service}: ${line}`)),
      ...describeTrafficMoved(plan.routes),
    ];
    return {
      result: 'planned',
      summary:
        lines.length > 0
          ? `dry run: reconcile would change ${lines.length} route line(s)`
          : 'dry run: routes already match; reconcile changes nothing',
      plan: lines,
      routes: plan.routes,
    };
  }
  const spec = {
    kind: 'reconcile',
    delivery: 'request' as const,
    trigger: { source: request.source },
    principal: request.principal,
    subject: 'fleet',
  };
  const { record } = await runOperation(deps, spec, async ({ op }) => {
    const changed = await reconcileFleet(deps, op, await deps.config());
    return {
      result: 'succeeded',
      reason: `reconciled by ${request.principal}: ${changed.length > 0 ? changed.join('; ') : NOTHING_TO_CHANGE}`,
    };
  });
  return { result: 'succeeded', summary: record.reason ?? '', plan: record.plan, operation: record };
}
