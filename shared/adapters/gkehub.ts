/**
 * GKE Hub v1 adapter over google-auth-library requests (the gkehub client package is not on our
 * registry). Long-running operations are polled to completion; a 404 on a read is a confirmed
 * absence (null) and on a delete is success.
 */
import type { AuthClient } from 'google-auth-library';
import { isNotFound } from '../core/errors.ts';
import { pollUntil, withRetry } from '../core/retry.ts';
import type { Feature, HubOperation, Membership } from './gkehub-types.ts';

/** Dependencies of {@link createGkeHubAdapter}. */
export interface GkeHubDeps {
  authClient: AuthClient;
  /** `https://gkehub.googleapis.com` or the local double's URL. */
  baseUrl: string;
  projectId: string;
  operationTimeoutMs?: number;
  pollIntervalMs?: number;
}

/** The GKE Hub operations fleetpilot needs. */
export interface GkeHubAdapter {
  getMembership(location: string, id: string): Promise<Membership | null>;
  listMemberships(location: string, pageSize?: number): Promise<Membership[]>;
  /** Creates a membership and waits for the operation; a 409 is thrown for the caller to judge. */
  createMembership(location: string, id: string, body: Omit<Membership, 'name'>): Promise<Membership>;
  patchMembership(name: string, patch: Partial<Membership>, updateMask: string[]): Promise<Membership>;
  /** Deletes and waits; returns false when it was already gone. */
  deleteMembership(name: string): Promise<boolean>;
  getFeature(feature: string): Promise<Feature | null>;
  createFeature(feature: string, spec: Feature['spec']): Promise<Feature>;
  patchFeature(feature: string, spec: Feature['spec']): Promise<Feature>;
}

/** Creates the adapter. */
export function createGkeHubAdapter(deps: GkeHubDeps): GkeHubAdapter {
  const base = `${deps.baseUrl.replace(/\/+$/, '')}/v1`;
  const project = `projects/${deps.projectId}`;
  const featuresPath = `${project}/locations/global/features`;

  const call = async <T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    params?: Record<string, string | number | undefined>,
    data?: unknown,
  ): Promise<T> => {
    const url = new URL(`${base}/${path}`);
    for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const send = async () =>
      (await deps.authClient.request<T>({ url: url.toString(), method, ...(data === undefined ? {} : { data }), retry: false })).data;
    // Reads are idempotent: a reset connection or a 5xx is retried a few times before it counts.
    return method === 'GET' ? withRetry(send, { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 }) : send();
  };

  const wait = async <T>(op: HubOperation): Promise<T> => {
    const done = op.done
      ? op
      : await pollUntil(
          async () => {
            const current = await call<HubOperation>('GET', op.name);
            return current.done ? current : undefined;
          },
          { timeoutMs: deps.operationTimeoutMs ?? 120_000, intervalMs: deps.pollIntervalMs ?? 200, what: `GKE Hub operation ${op.name}` },
        );
    if (done.error) {
      throw Object.assign(new Error(`GKE Hub operation ${op.name} failed: ${done.error.message ?? 'unknown error'}`), {
        code: done.error.code,
      });
    }
    const { '@type': _type, ...response } = done.response ?? {};
    return response as T;
  };

  const orNull = async <T>(read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  };

  return {
    getMembership: (location, id) => orNull(() => call<Membership>('GET', `${project}/locations/${location}/memberships/${id}`)),
    async listMemberships(location, pageSize) {
      const all: Membership[] = [];
      let pageToken: string | undefined;
      do {
        const page = await call<{ resources?: Membership[]; nextPageToken?: string; unreachable?: string[] }>(
          'GET',
          `${project}/locations/${location}/memberships`,
          { pageSize, pageToken },
        );
        if (page.unreachable && page.unreachable.length > 0) {
          throw new Error(`membership list is incomplete: unreachable ${page.unreachable.join(', ')}`);
        }
        all.push(...(page.resources ?? []));
        pageToken = page.nextPageToken || undefined;
      } while (pageToken);
      return all;
    },
    async createMembership(location, id, body) {
      const op = await call<HubOperation>('POST', `${project}/locations/${location}/memberships`, { membershipId: id }, body);
      return wait<Membership>(op);
    },
    async patchMembership(name, patch, updateMask) {
      const op = await call<HubOperation>('PATCH', name, { updateMask: updateMask.join(',') }, patch);
      return wait<Membership>(op);
    },
    async deleteMembership(name) {
      try {
        await wait(await call<HubOperation>('DELETE', name));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    getFeature: (feature) => orNull(() => call<Feature>('GET', `${featuresPath}/${feature}`)),
    async createFeature(feature, spec) {
      const op = await call<HubOperation>('POST', featuresPath, { featureId: feature }, { spec });
      return wait<Feature>(op);
    },
    async patchFeature(feature, spec) {
      const op = await call<HubOperation>('PATCH', `${featuresPath}/${feature}`, { updateMask: 'spec' }, { spec });
      return wait<Feature>(op);
    },
  };
}
