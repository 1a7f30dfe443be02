/**
 * What the API routers need, as one options object: the fleet operations (the shared flows, or
 * small fakes in unit tests), the store for operation records and idempotency keys, and the
 * authentication and rate-limit collaborators.
 */
import type { Store } from '../../shared/adapters/firestore.ts';
import type { Clock } from '../../shared/core/clock.ts';
import type { Logger } from '../../shared/core/logger.ts';
import { planConfigChange, readConfigView, type ConfigView } from '../../shared/ops/config-ops.ts';
import { offboardCluster, onboardCluster, type ClusterRequest } from '../../shared/ops/cluster-ops.ts';
import { readFleetView, type FleetView } from '../../shared/ops/fleet-view.ts';
import { manualDrain, type ManualRequest } from '../../shared/failover/manual-drain.ts';
import { planFleet, type RoutePreview } from '../../shared/routing/fleet-plan.ts';
import { reconcileNow } from '../../shared/ops/reconcile.ts';
import type { ManualResult } from '../../shared/ops/result.ts';
import { readSnapshot } from '../../shared/routing/snapshot.ts';
import type { LifecycleDeps } from '../../shared/core/context.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';
import type { AuthDeps } from './auth.ts';
import type { RateLimiter } from './rate-limit.ts';

/** A dependency's answer to the readiness check. */
export interface DependencyStatus {
  ok: boolean;
  latencyMs: number;
  /** Why it did not answer (never a secret). */
  error?: string;
}

/** The operations behind the API and the Slack commands. */
export interface FleetOps {
  fleet(): Promise<FleetView>;
  routes(): Promise<RoutePreview[]>;
  manualDrain(request: ManualRequest): Promise<ManualResult>;
  reconcile(request: { principal: string; dryRun: boolean; source: string }): Promise<ManualResult>;
  onboard(request: ClusterRequest): Promise<ManualResult>;
  offboard(request: ClusterRequest): Promise<ManualResult>;
  readiness(): Promise<Record<string, DependencyStatus>>;
  config(): Promise<ConfigView>;
  planConfig(yaml: string): Promise<ManualResult>;
}

/** Options of the API routers. */
export interface ApiDeps {
  ops: FleetOps;
  /** Operation records and idempotency keys. */
  store: Store;
  auth: AuthDeps;
  limiter: RateLimiter;
  clock: Clock;
  log: Logger;
}

/** The real operations on the shared flows; every recorded outcome is also published. */
export function createFleetOps(deps: LifecycleDeps, publish: (record: OperationRecord) => Promise<void>, readiness: FleetOps['readiness']): FleetOps {
  const published = async (run: Promise<ManualResult>) => {
    const result = await run;
    if (result.operation) {
      await publish(result.operation).catch((error: unknown) => deps.log.warn('result not published', { operationId: result.operation?.id, error }));
    }
    return result;
  };
  return {
    fleet: () => readFleetView(deps),
    routes: async () => planFleet(await readSnapshot(deps)).routes,
    manualDrain: (request) => published(manualDrain(deps, request)),
    reconcile: (request) => published(reconcileNow(deps, request)),
    onboard: (request) => published(onboardCluster(deps, request)),
    offboard: (request) => published(offboardCluster(deps, request)),
    readiness,
    config: () => readConfigView(deps),
    planConfig: (yaml) => planConfigChange(deps, yaml),
  };
}
