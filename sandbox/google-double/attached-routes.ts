/**
 * Admin route of the double for clusters outside GKE (same bearer token as the APIs):
 * `POST /_double/attached-clusters {id, endpoint, caPem, platform}` registers an attached or on-prem
 * cluster as a user's `gcloud container fleet memberships register --context …` would: a READY
 * membership in `global` whose endpoint has no `gkeCluster`, and a Connect Gateway target for it.
 * The cluster is not in the Container API. Deleting the membership (GKE Hub API) unregisters it.
 */
import { Hono } from 'hono';
import { alreadyExists, invalidArgument } from './errors.ts';
import { readJsonObject } from './http-helpers.ts';
import { MEMBERSHIP_ID_RE, membershipKey, membershipName, renderMembership } from './hub-model.ts';
import type { AttachedTarget, MembershipRecord } from './records.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

/** Attached memberships live in `global`, as `memberships register` creates them by default. */
export const ATTACHED_LOCATION = 'global';

/** What the admin route accepts. */
export interface AttachedClusterRequest {
  id: string;
  target: AttachedTarget;
}

/** Validates the admin route's body (400 INVALID_ARGUMENT naming the field otherwise). */
export function parseAttachedClusterRequest(body: JsonObject): AttachedClusterRequest {
  const { id, endpoint, caPem, platform } = body;
  if (typeof id !== 'string' || !MEMBERSHIP_ID_RE.test(id)) throw invalidArgument('id must be a RFC 1123 label of at most 63 characters.');
  if (typeof endpoint !== 'string' || !/^https:\/\/[^/\s]+:\d{1,5}$/.test(endpoint))
    throw invalidArgument('endpoint must be https://HOST:PORT.');
  if (typeof caPem !== 'string' || !caPem.includes('-----BEGIN CERTIFICATE-----'))
    throw invalidArgument('caPem must be a PEM certificate.');
  if (platform !== 'attached' && platform !== 'onprem') throw invalidArgument('platform must be attached or onprem.');
  return { id, target: { platform, server: endpoint, caPem } };
}

/** The admin route bound to `state`. */
export function attachedClusterRoutes(state: DoubleState): Hono {
  const app = new Hono();
  app.post('/_double/attached-clusters', async (c) => {
    const { id, target } = parseAttachedClusterRequest(await readJsonObject(c));
    const key = membershipKey(ATTACHED_LOCATION, id);
    if (state.memberships.has(key)) throw alreadyExists(membershipName(state.deps.projectId, ATTACHED_LOCATION, id));
    const now = state.deps.clock();
    const rec: MembershipRecord = {
      id,
      location: ATTACHED_LOCATION,
      uniqueId: state.deps.newId(),
      state: 'READY',
      labels: {},
      createTime: now,
      updateTime: now,
      attached: target,
      description: target.platform === 'onprem' ? 'on-prem cluster registered with Connect' : 'attached cluster registered with Connect',
    };
    state.memberships.set(key, rec);
    state.deps.log.info('google double: attached cluster registered', {
      membership: membershipName(state.deps.projectId, ATTACHED_LOCATION, id),
      platform: target.platform,
      server: target.server,
    });
    return c.json(renderMembership(rec, state));
  });
  return app;
}
