/**
 * Listing operation records: filtered by kind, region, cluster and time, newest first, in pages
 * whose opaque token is the last record's start time and id. Records are handed on without their
 * expiry; one past it but not yet deleted by Firestore is still shown (it is still true).
 */
import type { Store } from '../adapters/firestore.ts';
import { RequestError } from '../core/errors.ts';
import { OPERATIONS, type OperationRecord } from './operations.ts';
import { withoutExpiry } from './retention.ts';

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

/** Reads one page of operations. Throws an `invalid_argument` {@link RequestError} for a token that is not one of ours. */
export async function listOperations(store: Store, filter: OperationFilter, pageSize: number, pageToken?: string): Promise<OperationPage> {
  const equals: Record<string, string> = {};
  if (filter.kind) equals.kind = filter.kind;
  if (filter.region) equals.region = filter.region;
  if (filter.cluster) equals.cluster = filter.cluster;
  const after = pageToken ? decodePageToken(pageToken) : undefined;
  const docs = await store.query(OPERATIONS, {
    equals,
    orderBy: 'startedAt',
    limit: pageSize,
    ...(filter.since ? { from: filter.since } : {}),
    ...(filter.until ? { to: filter.until } : {}),
    ...(after ? { after } : {}),
  });
  const operations = docs.map(withoutExpiry) as unknown as OperationRecord[];
  const last = operations.at(-1);
  return { operations, nextPageToken: operations.length === pageSize && last ? encodePageToken(last.startedAt, last.id) : null };
}

/** Reads one operation. */
export async function getOperation(store: Pick<Store, 'get'>, id: string): Promise<OperationRecord | undefined> {
  const doc = await store.get(OPERATIONS, id);
  return doc && (withoutExpiry(doc) as unknown as OperationRecord);
}

function encodePageToken(value: string, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

/** A start time as records store it (`Date.toISOString()`). */
const START_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** An operation id, and so a valid Firestore document id (no `/`, not `.`, `..` or `__…__`). */
const OPERATION_ID = /^(?!\.\.?$)(?!__.*__$)[A-Za-z0-9_.:-]{1,100}$/;

/**
 * The start time and id of a token. Both are checked as well as the shape: the id goes to
 * Firestore as a document id, and one it refuses (`""`, `a/b`) would otherwise fail the query.
 */
function decodePageToken(token: string): { value: string; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (Array.isArray(parsed) && parsed.length === 2) {
    const [value, id] = parsed as unknown[];
    if (typeof value === 'string' && START_TIME.test(value) && typeof id === 'string' && OPERATION_ID.test(id)) return { value, id };
  }
  throw new RequestError('invalid_argument', 'pageToken is not a token returned by a previous page', { field: 'pageToken' });
}
