import { describe, expect, it } from 'vitest';
import { TrafficLedger } from '../../sandbox/data-plane/traffic-ledger.ts';
import { bodyOf as json, manualClock, testDouble, type TestDouble } from '../../sandbox/google-double/testing.ts';

const BACKEND = 'metric.type="loadbalancing.googleapis.com/https/backend_request_count" AND resource.type="https_lb_rule"';
const FRONTEND = 'metric.type="loadbalancing.googleapis.com/https/request_count" AND resource.type="https_lb_rule"';
const START = '2025-01-15T09:00:00.000Z';

/** A timeSeries.list path as the adapter sends it; `overrides` replace (or, with undefined, drop) parameters. */
function listPath(filter: string, overrides: Record<string, string | string[] | undefined> = {}): string {
  const params: Record<string, string | string[] | undefined> = {
    filter,
    'interval.startTime': START,
    'interval.endTime': '2025-01-15T09:01:00Z',
    'aggregation.alignmentPeriod': '10s',
    'aggregation.perSeriesAligner': 'ALIGN_DELTA',
    'aggregation.crossSeriesReducer': 'REDUCE_SUM',
    'aggregation.groupByFields': filter === BACKEND ? 'resource.label.backend_scope' : 'metric.label.response_code_class',
    view: 'FULL',
    ...overrides,
  };
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) for (const v of value === undefined ? [] : [value].flat()) query.append(name, v);
  return `/v3/projects/fleet-demo/timeSeries?${query.toString()}`;
}

/** A double that knows a zonal, a regional and two attached clusters, and a ledger of their traffic. */
async function doubleWithTraffic(): Promise<{ d: TestDouble; ledger: TrafficLedger }> {
  const clock = manualClock(START);
  const ledger = new TrafficLedger({ clock });
  const d = testDouble({ trafficLedger: ledger });
  await d.state.seedCluster({ name: 'tokyo', location: 'asia-northeast1-b', endpoint: '127.0.0.1:1', caCertificatePem: 'x' });
  await d.state.seedCluster({ name: 'osaka', location: 'asia-northeast2', endpoint: '127.0.0.1:2', caCertificatePem: 'x' });
  const attached = (id: string, location: string) => {
    const now = new Date(START);
    const target = { platform: 'onprem' as const, server: 'https://127.0.0.1:3', caPem: 'x' };
    d.state.memberships.set(`${location}/${id}`, {
      id,
      location,
      uniqueId: id,
      state: 'READY',
      labels: {},
      createTime: now,
      updateTime: now,
      attached: target,
    });
  };
  attached('edge-regional', 'europe-west1');
  attached('edge-global', 'global');
  const send = (cluster: string | null, status: number, times: number) => {
    for (let i = 0; i < times; i++) ledger.record(cluster, status);
  };
  // 09:00:00-09:00:09 (one period of 10 s, in two seconds), then 09:00:25.
  send('tokyo', 200, 3);
  send('osaka', 200, 2);
  send(null, 503, 1);
  clock.advance(9_000);
  send('tokyo', 500, 1);
  send('edge-regional', 200, 4);
  send('edge-global', 200, 5);
  send('gone', 200, 6);
  clock.advance(16_000);
  send('osaka', 204, 7);
  return { d, ledger };
}

