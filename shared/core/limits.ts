/**
 * Bounds on what comes from outside. Event payloads (Pub/Sub message data, Eventarc event data)
 * are checked for size and nesting before they are parsed, walked or logged; values quoted in a
 * reason are cut short; stored and logged text is clipped to a fixed length. Pure; never throws.
 */

/**
 * Largest event payload read, in bytes. Cloud Logging entries are at most 256 KB; Monitoring
 * notifications and git-push messages are a few KB.
 */
export const MAX_PAYLOAD_BYTES = 512 * 1024;

/** Deepest nesting of arrays and objects read (audit entries nest about a dozen levels). */
export const MAX_PAYLOAD_DEPTH = 64;

/** A payload within the bounds, or why it is not. */
export type BoundedPayload = { ok: true; value: unknown } | { ok: false; reason: string };

/** Parses JSON bytes or text named `what` when they are within the bounds; never throws. */
export function parseBoundedJson(data: Uint8Array | string, what: string): BoundedPayload {
  const bytes = typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
  if (bytes > MAX_PAYLOAD_BYTES) return { ok: false, reason: tooLarge(what) };
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  if (nestingExceeds(text, MAX_PAYLOAD_DEPTH)) return { ok: false, reason: tooDeep(what) };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: `${what} is not JSON` };
  }
}

/**
 * Why an already parsed value named `what` (an Eventarc event's data) is out of bounds, or
 * undefined when it is within them. Walks iteratively and stops at the first bound it passes.
 */
export function boundsProblem(value: unknown, what: string): string | undefined {
  let size = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [item, depth] = next;
    size += typeof item === 'string' ? item.length + 2 : 8;
    if (typeof item === 'object' && item !== null) {
      if (depth > MAX_PAYLOAD_DEPTH) return tooDeep(what);
      if (Array.isArray(item)) {
        for (const child of item as unknown[]) stack.push([child, depth + 1]);
      } else {
        for (const [key, child] of Object.entries(item)) {
          size += key.length + 3;
          stack.push([child, depth + 1]);
        }
      }
    }
    if (size > MAX_PAYLOAD_BYTES) return tooLarge(what);
  }
  return undefined;
}

/** A short, quotable description of any value for a reason: strings cut to `max` characters, containers by their kind. */
export function quote(value: unknown, max = 80): string {
  if (typeof value === 'string') return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** `text` cut to at most `max` characters, saying how much was cut; a character made of two UTF-16 units is never split. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = Math.max(0, max - `… (${text.length} more characters)`.length);
  const code = text.charCodeAt(cut - 1);
  if (cut > 0 && code >= 0xd800 && code <= 0xdbff) cut--;
  return `${text.slice(0, cut)}… (${text.length - cut} more characters)`;
}

/** A plain identifier from outside (a message id): 1 to 128 printable ASCII characters, or undefined. */
export function plainId(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\x21-\x7e]{1,128}$/.test(value) ? value : undefined;
}

function tooLarge(what: string): string {
  return `${what} is larger than ${MAX_PAYLOAD_BYTES} bytes`;
}

function tooDeep(what: string): string {
  return `${what} nests deeper than ${MAX_PAYLOAD_DEPTH} levels`;
}

/** True when arrays and objects in the JSON text nest deeper than `limit` (one pass; strings skipped). */
function nestingExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
