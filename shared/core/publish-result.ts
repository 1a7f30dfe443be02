/**
 * Operation outcomes on the results topic, whatever triggered them (audit log, alert, Git push,
 * tick, API, chat): one message per finished operation, with a summary a bot can post as is.
 */
import type { PubSubAdapter } from '../adapters/pubsub.ts';
import type { OperationRecord } from '../state/operations.ts';

/** The message published for one operation. */
export interface ResultMessage {
  operationId: string;
  kind: string;
  subject: string;
  principal: string;
  region: string | null;
  cluster: string | null;
  result: string;
  reason: string | null;
  summary: string;
  startedAt: string;
  finishedAt: string | null;
  /** The structured outcome, when the operation has one (a drill's report). */
  details?: Record<string, unknown>;
}

/** The message for `record`. */
export function resultMessage(record: OperationRecord): ResultMessage {
  return {
    operationId: record.id,
    kind: record.kind,
    subject: record.subject,
    principal: record.principal,
    region: record.region ?? null,
    cluster: record.cluster ?? null,
    result: record.result ?? 'unknown',
    reason: record.reason ?? null,
    summary: operationSummary(record),
    startedAt: record.startedAt,
    finishedAt: record.finishedAt ?? null,
    ...(record.details ? { details: record.details } : {}),
  };
}

/** Publishes `record`'s outcome; attributes let subscribers filter by kind and result. */
export async function publishResult(pubsub: Pick<PubSubAdapter, 'publish'>, record: OperationRecord): Promise<void> {
  await pubsub.publish('results', resultMessage(record), {
    kind: record.kind,
    result: record.result ?? 'unknown',
    principal: record.principal,
  });
}

/** A one-line summary of a finished operation, for the results topic and chat. */
export function operationSummary(record: Pick<OperationRecord, 'kind' | 'subject' | 'result' | 'reason' | 'principal'>): string {
  return `${record.kind} ${record.subject} by ${record.principal}: ${record.result ?? 'running'}${record.reason ? ` — ${record.reason}` : ''}`;
}
