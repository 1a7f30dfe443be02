/**
 * Verification of Slack's request signing, as a pure function: `X-Slack-Signature: v0=HEX` must be
 * HMAC-SHA256(signing secret, `v0:TIMESTAMP:RAWBODY`) over the raw body bytes (compared in constant
 * time), and `X-Slack-Request-Timestamp` must lie within five minutes of the clock, either side.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Largest distance, in seconds, between a request's timestamp and the clock (past or future). */
export const SLACK_MAX_SKEW_SECONDS = 300;

/** Why a request was refused. None of them carries the secret or the presented signature. */
export type SlackRejection =
  'missing-signature' | 'malformed-signature' | 'missing-timestamp' | 'invalid-timestamp' | 'stale-timestamp' | 'signature-mismatch';

/** The outcome of {@link verifySlackRequest}. */
export type SlackVerification = { ok: true } | { ok: false; reason: SlackRejection };

/** What {@link verifySlackRequest} checks. */
export interface SlackVerifyInput {
  signingSecret: string;
  /** The `X-Slack-Signature` header, as received. */
  signature: string | undefined;
  /** The `X-Slack-Request-Timestamp` header, as received. */
  timestamp: string | undefined;
  /** The request body exactly as it arrived on the wire. */
  rawBody: Uint8Array;
  now: Date;
}

const SIGNATURE = /^v0=[0-9a-f]{64}$/i;
const TIMESTAMP = /^[0-9]{1,15}$/;

/** Checks one request's signature and timestamp. Pure: the clock comes in through `now`. */
export function verifySlackRequest(input: SlackVerifyInput): SlackVerification {
  const { signature, timestamp } = input;
  if (!signature) return { ok: false, reason: 'missing-signature' };
  if (!SIGNATURE.test(signature)) return { ok: false, reason: 'malformed-signature' };
  if (!timestamp) return { ok: false, reason: 'missing-timestamp' };
  if (!TIMESTAMP.test(timestamp)) return { ok: false, reason: 'invalid-timestamp' };
  if (Math.abs(input.now.getTime() - Number(timestamp) * 1000) > SLACK_MAX_SKEW_SECONDS * 1000) {
    return { ok: false, reason: 'stale-timestamp' };
  }
  const expected = createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:`).update(input.rawBody).digest();
  const presented = Buffer.from(signature.slice(3), 'hex');
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return { ok: false, reason: 'signature-mismatch' };
  }
  return { ok: true };
}

const MESSAGES: Record<SlackRejection, string> = {
  'missing-signature': 'missing X-Slack-Signature header',
  'malformed-signature': 'X-Slack-Signature is not of the form v0=<64 hex digits>',
  'missing-timestamp': 'missing X-Slack-Request-Timestamp header',
  'invalid-timestamp': 'X-Slack-Request-Timestamp is not an integer number of seconds',
  'stale-timestamp': `X-Slack-Request-Timestamp is more than ${SLACK_MAX_SKEW_SECONDS} s away from the server clock`,
  'signature-mismatch': 'X-Slack-Signature does not match the request',
};

/** A sentence explaining a rejection, safe to return to the caller and to log. */
export function describeSlackRejection(reason: SlackRejection): string {
  return MESSAGES[reason];
}

/**
 * SHA-256 (hex) of a verified signature header, normalised to lower case so that a replay with the
 * hex digits re-cased is still recognised. Used for replay markers and request ids.
 */
export function slackSignatureHash(signature: string): string {
  return createHash('sha256').update(signature.toLowerCase()).digest('hex');
}

/** The replay marker key of one signed request. */
export function slackMarkerKey(signature: string): string {
  return `slack:${slackSignatureHash(signature)}`;
}

/** The operation request id of one signed request: a replay of the request maps to the same id. */
export function slackRequestId(signature: string): string {
  return `slack:${slackSignatureHash(signature).slice(0, 32)}`;
}
