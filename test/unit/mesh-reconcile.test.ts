/**
 * The mesh reconcile as the tick runs it, on the in-memory fleet: clusters that onboarded together
 * end wired both ways, tokens are renewed well before they expire, secrets of clusters that left go,
 * a steady state writes nothing and requests no token, and an unreachable cluster holds up no other.
 */
import type { KubernetesObject, V1Secret } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { isTokenReusable, jwtExpiry, MESH_STEPS, readRemoteSecret, remoteSecretName, remoteSecretToken } from '../../shared/mesh/index.ts';
import { onboardCluster } from '../../shared/onboarding/cluster-ops.ts';
import { NOTHING_TO_CHANGE } from '../../shared/onboarding/reconcile.ts';
import { ONBOARDING_STEPS } from '../../shared/onboarding/steps.ts';
import { writeClusterRecord } from '../../shared/state/cluster-records.ts';
import { connectionRefused } from '../support/faults.ts';
import { demoFleet, memoryFleet, OSAKA, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const NAGOYA = { name: 'mc-gw-nagoya', location: 'asia-northeast3-a', region: 'asia-northeast3' } as const;
const SEOUL = { name: 'mc-gw-seoul', location: 'asia-northeast3-b', region: 'asia-northeast3' } as const;
const TTL_SECONDS = 7 * 24 * 3600;

let ticks = 0;
const tick = (fleet: MemoryFleet) =>
  tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, `mesh-tick-${++ticks}`);

/** The remote secrets stored in `cluster`'s istio-system, by the cluster each grants access to. */
function remoteSecrets(fleet: MemoryFleet, cluster: string): Map<string, V1Secret> {
  const prefix = remoteSecretName('');
  return new Map(
    fleet
      .kube(cluster)
      .objects()
      .filter((o) => o.kind === 'Secret' && o.metadata?.namespace === 'istio-system' && o.metadata.name?.startsWith(prefix))
      .map((o) => [o.metadata!.name!.slice(prefix.length), o as V1Secret]),
  );
}

/** Every ordered pair of `clusters` has a remote secret whose token is still worth keeping now. */
function wiredBothWays(fleet: MemoryFleet, clusters: string[]): string[] {
  const problems: string[] = [];
  for (const target of clusters) {
    const present = remoteSecrets(fleet, target);
    for (const source of clusters.filter((c) => c !== target)) {
      const token = present.get(source) && remoteSecretToken(present.get(source)!, source);
      const uid = fleet
        .kube(source)
        .objects()
        .find((o) => o.kind === 'ServiceAccount' && o.metadata?.namespace === 'istio-system')?.metadata?.uid;
      if (!token) problems.push(`${source} in ${target}: missing`);
      else if (!isTokenReusable(token, { now: fleet.clock.now(), ttlSeconds: TTL_SECONDS, serviceAccountUid: uid ?? '' }))
        problems.push(`${source} in ${target}: token expires ${jwtExpiry(token)?.toISOString()}`);
    }
  }
  return problems;
}

const meshStep = (record: { steps: { name: string }[] }) => record.steps.find((s) => s.name === MESH_STEPS.reconcileSecrets);

