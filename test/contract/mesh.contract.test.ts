/**
 * The mesh shell against real kube-apiservers with the real Istio CRDs: remote secrets exchanged
 * both ways whose reader token authenticates and is confined by RBAC, idempotence, DestinationRules
 * accepted by the Istio schema, injection labels that keep other labels, and removal. The steps are
 * driven under alias names (no cluster record has them), so the sandbox's tick, which keeps the real
 * clusters' secrets converged every 2 s, neither races nor repairs them.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig, type V1Namespace, type V1Secret } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { FunctionContext } from '../../functions/compose.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import type { KubeAdapter } from '../../shared/adapters/kube.ts';
import { endpointServer } from '../../shared/adapters/kube-servers.ts';
import { systemClock } from '../../shared/core/clock.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { meshServiceSchema } from '../../shared/config/fleet-config.ts';
import {
  MESH_STEPS,
  ensureMeshServices,
  ensureRemoteSecrets,
  jwtClaims,
  reconcileMeshSecrets,
  removeRemoteSecrets,
  remoteSecretName,
  remoteSecretToken,
  renderRemoteSecret,
  type DestinationRule,
  type MeshCluster,
} from '../../shared/mesh/index.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { ONBOARD_LABELS, createCluster, deleteCluster, uniqueName } from '../support/fleet-fixtures.ts';
import { kubeFor, sandboxAdapters, secondInstance } from '../support/sandbox-clients.ts';

const SUFFIX = randomBytes(3).toString('hex');
/** The demo clusters, named by aliases fleetpilot keeps no record of. */
const TOKYO = { location: 'asia-northeast1-b', cluster: 'mc-gw-tokyo', name: `alias-tokyo-${SUFFIX}` };
const OSAKA = { location: 'asia-northeast2-b', cluster: 'mc-gw-osaka', name: `alias-osaka-${SUFFIX}` };
const OPTS = { tokenTtlSeconds: 3600, clock: systemClock };

function secretRef(cluster: string) {
  return { apiVersion: 'v1', kind: 'Secret', namespace: 'istio-system', name: remoteSecretName(cluster) };
}

