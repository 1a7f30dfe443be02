/**
 * Removes secrets from values before they are logged or returned: fields whose names look like
 * credentials are masked, and bearer tokens, private keys, URL credentials and secret-named
 * parameters (`?token=`, `access_token=`, `key=`, `X-Goog-Signature=` …) inside strings are cut.
 *
 * Every pattern runs in linear time on any input (redaction sees what outsiders send): a pattern
 * may only start where its token starts (a word boundary or a lookbehind), its repetitions stop at
 * characters that cannot continue it, and private keys are found by a forward scan, not by a lazy
 * `[\s\S]*?` that rescans the rest of the text from every header.
 */
import { clip } from './limits.ts';

const SECRET_KEY =
  /(token|secret|password|passwd|authorization|api[-_]?key|private[-_]?key|credential|cookie|signature|client[-_]?key|bearer)/i;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
const PEM_BEGIN = /-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;
const PEM_END = /-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----/g;
const URL_CREDENTIALS = /\/\/([^/\s:@]+):([^/\s@]+)@/g;
const GOOGLE_TOKEN = /\bya29\.[A-Za-z0-9._-]+/g;
const API_TOKEN = /\bfpt_[A-Za-z0-9_-]{16,}/g;
/** `name=value` (query strings, fragments, form bodies), starting only where a run of name characters starts. */
const PARAMETER = /(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)=([^&\s#"'<>,;)\]}]+)/g;
/** Short parameter names that carry secrets without saying so (`SECRET_KEY` covers the rest). */
const SECRET_PARAMETER = new Set(['key', 'sig', 'auth', 'pwd', 'pass']);
// Starts only where a run of token characters starts (`\b` would also allow every `-eyJ` inside one run).
const JWT = /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g;

/** The mask written in place of a secret. */
export const REDACTED = '[REDACTED]';

/** Deepest level copied; anything below is replaced (log lines and triggers are shallow). */
const MAX_DEPTH = 32;
/** Longest string copied, in characters (after redaction, so that a cut never reveals part of a secret). */
const MAX_STRING = 16 * 1024;

/**
 * Returns a deep copy of `value` with secrets masked, bounded: cycles and levels below 32 are cut,
 * not followed, and strings are clipped to 16 KiB, so that logging an outside value cannot throw
 * or write a line Cloud Logging would drop.
 */
export function redact<T>(value: T): T {
  return walk(value, new WeakSet(), 0) as T;
}

/** Masks secrets inside a free-form string. */
export function redactString(text: string): string {
  return redactPrivateKeys(text)
    .replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`)
    .replace(GOOGLE_TOKEN, REDACTED)
    .replace(API_TOKEN, REDACTED)
    .replace(JWT, REDACTED)
    .replace(URL_CREDENTIALS, `//${REDACTED}@`)
    .replace(PARAMETER, (pair, name: string) =>
      SECRET_KEY.test(name) || SECRET_PARAMETER.has(name.toLowerCase()) ? `${name}=${REDACTED}` : pair,
    );
}

/**
 * Cuts each PEM private key, header to footer, in one forward pass. A header without a footer (a
 * key cut short) is cut to the end of the text: whatever follows it is key material.
 */
function redactPrivateKeys(text: string): string {
  let out = '';
  let from = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let begin = PEM_BEGIN.exec(text); begin; begin = PEM_BEGIN.exec(text)) {
    out += text.slice(from, begin.index) + REDACTED;
    PEM_END.lastIndex = PEM_BEGIN.lastIndex;
    if (!PEM_END.exec(text)) return out;
    from = PEM_BEGIN.lastIndex = PEM_END.lastIndex;
  }
  return from === 0 ? text : out + text.slice(from);
}

function walk(value: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof value === 'string') return clip(redactString(value), MAX_STRING);
  if (value instanceof Error) {
    return { name: value.name, message: clip(redactString(value.message), MAX_STRING) };
  }
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Too deep]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, seen, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = SECRET_KEY.test(key) && item !== undefined && item !== null && item !== '' ? REDACTED : walk(item, seen, depth + 1);
  }
  return out;
}
