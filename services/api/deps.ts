/**
 * What the API routers need, as one options object: the fleet operations (the shared flows, or
 * small fakes in unit tests), the store for operation records and idempotency keys, and the
 * authentication and rate-limit collaborators.
 */
import type { Store } from '../../shared/adapters/firestore.ts';
import type { Clock } from '../../shared/core/clock.ts';
import type { Logger } from '../../shared/core/logger.ts';
import { planConfigChange, readConfigView, type ConfigView } from '../../shared/ops/config-ops.ts';
import { onboardCluster, type ClusterRequest } from '../../shared/onboarding/cluster-ops.ts';
import { readFleetView, type FleetView } from '../../shared/ops/fleet-view.ts';
import type { ManualRequest } from '../../shared/failover/manual-drain.ts';
import { planFleet, type RoutePreview } from '../../shared/routing/fleet-plan.ts';
import { reconcileNow } from '../../shared/onboarding/reconcile.ts';
import type { ManualResult } from '../../shared/core/manual-result.ts';
import { readSnapshot } from '../../shared/routing/snapshot.ts';
import type { FleetContext } from '../../shared/core/context.ts';
import type { PreflightReport } from '../../shared/ops/preflight.ts';
import {
  readDrill,
  recentDrills,
  startDrill,
  type DrillRecord,
  type DrillRequest,
  type DrillStartResult,
} from '../../shared/drills/index.ts';
import {
  decideApproval,
  gatedManualDrain,
  gatedOffboard,
  readApproval,
  recentApprovals,
  type ApprovalRecord,
  type ApprovalState,
  type Decision,
} from '../../shared/approvals/index.ts';
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
  /** The fleet's prerequisites, each with the command that fixes it when it does not hold. */
  preflight(): Promise<PreflightReport>;
  config(): Promise<ConfigView>;
  planConfig(yaml: string): Promise<ManualResult>;
  /** Plans or starts a drill (see shared/drills). */
  startDrill(request: DrillRequest): Promise<DrillStartResult>;
  /** One drill; undefined when there is none with that id. */
  drill(id: string): Promise<DrillRecord | undefined>;
  /** The latest drills, newest first. */
  drills(): Promise<DrillRecord[]>;
  /** The latest approvals, newest first, optionally in one state. */
  approvals(state?: ApprovalState): Promise<ApprovalRecord[]>;
  /** One approval; undefined when there is none. */
  approval(id: string): Promise<ApprovalRecord | undefined>;
  /** Approves (carrying the request out) or denies an approval. */
  decide(decision: Decision): Promise<ManualResult>;
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

/** The real operations on the shared flows (each finished operation is published by the runner). */
export function createFleetOps(fleet: FleetContext, readiness: FleetOps['readiness'], preflight: FleetOps['preflight']): FleetOps {
  return {
    fleet: () => readFleetView(fleet),
    routes: async () => planFleet(await readSnapshot(fleet)).routes,
    // Requests the approval rules name wait for a second person (shared/approvals).
    manualDrain: (request) => gatedManualDrain(fleet, request),
    reconcile: (request) => reconcileNow(fleet, request),
    onboard: (request) => onboardCluster(fleet, request),
    offboard: (request) => gatedOffboard(fleet, request),
    readiness,
    preflight,
    config: () => readConfigView(fleet),
    planConfig: (yaml) => planConfigChange(fleet, yaml),
    startDrill: (request) => startDrill(fleet, request),
    drill: (id) => readDrill(fleet.store, id),
    drills: () => recentDrills(fleet.store, 20),
    approvals: (state) => recentApprovals(fleet.store, state),
    approval: (id) => readApproval(fleet.store, id),
    decide: (decision) => decideApproval(fleet, decision),
  };
}
