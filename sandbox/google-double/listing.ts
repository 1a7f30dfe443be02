/**
 * List helpers for Hub: opaque page tokens and a small subset of the AIP-160 filter language
 * (`field.path = "value"`, `!=`, `:` for "has/contains", joined with `AND`).
 */
import { invalidArgument } from './errors.ts';
import type { JsonObject } from './types.ts';

/** One page of a list. */
export interface Page<T> {
  items: T[];
  /** Empty string on the last page, as Google returns it (or omits it). */
  nextPageToken: string;
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset }), 'utf8').toString('base64url');
}

function decodeToken(token: string): number {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const offset = (parsed as { o?: unknown }).o;
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the error below
  }
  throw invalidArgument(`Invalid page token: ${token}`);
}

/** Slices `items` by `pageSize` (default `defaultSize`, capped at 1000) and an opaque `pageToken`. */
export function paginate<T>(items: T[], pageSize: string | undefined, pageToken: string | undefined, defaultSize: number): Page<T> {
  let size = defaultSize;
  if (pageSize !== undefined && pageSize !== '') {
    const n = Number(pageSize);
    if (!Number.isInteger(n) || n < 0) throw invalidArgument(`Invalid page_size: ${pageSize}`);
    if (n > 0) size = Math.min(n, 1000);
  }
  const offset = pageToken !== undefined && pageToken !== '' ? decodeToken(pageToken) : 0;
  const end = offset + size;
  return { items: items.slice(offset, end), nextPageToken: end < items.length ? encodeToken(end) : '' };
}

function lookup(resource: JsonObject, path: string): unknown {
  let current: unknown = resource;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

const TERM_RE = /^([A-Za-z_][\w.]*)\s*(!=|=|:)\s*(?:"([^"]*)"|(\S+))$/;

/** True when `resource` matches every `AND`ed term of `filter` (empty filter matches all). */
export function matchesFilter(resource: JsonObject, filter: string | undefined): boolean {
  if (filter === undefined || filter.trim() === '') return true;
  return filter
    .trim()
    .split(/\s+AND\s+/)
    .every((term) => {
      const m = TERM_RE.exec(term.trim());
      if (m === null) throw invalidArgument(`Unsupported filter expression: ${term}`);
      const [, path = '', op, quoted, bare] = m;
      const expected = quoted ?? bare ?? '';
      const actual = lookup(resource, path);
      if (op === ':') {
        if (expected === '*') return actual !== undefined;
        if (Array.isArray(actual)) return actual.some((v) => scalar(v) === expected);
        return scalar(actual)?.includes(expected) ?? false;
      }
      const equal = scalar(actual) === expected;
      return op === '=' ? equal : !equal;
    });
}
