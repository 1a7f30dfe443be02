/**
 * The tick (Cloud Scheduler, every minute): timed, level-based work. Today it re-applies member
 * objects of onboarded clusters (an application Service deployed after onboarding gets exported)
 * and re-renders routes (regions whose ServiceImports appeared since join the default rule).
 */
import type { FunctionContext } from '../compose.ts';
import { isRetryable } from '../../shared/errors.ts';
import { ensureMemberObjects } from '../../shared/onboarding/member-objects.ts';
import { updateRoutes } from '../../shared/onboarding/update-routes.ts';
import { regionOf } from '../../shared/routing/index.ts';
import { listClusterRecords } from '../../shared/state/cluster-records.ts';
import { startOperation, type OperationRecord } from '../../shared/state/operations.ts';

/** Runs one tick; never throws for the work itself (the next tick is the retry). */
export async function tickHandler(ctx: FunctionContext, messageId: string): Promise<OperationRecord> {
  const deps = ctx.lifecycle;
  const op = await startOperation(deps, { kind: 'tick', trigger: { source: 'scheduler', messageId }, principal: 'scheduler', subject: 'fleet' });
  try {
    const config = await deps.config();
    for (const record of await listClusterRecords(deps.store)) {
      if (record.phase !== 'onboarded') continue;
      const cluster = await deps.container.getCluster(record.location, record.name);
      if (!cluster || cluster.status !== 'RUNNING') continue;
      const kube = await deps.kubeFor(cluster, record.membership?.split('/').pop());
      await op.step(`member objects of ${record.name}`, () => ensureMemberObjects(kube, config, { name: record.name, location: record.location, region: regionOf(record.location) }),
        (o) => ({ outcome: o.changed.length > 0 ? 'done' : 'unchanged', ...(o.changed.length > 0 ? { detail: o.changed.join(', ') } : {}) }));
    }
    const routes = await updateRoutes(deps, op, config);
    return await op.finish('succeeded', routes.changed.length > 0 ? routes.changed.join('; ') : 'nothing to change');
  } catch (error) {
    // Never retried by Pub/Sub: the next tick comes within a minute, and redelivered ticks would pile up.
    const message = error instanceof Error ? error.message : String(error);
    const transient = isRetryable(error);
    if (transient) ctx.log.warn('tick did not complete; the next tick tries again', { operationId: op.id, error });
    else ctx.log.error('tick failed; the next tick tries again', { operationId: op.id, error });
    return op.finish(transient ? 'skipped' : 'failed', message);
  }
}
