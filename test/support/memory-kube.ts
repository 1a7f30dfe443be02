/**
 * An in-memory Kubernetes API server for one cluster, with the adapter's semantics: objects by
 * apiVersion, kind, namespace and name; reads answer null for what does not exist; `apply` is a
 * server-side apply by fleetpilot's field manager that reports a change only when the stored
 * object would differ; a delete of what is gone answers false; a merge patch or status patch of what
 * is gone is a 404. Like the API server it sets uid, resourceVersion and creationTimestamp, turns a
 * Secret's `stringData` into base64 `data`, and mints service-account tokens (unsigned JWTs).
 *
 * The apply model, simpler than the real field-management: fleetpilot owns every field it applies
 * except metadata labels and annotations, which it shares with others (labels others set survive,
 * labels it stops applying go); the status stays the server's.
 */
import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { AccessCheck, ApplyOptions, KubeAdapter, ObjectRef, WriteResult } from '../../shared/adapters/kube.ts';
import type { Clock } from '../../shared/core/clock.ts';
import { httpError, withFaults, type Faulty } from './faults.ts';

const METHODS = ['get', 'list', 'apply', 'mergePatch', 'update', 'patchStatus', 'delete', 'requestToken', 'canI'] as const;

/** The adapter, and the objects behind it for fixtures and assertions. */
export interface MemoryKube extends KubeAdapter, Faulty<(typeof METHODS)[number]> {
  readonly cluster: string;
  /** Stores an object as someone other than fleetpilot created it (no apply semantics). */
  put(object: KubernetesObject): KubernetesObject;
  /** Removes an object as someone else would. */
  remove(ref: ObjectRef): void;
  /** Every stored object, in insertion order. */
  objects(): KubernetesObject[];
  /** RBAC stand-in: `canI` answers false for these `VERB GROUP/RESOURCE` (e.g. `create net.gke.io/serviceexports`). */
  readonly denied: Set<string>;
  /** Runs after each write fleetpilot makes (apply, patch, update, delete). */
  onWrite(listener: (object: KubernetesObject, verb: 'apply' | 'patch' | 'delete') => void): void;
}

type Meta = NonNullable<KubernetesObject['metadata']>;

