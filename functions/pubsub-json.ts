/**
 * Decodes the JSON payload of a Pub/Sub `messagePublished` CloudEvent. Pure; never throws. The
 * data is checked for size (before and after base64) and nesting before it is parsed, and the
 * message id is used only when it is a plain identifier.
 */
import { MAX_PAYLOAD_BYTES, parseBoundedJson, plainId } from '../shared/core/limits.ts';

/** The decoded payload, or why it could not be decoded. */
export type PubSubJson = { ok: true; payload: unknown; messageId: string } | { ok: false; reason: string; messageId: string };

/** Base64 of {@link MAX_PAYLOAD_BYTES}, with room for padding and line breaks. */
const MAX_BASE64_CHARS = Math.ceil(MAX_PAYLOAD_BYTES / 3) * 4 + 1024;

/** Decodes `data.message.data` (base64 JSON). */
export function decodePubSubJson(event: { id?: string; type?: string; data?: unknown }): PubSubJson {
  const message = (event.data as { message?: { data?: unknown; messageId?: unknown } } | null | undefined)?.message;
  const messageId = plainId(message?.messageId) ?? plainId(event.id) ?? 'unknown';
  if (event.type !== 'google.cloud.pubsub.topic.v1.messagePublished')
    return { ok: false, reason: `unsupported CloudEvent type ${String(plainId(event.type) ?? '(not a plain name)')}`, messageId };
  if (typeof message?.data !== 'string') return { ok: false, reason: 'Pub/Sub message has no data', messageId };
  if (message.data.length > MAX_BASE64_CHARS)
    return { ok: false, reason: `Pub/Sub message data is larger than ${MAX_PAYLOAD_BYTES} bytes`, messageId };
  const parsed = parseBoundedJson(Buffer.from(message.data, 'base64'), 'Pub/Sub message data');
  if (!parsed.ok)
    return {
      ok: false,
      reason: parsed.reason === 'Pub/Sub message data is not JSON' ? 'Pub/Sub message data is not base64 JSON' : parsed.reason,
      messageId,
    };
  return { ok: true, payload: parsed.value, messageId };
}

/**
 * Which delivery of the message this is (Pub/Sub counts attempts when a dead-letter policy is set;
 * 1 when it does not say). The flows treat the last attempt's transient failure as final.
 */
export function deliveryAttempt(event: { data?: unknown }): number {
  const attempt = (event.data as { deliveryAttempt?: unknown } | undefined)?.deliveryAttempt;
  return typeof attempt === 'number' ? attempt : 1;
}