describe('mesh: remote secrets and mesh services (real kube-apiservers)', () => {
  let adapters: GcpAdapters;
  let tokyo: MeshCluster;
  let osaka: MeshCluster;
  const ns = `mesh-${randomBytes(3).toString('hex')}`;

  async function meshCluster(where: { location: string; cluster: string; name: string }): Promise<MeshCluster> {
    const info = (await adapters.container.getCluster(where.location, where.cluster))!;
    return {
      name: where.name,
      server: endpointServer(info.endpoint),
      caPem: info.caCertificatePem,
      kube: await kubeFor(adapters, where.location, where.cluster),
    };
  }

  beforeAll(async () => {
    adapters = await sandboxAdapters();
    tokyo = await meshCluster(TOKYO);
    osaka = await meshCluster(OSAKA);
  });

  afterAll(async () => {
    await osaka.kube.delete(secretRef(TOKYO.name));
    await tokyo.kube.delete(secretRef(OSAKA.name));
    await tokyo.kube.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    await adapters.close();
  });

  it('puts each cluster’s remote secret in the other', async () => {
    const summary = await ensureRemoteSecrets(tokyo, [osaka], OPTS);
    expect([...summary.created, ...summary.unchanged].sort()).toEqual([
      `istio-remote-secret-${OSAKA.name}@${TOKYO.name}`,
      `istio-remote-secret-${TOKYO.name}@${OSAKA.name}`,
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

  it('stores a token in osaka that authenticates to tokyo, reads what istiod watches and writes nothing', async () => {
    const stored = (await osaka.kube.get<V1Secret>(secretRef(TOKYO.name)))!;
    const kubeconfigYaml = Buffer.from(stored.data![TOKYO.name]!, 'base64').toString('utf8');
    expect((parse(kubeconfigYaml) as { clusters: { cluster: { server: string } }[] }).clusters[0]!.cluster.server).toBe(tokyo.server);
    const kc = new KubeConfig();
    kc.loadFromString(kubeconfigYaml);
    const asReader = kc.makeApiClient(CoreV1Api);
    // What a remote istiod lists (Istio's own reader role): pods, the mesh ConfigMap, secrets.
    expect(Array.isArray((await asReader.listPodForAllNamespaces()).items)).toBe(true);
    expect(Array.isArray((await asReader.listNamespacedConfigMap({ namespace: 'istio-system' })).items)).toBe(true);
    expect(Array.isArray((await asReader.listSecretForAllNamespaces()).items)).toBe(true);
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 200,
        (e: { code?: number }) => e.code,
      );
    const write = { metadata: { name: `reader-write-${SUFFIX}`, namespace: 'istio-system' }, stringData: { a: 'b' } };
    expect(await code(asReader.createNamespacedSecret({ namespace: 'istio-system', body: write }))).toBe(403);
    expect(await code(asReader.deleteNamespace({ name: ns }))).toBe(403);
  });

  it('changes nothing when run again with the stored tokens still fresh', async () => {
    const rv = (await osaka.kube.get(secretRef(TOKYO.name)))?.metadata?.resourceVersion;
    const again = await ensureRemoteSecrets(tokyo, [osaka], OPTS);
    expect(again.created).toEqual([]);
    expect(again.unchanged.sort()).toEqual([
      `istio-remote-secret-${OSAKA.name}@${TOKYO.name}`,
      `istio-remote-secret-${TOKYO.name}@${OSAKA.name}`,
    ]);
    expect((await osaka.kube.get(secretRef(TOKYO.name)))?.metadata?.resourceVersion).toBe(rv);
  });

  it('renews the tokens once more than half their lifetime has passed', async () => {
    const token = async () => remoteSecretToken((await osaka.kube.get<V1Secret>(secretRef(TOKYO.name)))!, TOKYO.name);
    const old = await token();
    // Far enough ahead that any stored token (60 min here, 7 days when fleetpilot onboarded the pair) is past half its life.
    const later = { now: () => new Date(Date.now() + 30 * 24 * 3600_000) };
    const renewed = await ensureRemoteSecrets(tokyo, [osaka], { ...OPTS, clock: later });
    expect(renewed.created.sort()).toEqual([
      `istio-remote-secret-${OSAKA.name}@${TOKYO.name}`,
      `istio-remote-secret-${TOKYO.name}@${OSAKA.name}`,
    ]);
    expect(await token()).not.toBe(old);
    expect((await ensureRemoteSecrets(tokyo, [osaka], OPTS)).created).toEqual([]);
  });

  it('applies DestinationRules the Istio schema accepts and labels the namespace, keeping its other labels', async () => {
    const teamTool = await kubeFor(adapters, TOKYO.location, TOKYO.cluster, 'team-tool');
    await teamTool.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { team: 'store' } } });
    const services = [
      { name: 'store', namespace: ns, localityLb: { failover: [{ from: 'asia-northeast1', to: 'asia-northeast2' }] } },
      { name: 'cart', namespace: ns, localityLb: { failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] } },
      {
        name: 'search',
        namespace: ns,
        localityLb: { distribute: [{ from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 80, 'asia-northeast2/*': 20 } }] },
      },
      {
        name: 'orders',
        namespace: ns,
        localityLb: { failover: [{ from: 'asia-northeast1', to: 'asia-northeast2' }], failoverPriority: ['topology.istio.io/network'] },
      },
    ].map((s) => meshServiceSchema.parse(s));
    expect(await ensureMeshServices(tokyo, services)).toEqual([
      `Namespace ${ns}`,
      `DestinationRule ${ns}/store`,
      `DestinationRule ${ns}/cart`,
      `DestinationRule ${ns}/search`,
      `DestinationRule ${ns}/orders`,
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
    expect(await removeRemoteSecrets(TOKYO.name, [osaka])).toEqual([`istio-remote-secret-${TOKYO.name}@${OSAKA.name}`]);
    expect(await osaka.kube.get(secretRef(TOKYO.name))).toBeNull();
    expect(await removeRemoteSecrets(TOKYO.name, [osaka])).toEqual([]);
  });
});

const DAY = 24 * 3600_000;