describe('mesh reconcile (the tick)', () => {
  it('clusters onboarding at the same moment end wired both ways after a tick; the next tick writes nothing and requests no token', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    const clusters = [TOKYO, OSAKA, NAGOYA, SEOUL];
    for (const c of clusters) await fleet.addCluster(c);
    // A fleet that has run before: its features exist (concurrent first onboardings race to create them).
    await fleet.hub.createFeature('multiclusterservicediscovery', {});
    await fleet.hub.createFeature('multiclusteringress', {
      multiclusteringress: { configMembership: `projects/${fleet.project}/locations/global/memberships/mc-gw-config-cluster` },
    });
    await Promise.all(
      clusters.map((c) =>
        onboardCluster(fleet.ctx, { cluster: { location: c.location, name: c.name }, principal: 'admin', dryRun: false, source: 'api' }),
      ),
    );
    const names = clusters.map((c) => c.name);
    const first = await tick(fleet);
    expect(wiredBothWays(fleet, names)).toEqual([]);
    expect(names.reduce((n, c) => n + remoteSecrets(fleet, c).size, 0)).toBe(4 * 3);
    expect(first.reason).toMatch(/^mesh remote secrets: created \d+, renewed 0, updated 0, removed 0/);
    expect(fleet.published.at(-1)).toMatchObject({ kind: 'tick', reason: first.reason });

    const versions = names.flatMap((c) => [...remoteSecrets(fleet, c).values()].map((s) => s.metadata?.resourceVersion));
    for (const c of names) fleet.kube(c).fail('requestToken', new Error('a steady state must not request tokens'));
    const second = await tick(fleet);
    expect(second).toMatchObject({ result: 'succeeded', reason: NOTHING_TO_CHANGE });
    expect(meshStep(second)).toMatchObject({ outcome: 'unchanged', detail: 'created 0, renewed 0, updated 0, removed 0, valid 12' });
    expect(names.flatMap((c) => [...remoteSecrets(fleet, c).values()].map((s) => s.metadata?.resourceVersion))).toEqual(versions);
  });

  it('renews tokens once half their lifetime has passed, so over 30 days none is ever close to expiring', async () => {
    const fleet = await demoFleet();
    const renewals: string[] = [];
    for (let hours = 0; hours <= 30 * 24; hours += 6) {
      const record = await tick(fleet);
      if (record.reason !== NOTHING_TO_CHANGE) renewals.push(`day ${hours / 24}: ${record.reason}`);
      expect(wiredBothWays(fleet, [TOKYO.name, OSAKA.name])).toEqual([]);
      fleet.clock.advance(6 * 3600_000);
    }
    // Every 3.5 days (half of 7), both directions at once; never more often.
    expect(renewals).toEqual(
      [3.5, 7, 10.5, 14, 17.5, 21, 24.5, 28].map((d) => `day ${d}: mesh remote secrets: created 0, renewed 2, updated 0, removed 0`),
    );
  });

  it('removes the secrets of a cluster that left, and keeps those of a cluster leaving and those it does not manage', async () => {
    const fleet = await demoFleet();
    await fleet.addCluster({ ...NAGOYA, onboarded: true });
    await fleet.addCluster({ ...SEOUL, onboarded: true });
    const record = (c: typeof NAGOYA | typeof SEOUL, phase: 'removed' | 'leaving') =>
      writeClusterRecord(fleet.store, { ...c, projectId: fleet.project, phase, updatedAt: fleet.clock.now().toISOString() });
    // Nagoya was deleted while its secrets could not be removed; Seoul's deletion is under way.
    await record(NAGOYA, 'removed');
    fleet.container.remove(NAGOYA.location, NAGOYA.name);
    await record(SEOUL, 'leaving');
    fleet.kube(TOKYO.name).put({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: remoteSecretName('someone-elses'), namespace: 'istio-system', labels: { 'istio/multiCluster': 'true' } },
    });
    await writeClusterRecord(fleet.store, {
      ...NAGOYA,
      name: 'someone-elses',
      projectId: fleet.project,
      phase: 'skipped',
      updatedAt: fleet.clock.now().toISOString(),
    });
    const result = await tick(fleet);
    expect(result.reason).toBe('mesh remote secrets: created 0, renewed 0, updated 0, removed 2');
    expect(meshStep(result)).toMatchObject({
      outcome: 'done',
      detail: expect.stringContaining(
        'removed: istio-remote-secret-mc-gw-nagoya@mc-gw-osaka, istio-remote-secret-mc-gw-nagoya@mc-gw-tokyo',
      ) as string,
    });
    expect([...remoteSecrets(fleet, TOKYO.name).keys()].sort()).toEqual([OSAKA.name, SEOUL.name, 'someone-elses']);
    expect([...remoteSecrets(fleet, OSAKA.name).keys()].sort()).toEqual([SEOUL.name, TOKYO.name]);
    expect(result.plan).toContain(
      'remove istio-remote-secret-mc-gw-nagoya from mc-gw-tokyo (mc-gw-nagoya is no longer an onboarded mesh cluster)',
    );
  });

  it('a cluster it cannot reach is recorded as a failed step and holds up no other; its secrets elsewhere stay', async () => {
    const fleet = await demoFleet();
    await fleet.addCluster({ ...NAGOYA, onboarded: true });
    for (const method of ['get', 'apply', 'list'] as const) fleet.kube(NAGOYA.name).fail(method, connectionRefused(NAGOYA.name));
    fleet.kube(TOKYO.name).remove({ apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: remoteSecretName(OSAKA.name) });
    const record = await tick(fleet);
    expect(meshStep(record)).toMatchObject({
      outcome: 'failed',
      detail: `created 1, renewed 0, updated 0, removed 0, valid 1; created: istio-remote-secret-mc-gw-osaka@mc-gw-tokyo; ${NAGOYA.name} not reached (connect ECONNREFUSED (${NAGOYA.name})); its secrets stay, the next tick tries again`,
    });
    expect(record.steps.find((s) => s.name === ONBOARDING_STEPS.memberObjectsOf(NAGOYA.name))).toMatchObject({ outcome: 'failed' });
    expect(wiredBothWays(fleet, [TOKYO.name, OSAKA.name])).toEqual([]);
    expect(remoteSecrets(fleet, TOKYO.name).has(NAGOYA.name)).toBe(true);
    expect(remoteSecrets(fleet, OSAKA.name).has(NAGOYA.name)).toBe(true);
  });

  it('wires an attached cluster given an API server address: secrets both ways, the address and the CA its kube-root-ca.crt publishes', async () => {
    const fleet = await demoFleet();
    await fleet.addAttached({ id: 'onprem-1' });
    fleet.kube('onprem-1').put({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'kube-root-ca.crt', namespace: 'kube-system' },
      data: { 'ca.crt': '-----BEGIN CERTIFICATE-----\nONPREM\n-----END CERTIFICATE-----\n' },
    } as KubernetesObject);
    const config = fleet.config();
    fleet.setConfig({ ...config, mesh: { ...config.mesh, apiServers: { 'onprem-1': 'https://203.0.113.50:6443' } } });
    const onboarded = await onboardCluster(fleet.ctx, {
      cluster: { membership: `projects/${fleet.project}/locations/global/memberships/onprem-1` },
      region: 'asia-east1',
      principal: 'admin',
      dryRun: false,
      source: 'api',
    });
    // Wired by the onboarding itself, not left to the tick.
    expect(onboarded.operation?.steps.find((s) => s.name === MESH_STEPS.reconcileSecrets)).toMatchObject({ outcome: 'done' });
    expect(wiredBothWays(fleet, [TOKYO.name, OSAKA.name, 'onprem-1'])).toEqual([]);
    const onprem = fleet.kube('onprem-1');
    expect((await onprem.get({ apiVersion: 'v1', kind: 'Namespace', name: 'store' }))?.metadata?.labels).toMatchObject({
      'istio-injection': 'enabled',
    });
    expect(
      await onprem.get({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', namespace: 'store', name: 'store' }),
    ).not.toBeNull();
    await tick(fleet);
    expect(wiredBothWays(fleet, [TOKYO.name, OSAKA.name, 'onprem-1'])).toEqual([]);
    const inTokyo = readRemoteSecret(remoteSecrets(fleet, TOKYO.name).get('onprem-1')!, 'onprem-1');
    expect(inTokyo).toMatchObject({ server: 'https://203.0.113.50:6443', caPem: expect.stringContaining('ONPREM') as string });
  });

  it('leaves attached clusters out of the mesh without an address', async () => {
    const fleet = await demoFleet();
    await fleet.addAttached({ id: 'onprem-1' });
    await onboardCluster(fleet.ctx, {
      cluster: { membership: `projects/${fleet.project}/locations/global/memberships/onprem-1` },
      region: 'asia-east1',
      principal: 'admin',
      dryRun: false,
      source: 'api',
    });
    await tick(fleet);
    expect([...remoteSecrets(fleet, TOKYO.name).keys()]).toEqual([OSAKA.name]);
    expect(remoteSecrets(fleet, 'onprem-1').size).toBe(0);
  });
});
