/** Decodes the JSON payload of a Pub/Sub `messagePublished` CloudEvent. Pure. */

/** The decoded payload, or why it could not be decoded. */
export type PubSubJson = { ok: true; payload: unknown; messageId: string } | { ok: false; reason: string; messageId: string };

/** Decodes `data.message.data` (base64 JSON). */
export function decodePubSubJson(event: { id?: string; type?: string; data?: unknown }): PubSubJson {
  const message = (event.data as { message?: { data?: unknown; messageId?: string } } | undefined)?.message;
  const messageId = message?.messageId ?? event.id ?? 'unknown';
  if (event.type !== 'google.cloud.pubsub.topic.v1.messagePublished') return { ok: false, reason: `unsupported CloudEvent type ${String(event.type)}`, messageId };
  if (typeof message?.data !== 'string') return { ok: false, reason: 'Pub/Sub message has no data', messageId };
  try {
    return { ok: true, payload: JSON.parse(Buffer.from(message.data, 'base64').toString('utf8')), messageId };
  } catch {
    return { ok: false, reason: 'Pub/Sub message data is not base64 JSON', messageId };
  }
}
