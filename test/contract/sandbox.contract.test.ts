/**
 * The sandbox as a user sees it: the written kubeconfig works with kubectl, every demo cluster has
 * its context, real CRD validation refuses an HTTPRoute with 17 rules, and the demo fleet matches
 * the classic example.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { DEMO_APP, DEMO_CLUSTERS } from '../../sandbox/demo-fleet.ts';
import { which } from '../../sandbox/prerequisites.ts';
import { kubeFor, sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

const run = promisify(execFile);

function kubectl(args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  const child = run('kubectl', ['--kubeconfig', sandboxInfo().kubeconfigPath, ...args], { timeout: 30_000 });
  if (input !== undefined) {
    child.child.stdin?.end(input);
  }
  return child;
}

function routeWithRules(count: number): string {
  return stringify({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'seventeen', namespace: 'store' },
    spec: {
      parentRefs: [{ name: 'external-http' }],
      rules: Array.from({ length: count }, (_, i) => ({
        matches: [{ path: { type: 'PathPrefix', value: `/r${i}` } }],
        backendRefs: [{ group: 'net.gke.io', kind: 'ServiceImport', name: 'store', port: 8080 }],
      })),
    },
  });
}

describe.skipIf(!which('kubectl'))('sandbox through kubectl', () => {
  it('has one context per demo cluster', async () => {
    const { stdout } = await kubectl(['config', 'get-contexts', '-o', 'name']);
    expect(stdout.trim().split('\n')).toEqual(expect.arrayContaining(DEMO_CLUSTERS.map((c) => c.name)));
  });

  it('serves the HTTPRoute CRD on the config cluster', async () => {
    const { stdout } = await kubectl([
      '--context',
      'mc-gw-config-cluster',
      'get',
      'crd',
      'httproutes.gateway.networking.k8s.io',
      '-o',
      'name',
    ]);
    expect(stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/httproutes.gateway.networking.k8s.io');
  });

  it('refuses an HTTPRoute with 17 rules and accepts one with 16', async () => {
    const refused = await kubectl(['--context', 'mc-gw-config-cluster', 'apply', '--dry-run=server', '-f', '-'], routeWithRules(17)).then(
      () => undefined,
      (error: { stderr: string }) => error.stderr,
    );
    expect(refused).toMatch(/spec\.rules: Too many: 17: must have at most 16 items/);
    const accepted = await kubectl(['--context', 'mc-gw-config-cluster', 'apply', '--dry-run=server', '-f', '-'], routeWithRules(16));
    expect(accepted.stdout).toMatch(/httproute.gateway.networking.k8s.io\/seventeen created \(server dry run\)/);
  });
});

describe('secrets', () => {
  it('never puts the access token on a process command line', () => {
    const token = sandboxInfo().token;
    const leaks = readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(token);
        } catch {
          return false;
        }
      });
    expect(leaks).toEqual([]);
  });
});

describe('demo fleet', () => {
  let adapters: GcpAdapters;
  beforeAll(async () => void (adapters = await sandboxAdapters()));
  afterAll(async () => adapters.close());

  it('has the classic clusters, each running the store Service on port 8080', async () => {
    const clusters = await adapters.container.listClusters();
    for (const demo of DEMO_CLUSTERS) {
      expect(clusters.find((c) => c.name === demo.name)).toMatchObject({ location: demo.location, status: 'RUNNING' });
      const kube = await kubeFor(adapters, demo.location, demo.name);
      const service = await kube.get<{ spec: { ports: { port: number }[] } } & KubernetesObject>({
        apiVersion: 'v1',
        kind: 'Service',
        namespace: DEMO_APP.namespace,
        name: DEMO_APP.service,
      });
      expect(service?.spec.ports[0]?.port).toBe(8080);
    }
  });

  it('registers the config cluster at creation and keeps it out of routing by policy', async () => {
    const members = (await adapters.hub.listMemberships('global')).map((m) => m.endpoint?.gkeCluster?.resourceLink ?? '');
    expect(members.some((link) => link.endsWith('/clusters/mc-gw-config-cluster'))).toBe(true);
    const record = await adapters.store.get('clusters', `${sandboxInfo().projectId}:asia-northeast1-b:mc-gw-config-cluster`);
    expect(record?.phase).toBe('skipped');
    expect(String(record?.reason)).toMatch(/onboarding selector/);
  });
});
