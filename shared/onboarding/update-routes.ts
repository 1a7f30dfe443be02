/** Re-renders every route from what is observed now, under the config cluster's route lease. */
import type { FleetConfig } from '../config/fleet-config.ts';
import { TransientError } from '../errors.ts';
import { withLease } from '../state/leases.ts';
import type { OperationRecorder } from '../state/operations.ts';
import type { LifecycleDeps } from './deps.ts';
import { observeRouting, reconcileRoutes, type RoutesOutcome } from './routes.ts';

/** Observes, plans and applies routes; records the plan and the outcome on `op`. */
export async function updateRoutes(deps: LifecycleDeps, op: OperationRecorder, config: FleetConfig): Promise<RoutesOutcome> {
  const configCluster = await deps.container.getCluster(config.fleet.configCluster.location, config.fleet.configCluster.name);
  if (!configCluster) throw new Error(`config cluster ${config.fleet.configCluster.name} does not exist; routes cannot be written`);
  if (configCluster.status !== 'RUNNING' && configCluster.status !== 'RECONCILING') {
    throw new TransientError(`config cluster ${configCluster.name} is ${configCluster.status}; routes wait until it runs`);
  }
  const configKube = await deps.kubeFor(configCluster, config.fleet.configCluster.membership);
  const key = `routes:${config.fleet.configCluster.location}:${config.fleet.configCluster.name}`;
  return withLease(deps, key, `${deps.instanceId}:${op.id}`, 60_000, async () => {
    const observed = await op.step('observe clusters and ServiceImports', () => observeRouting({ container: deps.container, store: deps.store, configKube }, config),
      (o) => ({ detail: `${o.clusters.length} routable clusters, ${o.imports.size} ServiceImports` }));
    const outcome = await op.step('apply Gateway and HTTPRoutes', () => reconcileRoutes(configKube, config, observed),
      (o) => ({ outcome: o.changed.length > 0 ? 'done' : 'unchanged', detail: o.changed.join('; ') || 'routes already match' }));
    op.plan([...outcome.explanation, ...outcome.changed]);
    for (const problem of outcome.problems) op.note('route refused', 'failed', problem);
    return outcome;
  }, 30_000);
}
