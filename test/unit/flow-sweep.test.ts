/**
 * The sweep (onboarding/sweep.ts): the tick offboards a GKE cluster that is gone when its delete
 * audit entry was never handled. Each test removes a cluster behind fleetpilot's back on the
 * in-memory fleet and asserts the record, the membership, the remote secrets and the route.
 */
import { describe, expect, it } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { TTL_FIELD } from '../../shared/adapters/firestore.ts';
import { GONE_AFTER_MS, goneClusterRecords } from '../../shared/onboarding/sweep.ts';
import { writeClusterRecord, type ClusterRecord } from '../../shared/state/cluster-records.ts';
import { demoFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

let ticks = 0;
const tick = (fleet: MemoryFleet) =>
  tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, `tick-${++ticks}`);
const isMember = (fleet: MemoryFleet, name: string) => fleet.hub.memberships().some((m) => m.name.endsWith(`/${name}`));

describe('goneClusterRecords', () => {
  const now = new Date('2026-12-04T12:00:00.000Z');
  const old = new Date(now.getTime() - GONE_AFTER_MS).toISOString();
  const recent = new Date(now.getTime() - GONE_AFTER_MS + 1).toISOString();
  const rec = (name: string, fields: Partial<ClusterRecord> = {}): ClusterRecord => ({
    projectId: 'p',
    location: 'asia-northeast1-b',
    name,
    region: 'asia-northeast1',
    phase: 'onboarded',
    updatedAt: old,
    ...fields,
  });
  const listed = [{ projectId: 'p', location: 'asia-northeast1-b', name: 'listed' }];

  it.each([
    ['an onboarded record whose cluster is not listed', rec('gone'), true],
    ['a failed creation’s record (no cluster ever listed)', rec('never', { phase: 'failed' }), true],
    ['a record skipped by policy, cluster gone', rec('skipped', { phase: 'skipped' }), true],
    ['a record whose cluster is listed', rec('listed'), false],
    ['a record changed less than the grace period ago', rec('young', { updatedAt: recent }), false],
    ['a removed record (it has its own expiry)', rec('done', { phase: 'removed' }), false],
    ['an attached cluster (never in the Container API)', rec('onprem', { kind: 'attached' }), false],
    ['a record of another project', rec('elsewhere', { projectId: 'other' }), false],
  ])('%s: swept = %s', (_case, record, swept) => {
    expect(goneClusterRecords(listed, [record], 'p', now).map((r) => r.name)).toEqual(swept ? [record.name] : []);
  });
});

describe('the tick’s sweep', () => {
  it('offboards a cluster whose deletion it never saw: region out of the route, membership deleted, record removed to expire', async () => {
    const fleet = await demoFleet();
    const osakaSecret = { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: `istio-remote-secret-${OSAKA.name}` };
    expect(await fleet.kube(TOKYO.name).get(osakaSecret)).not.toBeNull();
    fleet.container.remove(OSAKA.location, OSAKA.name);
    await tick(fleet);
    // Within the grace period nothing is swept: a run may still be writing the record.
    expect(fleet.clusterRecord(OSAKA.name)?.phase).toBe('onboarded');

    fleet.clock.advance(GONE_AFTER_MS);
    const record = await tick(fleet);
    expect(record.reason).toMatch(/removed \(gone\) .*mc-gw-osaka: succeeded/);
    const [sweep, ...more] = fleet.operations('cluster-sweep');
    expect(more).toEqual([]);
    expect(sweep).toMatchObject({ result: 'succeeded', subject: `${fleet.project}/${OSAKA.location}/${OSAKA.name}` });
    expect(fleet.clusterRecord(OSAKA.name)).toMatchObject({ phase: 'removed', operationId: sweep?.id });
    expect(fleet.store.docs.get(`clusters/${fleet.project}:${OSAKA.location}:${OSAKA.name}`)?.[TTL_FIELD]).toBeDefined();
    expect(isMember(fleet, OSAKA.name)).toBe(false);
    expect(isMember(fleet, TOKYO.name)).toBe(true);
    // Tokyo's istiod no longer dials an API server that is gone.
    expect(await fleet.kube(TOKYO.name).get(osakaSecret)).toBeNull();
    expect(Object.keys(fleet.route('store')?.weights ?? {})).toEqual([TOKYO.region]);

    // Level-based: the next ticks find nothing more to do.
    fleet.clock.advance(GONE_AFTER_MS);
    await tick(fleet);
    expect(fleet.operations('cluster-sweep')).toHaveLength(1);
  });

  it('gives a failed creation’s record a lifetime', async () => {
    const fleet = await demoFleet();
    const ref = { projectId: fleet.project, location: 'asia-northeast3-a', name: 'quota-refused' };
    await writeClusterRecord(fleet.store, {
      ...ref,
      region: 'asia-northeast3',
      phase: 'failed',
      reason: 'creation failed: quota exceeded',
      updatedAt: fleet.clock.now().toISOString(),
    });
    fleet.clock.advance(GONE_AFTER_MS);
    await tick(fleet);
    expect(fleet.clusterRecord('quota-refused')).toMatchObject({ phase: 'removed' });
    expect(fleet.store.docs.get(`clusters/${fleet.project}:${ref.location}:${ref.name}`)?.[TTL_FIELD]).toBeDefined();
    // The fleet it never joined is untouched.
    expect(isMember(fleet, OSAKA.name) && isMember(fleet, TOKYO.name)).toBe(true);
  });
});
