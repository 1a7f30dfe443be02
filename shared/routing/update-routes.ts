/** Re-renders every route from what is observed now, under the config cluster's route lease. */
import type { FleetConfig } from '../config/fleet-config.ts';
import {
  compactStoredFacts,
  deriveDrains,
  drainOverlay,
  readFacts,
  writeDrainSnapshot,
  type FleetDrainState,
  type FleetFacts,
  type ServiceRegions,
} from '../failover/index.ts';
import { observeRegions } from './region-state.ts';
import type { RoutingObservation } from './observation.ts';
import { configClusterKube } from './config-kube.ts';
import { applyMeshDrains } from '../mesh/index.ts';
import { ROUTE_STEPS } from './steps.ts';
import { withLease } from '../state/leases.ts';
import type { OperationRecorder } from '../state/operations.ts';
import type { Needs } from '../core/context.ts';
import { observeRouting, reconcileRoutes, type RoutesOutcome } from './apply-routes.ts';

/** What a route render needs: the reads routing observes, the facts, the config cluster and its lease. */
export type RoutesContext = Needs<'container' | 'kubeFor' | 'store' | 'config' | 'clock' | 'sleep' | 'instanceId'>;

/** How long a render waits for the route lease: events wait; the tick does not (the next tick is its retry). */
export interface RenderOptions {
  leaseWaitMs?: number;
}

/** Observes, plans and applies routes; records the plan and the outcome on `op`. */
export async function updateRoutes(
  deps: RoutesContext,
  op: OperationRecorder,
  requested: FleetConfig,
  options: RenderOptions = {},
): Promise<RoutesOutcome & { drains: FleetDrainState }> {
  const configKube = await configClusterKube(deps, requested);
  const key = `routes:${requested.fleet.configCluster.location}:${requested.fleet.configCluster.name}`;
  // Facts are read inside the lease: the last writer always renders from the newest facts.
  return withLease(
    deps,
    key,
    `${deps.instanceId}:${op.id}`,
    60_000,
    async () => {
      // The configuration is re-read inside the lease too: a run that waited here must not render a
      // revision that a newer push replaced while it waited.
      const config = await deps.config();
      const observed = await op.step(
        ROUTE_STEPS.observe,
        () => observeRouting({ container: deps.container, store: deps.store, configKube }, config),
        (o) => ({ detail: `${o.clusters.length} routable clusters, ${o.imports.size} ServiceImports` }),
      );
      const services = routedServices(config, observed);
      let facts: FleetFacts | undefined;
      const drains = await op.step(
        ROUTE_STEPS.deriveDrains,
        async () => {
          facts = await readFacts(deps.store);
          return deriveDrains({ facts, services, policy: config.safety, now: deps.clock.now() });
        },
        (d) => ({ detail: describeDrains(d) }),
      );
      const overlay = drainOverlay(drains, config.safety.pinnedPathsOnDrain);
      const outcome = await op.step(
        ROUTE_STEPS.applyRoutes,
        () => reconcileRoutes(configKube, config, observed, overlay),
        (o) => ({ outcome: o.changed.length > 0 ? 'done' : 'unchanged', detail: o.changed.join('; ') || 'routes already match' }),
      );
      // After the Gateway path (what failover time is measured on), the mesh follows the same drains.
      await applyMeshDrains(deps, op, config, observed, overlay.drained);
      await writeDrainSnapshot(deps.store, drains, deps.clock.now(), op.id);
      // Folding old history keeps the facts document and the replay bounded; the derivation is unchanged by it.
      const folded = await compactStoredFacts(deps.store, { services, policy: config.safety, now: deps.clock.now() }, facts!);
      if (folded > 0) op.note(ROUTE_STEPS.compactFacts, 'done', `${folded} settled facts folded into the history base`);
      op.plan([...outcome.explanation, ...outcome.changed, ...drains.refusals.map((r) => `refused: ${r.reason} (${r.guard})`)]);
      for (const problem of outcome.problems) op.note(ROUTE_STEPS.routeRefused, 'failed', problem);
      return { ...outcome, drains };
    },
    options.leaseWaitMs ?? 30_000,
  );
}

function describeDrains(state: FleetDrainState): string {
  const drained = Object.values(state.regions)
    .filter((r) => r.drained)
    .map((r) => `${r.region} (${r.cause ?? 'alert'})`);
  const parts = [drained.length > 0 ? `drained: ${drained.join(', ')}` : 'no region drained'];
  if (state.refusals.length > 0) parts.push(`${state.refusals.length} refused`);
  return parts.join('; ');
}

/** Each service with the regions it can route to now (drained ones included): what the guards count. */
export function routedServices(config: FleetConfig, observed: RoutingObservation): ServiceRegions[] {
  return config.services.map((s) => ({
    name: s.name,
    regions: observeRegions(s, observed)
      .filter((r) => r.ready)
      .map((r) => r.region),
  }));
}