/** An empty cluster named `cluster`. */
export function memoryKube(cluster: string, clock: Clock): MemoryKube {
  const objects = new Map<string, KubernetesObject>();
  const denied = new Set<string>();
  /** Labels and annotations fleetpilot applied last, per object. */
  const owned = new Map<string, { labels: string[]; annotations: string[] }>();
  const listeners: ((object: KubernetesObject, verb: 'apply' | 'patch' | 'delete') => void)[] = [];
  let version = 0;
  let uids = 0;

  const keyOf = (ref: ObjectRef) => `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ''}|${ref.name}`;
  const refOf = (o: KubernetesObject): ObjectRef => ({
    apiVersion: o.apiVersion ?? '',
    kind: o.kind ?? '',
    name: o.metadata?.name ?? '',
    ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
  });
  const describe = (ref: ObjectRef) => `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name} in ${cluster}`;
  const notFound = (ref: ObjectRef) => httpError(404, `Kubernetes API answered 404: ${describe(ref)} not found`);
  const copy = <T>(value: T): T => structuredClone(value);

  /** Stores `next` as the server would: system metadata kept or set, a new resourceVersion. */
  const store = (next: KubernetesObject, live: KubernetesObject | undefined): KubernetesObject => {
    const meta: Meta = next.metadata ?? {};
    next.metadata = {
      ...meta,
      uid: live?.metadata?.uid ?? `${cluster}-uid-${++uids}`,
      creationTimestamp: live?.metadata?.creationTimestamp ?? clock.now(),
      resourceVersion: String(++version),
    };
    if (next.kind === 'Secret') moveStringData(next);
    objects.set(keyOf(refOf(next)), next);
    return copy(next);
  };
  const notify = (object: KubernetesObject, verb: 'apply' | 'patch' | 'delete') => {
    for (const listener of listeners) listener(copy(object), verb);
  };

  /** What a server-side apply of `desired` would leave, from `live`. */
  const applied = (desired: KubernetesObject, live: KubernetesObject | undefined): KubernetesObject => {
    const ref = refOf(desired);
    const mine = owned.get(keyOf(ref)) ?? { labels: [], annotations: [] };
    const shared = (field: 'labels' | 'annotations') => {
      const theirs = Object.fromEntries(Object.entries(live?.metadata?.[field] ?? {}).filter(([k]) => !mine[field].includes(k)));
      const merged = { ...theirs, ...(desired.metadata?.[field] ?? {}) };
      return Object.keys(merged).length > 0 ? { [field]: merged } : {};
    };
    const { metadata: _m, ...body } = copy(desired) as KubernetesObject & { status?: unknown };
    const status = (live as { status?: unknown } | undefined)?.status;
    // Server-owned metadata (uid, resourceVersion, creationTimestamp, finalizers…) stays as it is.
    const { labels: _l, annotations: _a, ...liveMeta } = copy(live?.metadata ?? {});
    const next = {
      ...body,
      metadata: {
        ...liveMeta,
        name: ref.name,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        ...shared('labels'),
        ...shared('annotations'),
      },
      ...(status === undefined ? {} : { status: copy(status) }),
    } as KubernetesObject;
    if (next.kind === 'Secret') moveStringData(next);
    return next;
  };

  const kube = {
    cluster,
    async get<T extends KubernetesObject>(ref: ObjectRef) {
      const found = objects.get(keyOf(ref));
      return (found ? copy(found) : null) as T | null;
    },
    async list<T extends KubernetesObject>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string) {
      const wanted = parseSelector(labelSelector);
      return [...objects.values()]
        .filter((o) => o.apiVersion === apiVersion && o.kind === kind && (namespace === undefined || o.metadata?.namespace === namespace))
        .filter((o) => Object.entries(wanted).every(([k, v]) => o.metadata?.labels?.[k] === v))
        .map((o) => copy(o)) as T[];
    },
    async apply<T extends KubernetesObject>(desired: T, options: ApplyOptions<T> = {}): Promise<WriteResult<T>> {
      // As the real adapter: a caller's comparison that finds nothing to change makes no request, so
      // a comparison that misses a change leaves the object as it was here too.
      if (options.live && options.same?.(options.live)) return { changed: false, object: copy(options.live) };
      const ref = refOf(desired);
      if (!ref.apiVersion || !ref.kind || !ref.name) throw httpError(400, 'object needs apiVersion, kind and metadata.name');
      const live = objects.get(keyOf(ref));
      const next = applied(desired, live);
      owned.set(keyOf(ref), {
        labels: Object.keys(desired.metadata?.labels ?? {}),
        annotations: Object.keys(desired.metadata?.annotations ?? {}),
      });
      if (live && isDeepStrictEqual(next, live)) return { changed: false, object: copy(live) as T };
      const stored = store(next, live);
      notify(stored, 'apply');
      return { changed: true, object: stored as T };
    },
    async mergePatch<T extends KubernetesObject>(ref: ObjectRef, patch: Record<string, unknown>) {
      const live = objects.get(keyOf(ref));
      if (!live) throw notFound(ref);
      const stored = store(mergePatch(copy(live), patch) as KubernetesObject, live);
      notify(stored, 'patch');
      return stored as T;
    },
    async update<T extends KubernetesObject>(ref: ObjectRef, mutate: (live: T) => T | null): Promise<WriteResult<T> | null> {
      const live = objects.get(keyOf(ref)) as T | undefined;
      if (!live) return null;
      const next = mutate(copy(live));
      if (next === null || isDeepStrictEqual(next, live)) return { changed: false, object: copy(live) };
      const stored = store(copy(next), live);
      notify(stored, 'patch');
      return { changed: true, object: stored as T };
    },
    async patchStatus(ref: ObjectRef, _plural: string, status: Record<string, unknown>) {
      const live = objects.get(keyOf(ref));
      if (!live) throw notFound(ref);
      const next = copy(live) as KubernetesObject & { status?: unknown };
      next.status = mergePatch(next.status ?? {}, status);
      notify(store(next, live), 'patch');
    },
    async delete(ref: ObjectRef) {
      const live = objects.get(keyOf(ref));
      if (!live) return false;
      objects.delete(keyOf(ref));
      owned.delete(keyOf(ref));
      notify(live, 'delete');
      return true;
    },
    denied,
    /** The memory cluster has no RBAC: everything is allowed unless a check names a denied verb. */
    async canI(checks: readonly AccessCheck[]) {
      return checks.map((c) => !denied.has(`${c.verb} ${c.group}/${c.resource}`));
    },
    async requestToken(namespace: string, serviceAccount: string, expirationSeconds: number, audiences: string[] = []) {
      const account = objects.get(keyOf({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: serviceAccount }));
      if (!account) throw notFound({ apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: serviceAccount });
      const iat = Math.floor(clock.now().getTime() / 1000);
      const claims = {
        iss: `https://${cluster}.example.internal`,
        aud: audiences,
        iat,
        exp: iat + expirationSeconds,
        sub: `system:serviceaccount:${namespace}:${serviceAccount}`,
        'kubernetes.io': { namespace, serviceaccount: { name: serviceAccount, uid: account.metadata?.uid } },
      };
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      return `${part({ alg: 'RS256', kid: cluster })}.${part(claims)}.${Buffer.from(`signed-by-${cluster}-${++version}`).toString('base64url')}`;
    },
    put(object: KubernetesObject) {
      return store(copy(object), objects.get(keyOf(refOf(object))));
    },
    remove(ref: ObjectRef) {
      objects.delete(keyOf(ref));
      owned.delete(keyOf(ref));
    },
    objects: () => [...objects.values()].map((o) => copy(o)),
    onWrite: (listener: (object: KubernetesObject, verb: 'apply' | 'patch' | 'delete') => void) => void listeners.push(listener),
  };
  return withFaults(kube as unknown as MemoryKube, METHODS);
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return structuredClone(patch);
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** `a=b,c=d` (equality selectors only: what fleetpilot uses). */
function parseSelector(selector: string | undefined): Record<string, string> {
  if (!selector) return {};
  return Object.fromEntries(selector.split(',').map((part) => part.split('=').map((s) => s.trim()) as [string, string]));
}

/** The API server stores a Secret's `stringData` base64-encoded in `data`, and never returns `stringData`. */
function moveStringData(secret: KubernetesObject & { stringData?: Record<string, string>; data?: Record<string, string> }): void {
  if (!secret.stringData) return;
  secret.data = {
    ...(secret.data ?? {}),
    ...Object.fromEntries(Object.entries(secret.stringData).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
  delete secret.stringData;
}
