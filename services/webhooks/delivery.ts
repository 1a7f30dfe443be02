/**
 * Small, provider-neutral pieces of receiving a webhook: constant-time secret comparison, exact
 * UTF-8 decoding of the raw body, body digests, and delivery ids that are safe to use as marker keys.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../http-errors.ts';
import type { Provider } from './deps.ts';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();

/** The replay key of a body: what a signature over the body covers, whatever the headers say. */
export function bodyDigest(body: Uint8Array): string {
  return `body-sha256-${sha256(body).toString('hex')}`;
}

/** Compares a presented secret with the expected one in constant time (equal-length digests). */
export function secretMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined || presented === '') return false;
  return timingSafeEqual(sha256(expected), sha256(presented));
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes the raw body so that re-encoding gives back exactly the same bytes (fatal on invalid
 * UTF-8, byte-order mark kept); undefined when that is impossible.
 */
export function decodeExactUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The delivery id (for tracing, and GitLab's replay key): the provider's header when it is a plain
 * token, its digest when it is not, and a digest of the body when there is no header at all (a
 * resent body is then recognised as the same delivery).
 */
export function deliveryIdOf(header: string | undefined, body: Uint8Array): string {
  const value = header?.trim();
  if (value) return SAFE_ID.test(value) ? value : `sha256-${sha256(value).toString('hex')}`;
  return bodyDigest(body);
}

/** The replay marker key for one delivery, from its replay key (a delivery id or a body digest). */
export function markerKey(provider: Provider, replayKey: string): string {
  return `webhook:${provider}:${replayKey}`;
}

/** The 404 a provider answers when it has no secret configured: nothing unsigned is accepted. */
export function notConfigured(provider: Provider): ApiError {
  return new ApiError(404, 'not_configured', `${provider} webhooks are not configured on this service`);
}

/** Parses JSON text; a syntax error is a 400 (without echoing the body back). */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_argument', `${what} is not valid JSON`, { path: what });
  }
}
