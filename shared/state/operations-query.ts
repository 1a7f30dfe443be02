/**
 * Listing operation records: filtered by kind, region, cluster and time, newest first, in pages
 * whose opaque token is the last record's start time and id.
 */
import type { Store } from '../adapters/firestore.ts';
import { OPERATIONS, type OperationRecord } from './operations.ts';

/** Filters of a listing; all optional. Times are ISO strings, inclusive. */
export interface OperationFilter {
  kind?: string;
  region?: string;
  cluster?: string;
  since?: string;
  until?: string;
}

/** One page, and the token of the next when there may be more. */
export interface OperationPage {
  operations: OperationRecord[];
  nextPageToken: string | null;
}

/** Reads one page of operations. Throws a RangeError for a token that is not one of ours. */
export async function listOperations(store: Store, filter: OperationFilter, pageSize: number, pageToken?: string): Promise<OperationPage> {
  const equals: Record<string, string> = {};
  if (filter.kind) equals.kind = filter.kind;
  if (filter.region) equals.region = filter.region;
  if (filter.cluster) equals.cluster = filter.cluster;
  const after = pageToken ? decodePageToken(pageToken) : undefined;
  const docs = await store.query(OPERATIONS, {
    equals, orderBy: 'startedAt', limit: pageSize,
    ...(filter.since ? { from: filter.since } : {}), ...(filter.until ? { to: filter.until } : {}), ...(after ? { after } : {}),
  });
  const operations = docs as unknown as OperationRecord[];
  const last = operations.at(-1);
  return { operations, nextPageToken: operations.length === pageSize && last ? encodePageToken(last.startedAt, last.id) : null };
}

/** Reads one operation. */
export async function getOperation(store: Store, id: string): Promise<OperationRecord | undefined> {
  return (await store.get(OPERATIONS, id)) as OperationRecord | undefined;
}

function encodePageToken(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

function decodePageToken(token: string): { value: string; id: string } {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && typeof parsed[0] === 'string' && typeof parsed[1] === 'string') return { value: parsed[0], id: parsed[1] };
  } catch {
    // fall through: reported below
  }
  throw new RangeError('pageToken is not a token returned by a previous page');
}
