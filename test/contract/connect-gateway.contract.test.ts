/**
 * fleetpilot's Kubernetes adapter reaches a real sandbox API server through the Google double's
 * Connect Gateway (`FLEETPILOT_CONNECT_GATEWAY_ENDPOINT`), as it reaches private, attached and on-prem
 * clusters: reads, list selectors (the query is forwarded), server-side apply with its dry run, and
 * delete. The gateway checks the Google token and answers 404 for a membership it cannot reach.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createKubeFactory } from '../../shared/adapters/cluster-access.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import type { KubeAdapter } from '../../shared/adapters/kube.ts';
import { loadEnv } from '../../shared/config/env.ts';
import { kubeFor, sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

const TOKYO = { location: 'asia-northeast1-b', name: 'mc-gw-tokyo' };

describe('Connect Gateway (sandbox)', () => {
  let adapters: GcpAdapters;
  let viaGateway: KubeAdapter;
  beforeAll(async () => {
    adapters = await sandboxAdapters();
    const cluster = (await adapters.container.getCluster(TOKYO.location, TOKYO.name))!;
    const membership = (await adapters.hub.getMembership('global', TOKYO.name))!;
    // A private cluster: only Connect Gateway reaches it, whatever FLEETPILOT_KUBE_ACCESS says.
    viaGateway = await createKubeFactory(loadEnv(sandboxInfo().env), adapters.tokens)(
      { ...cluster, privateEndpointOnly: true },
      membership.name,
    );
  });
  afterAll(async () => adapters.close());

  it('reads, applies, lists and deletes through the gateway, on the real API server', async () => {
    const name = `gateway-probe-${Date.now().toString(36)}`;
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'store', name };
    onTestFailed(async () => void (await viaGateway.delete(ref)));
    expect((await viaGateway.get({ apiVersion: 'v1', kind: 'Namespace', name: 'store' }))?.metadata?.name).toBe('store');

    const desired = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'store', labels: { probe: name } },
      data: { via: 'connect-gateway' },
    };
    expect((await viaGateway.apply(desired)).changed).toBe(true);
    expect((await viaGateway.apply(desired)).changed).toBe(false);
    const direct = await kubeFor(adapters, TOKYO.location, TOKYO.name);
    const live = await direct.get<typeof desired & { metadata: { managedFields?: { manager: string }[] } }>(ref);
    expect(live?.data).toEqual({ via: 'connect-gateway' });
    expect(live?.metadata.managedFields?.map((f) => f.manager)).toContain('fleetpilot');
    expect((await viaGateway.list('v1', 'ConfigMap', 'store', `probe=${name}`)).map((c) => c.metadata?.name)).toEqual([name]);

    expect(await viaGateway.delete(ref)).toBe(true);
    expect(await direct.get(ref)).toBeNull();
  });

  it("needs the Google token and answers 404 in Google's shape for a membership it cannot reach", async () => {
    const { doubleUrl, projectNumber, token } = sandboxInfo();
    const base = `${doubleUrl}/v1/projects/${projectNumber}/locations/global/gkeMemberships`;
    expect((await fetch(`${base}/${TOKYO.name}/api/v1/namespaces/store`)).status).toBe(401);
    const ok = await fetch(`${base}/${TOKYO.name}/api/v1/namespaces/store`, { headers: { authorization: `Bearer ${token}` } });
    expect([ok.status, ok.headers.get('content-type'), ((await ok.json()) as { kind: string }).kind]).toEqual([
      200,
      'application/json',
      'Namespace',
    ]);
    const missing = await fetch(`${base}/no-such-membership/api/v1/namespaces`, { headers: { authorization: `Bearer ${token}` } });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });
  });
});
