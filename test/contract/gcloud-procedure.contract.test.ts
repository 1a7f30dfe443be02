/**
 * The multi-cluster Gateway procedure's gcloud commands, run as a platform team runs them, against
 * the sandbox (the Google double through CLOUDSDK_* endpoint overrides, real kube-apiservers), and
 * fleetpilot adopting what was done by hand. The sandbox's project already went through the set-up
 * steps once (APIs, the MCS importer's binding); running them again must be harmless, the
 * importer must stop importing while the binding is missing, and the preflight must say so.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { gkeResourceLink, type Membership } from '../../shared/adapters/gkehub-types.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { clusterRecordId } from '../../shared/state/cluster-records.ts';
import { which } from '../../sandbox/prerequisites.ts';
import { uniqueName } from '../support/fleet-fixtures.ts';
import { kubeFor, sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

const run = promisify(execFile);
const ZONE = 'asia-northeast1-b';

/** Runs gcloud (or kubectl) with the sandbox's gcloud configuration; resolves with stdout, rejects with stderr. */
async function cli(command: string, args: string[], timeoutMs = 180_000): Promise<string> {
  const env = { ...process.env, ...sandboxInfo().gcloudEnv, CLOUDSDK_CORE_DISABLE_PROMPTS: '1' };
  try {
    return (await run(command, args, { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${command} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}
const gcloud = (...args: string[]) => cli('gcloud', args);

type Preflight = { ok: boolean; checks: { name: string; ok: boolean; detail: string; fix?: string }[] };

/** `GET /v1/fleet/preflight` as a viewer. */
async function preflight(): Promise<Preflight> {
  const { api } = sandboxInfo();
  const res = await fetch(`${api.url}/v1/fleet/preflight`, { headers: { authorization: `Bearer ${api.tokens.viewer}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as Preflight;
}

describe('the gcloud procedure against the sandbox', () => {
  let adapters: GcpAdapters;
  const name = uniqueName('gc-tokyo');
  const project = () => sandboxInfo().projectId;
  const member = () => `serviceAccount:${project()}.svc.id.goog[gke-mcs/gke-mcs-importer]`;
  const link = () => gkeResourceLink(project(), ZONE, name);
  const mine = (ms: Membership[]) =>
    ms.filter((m) => (m.endpoint?.gkeCluster?.resourceLink ?? '').replace('/zones/', '/locations/') === link());
  beforeAll(async () => {
    // gcloud itself is a sandbox prerequisite; these two only this test needs.
    const missing = [
      ['kubectl', 'apt-get install kubectl (or gcloud components install kubectl)'],
      [
        'gke-gcloud-auth-plugin',
        'apt-get install google-cloud-cli-gke-gcloud-auth-plugin (or gcloud components install gke-gcloud-auth-plugin)',
      ],
    ].filter(([command]) => !which(command!));
    if (missing.length > 0)
      throw new Error(`this test runs gcloud's procedure with kubectl; missing: ${missing.map(([c, how]) => `${c} (${how})`).join('; ')}`);
    adapters = await sandboxAdapters();
  });
  afterAll(async () => {
    // Whatever happened, leave the binding the other tests rely on and no extra cluster.
    await gcloud('projects', 'add-iam-policy-binding', project(), '--member', member(), '--role', 'roles/compute.networkViewer');
    await gcloud('container', 'clusters', 'delete', name, `--zone=${ZONE}`, '--quiet').catch(() => undefined);
    await adapters.close();
  });

  it('enables the APIs', async () => {
    await gcloud(
      'services',
      'enable',
      'container.googleapis.com',
      'gkehub.googleapis.com',
      'multiclusterservicediscovery.googleapis.com',
      'multiclusteringress.googleapis.com',
      'trafficdirector.googleapis.com',
    );
    const enabled = (await gcloud('services', 'list', '--enabled', '--format=value(config.name)')).split('\n');
    expect(enabled).toEqual(
      expect.arrayContaining(['container.googleapis.com', 'gkehub.googleapis.com', 'trafficdirector.googleapis.com']),
    );
  });

  it('is refused GKE Hub while its API is disabled, as Google refuses it, and served once it is enabled again', async () => {
    // Nothing is onboarding now; the sandbox's tick may fail once in the window and retries 2 s later.
    onTestFailed(() => gcloud('services', 'enable', 'gkehub.googleapis.com').then(() => undefined));
    await gcloud('services', 'disable', 'gkehub.googleapis.com', '--force');
    const refused = await gcloud('container', 'hub', 'memberships', 'list').then(
      () => 'listed',
      (e: Error) => e.message,
    );
    expect(refused).toMatch(/GKE Hub API has not been used in project \d+ before or it is disabled/);
    await gcloud('services', 'enable', 'gkehub.googleapis.com');
    expect(await gcloud('container', 'hub', 'memberships', 'list', '--format=value(name)')).toContain('mc-gw-tokyo');
  });

  it('creates a cluster with the procedure flags, and get-credentials gives a kubeconfig kubectl can use', async () => {
    await gcloud(
      'container',
      'clusters',
      'create',
      name,
      `--zone=${ZONE}`,
      '--enable-ip-alias',
      `--workload-pool=${project()}.svc.id.goog`,
      '--release-channel',
      'stable',
      '--machine-type',
      'n1-standard-1',
    );
    const described = JSON.parse(await gcloud('container', 'clusters', 'describe', name, `--zone=${ZONE}`, '--format=json')) as Record<
      string,
      unknown
    >;
    expect(described).toMatchObject({ name, status: 'RUNNING', workloadIdentityConfig: { workloadPool: `${project()}.svc.id.goog` } });
    await gcloud('container', 'clusters', 'get-credentials', name, `--zone=${ZONE}`);
    // kubectl authenticates through gke-gcloud-auth-plugin, i.e. with gcloud's own credentials.
    const namespaces = await cli('kubectl', ['--context', `gke_${project()}_${ZONE}_${name}`, 'get', 'namespaces', '-o', 'name']);
    expect(namespaces.split('\n')).toContain('namespace/default');
  });

  it('registers the cluster in the fleet by hand, in its region, as gcloud does by default', async () => {
    await gcloud('container', 'hub', 'memberships', 'register', name, '--gke-cluster', `${ZONE}/${name}`, '--enable-workload-identity');
    const listed = JSON.parse(await gcloud('container', 'hub', 'memberships', 'list', '--format=json')) as Membership[];
    const ours = mine(listed);
    expect(ours.map((m) => m.name)).toEqual([`projects/${project()}/locations/asia-northeast1/memberships/${name}`]);
    expect(ours[0]?.authority?.issuer).toBe(`https://container.googleapis.com/v1/projects/${project()}/locations/${ZONE}/clusters/${name}`);
    // Without --location gcloud searches every location (through v1beta) and finds it.
    const described = JSON.parse(await gcloud('container', 'hub', 'memberships', 'describe', name, '--format=json')) as Membership;
    expect(described.name).toBe(ours[0]?.name);
  });

  it('describes the fleet features and holds the importer binding', async () => {
    // Already enabled in this fleet: gcloud reports the conflict, the feature stays as it was.
    await gcloud('container', 'hub', 'multi-cluster-services', 'enable').catch((e: Error) => expect(e.message).toMatch(/already exists/i));
    await gcloud('projects', 'add-iam-policy-binding', project(), '--member', member(), '--role', 'roles/compute.networkViewer');
    const policy = JSON.parse(await gcloud('projects', 'get-iam-policy', project(), '--format=json')) as {
      bindings: { role: string; members: string[] }[];
    };
    expect(policy.bindings).toContainEqual({ role: 'roles/compute.networkViewer', members: expect.arrayContaining([member()]) as unknown });
    const mcs = JSON.parse(await gcloud('container', 'hub', 'multi-cluster-services', 'describe', '--format=json')) as {
      state: { state: { code: string } };
    };
    expect(mcs.state.state.code).toBe('OK');
    const configMembership = `projects/${project()}/locations/global/memberships/mc-gw-config-cluster`;
    await gcloud('container', 'hub', 'ingress', 'enable', `--config-membership=${configMembership}`).catch((e: Error) =>
      expect(e.message).toMatch(/already exists/i),
    );
    const mci = JSON.parse(await gcloud('container', 'hub', 'ingress', 'describe', '--format=json')) as {
      spec: { multiclusteringress: { configMembership: string } };
      state: { state: { code: string } };
    };
    expect(mci.spec.multiclusteringress.configMembership).toBe(configMembership);
    expect(mci.state.state.code).toBe('OK');
  });

  it('onboards the hand-registered cluster with its own membership; imports wait for the IAM binding', async () => {
    const configKube = await kubeFor(adapters, ZONE, 'mc-gw-config-cluster');
    const imported = async () =>
      (await configKube.list('net.gke.io/v1', 'ServiceImport', 'store')).some((i) => i.metadata?.name === `store-${name}`);
    await gcloud('projects', 'remove-iam-policy-binding', project(), '--member', member(), '--role', 'roles/compute.networkViewer');
    const { api } = sandboxInfo();
    const onboarding = fetch(`${api.url}/v1/clusters/onboard`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.tokens.admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ location: ZONE, name }),
    });
    // The member's ServiceExports exist once onboarding applied them; nothing may import them yet.
    const memberKube = await kubeFor(adapters, ZONE, name);
    await pollUntil(async () => ((await memberKube.list('net.gke.io/v1', 'ServiceExport', 'store')).length > 0 ? true : undefined), {
      timeoutMs: 60_000,
      what: `ServiceExports in ${name}`,
    });
    const early = await pollUntil(async () => ((await imported()) ? 'imported' : undefined), { timeoutMs: 5_000, what: 'no import' }).catch(
      () => 'not imported',
    );
    expect(early).toBe('not imported');
    const missing = await preflight();
    expect(missing.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['iam:mcs-importer']);
    expect(missing.checks.find((c) => c.name === 'iam:mcs-importer')?.fix).toBe(
      `gcloud projects add-iam-policy-binding ${project()} --member "${member()}" --role "roles/compute.networkViewer"`,
    );

    await gcloud('projects', 'add-iam-policy-binding', project(), '--member', member(), '--role', 'roles/compute.networkViewer');
    await pollUntil(async () => ((await imported()) ? true : undefined), { timeoutMs: 60_000, what: `store-${name} imported` });
    const res = await onboarding;
    const body = (await res.json()) as { result?: string; operation?: { result?: string } };
    expect(res.status, JSON.stringify(body)).toBe(200);

    const memberships = await adapters.hub.listMemberships('-');
    expect(mine(memberships).map((m) => m.name)).toEqual([`projects/${project()}/locations/asia-northeast1/memberships/${name}`]);
    const record = await adapters.store.get('clusters', clusterRecordId({ projectId: project(), location: ZONE, name }));
    expect(record).toMatchObject({ phase: 'onboarded', membership: `projects/${project()}/locations/asia-northeast1/memberships/${name}` });
    // Every prerequisite holds again, fleetpilot's access in the new member included.
    const after = await preflight();
    expect(after.checks.filter((c) => !c.ok)).toEqual([]);
    expect(after.checks.map((c) => c.name)).toContain(`rbac:${name}`);
  });

  it('deletes the cluster with gcloud; fleetpilot removes the membership it adopted', async () => {
    await gcloud('container', 'clusters', 'delete', name, `--zone=${ZONE}`, '--quiet');
    await pollUntil(
      async () => {
        const record = await adapters.store.get('clusters', clusterRecordId({ projectId: project(), location: ZONE, name }));
        return record?.phase === 'removed' ? true : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: `${name} offboarded` },
    );
    expect(mine(await adapters.hub.listMemberships('-'))).toEqual([]);
  });
});
