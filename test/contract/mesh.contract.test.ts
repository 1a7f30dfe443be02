/**
 * The mesh shell against real kube-apiservers with the real Istio CRDs: remote secrets exchanged
 * both ways whose reader token authenticates and is confined by RBAC, idempotence, DestinationRules
 * accepted by the Istio schema, injection labels that keep other labels, and removal.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig, type V1Namespace, type V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { endpointServer } from '../../shared/adapters/kube-config.ts';
import { systemClock } from '../../shared/core/clock.ts';
import { meshServiceSchema } from '../../shared/config/fleet-config.ts';
import {
  ensureMeshServices,
  ensureRemoteSecrets,
  removeRemoteSecrets,
  remoteSecretName,
  remoteSecretToken,
  type DestinationRule,
  type MeshCluster,
} from '../../shared/mesh/index.ts';
import { kubeFor, sandboxAdapters } from '../support/sandbox-clients.ts';

const TOKYO = { location: 'asia-northeast1-b', name: 'mc-gw-tokyo' };
const OSAKA = { location: 'asia-northeast2-b', name: 'mc-gw-osaka' };
const OPTS = { tokenTtlSeconds: 3600, clock: systemClock };

function secretRef(cluster: string) {
  return { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: remoteSecretName(cluster) };
}

/** A live object as something to apply again: without the fields the server owns. */
function reapplicable(secret: V1Secret): V1Secret {
  const { name, namespace, labels, annotations } = secret.metadata ?? {};
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels, annotations }, type: secret.type, data: secret.data };
}

