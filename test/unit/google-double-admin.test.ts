import { describe, expect, it } from 'vitest';
import { at, bodyOf as json, pluck, testDouble } from '../../sandbox/google-double/testing.ts';

describe('google double: admin routes', () => {
  it('fails the next N matching requests with the injected status, then recovers', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    const queued = await d.call('POST', '/_double/faults', {
      method: 'GET',
      pathPattern: '/memberships$',
      status: 503,
      count: 2,
      message: 'backend unavailable',
    });
    expect(queued.status).toBe(200);
    const path = '/v1/projects/fleet-demo/locations/global/memberships';
    for (let i = 0; i < 2; i += 1) {
      const res = await d.call('GET', path);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: { code: 503, message: 'backend unavailable', status: 'UNAVAILABLE' } });
    }
    expect((await d.call('GET', path)).status).toBe(200);
  });

  it('matches only the method and path given, and clears on DELETE', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await d.call('POST', '/_double/faults', { method: 'POST', pathPattern: '/clusters$', status: 429, count: 5 });
    expect((await d.call('GET', '/v1/projects/fleet-demo/locations/-/clusters')).status).toBe(200);
    const res = await d.call('POST', '/v1/projects/fleet-demo/locations/us-central1/clusters', { cluster: { name: 'x' } });
    expect(res.status).toBe(429);
    expect(at(await json(res), 'error.status')).toBe('RESOURCE_EXHAUSTED');
    expect((await json(d.call('DELETE', '/_double/faults')))['cleared']).toBe(1);
    expect((await d.call('POST', '/v1/projects/fleet-demo/locations/us-central1/clusters', { cluster: { name: 'x' } })).status).toBe(200);
    expect((await d.call('POST', '/_double/faults', { pathPattern: '(', status: 500 })).status).toBe(400);
  });

  it('dumps state without tokens, and requires the token', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await d.state.seedCluster({ name: 'mc-gw-config-cluster', location: 'us-central1', fleetProject: 'fleet-demo' });
    const res = await d.call('GET', '/_double/state');
    const dump = await json(res);
    expect(pluck(dump, 'clusters')).toEqual(['mc-gw-config-cluster']);
    expect(pluck(dump, 'memberships')).toEqual(['projects/fleet-demo/locations/global/memberships/mc-gw-config-cluster']);
    expect(dump).toHaveProperty('features');
    expect(dump).toHaveProperty('hubOperations');
    expect(JSON.stringify(dump)).not.toContain(d.token);
    expect((await d.app.request('/_double/state')).status).toBe(401);
    expect((await d.app.request('/_double/faults', { method: 'DELETE' })).status).toBe(401);
  });
});
