/**
 * An in-memory {@link Store} for pure unit tests: documents are copied in and out (like Firestore),
 * transactions run one at a time with their writes committed at the end, queries order descending.
 */
import { Timestamp } from '@google-cloud/firestore';
import type { DocData, Store, StoreQuery, StoreTransaction } from '../../shared/adapters/firestore.ts';
import { MARKERS } from '../../shared/adapters/firestore.ts';

/** A deep copy of plain data; Firestore Timestamps (immutable) are kept as they are, as Firestore returns them. */
function clone<T>(value: T): T {
  if (value instanceof Timestamp || value instanceof Date || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)])) as T;
}

/** The store, and its documents by `collection/id` for assertions. */
export function memoryStore(): Store & { docs: Map<string, DocData> } {
  const docs = new Map<string, DocData>();
  // Creation order, as Firestore's create times give it (a set over an existing document keeps its place).
  const created = new Map<string, number>();
  let creations = 0;
  const put = (k: string, d: DocData) => {
    if (!docs.has(k)) created.set(k, ++creations);
    docs.set(k, clone(d));
  };
  const remove = (k: string) => {
    docs.delete(k);
    created.delete(k);
  };
  const key = (c: string, id: string) => `${c}/${id}`;
  const copy = (d: DocData | undefined) => (d ? clone(d) : undefined);
  const inCollection = (c: string) =>
    [...docs.entries()].filter(([k]) => k.startsWith(`${c}/`)).map(([k, d]) => ({ id: k.slice(c.length + 1), d }));
  let queue: Promise<unknown> = Promise.resolve();
  const query = async (c: string, q: StoreQuery) => {
    const value = (d: DocData) => {
      const v = d[q.orderBy];
      return typeof v === 'string' ? v : '';
    };
    const desc = (a: { id: string; d: DocData }, b: { id: string; d: DocData }) =>
      value(b.d) < value(a.d) ? -1 : value(b.d) > value(a.d) ? 1 : b.id < a.id ? -1 : b.id > a.id ? 1 : 0;
    return inCollection(c)
      .filter(({ d }) => Object.entries(q.equals ?? {}).every(([f, v]) => d[f] === v))
      .filter(({ d }) => (q.from === undefined || value(d) >= q.from) && (q.to === undefined || value(d) <= q.to))
      .sort(desc)
      .filter(({ id, d }) => !q.after || value(d) < q.after.value || (value(d) === q.after.value && id < q.after.id))
      .slice(0, q.limit)
      .map(({ d }) => clone(d));
  };
  return {
    docs,
    get: async (c, id) => copy(docs.get(key(c, id))),
    list: async (c) => inCollection(c).map(({ d }) => clone(d)),
    listByCreation: async (c) =>
      inCollection(c)
        .sort((a, b) => created.get(key(c, a.id))! - created.get(key(c, b.id))!)
        .map(({ d }) => clone(d)),
    set: async (c, id, d) => put(key(c, id), d),
    createIfAbsent: async (c, id, d) => (docs.has(key(c, id)) ? false : (put(key(c, id), d), true)),
    delete: async (c, id) => remove(key(c, id)),
    markOnce: async (k, _ttl, d = {}) => (docs.has(key(MARKERS, k)) ? false : (put(key(MARKERS, k), d), true)),
    query,
    transaction<T>(fn: (tx: StoreTransaction) => Promise<T>): Promise<T> {
      const run = queue.then(async () => {
        const writes: (() => void)[] = [];
        const result = await fn({
          get: async (c, id) => copy(docs.get(key(c, id))),
          set: (c, id, d) => void writes.push(() => put(key(c, id), d)),
          create: (c, id, d) => void writes.push(() => put(key(c, id), d)),
          delete: (c, id) => void writes.push(() => remove(key(c, id))),
        });
        for (const write of writes) write();
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
