// The REAL traffic-metrics adapter (google-auth-library requests) against the double on a loopback
// port, fed by a data plane ledger: proves the query parameters, the JSON shapes and the mapping of
// backend zones to regions end to end. The adapter's own parsing (pages, doubles, partial answers,
// the order of points) is checked against scripted answers below.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { OAuth2Client, type AuthClient } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backendScopeRegion, createTrafficMetricsAdapter, type TrafficMetricsAdapter } from '../../shared/adapters/traffic-metrics.ts';
import { TrafficLedger } from '../../sandbox/data-plane/traffic-ledger.ts';
import { manualClock, testDouble, type TestDouble } from '../../sandbox/google-double/testing.ts';

const T0 = Date.parse('2025-01-15T09:00:00.000Z');
const at = (second: number) => new Date(T0 + second * 1000);

describe('backend_scope → region', () => {
  it.each([
    ['asia-northeast1-b', 'asia-northeast1'],
    ['us-central1-a', 'us-central1'],
    ['northamerica-northeast2-c', 'northamerica-northeast2'],
    ['europe-west1', 'europe-west1'],
    ['tokyo-onprem', 'tokyo-onprem'],
    ['dc1-fra', 'dc1-fra'],
  ])('maps %s to %s', (scope, region) => {
    expect(backendScopeRegion(scope)).toBe(region);
  });
});

describe('traffic-metrics adapter against the double over HTTP', () => {
  let d: TestDouble;
  let server: ServerType;
  let metrics: TrafficMetricsAdapter;

  beforeAll(async () => {
    const clock = manualClock('2025-01-15T08:59:00.000Z');
    const ledger = new TrafficLedger({ clock });
    d = testDouble({ trafficLedger: ledger, enforceEnabledServices: true, enabledServices: ['monitoring.googleapis.com'] });
    await d.state.seedCluster({ name: 'mc-gw-tokyo', location: 'asia-northeast1-b', endpoint: '127.0.0.1:1', caCertificatePem: 'x' });
    await d.state.seedCluster({ name: 'mc-gw-osaka', location: 'asia-northeast2-b', endpoint: '127.0.0.1:2', caCertificatePem: 'x' });
    // A drill in miniature, one minute from 09:00:00: both regions serve, Osaka drains at :20 (one
    // 503 while the route changes, one 502 from Osaka), nothing is sent from :40, both serve again from :50.
    const second = (s: number, answers: [string | null, number, number][]) => {
      clock.advance(T0 + s * 1000 - clock.now().getTime());
      for (const [cluster, status, times] of answers) for (let i = 0; i < times; i++) ledger.record(cluster, status);
    };
    second(-30, [['mc-gw-osaka', 200, 9]]);
    for (let s = 0; s < 20; s++)
      second(s, [
        ['mc-gw-tokyo', 200, 2],
        ['mc-gw-osaka', 200, 2],
      ]);
    second(20, [
      [null, 503, 1],
      ['mc-gw-osaka', 502, 1],
    ]);
    for (let s = 20; s < 40; s++) second(s, [['mc-gw-tokyo', 200, 4]]);
    for (let s = 50; s < 60; s++)
      second(s, [
        ['mc-gw-tokyo', 200, 1],
        ['mc-gw-osaka', 204, 1],
      ]);
    second(60, [['mc-gw-tokyo', 200, 9]]);

    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: d.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: d.token });
    const { port } = server.address() as AddressInfo;
    metrics = createTrafficMetricsAdapter({ authClient, baseUrl: `http://127.0.0.1:${port}/`, projectId: 'fleet-demo' });
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  it('reads per-region requests and errors per step, oldest first, leaving out the step without traffic', async () => {
    const samples = await metrics.traffic({ from: at(0), to: at(60), stepSeconds: 10 });
    const sample = (s: number, byRegion: Record<string, number>, requests: number, errors = 0) => ({
      start: at(s),
      end: at(s + 10),
      byRegion,
      requests,
      errors,
    });
    expect(samples).toEqual([
      sample(0, { 'asia-northeast1': 20, 'asia-northeast2': 20 }, 40),
      sample(10, { 'asia-northeast1': 20, 'asia-northeast2': 20 }, 40),
      sample(20, { 'asia-northeast1': 40, 'asia-northeast2': 1 }, 42, 2),
      sample(30, { 'asia-northeast1': 40 }, 40),
      sample(50, { 'asia-northeast1': 10, 'asia-northeast2': 10 }, 20),
    ]);
  });

  it('reads wider steps, and nothing from an empty window', async () => {
    expect(await metrics.traffic({ from: at(0), to: at(60), stepSeconds: 30 })).toEqual([
      { start: at(0), end: at(30), byRegion: { 'asia-northeast1': 80, 'asia-northeast2': 41 }, requests: 122, errors: 2 },
      { start: at(30), end: at(60), byRegion: { 'asia-northeast1': 50, 'asia-northeast2': 10 }, requests: 60, errors: 0 },
    ]);
    expect(await metrics.traffic({ from: at(40), to: at(50), stepSeconds: 10 })).toEqual([]);
  });

  it('fails when Cloud Monitoring is disabled in the project, as Google answers then', async () => {
    d.state.enabledServices.delete('monitoring.googleapis.com');
    try {
      await expect(metrics.traffic({ from: at(0), to: at(60), stepSeconds: 10 })).rejects.toMatchObject({ status: 403 });
    } finally {
      d.state.enabledServices.add('monitoring.googleapis.com');
    }
  });
});

