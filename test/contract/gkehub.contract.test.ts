/**
 * GKE Hub adapter (google-auth-library requests) against the double: long-running operations,
 * 409 ALREADY_EXISTS, paging, patch, delete-is-idempotent, and fleet features.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlreadyExists, isRetryable } from '../../shared/core/errors.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { featureUsable, gkeResourceLink, workloadIdentityIssuer } from '../../shared/adapters/gkehub-types.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';
import { injectFault } from '../support/double-admin.ts';

describe('GKE Hub adapter (Google API double)', () => {
  let adapters: GcpAdapters;
  const project = () => sandboxInfo().projectId;
  const run = randomBytes(3).toString('hex');
  beforeAll(async () => void (adapters = await sandboxAdapters()));
  afterAll(async () => adapters.close());

  it('registers a membership through a long-running operation, and refuses a duplicate with 409', async () => {
    const id = `hub-${run}-a`;
    const body = { endpoint: { gkeCluster: { resourceLink: gkeResourceLink(project(), 'us-east1', id) } } };
    const created = await adapters.hub.createMembership('global', id, body);
    expect(created.state?.code).toBe('READY');
    expect(created.authority?.issuer).toBeUndefined();
    const again = await adapters.hub.createMembership('global', id, body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAlreadyExists(again)).toBe(true);
  });

  it('sets the Workload Identity issuer with a patch', async () => {
    const id = `hub-${run}-a`;
    const issuer = workloadIdentityIssuer(project(), 'us-east1', id);
    const existing = await adapters.hub.getMembership('global', id);
    const patched = await adapters.hub.patchMembership(existing!.name, { authority: { issuer } }, ['authority.issuer']);
    expect(patched.authority).toMatchObject({ issuer, workloadIdentityPool: `${project()}.svc.id.goog` });
  });

  it('lists every membership across pages', async () => {
    for (const suffix of ['b', 'c', 'd']) {
      await adapters.hub.createMembership('global', `hub-${run}-${suffix}`, {
        endpoint: { gkeCluster: { resourceLink: gkeResourceLink(project(), 'us-east1', suffix) } },
      });
    }
    const all = await adapters.hub.listMemberships('global', 2);
    const ours = all.map((m) => m.name.split('/').pop()).filter((n) => n?.startsWith(`hub-${run}`));
    expect(ours.sort()).toEqual(['a', 'b', 'c', 'd'].map((s) => `hub-${run}-${s}`));
  });

  it('deletes a membership; deleting it again is success, and a read says absent', async () => {
    const existing = await adapters.hub.getMembership('global', `hub-${run}-b`);
    expect(await adapters.hub.deleteMembership(existing!.name)).toBe(true);
    expect(await adapters.hub.deleteMembership(existing!.name)).toBe(false);
    expect(await adapters.hub.getMembership('global', `hub-${run}-b`)).toBeNull();
  });

  it('surfaces a server error as retryable instead of "absent"', async () => {
    // Three failures: more than the adapter's own retries of a read.
    await injectFault({ method: 'GET', pathPattern: `memberships/hub-${run}-c$`, status: 500, count: 3 });
    const failure = await adapters.hub.getMembership('global', `hub-${run}-c`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isRetryable(failure)).toBe(true);
  });

  it('enables a fleet feature and reports it usable', async () => {
    const feature = 'multiclusterservicediscovery';
    const existing = await adapters.hub.getFeature(feature);
    const enabled = existing ?? (await adapters.hub.createFeature(feature, {}));
    expect(enabled.resourceState?.state).toBe('ACTIVE');
    expect(featureUsable(await adapters.hub.getFeature(feature))).toBe(true);
  });
});