describe('mesh: remote secrets and mesh services (real kube-apiservers)', () => {
  let adapters: GcpAdapters;
  let tokyo: MeshCluster;
  let osaka: MeshCluster;
  /** Remote secrets present before this test (another test may have exchanged them): restored at the end. */
  const before = new Map<string, { cluster: MeshCluster; secret: V1Secret | null }>();
  const ns = `mesh-${randomBytes(3).toString('hex')}`;

  async function meshCluster(where: { location: string; name: string }): Promise<MeshCluster> {
    const info = (await adapters.container.getCluster(where.location, where.name))!;
    return {
      name: where.name,
      server: endpointServer(info.endpoint),
      caPem: info.caCertificatePem,
      kube: await kubeFor(adapters, where.location, where.name),
    };
  }

  beforeAll(async () => {
    adapters = await sandboxAdapters();
    tokyo = await meshCluster(TOKYO);
    osaka = await meshCluster(OSAKA);
    before.set('tokyo-in-osaka', { cluster: osaka, secret: await osaka.kube.get<V1Secret>(secretRef(TOKYO.name)) });
    before.set('osaka-in-tokyo', { cluster: tokyo, secret: await tokyo.kube.get<V1Secret>(secretRef(OSAKA.name)) });
  });

  afterAll(async () => {
    for (const [key, { cluster, secret }] of before) {
      const name = key.startsWith('tokyo') ? TOKYO.name : OSAKA.name;
      if (secret) await cluster.kube.apply(reapplicable(secret));
      else await cluster.kube.delete(secretRef(name));
    }
    await tokyo.kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    await adapters.close();
  });

  it('puts each cluster’s remote secret in the other', async () => {
    const summary = await ensureRemoteSecrets(tokyo, [osaka], OPTS);
    expect([...summary.created, ...summary.unchanged].sort()).toEqual([
      'istio-remote-secret-mc-gw-osaka@mc-gw-tokyo',
      'istio-remote-secret-mc-gw-tokyo@mc-gw-osaka',
    ]);
    const inOsaka = await osaka.kube.get<V1Secret>(secretRef(TOKYO.name));
    const inTokyo = await tokyo.kube.get<V1Secret>(secretRef(OSAKA.name));
    expect(inOsaka?.metadata).toMatchObject({
      labels: { 'istio/multiCluster': 'true' },
      annotations: { 'networking.istio.io/cluster': TOKYO.name },
    });
    expect(inTokyo?.metadata).toMatchObject({
      labels: { 'istio/multiCluster': 'true' },
      annotations: { 'networking.istio.io/cluster': OSAKA.name },
    });
  });

  it('stores a token in osaka that authenticates to tokyo and may list pods but not secrets', async () => {
    const stored = (await osaka.kube.get<V1Secret>(secretRef(TOKYO.name)))!;
    const kubeconfigYaml = Buffer.from(stored.data![TOKYO.name]!, 'base64').toString('utf8');
    expect((parse(kubeconfigYaml) as { clusters: { cluster: { server: string } }[] }).clusters[0]!.cluster.server).toBe(tokyo.server);
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml);
    const asReader = kc.makeApiClient(CoreV1Api);
    const pods = await asReader.listPodForAllNamespaces();
    expect(Array.isArray(pods.items)).toBe(true);
    const denied = await asReader.listSecretForAllNamespaces().then(
      () => undefined,
      (e: { code?: number }) => e.code,
    );
    expect(denied).toBe(403);
  });

  it('changes nothing when run again with the stored tokens still fresh', async () => {
    const rv = (await osaka.kube.get(secretRef(TOKYO.name)))?.metadata?.resourceVersion;
    const again = await ensureRemoteSecrets(tokyo, [osaka], OPTS);
    expect(again.created).toEqual([]);
    expect(again.unchanged.sort()).toEqual(['istio-remote-secret-mc-gw-osaka@mc-gw-tokyo', 'istio-remote-secret-mc-gw-tokyo@mc-gw-osaka']);
    expect((await osaka.kube.get(secretRef(TOKYO.name)))?.metadata?.resourceVersion).toBe(rv);
  });

  it('renews the tokens once more than half their lifetime has passed', async () => {
    const token = async () => remoteSecretToken((await osaka.kube.get<V1Secret>(secretRef(TOKYO.name)))!, TOKYO.name);
    const old = await token();
    // Far enough ahead that any stored token (60 min here, 7 days when fleetpilot onboarded the pair) is past half its life.
    const later = { now: () => new Date(Date.now() + 30 * 24 * 3600_000) };
    const renewed = await ensureRemoteSecrets(tokyo, [osaka], { ...OPTS, clock: later });
    expect(renewed.created.sort()).toEqual(['istio-remote-secret-mc-gw-osaka@mc-gw-tokyo', 'istio-remote-secret-mc-gw-tokyo@mc-gw-osaka']);
    expect(await token()).not.toBe(old);
    expect((await ensureRemoteSecrets(tokyo, [osaka], OPTS)).created).toEqual([]);
  });

  it('applies DestinationRules the Istio schema accepts and labels the namespace, keeping its other labels', async () => {
    const teamTool = await kubeFor(adapters, TOKYO.location, TOKYO.name, 'team-tool');
    await teamTool.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: 'store' } } });
    const services = [
      { name: 'store', namespace: ns, localityLb: { failover: [{ from: 'asia-northeast1', to: 'asia-northeast2' }] } },
      { name: 'cart', namespace: ns, localityLb: { failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] } },
      {
        name: 'search',
        namespace: ns,
        localityLb: { distribute: [{ from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 80, 'asia-northeast2/*': 20 } }] },
      },
    ].map((s) => meshServiceSchema.parse(s));
    expect(await ensureMeshServices(tokyo, services)).toEqual([
      `Namespace ${ns}`,
      `DestinationRule ${ns}/store`,
      `DestinationRule ${ns}/cart`,
      `DestinationRule ${ns}/search`,
    ]);
    const live = await tokyo.kube.get<V1Namespace>({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    expect(live?.metadata?.labels).toMatchObject({ team: 'store', 'istio-injection': 'enabled' });
    const rule = await tokyo.kube.get<DestinationRule>({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      namespace: ns,
      name: 'store',
    });
    expect(rule?.spec).toEqual({
      host: `store.${ns}.svc.cluster.local`,
      trafficPolicy: {
        outlierDetection: { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100 },
        loadBalancer: { localityLbSetting: { enabled: true, failover: [{ from: 'asia-northeast1', to: 'asia-northeast2' }] } },
      },
    });
    expect(await ensureMeshServices(tokyo, services)).toEqual([]);
  });

  it('removes tokyo’s remote secret from osaka, and a second removal is a no-op', async () => {
    expect(await removeRemoteSecrets(TOKYO.name, [osaka])).toEqual(['istio-remote-secret-mc-gw-tokyo@mc-gw-osaka']);
    expect(await osaka.kube.get(secretRef(TOKYO.name))).toBeNull();
    expect(await removeRemoteSecrets(TOKYO.name, [osaka])).toEqual([]);
  });
});
