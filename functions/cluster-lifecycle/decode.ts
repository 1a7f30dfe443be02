/**
 * Turns the CloudEvent a Cloud Function receives into the audit LogEntry it carries: a Pub/Sub
 * `messagePublished` event from a Log Router sink (base64 LogEntry JSON in `message.data`), or an
 * Eventarc audit-log event (the LogEntry object as `data`). Pure; never throws. Either way the
 * entry is within the payload bounds (`shared/core/limits.ts`) before anything reads it.
 */
import { boundsProblem, plainId } from '../../shared/core/limits.ts';
import { decodePubSubJson } from '../pubsub-json.ts';

/** The decoded event: the entry and the id used for tracing, or why it could not be decoded. */
export type DecodedEvent = { ok: true; entry: unknown; messageId: string } | { ok: false; reason: string; messageId: string };

/** The subset of a CloudEvent the decoder reads. */
export interface IncomingCloudEvent {
  id?: string;
  type?: string;
  data?: unknown;
}

const AUDIT = 'google.cloud.audit.log.v1.written';

/** Decodes either transport. */
export function decodeAuditCloudEvent(event: IncomingCloudEvent): DecodedEvent {
  const id = plainId(event.id) ?? 'unknown';
  if (event.type === AUDIT) {
    if (typeof event.data !== 'object' || event.data === null)
      return { ok: false, reason: 'Eventarc audit-log event without a LogEntry object', messageId: id };
    const problem = boundsProblem(event.data, 'Eventarc audit-log entry');
    return problem ? { ok: false, reason: problem, messageId: id } : { ok: true, entry: event.data, messageId: id };
  }
  // A Log Router sink publishes the entry as a Pub/Sub message: the generic decoder reads it.
  const decoded = decodePubSubJson(event);
  return decoded.ok ? { ok: true, entry: decoded.payload, messageId: decoded.messageId } : decoded;
}
