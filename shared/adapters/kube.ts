/**
 * Kubernetes adapter on @kubernetes/client-node. Every write names its patch type: server-side
 * apply with a fixed field manager (skipped when a dry run, or the caller's cheap comparison with
 * the object it read, shows nothing would change), or a JSON
 * merge patch. A 404 on delete is success; optimistic-concurrency conflicts are retried by re-reading.
 */
import {
  AuthorizationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { TerminalError, httpStatusOf, isNotFound } from '../core/errors.ts';
import { withRetry } from '../core/retry.ts';
import { refOf, type ObjectRef } from './kube-ref.ts';

export { refOf, type ObjectRef } from './kube-ref.ts';

/** The outcome of a write. */
export interface WriteResult<T extends KubernetesObject = KubernetesObject> {
  changed: boolean;
  object: T;
}

/** What a caller that already read the object tells {@link KubeAdapter.apply}. */
export interface ApplyOptions<T extends KubernetesObject> {
  /** The live object as the caller read it (`null`: absent); the adapter then does not read it again. */
  live?: T | null;
  /**
   * A cheap comparison of `desired` with `live`: true when applying would change nothing, and then
   * no request is made. When false the object is applied without a dry run, and reported changed
   * only if the server changed it (a no-op apply keeps the resourceVersion).
   */
  same?: (live: T) => boolean;
}

/** The Kubernetes operations fleetpilot needs. */
export interface KubeAdapter {
  get<T extends KubernetesObject = KubernetesObject>(ref: ObjectRef): Promise<T | null>;
  list<T extends KubernetesObject = KubernetesObject>(
    apiVersion: string,
    kind: string,
    namespace?: string,
    labelSelector?: string,
  ): Promise<T[]>;
  /** Server-side apply as the field manager; no write when the result would equal the live object. */
  apply<T extends KubernetesObject>(desired: T, options?: ApplyOptions<T>): Promise<WriteResult<T>>;
  /** JSON merge patch. */
  mergePatch<T extends KubernetesObject = KubernetesObject>(ref: ObjectRef, patch: Record<string, unknown>): Promise<T>;
  /** Read–modify–write with resourceVersion; re-reads and retries on 409 Conflict. */
  update<T extends KubernetesObject>(ref: ObjectRef, mutate: (live: T) => T | null): Promise<WriteResult<T> | null>;
  /** JSON merge patch of a custom resource's `status` subresource (`plural` as in the CRD). */
  patchStatus(ref: ObjectRef, plural: string, status: Record<string, unknown>): Promise<void>;
  /** Deletes; returns false when the object was already gone. */
  delete(ref: ObjectRef): Promise<boolean>;
  /** A bound service-account token from the TokenRequest API. */
  requestToken(namespace: string, serviceAccount: string, expirationSeconds: number, audiences?: string[]): Promise<string>;
  /** Whether the caller may do each of `checks` (SelfSubjectAccessReview), in order. */
  canI(checks: readonly AccessCheck[]): Promise<boolean[]>;
}

/** One question for {@link KubeAdapter.canI}: `verb` on `resource` of `group` (core: ''), in `namespace` or cluster-wide. */
export interface AccessCheck {
  verb: string;
  group: string;
  resource: string;
  namespace?: string;
}

/** Creates the adapter for one cluster. */
export function createKubeAdapter(kubeConfig: KubeConfig, fieldManager: string): KubeAdapter {
  const api = KubernetesObjectApi.makeApiClient(kubeConfig);
  const custom = kubeConfig.makeApiClient(CustomObjectsApi);
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const authz = kubeConfig.makeApiClient(AuthorizationV1Api);
  const header = (ref: ObjectRef) => ({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  });
  const get = async <T extends KubernetesObject>(ref: ObjectRef): Promise<T | null> => {
    try {
      return await api.read<T>(header(ref));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  };
  const ssa = async <T extends KubernetesObject>(desired: T, dryRun: boolean): Promise<T> => {
    try {
      return await api.patch<T>(desired, undefined, dryRun ? 'All' : undefined, fieldManager, true, PatchStrategy.ServerSideApply);
    } catch (error) {
      if (httpStatusOf(error) === 422 || httpStatusOf(error) === 400) {
        throw new TerminalError(
          `Kubernetes rejected ${describe(desired)}: ${messageOf(error)}`,
          { status: httpStatusOf(error) },
          { cause: error },
        );
      }
      throw error;
    }
  };

  const adapter: KubeAdapter = {
    get,
    async list(apiVersion, kind, namespace, labelSelector) {
      const result = await api.list(apiVersion, kind, namespace, undefined, undefined, undefined, undefined, labelSelector);
      return result.items as never;
    },
    async apply(desired, options = {}) {
      const live = options.live !== undefined ? options.live : await get<typeof desired>(refOf(desired));
      if (live && options.same) {
        if (options.same(live)) return { changed: false, object: live };
        const written = await ssa(desired, false);
        return { changed: written.metadata?.resourceVersion !== live.metadata?.resourceVersion, object: written };
      }
      if (live) {
        const preview = await ssa(desired, true);
        if (isDeepStrictEqual(comparable(preview), comparable(live))) return { changed: false, object: live };
      }
      return { changed: true, object: await ssa(desired, false) };
    },
    async mergePatch(ref, patch) {
      const body = { ...header(ref), ...patch, metadata: { ...header(ref).metadata, ...(patch.metadata as object | undefined) } };
      return (await api.patch(body, undefined, undefined, fieldManager, undefined, PatchStrategy.MergePatch)) as never;
    },
    async update(ref, mutate) {
      return withRetry(
        async () => {
          const live = await get<never>(ref);
          if (!live) return null;
          const next = mutate(structuredClone(live));
          if (next === null || isDeepStrictEqual(next, live)) return { changed: false, object: live };
          return { changed: true, object: (await api.replace(next, undefined, undefined, fieldManager)) as never };
        },
        { attempts: 8, baseDelayMs: 20, retryable: (error) => httpStatusOf(error) === 409 },
      );
    },
    async patchStatus(ref, plural, status) {
      const [group, version] = ref.apiVersion.includes('/') ? ref.apiVersion.split('/') : ['', ref.apiVersion];
      if (!group || !version || !ref.namespace)
        throw new TerminalError(`patchStatus needs a namespaced custom resource, got ${ref.apiVersion} ${ref.kind}`);
      await custom.patchNamespacedCustomObjectStatus(
        { group, version, namespace: ref.namespace, plural, name: ref.name, body: { status }, fieldManager },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
    },
    async canI(checks) {
      return Promise.all(
        checks.map(async ({ verb, group, resource, namespace }) => {
          const review = await authz.createSelfSubjectAccessReview({
            body: { spec: { resourceAttributes: { verb, group, resource, ...(namespace ? { namespace } : {}) } } },
          });
          return review.status?.allowed === true;
        }),
      );
    },
    async requestToken(namespace, serviceAccount, expirationSeconds, audiences = []) {
      const result = await core.createNamespacedServiceAccountToken({
        namespace,
        name: serviceAccount,
        body: { spec: { audiences, expirationSeconds } },
      });
      if (!result.status?.token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
      return result.status.token;
    },
    async delete(ref) {
      try {
        await api.delete(header(ref));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
  };
  return withConciseErrors(adapter);
}

/** Client errors carry whole HTTP responses; callers and logs get the status and the server's message. */
function withConciseErrors(adapter: KubeAdapter): KubeAdapter {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(adapter) as [string, (...args: unknown[]) => Promise<unknown>][]) {
    wrapped[name] = (...args: unknown[]) =>
      fn(...args).catch((error: unknown) => {
        throw conciseError(error);
      });
  }
  return wrapped as unknown as KubeAdapter;
}

function conciseError(error: unknown): unknown {
  if (error instanceof TerminalError || typeof error !== 'object' || error === null) return error;
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'number' || !('body' in error)) return error;
  return Object.assign(new Error(`Kubernetes API answered ${code}: ${messageOf(error)}`, { cause: error }), { code });
}

function comparable(obj: KubernetesObject): unknown {
  const { managedFields: _m, resourceVersion: _r, generation: _g, ...metadata } = obj.metadata ?? {};
  return { ...obj, metadata };
}

function describe(obj: KubernetesObject): string {
  return `${obj.kind ?? '?'} ${obj.metadata?.namespace ? obj.metadata.namespace + '/' : ''}${obj.metadata?.name ?? '?'}`;
}

function messageOf(error: unknown): string {
  const body = (error as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  if (body && typeof body === 'object' && 'message' in body) return String(body.message);
  return error instanceof Error ? error.message : String(error);
}
