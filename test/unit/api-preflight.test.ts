/** `GET /v1/fleet/preflight`: each prerequisite over the in-memory fleet, and the command that fixes a missing one. */
import { describe, expect, it } from 'vitest';
import { eastWestGatewayService } from '../../sandbox/east-west-gateway.ts';
import { writeClusterRecord } from '../../shared/state/cluster-records.ts';
import { apiTestApp, type ApiTestApp } from '../support/api-fakes.ts';

type Check = { name: string; ok: boolean; detail: string; fix?: string };
type Report = { ok: boolean; checks: Check[] };

/** The fleet features on, and the config cluster as GKE leaves it with `--gateway-api=standard` and the multi-cluster Gateway controller. */
async function setUp(t: ApiTestApp): Promise<void> {
  await t.fleet.hub.createFeature('multiclusterservicediscovery', {});
  await t.fleet.hub.createFeature('multiclusteringress', {
    multiclusteringress: { configMembership: `projects/${t.fleet.project}/locations/global/memberships/mc-gw-config-cluster` },
  });
  for (const name of ['gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io'])
    t.fleet.configKube.put({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name } });
  t.fleet.configKube.put({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: { name: 'gke-l7-global-external-managed-mc' },
  });
}

async function preflight(t: ApiTestApp): Promise<Report> {
  const res = await t.call('GET', '/v1/fleet/preflight', { token: t.tokens.viewer });
  expect(res.status).toBe(200);
  return (await res.json()) as Report;
}

describe('GET /v1/fleet/preflight', () => {
  it('reports every prerequisite of a set-up fleet as holding, members included', async () => {
    const t = await apiTestApp();
    await setUp(t);
    const report = await preflight(t);
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'api:container.googleapis.com',
        'api:trafficdirector.googleapis.com',
        'iam:mcs-importer',
        'feature:multiclusterservicediscovery',
        'feature:multiclusteringress',
        'config-cluster:crd:httproutes.gateway.networking.k8s.io',
        'config-cluster:gatewayclass',
        'rbac:mc-gw-tokyo',
        'rbac:mc-gw-osaka',
      ]),
    );
  });

  it.each<[string, (t: ApiTestApp) => void, string, RegExp]>([
    [
      'the MCS importer binding',
      (t) => t.projectApis.bindings.splice(0),
      'iam:mcs-importer',
      /gcloud projects add-iam-policy-binding fleetpilot-sandbox --member "serviceAccount:fleetpilot-sandbox\.svc\.id\.goog\[gke-mcs\/gke-mcs-importer\]" --role "roles\/compute\.networkViewer"/,
    ],
    [
      'an API',
      (t) => t.projectApis.enabled.delete('trafficdirector.googleapis.com'),
      'api:trafficdirector.googleapis.com',
      /^gcloud services enable trafficdirector\.googleapis\.com --project fleetpilot-sandbox$/,
    ],
    [
      'RBAC in a member',
      (t) => t.fleet.kube('mc-gw-tokyo').denied.add('patch net.gke.io/serviceexports'),
      'rbac:mc-gw-tokyo',
      /member-cluster\.yaml \| kubectl --context mc-gw-tokyo apply -f -/,
    ],
    [
      'list in a member (a role from before list was granted: every object is read alone)',
      (t) => t.fleet.kube('mc-gw-osaka').denied.add('list /services'),
      'rbac:mc-gw-osaka',
      /member-cluster\.yaml \| kubectl --context mc-gw-osaka apply -f -/,
    ],
    [
      'the GatewayClass',
      (t) =>
        t.fleet.configKube.remove({
          apiVersion: 'gateway.networking.k8s.io/v1',
          kind: 'GatewayClass',
          name: 'gke-l7-global-external-managed-mc',
        }),
      'config-cluster:gatewayclass',
      /--gateway-api=standard/,
    ],
  ])('names a missing %s and the command that fixes it', async (_what, breakIt, name, fix) => {
    const t = await apiTestApp();
    await setUp(t);
    breakIt(t);
    const report = await preflight(t);
    expect(report.ok).toBe(false);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([name]);
    expect(report.checks.find((c) => c.name === name)?.fix).toMatch(fix);
  });

  it('reports a read that failed as a failed check, not an error', async () => {
    const t = await apiTestApp();
    await setUp(t);
    t.projectApis.iamBindings = async () => {
      throw Object.assign(new Error('forbidden'), { code: 403 });
    };
    const check = (await preflight(t)).checks.find((c) => c.name === 'iam:mcs-importer');
    expect(check).toMatchObject({ ok: false, detail: 'could not check the IAM policy: HTTP 403' });
  });

  it('across mesh networks, names a member without an east-west gateway and the command that installs one', async () => {
    const t = await apiTestApp();
    await setUp(t);
    const config = t.fleet.config();
    t.fleet.setConfig({
      ...config,
      mesh: { ...config.mesh, networks: { default: 'net-tokyo', clusters: { 'mc-gw-osaka': 'net-osaka' } } },
    });
    const gateway = (network: string) => eastWestGatewayService(network, '203.0.113.9');
    t.fleet.kube('mc-gw-tokyo').put(gateway('net-tokyo'));
    const report = await preflight(t);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['mesh-network:mc-gw-osaka']);
    expect(report.checks.find((c) => c.name === 'mesh-network:mc-gw-osaka')).toMatchObject({
      detail: expect.stringMatching(/^no east-west gateway: .*other networks cannot reach mc-gw-osaka's services$/) as string,
      fix: expect.stringContaining('gen-eastwest-gateway.sh --network net-osaka | istioctl --context mc-gw-osaka install') as string,
    });
    t.fleet.kube('mc-gw-osaka').put(gateway('net-osaka'));
    expect((await preflight(t)).ok).toBe(true);
  });

  it('checks an onboarded on-prem mesh member through Connect Gateway too: its access and its east-west gateway', async () => {
    const t = await apiTestApp();
    await setUp(t);
    await t.fleet.addAttached({ id: 'tokyo-dc' });
    await writeClusterRecord(t.fleet.ctx.store, {
      projectId: t.fleet.project,
      location: 'global',
      name: 'tokyo-dc',
      region: 'tokyo-onprem',
      kind: 'attached',
      membership: `projects/${t.fleet.project}/locations/global/memberships/tokyo-dc`,
      phase: 'onboarded',
      updatedAt: new Date().toISOString(),
      operationId: 'op-1',
    });
    const config = t.fleet.config();
    t.fleet.setConfig({
      ...config,
      mesh: {
        ...config.mesh,
        networks: { default: 'vpc-main', clusters: { 'tokyo-dc': 'tokyo-dc' } },
        apiServers: { 'tokyo-dc': 'https://203.0.113.50:6443' },
      },
    });
    for (const cluster of ['mc-gw-tokyo', 'mc-gw-osaka']) t.fleet.kube(cluster).put(eastWestGatewayService('vpc-main', '203.0.113.9'));
    t.fleet.kube('tokyo-dc').denied.add('patch /nodes');
    const report = await preflight(t);
    expect(report.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['rbac:tokyo-dc', 'mesh-network:tokyo-dc']);
    t.fleet.kube('tokyo-dc').denied.clear();
    t.fleet.kube('tokyo-dc').put(eastWestGatewayService('tokyo-dc', '198.51.100.30'));
    expect((await preflight(t)).ok).toBe(true);
  });

  it('needs a credential', async () => {
    const t = await apiTestApp();
    expect((await t.call('GET', '/v1/fleet/preflight')).status).toBe(401);
  });
});
