/**
 * Firestore adapter on @google-cloud/firestore: the small set of primitives fleetpilot's state is
 * built from — transactions, create-if-absent (exactly one writer wins) and TTL-stamped markers
 * for deduplicating events.
 */
import { FieldPath, Timestamp, type Firestore, type Transaction } from '@google-cloud/firestore';
import { isAlreadyExists } from '../core/errors.ts';
import type { Clock } from '../core/clock.ts';

/** The field the Firestore TTL policy (infra/) deletes documents by. */
export const TTL_FIELD = 'expireAt';

/** Dependencies of {@link createStore}. */
export interface StoreDeps {
  firestore: Firestore;
  clock: Clock;
  /** Prefix for collection names, so that environments or tests can share one database. */
  collectionPrefix?: string;
}

/** Document data as stored. */
export type DocData = Record<string, unknown>;

/** fleetpilot's persistence primitives. */
export interface Store {
  /** Reads a document; `undefined` when it does not exist. */
  get(collection: string, id: string): Promise<DocData | undefined>;
  /** Every document of a collection. */
  list(collection: string): Promise<DocData[]>;
  /**
   * Every document of a collection, oldest first by the time Firestore committed its creation (then
   * by id). Commit times are externally consistent, so a document a reader has not seen yet can only
   * come after every document it has seen: an append-only log in commit order.
   */
  listByCreation(collection: string): Promise<DocData[]>;
  /** Writes a whole document. */
  set(collection: string, id: string, data: DocData): Promise<void>;
  /** Creates the document only if absent; returns false when it already existed. */
  createIfAbsent(collection: string, id: string, data: DocData): Promise<boolean>;
  /** Deletes a document; absent is fine. */
  delete(collection: string, id: string): Promise<void>;
  /**
   * Records that `key` was processed, expiring after `ttlMs`; returns false when it was already
   * recorded (the event is a duplicate).
   */
  markOnce(key: string, ttlMs: number, data?: DocData): Promise<boolean>;
  /**
   * Documents matching equality filters and an optional range on `orderBy`, newest first (by
   * `orderBy`, then document id), at most `limit`, after the cursor `after` (from a previous page).
   */
  query(collection: string, q: StoreQuery): Promise<DocData[]>;
  /** Runs `fn` in a serializable transaction, retried by the client on contention. */
  transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T>;
}

/** A descending, paged query: equality filters plus a range on the ordering field. */
export interface StoreQuery {
  equals?: Record<string, string>;
  orderBy: string;
  /** Inclusive bounds on `orderBy`. */
  from?: string;
  to?: string;
  limit: number;
  /** The `orderBy` value and document id of the last document of the previous page. */
  after?: { value: string; id: string };
}

/** Reads and writes inside one transaction: all reads before writes. */
export interface StoreTransaction {
  get(collection: string, id: string): Promise<DocData | undefined>;
  set(collection: string, id: string, data: DocData): void;
  create(collection: string, id: string, data: DocData): void;
  delete(collection: string, id: string): void;
}

/** The collection that holds dedupe markers. */
export const MARKERS = 'processedEvents';

/** Creates the store. */
export function createStore(deps: StoreDeps): Store {
  const { firestore, clock } = deps;
  const prefix = deps.collectionPrefix ?? '';
  const doc = (collection: string, id: string) => firestore.collection(prefix + collection).doc(encodeId(id));

  const createIfAbsent = async (collection: string, id: string, data: DocData): Promise<boolean> => {
    try {
      await doc(collection, id).create(data);
      return true;
    } catch (error) {
      if (isAlreadyExists(error)) return false;
      throw error;
    }
  };

  return {
    get: async (collection, id) => (await doc(collection, id).get()).data(),
    list: async (collection) => (await firestore.collection(prefix + collection).get()).docs.map((d) => d.data()),
    listByCreation: async (collection) =>
      (await firestore.collection(prefix + collection).get()).docs
        .sort(
          (a, b) =>
            a.createTime.seconds - b.createTime.seconds ||
            a.createTime.nanoseconds - b.createTime.nanoseconds ||
            (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
        )
        .map((d) => d.data()),
    set: async (collection, id, data) => {
      await doc(collection, id).set(data);
    },
    createIfAbsent,
    delete: async (collection, id) => {
      await doc(collection, id).delete();
    },
    query: async (collection, q) => {
      let query = firestore
        .collection(prefix + collection)
        .orderBy(q.orderBy, 'desc')
        .orderBy(FieldPath.documentId(), 'desc');
      for (const [field, value] of Object.entries(q.equals ?? {})) query = query.where(field, '==', value);
      if (q.from !== undefined) query = query.where(q.orderBy, '>=', q.from);
      if (q.to !== undefined) query = query.where(q.orderBy, '<=', q.to);
      if (q.after) query = query.startAfter(q.after.value, encodeId(q.after.id));
      return (await query.limit(q.limit).get()).docs.map((d) => d.data());
    },
    markOnce: (key, ttlMs, data = {}) =>
      createIfAbsent(MARKERS, key, {
        ...data,
        key,
        recordedAt: Timestamp.fromDate(clock.now()),
        [TTL_FIELD]: Timestamp.fromMillis(clock.now().getTime() + ttlMs),
      }),
    transaction: (fn) =>
      firestore.runTransaction((tx: Transaction) =>
        fn({
          get: async (collection, id) => (await tx.get(doc(collection, id))).data(),
          set: (collection, id, data) => void tx.set(doc(collection, id), data),
          create: (collection, id, data) => void tx.create(doc(collection, id), data),
          delete: (collection, id) => void tx.delete(doc(collection, id)),
        }),
      ),
  };
}

/** Firestore ids may not contain '/'; event keys (resource names) often do. */
export function encodeId(id: string): string {
  if (id === '' || id === '.' || id === '..') throw new Error(`invalid document id: "${id}"`);
  return id.replace(/%/g, '%25').replace(/\//g, '%2F');
}
