/** The in-memory fleet keeps the adapters' promises, so flow tests built on it mean something. */
import { describe, expect, it } from 'vitest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { isAlreadyExists, isNotFound, isRetryable } from '../../shared/core/errors.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { demoFleet, memoryFleet, OSAKA, TOKYO } from '../support/memory-fleet.ts';

const ns: KubernetesObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'store', labels: { 'istio-injection': 'enabled' } } };

describe('memoryFleet', () => {
  it('Container: null only for a cluster that does not exist; complete lists; create and delete through operations', async () => {
    const fleet = memoryFleet();
    expect(await fleet.container.getCluster('asia-northeast1-b', 'nope')).toBeNull();
    expect((await fleet.container.listClusters()).map((c) => c.name)).toEqual(['mc-gw-config-cluster']);
    const op = await fleet.container.createCluster('asia-northeast1-a', { name: 'new-1', resourceLabels: { a: 'b' } });
    expect((await fleet.container.getCluster('asia-northeast1-a', 'new-1'))?.status).toBe('PROVISIONING');
    await fleet.container.waitForOperation('asia-northeast1-a', op);
    expect((await fleet.container.getCluster('asia-northeast1-a', 'new-1'))?.status).toBe('RUNNING');
    await fleet.container.waitForOperation('asia-northeast1-a', (await fleet.container.deleteCluster('asia-northeast1-a', 'new-1'))!);
    expect(await fleet.container.getCluster('asia-northeast1-a', 'new-1')).toBeNull();
    expect(await fleet.container.deleteCluster('asia-northeast1-a', 'new-1')).toBeNull();
  });

  it('GKE Hub: null on a missing read, 409 on an existing create, false on a missing delete', async () => {
    const fleet = memoryFleet();
    expect(await fleet.hub.getMembership('global', 'x')).toBeNull();
    const body = { endpoint: { gkeCluster: { resourceLink: '//container.googleapis.com/projects/p/locations/l/clusters/x' } } };
    expect(await fleet.hub.createMembership('global', 'x', body)).toMatchObject({
      name: `projects/${fleet.project}/locations/global/memberships/x`,
      state: { code: 'READY' },
    });
    const conflict = await fleet.hub.createMembership('global', 'x', body).catch((e: unknown) => e);
    expect([isAlreadyExists(conflict), isRetryable(conflict)]).toEqual([true, true]);
    const patched = await fleet.hub.patchMembership(
      `projects/${fleet.project}/locations/global/memberships/x`,
      { authority: { issuer: 'https://i' } },
      ['authority.issuer'],
    );
    expect(patched.authority).toEqual({ issuer: 'https://i' });
    expect(await fleet.hub.deleteMembership(patched.name)).toBe(true);
    expect(await fleet.hub.deleteMembership(patched.name)).toBe(false);
    expect(isNotFound(await fleet.hub.patchMembership(patched.name, {}, []).catch((e: unknown) => e))).toBe(true);
    expect(await fleet.hub.getFeature('multiclusteringress')).toBeNull();
    expect(await fleet.hub.createFeature('multiclusteringress', {})).toMatchObject({ state: { state: { code: 'OK' } } });
  });

  it('Kubernetes: apply reports a change only when the object differs, keeps labels others set, stores Secrets as data', async () => {
    const fleet = memoryFleet();
    const kube = fleet.configKube;
    kube.put({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'store', labels: { team: 'shop' } } });
    const first = await kube.apply(ns);
    expect(first.changed).toBe(true);
    expect(first.object.metadata?.labels).toEqual({ team: 'shop', 'istio-injection': 'enabled' });
    expect((await kube.apply(ns)).changed).toBe(false);
    const unlabelled: KubernetesObject = { ...ns, metadata: { name: 'store' } };
    expect((await kube.apply(unlabelled)).object.metadata?.labels).toEqual({ team: 'shop' });
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'istio-system' }, stringData: { k: 'v' } };
    expect((await kube.apply(secret)).object).toMatchObject({ data: { k: Buffer.from('v').toString('base64') } });
    expect((await kube.apply(secret)).changed).toBe(false);
    expect(await kube.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: 's' })).toBe(true);
    expect(await kube.delete({ apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: 's' })).toBe(false);
    expect(isNotFound(await kube.mergePatch({ apiVersion: 'v1', kind: 'Node', name: 'gone' }, {}).catch((e: unknown) => e))).toBe(true);
    expect((await kube.list('v1', 'Namespace', undefined, 'team=shop')).map((o) => o.metadata?.name)).toEqual(['store']);
  });

  it('faults fail a method a number of times; hooks run once before a call', async () => {
    const fleet = memoryFleet();
    const seen: string[] = [];
    fleet.container.fail('listClusters', new Error('boom'), 1);
    fleet.container.before('getCluster', async () => void seen.push('hook'));
    await expect(fleet.container.listClusters()).rejects.toThrow('boom');
    expect(await fleet.container.listClusters()).toHaveLength(1);
    await fleet.container.getCluster('a', 'b');
    await fleet.container.getCluster('a', 'b');
    expect(seen).toEqual(['hook']);
    await expect(fleet.ctx.kubeFor({ name: 'unknown' } as never)).rejects.toSatisfy(isRetryable);
  });

  it('sleeping moves the test clock instead of waiting', async () => {
    const fleet = memoryFleet();
    const start = fleet.clock.now().getTime();
    await expect(
      pollUntil(() => undefined, { timeoutMs: 60_000, intervalMs: 1_000, clock: fleet.clock, sleep: fleet.ctx.sleep, what: 'nothing' }),
    ).rejects.toThrow(/timed out/);
    expect(fleet.clock.now().getTime() - start).toBe(60_000);
  });

  it('the demo fleet serves both regions with the example weights and pinned paths', async () => {
    const fleet = await demoFleet();
    expect(fleet.route('store')).toMatchObject({
      weights: { 'asia-northeast1': 50, 'asia-northeast2': 50 },
      pins: { '/tokyo': TOKYO.name, '/osaka': OSAKA.name },
    });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({ phase: 'onboarded', region: TOKYO.region });
    expect(await fleet.drainedRegions()).toEqual([]);
    expect(fleet.operations()).toEqual([]);
    expect((await fleet.ctx.config()).services.map((s) => s.name)).toEqual(['store']);
  });
});