describe('google double: Cloud Monitoring timeSeries.list over the data plane ledger', () => {
  it('sums backend requests per backend_scope and alignment period, newest point first', async () => {
    const { d } = await doubleWithTraffic();
    const res = await d.call('GET', listPath(BACKEND));
    expect(res.status).toBe(200);
    const resource = (scope: string) => ({ type: 'https_lb_rule', labels: { project_id: 'fleet-demo', backend_scope: scope } });
    const metric = { type: 'loadbalancing.googleapis.com/https/backend_request_count' };
    const point = (start: string, end: string, count: number) => ({
      interval: { startTime: start, endTime: end },
      value: { int64Value: String(count) },
    });
    expect(await res.json()).toEqual({
      timeSeries: [
        // A regional cluster's backends are in its first node zone; an attached cluster in a region counts there.
        {
          metric,
          resource: resource('asia-northeast1-b'),
          metricKind: 'DELTA',
          valueType: 'INT64',
          points: [point('2025-01-15T09:00:00Z', '2025-01-15T09:00:10Z', 4)],
        },
        {
          metric,
          resource: resource('asia-northeast2-a'),
          metricKind: 'DELTA',
          valueType: 'INT64',
          points: [point('2025-01-15T09:00:20Z', '2025-01-15T09:00:30Z', 7), point('2025-01-15T09:00:00Z', '2025-01-15T09:00:10Z', 2)],
        },
        {
          metric,
          resource: resource('europe-west1'),
          metricKind: 'DELTA',
          valueType: 'INT64',
          points: [point('2025-01-15T09:00:00Z', '2025-01-15T09:00:10Z', 4)],
        },
      ],
      unit: '1',
    });
  });

  it('sums all answers per response_code_class, those without a backend and of unknown clusters included', async () => {
    const { d } = await doubleWithTraffic();
    const body = await json(d.call('GET', listPath(FRONTEND, { 'aggregation.alignmentPeriod': '60s' })));
    const series = body['timeSeries'] as { metric: { labels: Record<string, string> }; resource: unknown; points: { value: unknown }[] }[];
    expect(series.map((s) => [s.metric.labels['response_code_class'], s.points.map((p) => p.value)])).toEqual([
      ['200', [{ int64Value: '27' }]],
      ['500', [{ int64Value: '2' }]],
    ]);
    expect(series[0]?.resource).toEqual({ type: 'https_lb_rule', labels: { project_id: 'fleet-demo' } });
  });

  it('answers no series for an interval without traffic, or without a ledger', async () => {
    const { d } = await doubleWithTraffic();
    expect(
      await json(
        d.call('GET', listPath(BACKEND, { 'interval.startTime': '2025-01-15T10:00:00Z', 'interval.endTime': '2025-01-15T10:01:00Z' })),
      ),
    ).toEqual({ unit: '1' });
    expect(await json(testDouble().call('GET', listPath(FRONTEND)))).toEqual({ unit: '1' });
  });

  it('counts only the seconds inside the interval', async () => {
    const { d } = await doubleWithTraffic();
    const body = await json(
      d.call('GET', listPath(FRONTEND, { 'interval.startTime': '2025-01-15T09:00:05Z', 'interval.endTime': '2025-01-15T09:00:25Z' })),
    );
    const values = (body['timeSeries'] as { points: { value: { int64Value: string } }[] }[]).map((s) =>
      s.points.map((p) => p.value.int64Value),
    );
    expect(values).toEqual([['15'], ['1']]);
  });

  it.each([
    ['another metric', { filter: 'metric.type="compute.googleapis.com/instance/cpu/usage_time"' }, /cannot serve the filter/],
    ['another resource type', { filter: BACKEND.replace('https_lb_rule', 'gce_instance') }, /cannot serve the filter/],
    ['an extra clause', { filter: `${BACKEND} AND metric.labels.response_code_class = 500` }, /cannot serve the filter/],
    ['no interval end', { 'interval.endTime': undefined }, /interval\.endTime/],
    ['a time that is not RFC 3339', { 'interval.startTime': 'yesterday' }, /interval\.startTime/],
    ['an interval ending before it starts', { 'interval.endTime': '2025-01-15T08:00:00Z' }, /start time must be before/],
    ['another aligner', { 'aggregation.perSeriesAligner': 'ALIGN_RATE' }, /cannot serve this aggregation/],
    ['another reducer', { 'aggregation.crossSeriesReducer': 'REDUCE_MEAN' }, /cannot serve this aggregation/],
    ['another grouping', { 'aggregation.groupByFields': 'resource.label.backend_name' }, /cannot serve this aggregation/],
    [
      'two groupings',
      { 'aggregation.groupByFields': ['resource.label.backend_scope', 'metric.label.response_code_class'] },
      /cannot serve this aggregation/,
    ],
    ['no alignment period', { 'aggregation.alignmentPeriod': undefined }, /alignmentPeriod/],
    ['headers only', { view: 'HEADERS' }, /view FULL only/],
  ])('refuses %s with 400 INVALID_ARGUMENT', async (_what, overrides, message) => {
    const { d } = await doubleWithTraffic();
    const res = await d.call('GET', listPath(BACKEND, overrides));
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { status: string; message: string } };
    expect(error.status).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
  });

  it('accepts the filter clauses in either order and the project number', async () => {
    const { d } = await doubleWithTraffic();
    const swapped = 'resource.type = "https_lb_rule" AND metric.type = "loadbalancing.googleapis.com/https/request_count"';
    const res = await d.call(
      'GET',
      listPath(FRONTEND)
        .replace('/fleet-demo/', '/123456789012/')
        .replace(/filter=[^&]*/, `filter=${encodeURIComponent(swapped)}`),
    );
    expect(res.status).toBe(200);
    expect((await d.call('GET', listPath(FRONTEND).replace('/fleet-demo/', '/someone-else/'))).status).toBe(403);
  });

  it('refuses the call with 403 SERVICE_DISABLED while Cloud Monitoring is not enabled, when services are enforced', async () => {
    const d = testDouble({ enforceEnabledServices: true });
    const refused = await d.call('GET', listPath(BACKEND));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({
      error: { details: [{ reason: 'SERVICE_DISABLED', metadata: { service: 'monitoring.googleapis.com' } }] },
    });
    expect((await d.call('POST', '/v1/projects/fleet-demo/services/monitoring.googleapis.com:enable', {})).status).toBe(200);
    expect((await d.call('GET', listPath(BACKEND))).status).toBe(200);
  });
});
