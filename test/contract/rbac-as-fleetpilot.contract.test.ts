/**
 * infra/kubernetes/'s RBAC on real kube-apiservers: two member clusters and a config cluster of this
 * file's own (its own etcd, apart from the shared sandbox fleet), the roles applied by an admin, then
 * fleetpilot's flow steps run as one of fleetpilot's accounts, impersonated as the Connect Agent does:
 * member objects and node labels, the mesh reader objects, remote secrets both ways and their removal,
 * DestinationRules, the Gateway and the HTTPRoute. RBAC refuses what the roles do not grant.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeAdapter, type KubeAdapter } from '../../shared/adapters/kube.ts';
import { kubeConfigFor } from '../../shared/adapters/kube-config.ts';
import type { ClusterInfo } from '../../shared/adapters/container.ts';
import { parseFleetConfigYaml } from '../../shared/config/config-file.ts';
import type { FleetConfig } from '../../shared/config/fleet-config.ts';
import { systemClock } from '../../shared/core/clock.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import { withRetry } from '../../shared/core/retry.ts';
import { ensureMemberObjects } from '../../shared/onboarding/member-objects.ts';
import { MEMBER_ACCESS } from '../../shared/ops/preflight-checks.ts';
import { applyMeshReader, ensureRemoteSecrets, removeRemoteSecrets, type MeshCluster } from '../../shared/mesh/remote-secrets.ts';
import { ensureMeshServices } from '../../shared/mesh/services.ts';
import { reconcileRoutes, routingObservation } from '../../shared/routing/apply-routes.ts';
import { regionalServiceName } from '../../shared/routing/names.ts';
import { memberObjectUnchanged, renderMemberObjects } from '../../shared/routing/render-member.ts';
import type { ClusterRecord } from '../../shared/state/cluster-records.ts';
import { deployClusterTemplate } from '../../sandbox/cluster-template.ts';
import { ensureKubeSandbox } from '../../sandbox/kube-build.ts';
import { KubeFleet, type KubeCluster } from '../../sandbox/kube-fleet.ts';
import { ProcessSupervisor } from '../../sandbox/processes.ts';

const PROJECT = 'fleetpilot-example';
const FLEETPILOT = `fleetpilot-lifecycle@${PROJECT}.iam.gserviceaccount.com`;
const ADMIN_TOKEN = randomBytes(24).toString('hex');
const MEMBERS = [
  { name: 'rbac-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1' },
  { name: 'rbac-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2' },
];

let stateDir: string;
let supervisor: ProcessSupervisor;
let config: FleetConfig;
const clusters = new Map<string, KubeCluster>();
const admin = new Map<string, KubeAdapter>();
const fleetpilot = new Map<string, KubeAdapter>();

/** The admin's token, acting as `user` (Impersonate-User): RBAC then authorizes `user` alone. */
function impersonating(cluster: KubeCluster, user: string): KubeAdapter {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: cluster.name, server: cluster.server, caData: Buffer.from(cluster.caPem).toString('base64') }],
    users: [{ name: 'fleetpilot', token: ADMIN_TOKEN, impersonateUser: user }],
    contexts: [{ name: cluster.name, cluster: cluster.name, user: 'fleetpilot' }],
    currentContext: cluster.name,
  });
  return createKubeAdapter(kc, 'fleetpilot');
}

function manifests(file: string): KubernetesObject[] {
  const text = readFileSync(join('infra', 'kubernetes', file), 'utf8').replaceAll('PROJECT_ID', PROJECT);
  return parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject);
}

async function applyAll(kube: KubeAdapter, objects: KubernetesObject[]): Promise<void> {
  // A fresh API server may answer 429 while its storage initialises.
  for (const obj of objects) await withRetry(() => kube.apply(obj), { attempts: 20, baseDelayMs: 100, maxDelayMs: 1_000 });
}

