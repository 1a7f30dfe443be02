/**
 * The tick (Cloud Scheduler, every minute): timed, level-based work. Today it re-applies member
 * objects of onboarded clusters (an application Service deployed after onboarding gets exported)
 * and re-renders routes (regions whose ServiceImports appeared since join the default rule).
 */
import type { FunctionContext } from '../compose.ts';
import { isRetryable } from '../../shared/core/errors.ts';
import { publishResult } from '../../shared/core/publish-result.ts';
import { reconcileFleet } from '../../shared/ops/reconcile.ts';
import { startOperation, type OperationRecord } from '../../shared/state/operations.ts';

/**
 * Runs one tick; never throws for the work itself (the next tick is the retry). Its outcome goes
 * to the results topic only when it changed something or failed: bots need no minutely "nothing".
 */
export async function tickHandler(ctx: FunctionContext, messageId: string): Promise<OperationRecord> {
  const record = await runTick(ctx, messageId);
  if (record.result !== 'succeeded' || record.reason !== NOTHING) await publishResult(ctx.adapters.pubsub, record);
  return record;
}

const NOTHING = 'nothing to change';

async function runTick(ctx: FunctionContext, messageId: string): Promise<OperationRecord> {
  const deps = ctx.lifecycle;
  const op = await startOperation(deps, { kind: 'tick', trigger: { source: 'scheduler', messageId }, principal: 'scheduler', subject: 'fleet' });
  try {
    const changed = await reconcileFleet(deps, op, await deps.config());
    return await op.finish('succeeded', changed.length > 0 ? changed.join('; ') : NOTHING);
  } catch (error) {
    // Never retried by Pub/Sub: the next tick comes within a minute, and redelivered ticks would pile up.
    const message = error instanceof Error ? error.message : String(error);
    const transient = isRetryable(error);
    if (transient) ctx.log.warn('tick did not complete; the next tick tries again', { operationId: op.id, error });
    else ctx.log.error('tick failed; the next tick tries again', { operationId: op.id, error });
    return op.finish(transient ? 'skipped' : 'failed', message);
  }
}
