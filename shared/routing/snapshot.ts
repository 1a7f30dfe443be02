/**
 * One read of everything a plan needs — the configuration, the routable clusters and
 * ServiceImports, the drain facts and the live HTTPRoutes — without writing anything. The API's
 * views and dry runs plan from it with the same planners the flows apply.
 */
import type { FleetConfig } from '../config/fleet-config.ts';
import { readFacts } from '../failover/index.ts';
import type { FleetFacts } from '../failover/index.ts';
import { configClusterKube } from './config-kube.ts';
import type { Needs } from '../core/context.ts';

/** What a snapshot reads from. */
export type SnapshotContext = Needs<'config' | 'container' | 'kubeFor' | 'store' | 'clock'>;
import { readRoutingInputs, routingObservation, type RoutingReads } from './apply-routes.ts';
import type { HttpRoute } from './http-route.ts';
import type { RoutingObservation } from './observation.ts';

/** What is observed at one moment. */
export interface FleetSnapshot {
  config: FleetConfig;
  observed: RoutingObservation;
  facts: FleetFacts;
  /** The live HTTPRoute of each configured service, by service name (`null` when absent). */
  live: Map<string, HttpRoute | null>;
  /** The reads `observed` was derived from (views show them too, without reading twice). */
  reads: RoutingReads;
  now: Date;
}

/** Reads a snapshot. Fails (never guesses) when any read fails. */
export async function readSnapshot(deps: SnapshotContext): Promise<FleetSnapshot> {
  const config = await deps.config();
  const configKube = await configClusterKube(deps, config);
  const [reads, facts, routes] = await Promise.all([
    readRoutingInputs({ container: deps.container, store: deps.store, configKube }),
    readFacts(deps.store),
    Promise.all(
      config.services.map(
        async (s) =>
          [
            s.name,
            await configKube.get<HttpRoute>({
              apiVersion: 'gateway.networking.k8s.io/v1',
              kind: 'HTTPRoute',
              namespace: s.namespace,
              name: s.name,
            }),
          ] as const,
      ),
    ),
  ]);
  return { config, observed: routingObservation(reads, config), facts, live: new Map(routes), reads, now: deps.clock.now() };
}