const mesh = (name: string): MeshCluster => ({
  name,
  server: clusters.get(name)!.server,
  caPem: clusters.get(name)!.caPem,
  kube: fleetpilot.get(name)!,
});

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'fleetpilot-rbac-'));
  supervisor = new ProcessSupervisor(stateDir, silentLogger());
  const kube = await ensureKubeSandbox({ repoRoot: process.cwd(), log: () => {} });
  const fleet = await KubeFleet.start({
    supervisor,
    binary: kube.binary,
    crdDirs: kube.crdDirs,
    stateDir,
    token: ADMIN_TOKEN,
    log: silentLogger(),
  });
  const started = await Promise.all([...MEMBERS.map((m) => m.name), 'rbac-config'].map((name) => fleet.addCluster(name)));
  for (const c of started) {
    clusters.set(c.name, c);
    admin.set(
      c.name,
      createKubeAdapter(kubeConfigFor({ name: c.name, server: c.server, caPem: c.caPem, token: ADMIN_TOKEN }), 'rbac-admin'),
    );
    fleetpilot.set(c.name, impersonating(c, FLEETPILOT));
  }
  for (const m of MEMBERS) {
    await deployClusterTemplate(clusters.get(m.name)!, ADMIN_TOKEN);
    await applyAll(admin.get(m.name)!, manifests('member-cluster.yaml'));
  }
  await applyAll(admin.get('rbac-config')!, manifests('config-cluster.yaml'));
  config = parseFleetConfigYaml(readFileSync('examples/fleet.yaml', 'utf8'), 'examples/fleet.yaml');
}, 900_000);

