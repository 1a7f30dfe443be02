/**
 * Turns the CloudEvent a Cloud Function receives into the audit LogEntry it carries: a Pub/Sub
 * `messagePublished` event from a Log Router sink (base64 LogEntry JSON in `message.data`), or an
 * Eventarc audit-log event (the LogEntry object as `data`). Pure.
 */

/** The decoded event: the entry and the id used for tracing, or why it could not be decoded. */
export type DecodedEvent = { ok: true; entry: unknown; messageId: string } | { ok: false; reason: string; messageId: string };

/** The subset of a CloudEvent the decoder reads. */
export interface IncomingCloudEvent {
  id?: string;
  type?: string;
  data?: unknown;
}

const PUBSUB = 'google.cloud.pubsub.topic.v1.messagePublished';
const AUDIT = 'google.cloud.audit.log.v1.written';

/** Decodes either transport. */
export function decodeAuditCloudEvent(event: IncomingCloudEvent): DecodedEvent {
  const id = event.id ?? 'unknown';
  if (event.type === AUDIT) {
    return typeof event.data === 'object' && event.data !== null
      ? { ok: true, entry: event.data, messageId: id }
      : { ok: false, reason: 'Eventarc audit-log event without a LogEntry object', messageId: id };
  }
  if (event.type !== PUBSUB) return { ok: false, reason: `unsupported CloudEvent type ${String(event.type)}`, messageId: id };
  const message = (event.data as { message?: { data?: unknown; messageId?: string } } | undefined)?.message;
  const messageId = message?.messageId ?? id;
  if (typeof message?.data !== 'string') return { ok: false, reason: 'Pub/Sub message has no data', messageId };
  try {
    return { ok: true, entry: JSON.parse(Buffer.from(message.data, 'base64').toString('utf8')), messageId };
  } catch {
    return { ok: false, reason: 'Pub/Sub message data is not base64 JSON', messageId };
  }
}