describe('traffic-metrics adapter against scripted Cloud Monitoring answers', () => {
  /** An auth client that answers each request from `answer` and keeps the URLs it was asked. */
  const scripted = (answer: (url: URL) => unknown) => {
    const urls: URL[] = [];
    const authClient = {
      request: async (opts: { url: string }) => {
        const url = new URL(opts.url);
        urls.push(url);
        return { data: answer(url) };
      },
    } as unknown as AuthClient;
    return { urls, metrics: createTrafficMetricsAdapter({ authClient, baseUrl: 'https://monitoring.example', projectId: 'p1' }) };
  };
  const point = (s: number, value: object) => ({ interval: { startTime: at(s).toISOString(), endTime: at(s + 60).toISOString() }, value });

  it('sends the documented parameters, follows pages, merges series and orders points oldest first', async () => {
    const { urls, metrics } = scripted((url) => {
      const backend = url.searchParams.get('filter')?.includes('backend_request_count');
      if (backend && !url.searchParams.has('pageToken')) {
        return {
          timeSeries: [
            {
              resource: { labels: { backend_scope: 'us-east1-b' } },
              points: [point(60, { int64Value: '5' }), point(0, { int64Value: '7' })],
            },
          ],
          nextPageToken: 'page-2',
        };
      }
      if (backend)
        return { timeSeries: [{ resource: { labels: { backend_scope: 'us-east1-c' } }, points: [point(0, { doubleValue: 1 })] }] };
      return {
        timeSeries: [
          { metric: { labels: { response_code_class: '200' } }, points: [point(60, { int64Value: '5' }), point(0, { int64Value: '6' })] },
          { metric: { labels: { response_code_class: '500' } }, points: [point(0, { int64Value: '2' })] },
        ],
      };
    });
    expect(await metrics.traffic({ from: at(0), to: at(120), stepSeconds: 60 })).toEqual([
      { start: at(0), end: at(60), byRegion: { 'us-east1': 8 }, requests: 8, errors: 2 },
      { start: at(60), end: at(120), byRegion: { 'us-east1': 5 }, requests: 5, errors: 0 },
    ]);
    expect(urls.map((u) => u.searchParams.get('pageToken'))).toEqual(expect.arrayContaining([null, null, 'page-2']));
    const first = urls.find((u) => u.searchParams.get('filter')?.includes('backend_request_count'))!;
    expect(first.pathname).toBe('/v3/projects/p1/timeSeries');
    expect(Object.fromEntries(first.searchParams)).toEqual({
      filter: 'metric.type="loadbalancing.googleapis.com/https/backend_request_count" AND resource.type="https_lb_rule"',
      'interval.startTime': '2025-01-15T09:00:00.000Z',
      'interval.endTime': '2025-01-15T09:02:00.000Z',
      'aggregation.alignmentPeriod': '60s',
      'aggregation.perSeriesAligner': 'ALIGN_DELTA',
      'aggregation.crossSeriesReducer': 'REDUCE_SUM',
      'aggregation.groupByFields': 'resource.label.backend_scope',
      view: 'FULL',
    });
  });

  it('refuses a partial answer, and a step that is not a positive whole number of seconds', async () => {
    const { metrics } = scripted(() => ({ executionErrors: [{ code: 4, message: 'deadline exceeded in one zone' }] }));
    await expect(metrics.traffic({ from: at(0), to: at(60), stepSeconds: 60 })).rejects.toThrow(/incompletely: deadline exceeded/);
    await expect(metrics.traffic({ from: at(0), to: at(60), stepSeconds: 0.5 })).rejects.toThrow(/stepSeconds/);
  });
});