afterAll(async () => {
  await supervisor?.stopAll();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("fleetpilot's flow steps as fleetpilot's account, under infra/kubernetes/ RBAC", () => {
  it('is refused what the roles do not grant (the impersonation is in force)', async () => {
    const kube = fleetpilot.get('rbac-tokyo')!;
    await expect(kube.list('v1', 'Secret', 'kube-system')).rejects.toThrow(/403|forbidden/i);
    await expect(
      kube.apply({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'x', namespace: 'default' },
        stringData: { a: 'b' },
      } as KubernetesObject),
    ).rejects.toThrow(/403|forbidden/i);
    await expect(
      kube.apply({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'fleetpilot-escalation' },
        rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      } as KubernetesObject),
    ).rejects.toThrow(/403|forbidden/i);
    await expect(fleetpilot.get('rbac-config')!.list('net.gke.io/v1', 'ServiceExport')).rejects.toThrow(/403|forbidden/i);
  });

  it('applies the member objects and labels the nodes, then finds nothing to change', async () => {
    for (const m of MEMBERS) {
      // What the preflight asks of every member is what member-cluster.yaml grants.
      expect(await fleetpilot.get(m.name)!.canI(MEMBER_ACCESS), m.name).toEqual(MEMBER_ACCESS.map(() => true));
      const first = await ensureMemberObjects(fleetpilot.get(m.name)!, config, m);
      expect(first.missingServices, m.name).toEqual([]);
      expect(first.changed.join('\n'), m.name).toMatch(/ServiceExport/);
      expect(first.labelledNodes, m.name).toHaveLength(2);
      const again = await ensureMemberObjects(fleetpilot.get(m.name)!, config, m);
      expect(again.changed, m.name).toEqual([]);
      // A reconcile reads them in lists, as fleetpilot (the role grants it), and compares what the
      // server returns with what it would apply: this server's defaults must compare unchanged, or
      // every tick would write every object again.
      const kube = fleetpilot.get(m.name)!;
      const exports = await kube.list('net.gke.io/v1', 'ServiceExport', undefined, 'app.kubernetes.io/managed-by=fleetpilot');
      for (const service of config.services) {
        const services = await kube.list('v1', 'Service', service.namespace);
        const listed = (kind: string, name: string) => (kind === 'Service' ? services : exports).find((o) => o.metadata?.name === name);
        const appService = listed('Service', service.name)!;
        const desired = renderMemberObjects({
          service,
          appService,
          cluster: m.name,
          region: m.region,
          perClusterServices: config.onboarding.perClusterServices,
        });
        for (const obj of desired) {
          const live = listed(obj.kind!, obj.metadata!.name!);
          expect(live && memberObjectUnchanged(live, obj), `${m.name} ${obj.kind} ${obj.metadata!.name}`).toBe(true);
        }
      }
    }
  });

  it('wires the mesh: reader objects, remote secrets both ways, DestinationRules, and removes the secrets', async () => {
    const [tokyo, osaka] = MEMBERS.map((m) => mesh(m.name));
    for (const c of [tokyo!, osaka!]) expect((await applyMeshReader(c)).serviceAccountUid).not.toBe('');
    const secrets = await ensureRemoteSecrets(tokyo!, [osaka!], { tokenTtlSeconds: 3600, clock: systemClock });
    expect(secrets.created).toHaveLength(2);
    expect((await ensureRemoteSecrets(tokyo!, [osaka!], { tokenTtlSeconds: 3600, clock: systemClock })).created).toEqual([]);
    expect(await ensureMeshServices(tokyo!, config.mesh.services)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^DestinationRule /)]),
    );
    // A render reads a cluster's rules in one list: the role grants it.
    const rules = await fleetpilot
      .get(MEMBERS[0]!.name)!
      .list('networking.istio.io/v1', 'DestinationRule', undefined, 'app.kubernetes.io/managed-by=fleetpilot');
    expect(rules.length).toBeGreaterThan(0);
    expect(await removeRemoteSecrets('rbac-tokyo', [osaka!])).toHaveLength(1);
  });

  it('creates the Gateway and renders the HTTPRoute on the config cluster', async () => {
    const now = new Date().toISOString();
    const service = config.services[0]!;
    // What GKE's MCS importer would create (an admin does here), and the clusters fleetpilot onboarded.
    const imports = MEMBERS.map((m) => ({
      apiVersion: 'net.gke.io/v1',
      kind: 'ServiceImport',
      metadata: { name: regionalServiceName(service.name, m.region), namespace: service.namespace },
      spec: { type: 'ClusterSetIP', ports: [{ port: service.port, protocol: 'TCP' }] },
    }));
    await admin.get('rbac-config')!.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: service.namespace } });
    await applyAll(admin.get('rbac-config')!, imports);
    const infos: ClusterInfo[] = MEMBERS.map((m) => ({
      projectId: config.fleet.project,
      location: m.location,
      name: m.name,
      status: 'RUNNING',
      endpoint: '',
      caCertificatePem: '',
      resourceLabels: {},
      privateEndpointOnly: false,
      selfLink: '',
    }));
    const records: ClusterRecord[] = MEMBERS.map((m) => ({
      projectId: config.fleet.project,
      location: m.location,
      name: m.name,
      region: m.region,
      phase: 'onboarded',
      updatedAt: now,
    }));
    const configKube = fleetpilot.get('rbac-config')!;
    const observed = routingObservation(
      { clusters: infos, records, imports: await configKube.list('net.gke.io/v1', 'ServiceImport') },
      config,
    );
    const outcome = await reconcileRoutes(configKube, config, observed);
    expect(outcome.problems).toEqual([]);
    expect(outcome.changed.join('\n')).toMatch(/Gateway .* created/);
    expect(outcome.changed.join('\n'), outcome.explanation.join('\n')).toMatch(/HTTPRoute/);
    expect((await reconcileRoutes(configKube, config, observed)).changed).toEqual([]);
    // A render of several services reads fleetpilot's routes in one list: the role grants it.
    const listed = await configKube.list('gateway.networking.k8s.io/v1', 'HTTPRoute', undefined, 'app.kubernetes.io/managed-by=fleetpilot');
    expect(listed.map((r) => `${r.metadata?.namespace}/${r.metadata?.name}`)).toContain(`${service.namespace}/${service.name}`);
  });
});
