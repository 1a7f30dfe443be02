/**
 * The one place a flow's run begins and ends. A flow is read → plan → apply and returns how it
 * ended ({@link FlowOutcome}); the runner owns everything around it: the operation record, the
 * processed-event marker, the lease, the retry-or-terminal decision from the one error
 * classification, the finish, the log line and the published result. controller-runtime's
 * reconcileHandler plays this part for reconcilers.
 */
import { MARKERS } from '../adapters/firestore.ts';
import { withLease } from '../state/leases.ts';
import {
  startOperation,
  type OperationInit,
  type OperationRecord,
  type OperationRecorder,
  type OperationResult,
} from '../state/operations.ts';
import type { Needs } from './context.ts';
import { TransientError, isRetryable } from './errors.ts';
import type { Logger } from './logger.ts';

/**
 * How a failure ends, by who is waiting for the run:
 * - `pubsub`: a transient failure is rethrown so Pub/Sub redelivers (a terminal one is recorded and acknowledged);
 * - `tick`: nothing is rethrown, the next tick is the retry;
 * - `request`: a person is waiting: any failure is recorded and rethrown for the API to answer.
 */
export type Delivery = 'pubsub' | 'tick' | 'request';

/** What to run and how it ends. */
export interface OperationSpec extends OperationInit {
  delivery: Delivery;
  /** Processed-event marker: a run whose key is marked is skipped as a duplicate. Marked after success or a terminal failure. */
  marker?: { key: string; ttlMs: number };
  /** Serialise runs on one subject; a lease held elsewhere is a transient failure. */
  lease?: { key: string; ttlMs: number; waitMs: number };
  /** The last delivery attempt (`pubsub`): a transient failure is then final, recorded and acknowledged. */
  finalAttempt?: boolean;
  /** The plan, recorded before the flow runs (and before any lease wait). */
  plan?: string[];
  /**
   * Publish the outcome only when this returns true (default: always). A run not worth announcing
   * (a tick that changed nothing) is also kept only briefly (`retention.quietOperationsMs`).
   */
  announce?: (record: OperationRecord) => boolean;
}

/** How a flow ended; `reason` is the one line people read. */
export interface FlowOutcome {
  result: Exclude<OperationResult, 'retrying'>;
  reason?: string;
}

/** What a flow's body receives: its operation recorder and a logger bound to the operation. */
export interface FlowScope {
  op: OperationRecorder;
  log: Logger;
}

/** Hooks a flow may add to the ending; both run before the record is finished. */
export interface FlowHooks {
  /** A terminal failure (or a transient one on the final attempt): leave the flow's own state saying why. */
  onFailure?: (error: unknown, scope: FlowScope) => Promise<void>;
}

/** The finished record and, when the body returned, its outcome. */
export interface Ran<T extends FlowOutcome> {
  record: OperationRecord;
  outcome: T | undefined;
}

/** What the runner needs. */
export type RunnerContext = Needs<'store' | 'clock' | 'ids' | 'retention' | 'sleep' | 'log' | 'instanceId' | 'results'>;

/** Runs `body` as one recorded operation; throws only as {@link Delivery} says. */
export async function runOperation<T extends FlowOutcome>(
  ctx: RunnerContext,
  spec: OperationSpec,
  body: (scope: FlowScope) => Promise<T>,
  hooks: FlowHooks = {},
): Promise<Ran<T>> {
  const op = await startOperation(ctx, spec);
  const log = ctx.log.child({ operationId: op.id, kind: spec.kind, ...messageIdOf(spec) });
  const scope = { op, log };
  if (spec.marker && (await ctx.store.get(MARKERS, spec.marker.key))) {
    return end(ctx, spec, scope, { result: 'skipped', reason: 'duplicate: this event was already processed' } as T);
  }
  try {
    const lease = spec.lease;
    const outcome = lease
      ? await withLease(ctx, lease.key, `${ctx.instanceId}:${op.id}`, lease.ttlMs, () => body(scope), lease.waitMs)
      : await body(scope);
    if (spec.marker) await ctx.store.markOnce(spec.marker.key, spec.marker.ttlMs, { operationId: op.id });
    return await end(ctx, spec, scope, outcome);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const transient = isRetryable(error);
    if (spec.delivery === 'pubsub' && transient && !spec.finalAttempt) {
      log.warn('operation failed transiently; Pub/Sub redelivers', { error });
      await op.finish('retrying', reason);
      throw error;
    }
    if (spec.delivery === 'tick' && transient) {
      // Work another instance is doing (a held lease, a render handed over) is routine: neither a
      // warning nor news for the results topic.
      if (deferred(error)) {
        log.info('work left to the lease holder', { reason });
        return end<T>(ctx, { ...spec, announce: () => false }, scope, undefined, { result: 'skipped', reason });
      }
      log.warn('operation did not complete; the next tick tries again', { error });
      return end<T>(ctx, spec, scope, undefined, { result: 'skipped', reason });
    }
    log.error('operation failed', { error });
    await hooks.onFailure?.(error, scope);
    if (spec.marker) await ctx.store.markOnce(spec.marker.key, spec.marker.ttlMs, { operationId: op.id, failed: true });
    const ran = await end<T>(ctx, spec, scope, undefined, { result: 'failed', reason });
    if (spec.delivery === 'request') throw error;
    return ran;
  }
}

/** Records an event that cannot be acted on (malformed, unsupported) as skipped and acknowledges it. */
export async function rejectEvent(ctx: RunnerContext, spec: Omit<OperationSpec, 'delivery'>, reason: string): Promise<OperationRecord> {
  const ran = await runOperation(ctx, { ...spec, delivery: 'pubsub' }, async ({ log }) => {
    log.warn('event rejected', { reason });
    return { result: 'skipped', reason };
  });
  return ran.record;
}

async function end<T extends FlowOutcome>(
  ctx: RunnerContext,
  spec: OperationSpec,
  scope: FlowScope,
  outcome: T | undefined,
  ending: FlowOutcome = outcome!,
): Promise<Ran<T>> {
  const record = await scope.op.finish(ending.result, ending.reason, spec.announce);
  const announce = spec.announce?.(record) ?? true;
  // A run not worth announcing (a tick that changed nothing) is not worth an INFO line every minute either.
  const severity = ending.result === 'failed' ? 'error' : ending.result === 'refused' ? 'warn' : announce ? 'info' : 'debug';
  scope.log[severity]('operation finished', { result: ending.result, reason: ending.reason });
  if (announce) {
    // The record in Firestore is the truth; a lost announcement must not re-run the flow.
    await ctx.results(record).catch((error: unknown) => scope.log.warn('result not published', { error }));
  }
  return { record, outcome };
}

function messageIdOf(spec: OperationSpec): Record<string, unknown> {
  const id = spec.trigger.messageId;
  return typeof id === 'string' ? { messageId: id } : {};
}

/** True when another instance holds the work's lease, or takes over its render (see routing/render-lease.ts). */
function deferred(error: unknown): boolean {
  return error instanceof TransientError && (error.details.handedOver === true || error.details.busy === true);
}
