/**
 * Removes secrets from values before they are logged or returned: fields whose names look like
 * credentials are masked, and bearer tokens, private keys and URL credentials inside strings are cut.
 */

const SECRET_KEY = /(token|secret|password|passwd|authorization|api[-_]?key|private[-_]?key|credential|cookie|signature|client[-_]?key|bearer)/i;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g;
const URL_CREDENTIALS = /\/\/([^/\s:@]+):([^/\s@]+)@/g;
const GOOGLE_TOKEN = /\bya29\.[A-Za-z0-9._-]+/g;
const API_TOKEN = /\bfpt_[A-Za-z0-9_-]{16,}/g;
const JWT = /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

/** The mask written in place of a secret. */
export const REDACTED = '[REDACTED]';

/** Returns a deep copy of `value` with secrets masked. Cycles are cut, not followed. */
export function redact<T>(value: T): T {
  return walk(value, new WeakSet()) as T;
}

/** Masks secrets inside a free-form string. */
export function redactString(text: string): string {
  return text
    .replace(PEM, REDACTED)
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(GOOGLE_TOKEN, REDACTED)
    .replace(API_TOKEN, REDACTED)
    .replace(JWT, REDACTED)
    .replace(URL_CREDENTIALS, `//${REDACTED}@`);
}

function walk(value: unknown, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message) };
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, seen));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null && item !== '' ? REDACTED : walk(item, seen);
  }
  return out;
}
