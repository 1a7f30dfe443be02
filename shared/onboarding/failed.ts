/**
 * A failed onboarding, as its cluster record says it: why, and when the tick's adoption should try
 * again. A transient failure (an API outage, a dropped connection, a lease another run held) is
 * retried soon, at the tick's pace; a terminal one (a refused request) a few minutes later, so a
 * permanent failure is not hammered every minute.
 */
import type { Clock } from '../core/clock.ts';
import { isRetryable } from '../core/errors.ts';
import type { Store } from '../adapters/firestore.ts';
import { readClusterRecord, writeClusterRecord, type ClusterRecord } from '../state/cluster-records.ts';

/** A terminal onboarding failure is tried again by the tick this long after it failed. */
export const RETRY_FAILED_AFTER_MS = 2 * 60_000;
/** A transient onboarding failure is tried again this long after it failed (the next minutely tick). */
export const RETRY_TRANSIENT_AFTER_MS = 30_000;

/** Pure: the record fields a failure leaves, with the time the tick retries it. */
export function failedFields(
  error: unknown,
  now: Date,
  operationId: string,
): Pick<ClusterRecord, 'phase' | 'reason' | 'updatedAt' | 'retryAt' | 'operationId'> {
  const delay = isRetryable(error) ? RETRY_TRANSIENT_AFTER_MS : RETRY_FAILED_AFTER_MS;
  return {
    phase: 'failed',
    reason: error instanceof Error ? error.message : String(error),
    updatedAt: now.toISOString(),
    retryAt: new Date(now.getTime() + delay).toISOString(),
    operationId,
  };
}

/** Pure: when the tick may retry a failed record (records written before `retryAt` existed: the terminal delay). */
export function retryDueAt(record: Pick<ClusterRecord, 'updatedAt' | 'retryAt'>): number {
  return record.retryAt ? Date.parse(record.retryAt) : Date.parse(record.updatedAt) + RETRY_FAILED_AFTER_MS;
}

/**
 * A failed run leaves the cluster's record saying why, instead of in the phase the run had reached;
 * with `regionForNew`, a cluster with no record yet gets a failed one. An onboarded record is kept:
 * the failure came after the cluster joined (routes wait for the tick's render).
 */
export async function markOnboardingFailed(
  ctx: { store: Store; clock: Clock },
  ref: { projectId: string; location: string; name: string },
  error: unknown,
  operationId: string,
  regionForNew?: string,
): Promise<void> {
  const record = await readClusterRecord(ctx.store, ref);
  const failed = failedFields(error, ctx.clock.now(), operationId);
  if (record?.phase === 'onboarding') await writeClusterRecord(ctx.store, { ...record, ...failed });
  else if (!record && regionForNew !== undefined) await writeClusterRecord(ctx.store, { ...ref, region: regionForNew, ...failed });
}
