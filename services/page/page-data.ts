/**
 * What the live fleet page shows, read in one go through the API's own operations: the fleet view
 * (regions, clusters, live traffic), each service's rendered and live route, the latest drills, the
 * latest operations worth reading, and the pending approvals when the deployment has them.
 */
import type { Store } from '../../shared/adapters/firestore.ts';
import type { Clock } from '../../shared/core/clock.ts';
import type { Logger } from '../../shared/core/logger.ts';
import type { DrillRecord } from '../../shared/drills/index.ts';
import { NOTHING_TO_CHANGE } from '../../shared/onboarding/reconcile.ts';
import type { FleetView } from '../../shared/ops/fleet-view.ts';
import type { RoutePreview } from '../../shared/routing/fleet-plan.ts';
import { listOperations } from '../../shared/state/operations-query.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';
import type { AuthDeps } from '../api/auth.ts';
import type { FleetOps } from '../api/deps.ts';
import type { RateLimiter } from '../api/rate-limit.ts';

/** An approval waiting for a second person, as the approvals flow lists it. */
export interface PendingApproval {
  id: string;
  action: string;
  subject: string;
  requestedBy: string;
  summary: string;
  expiresAt: string;
}

/** What the page needs: the API's operations, store, authentication and limiter, and optionally the pending approvals. */
export interface FleetPageDeps {
  ops: Pick<FleetOps, 'fleet' | 'routes' | 'drills'>;
  /** Operation records. */
  store: Store;
  auth: AuthDeps;
  limiter: RateLimiter;
  clock: Clock;
  log: Logger;
  /** Approvals waiting for a decision; absent in a deployment without approvals. */
  pendingApprovals?: () => Promise<PendingApproval[]>;
}

/** One read of everything the page shows. */
export interface FleetPageData {
  fleet: FleetView;
  routes: RoutePreview[];
  /** The latest drills, newest first. */
  drills: DrillRecord[];
  /** The latest operations worth reading (quiet ticks left out), newest first. */
  operations: OperationRecord[];
  /** Undefined when the deployment has no approvals. */
  approvals?: PendingApproval[];
}

/** How many operations the page shows. */
export const PAGE_OPERATIONS = 8;
/** How many of the latest operation records are read to find them (ticks that changed nothing are most of them). */
const OPERATIONS_READ = 50;

/** Reads the page's data; the reads run in parallel. */
export async function readFleetPageData(deps: Pick<FleetPageDeps, 'ops' | 'store' | 'pendingApprovals'>): Promise<FleetPageData> {
  const [fleet, routes, drills, page, approvals] = await Promise.all([
    deps.ops.fleet(),
    deps.ops.routes(),
    deps.ops.drills(),
    listOperations(deps.store, {}, OPERATIONS_READ),
    deps.pendingApprovals?.(),
  ]);
  const operations = page.operations.filter((op) => !isQuietTick(op)).slice(0, PAGE_OPERATIONS);
  return { fleet, routes, drills, operations, ...(approvals ? { approvals } : {}) };
}

/** A tick that changed nothing (or is still running): the records nobody needs on the page. */
export function isQuietTick(op: Pick<OperationRecord, 'kind' | 'result' | 'reason'>): boolean {
  return op.kind === 'tick' && (op.result === undefined || (op.result === 'succeeded' && op.reason === NOTHING_TO_CHANGE));
}

/**
 * Shares `read` between callers: one started less than `maxAgeMs` ago (by `clock`) is reused,
 * running or done, so every open page of an instance costs one read per interval. A read that
 * fails is not reused.
 */
export function sharedReader<T>(read: () => Promise<T>, clock: Clock, maxAgeMs: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = clock.now().getTime();
    if (!last || now - last.at >= maxAgeMs) {
      const entry = { at: now, value: read() };
      last = entry;
      entry.value.catch(() => {
        if (last === entry) last = undefined;
      });
    }
    return last.value;
  };
}