describe('mesh: the tick keeps remote secrets converged (sandbox, real kube-apiservers)', () => {
  let adapters: GcpAdapters;
  let second: FunctionContext;
  const burst = [
    { name: uniqueName('mesh-a'), location: 'asia-east1-a' },
    { name: uniqueName('mesh-b'), location: 'asia-east2-a' },
    { name: uniqueName('mesh-c'), location: 'asia-south1-a' },
  ];
  const kubes = new Map<string, KubeAdapter>();
  const kube = async (c: { name: string; location: string }) => {
    if (!kubes.has(c.name)) kubes.set(c.name, await kubeFor(adapters, c.location, c.name));
    return kubes.get(c.name)!;
  };
  /** The token of `source`'s remote secret stored in `target`, or null. */
  const storedToken = async (source: string, target: { name: string; location: string }) => {
    const secret = await (await kube(target)).get<V1Secret>(secretRef(source));
    return secret ? remoteSecretToken(secret, source) : null;
  };
  /** The pairs of `clusters` whose secret is missing or does not carry a token of the source's reader with over half its life left. */
  const unwired = async (clusters: { name: string; location: string }[], now = Date.now()) => {
    const problems: string[] = [];
    for (const source of clusters) {
      const reader = await (
        await kube(source)
      ).get({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: 'istio-system', name: 'istio-reader-service-account' });
      for (const target of clusters.filter((c) => c !== source)) {
        const claims = jwtClaims((await storedToken(source.name, target)) ?? '');
        const fresh =
          claims?.exp !== undefined && claims.iat !== undefined && claims.exp * 1000 - now > ((claims.exp - claims.iat) * 1000) / 2;
        if (!claims || claims['kubernetes.io']?.serviceaccount?.uid !== reader?.metadata?.uid || !fresh)
          problems.push(`${source.name} in ${target.name}`);
      }
    }
    return problems;
  };
  /** One mesh reconcile by a second fleetpilot instance whose clock says `now`; returns its step's detail. */
  const reconcileAt = async (now: () => Date) => {
    const deps = { ...second.fleet, clock: { now } };
    const op = await startOperation(deps, { kind: 'mesh-contract', trigger: { source: 'test' }, principal: 'test', subject: 'mesh' });
    await reconcileMeshSecrets(deps, op, await second.fleet.config());
    await op.finish('succeeded');
    return op.record().steps.find((s) => s.name === MESH_STEPS.reconcileSecrets)?.detail ?? '';
  };

  beforeAll(async () => {
    adapters = await sandboxAdapters();
    second = await secondInstance();
  });

  afterAll(async () => {
    await Promise.all(burst.map((c) => deleteCluster(adapters, c.name, c.location)));
    await second.adapters.close();
    await adapters.close();
  });

  it('clusters created at the same moment end with remote secrets both ways, with each other and the demo clusters', async () => {
    const started = Date.now();
    await Promise.all(burst.map((c) => createCluster(adapters, c.name, c.location, ONBOARD_LABELS)));
    const mesh = [...burst, { name: 'mc-gw-tokyo', location: 'asia-northeast1-b' }, { name: 'mc-gw-osaka', location: 'asia-northeast2-b' }];
    await pollUntil(async () => ((await unwired(mesh)).length === 0 ? true : undefined), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: 'remote secrets both ways between every pair',
    });
    process.stdout.write(
      `mesh: ${burst.length} clusters created together wired both ways (${burst.length * (burst.length - 1)} secrets among them) ${((Date.now() - started) / 1000).toFixed(1)} s after creation\n`,
    );
    expect(await unwired(mesh)).toEqual([]);
  });

  it('renews tokens past half their lifetime (the clock injected 4 days ahead), and a reconcile at the real time then writes nothing of them', async () => {
    const [a, b] = burst as [(typeof burst)[0], (typeof burst)[0]];
    const before = jwtClaims((await storedToken(a.name, b))!)!;
    const detail = await reconcileAt(() => new Date(Date.now() + 4 * DAY));
    expect(detail).toContain(`${remoteSecretName(a.name)}@${b.name}`);
    expect(detail).toMatch(/renewed [1-9]/);
    const after = jwtClaims((await storedToken(a.name, b))!)!;
    expect(after.exp!).toBeGreaterThan(before.exp!);
    expect(await unwired(burst, Date.now() + 3 * DAY)).toEqual([]);
    const rv = (await (await kube(b)).get(secretRef(a.name)))?.metadata?.resourceVersion;
    const steady = await reconcileAt(() => new Date());
    expect(steady).not.toContain(`${remoteSecretName(a.name)}@`);
    expect((await (await kube(b)).get(secretRef(a.name)))?.metadata?.resourceVersion).toBe(rv);
  });

  it('a cluster that leaves has its secrets removed, and a secret left behind is removed by the tick', async () => {
    const [a, b, c] = burst as [(typeof burst)[0], (typeof burst)[0], (typeof burst)[0]];
    await deleteCluster(adapters, c.name, c.location);
    await pollUntil(async () => ((await storedToken(c.name, a)) === null && (await storedToken(c.name, b)) === null ? true : undefined), {
      timeoutMs: 60_000,
      what: `${c.name}'s secrets gone from the others`,
    });
    // As if offboarding had not reached a: a managed secret of the cluster that left.
    const left = renderRemoteSecret({ cluster: c.name, server: 'https://gone.example.internal', caPem: 'gone', token: 'gone' });
    await (await kube(a)).apply(left);
    await pollUntil(async () => ((await storedToken(c.name, a)) === null ? true : undefined), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: `the tick to remove ${remoteSecretName(c.name)} from ${a.name}`,
    });
    expect(await unwired([a, b])).toEqual([]);
  });
});
