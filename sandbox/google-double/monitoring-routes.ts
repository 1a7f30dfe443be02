/**
 * Cloud Monitoring v3 `timeSeries.list` for the two load-balancer metrics a drill reads, served from
 * the request counts of the sandbox's data plane (`deps.trafficLedger`), the Gateway's load
 * balancer in the sandbox:
 * - `loadbalancing.googleapis.com/https/backend_request_count` grouped by
 *   `resource.label.backend_scope`: requests sent to backends, by the zone of the serving cluster
 *   (a GKE cluster's location, or its first node zone when it is regional; an attached cluster's
 *   membership location when that is a region; other clusters are left out, as are requests no
 *   backend served);
 * - `loadbalancing.googleapis.com/https/request_count` grouped by `metric.label.response_code_class`.
 *
 * Both with `resource.type="https_lb_rule"`, ALIGN_DELTA and REDUCE_SUM: one point per alignment
 * period (periods aligned to the epoch) that has requests, newest first, `int64Value` as a string.
 * Any other query is refused with 400 INVALID_ARGUMENT saying what the double serves. Unlike
 * Google, periods under 60 s are accepted (the data plane counts each second), and a period only
 * partly inside the interval counts the seconds inside it.
 */
import { Hono, type Context } from 'hono';
import { isZone } from './container-model.ts';
import { invalidArgument } from './errors.ts';
import { param, requireProject } from './http-helpers.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject, RequestCountBucket } from './types.ts';

const BACKEND_METRIC = 'loadbalancing.googleapis.com/https/backend_request_count';
const FRONTEND_METRIC = 'loadbalancing.googleapis.com/https/request_count';
const RESOURCE_TYPE = 'https_lb_rule';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
/** The grouping each metric is served with (the double also accepts the `labels` spelling). */
const GROUPING: Readonly<Record<string, RegExp>> = {
  [BACKEND_METRIC]: /^resource\.labels?\.backend_scope$/,
  [FRONTEND_METRIC]: /^metric\.labels?\.response_code_class$/,
};
const SERVED = `filter metric.type="${BACKEND_METRIC}" AND resource.type="${RESOURCE_TYPE}" grouped by resource.label.backend_scope, or metric.type="${FRONTEND_METRIC}" AND resource.type="${RESOURCE_TYPE}" grouped by metric.label.response_code_class, with ALIGN_DELTA and REDUCE_SUM`;

/** A validated list request. */
export interface TimeSeriesQuery {
  metric: typeof BACKEND_METRIC | typeof FRONTEND_METRIC;
  startMs: number;
  endMs: number;
  periodSeconds: number;
}

/** The metric type a filter selects, when it is one of the two the double serves (clauses in any order). */
function metricOf(filter: string): TimeSeriesQuery['metric'] {
  const refused = () =>
    invalidArgument(`The double's Cloud Monitoring cannot serve the filter ${JSON.stringify(filter)}; it serves ${SERVED}.`);
  const fields = new Map<string, string>();
  for (const clause of filter.trim().split(/\s+AND\s+/)) {
    const [, field = '', value = ''] = /^(metric\.type|resource\.type)\s*=\s*"([^"]*)"$/.exec(clause.trim()) ?? [];
    if (field === '' || fields.has(field)) throw refused();
    fields.set(field, value);
  }
  const metric = fields.get('metric.type');
  if (fields.get('resource.type') !== RESOURCE_TYPE || (metric !== BACKEND_METRIC && metric !== FRONTEND_METRIC)) throw refused();
  return metric;
}

function timeOf(c: Context, name: string): number {
  const value = c.req.query(name) ?? '';
  const ms = RFC3339.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(ms))
    throw invalidArgument(`Field ${name} had an invalid value of ${JSON.stringify(value)}: an RFC 3339 time is required.`);
  return ms;
}

/** Validates a `timeSeries.list` query against what the double serves (400 INVALID_ARGUMENT otherwise). */
export function parseTimeSeriesQuery(c: Context): TimeSeriesQuery {
  const metric = metricOf(c.req.query('filter') ?? '');
  const startMs = timeOf(c, 'interval.startTime');
  const endMs = timeOf(c, 'interval.endTime');
  if (startMs > endMs) throw invalidArgument('The start time must be before the end time (interval.startTime > interval.endTime).');
  const period = /^(\d+)(\.0+)?s$/.exec(c.req.query('aggregation.alignmentPeriod') ?? '');
  const periodSeconds = Number(period?.[1] ?? 0);
  if (periodSeconds < 1)
    throw invalidArgument(`Field aggregation.alignmentPeriod must be a whole number of seconds such as "60s"; it serves ${SERVED}.`);
  const aligner = c.req.query('aggregation.perSeriesAligner');
  const reducer = c.req.query('aggregation.crossSeriesReducer');
  const groupBy = c.req.queries('aggregation.groupByFields') ?? [];
  if (aligner !== 'ALIGN_DELTA' || reducer !== 'REDUCE_SUM' || groupBy.length !== 1 || !GROUPING[metric]?.test(groupBy[0] ?? '')) {
    throw invalidArgument(`The double's Cloud Monitoring cannot serve this aggregation of ${metric}; it serves ${SERVED}.`);
  }
  const view = c.req.query('view') ?? 'FULL';
  if (view !== 'FULL') throw invalidArgument(`The double's Cloud Monitoring serves view FULL only, not ${JSON.stringify(view)}.`);
  return { metric, startMs, endMs, periodSeconds };
}

/** The `backend_scope` of a cluster the double knows: its zone (a regional cluster's first node zone), else undefined. */
export function backendScopeOf(state: DoubleState, cluster: string): string | undefined {
  const gke = [...state.clusters.entries()].sort(([a], [b]) => a.localeCompare(b)).find(([, rec]) => rec.name === cluster)?.[1];
  if (gke) return isZone(gke.location) ? gke.location : (gke.locations[0] ?? gke.location);
  const attached = [...state.memberships.values()].find((m) => m.id === cluster && m.attached !== undefined);
  return attached && attached.location !== 'global' ? attached.location : undefined;
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');

/** One series per key: ALIGN_DELTA then REDUCE_SUM over the buckets, points newest first. */
function series(
  buckets: readonly RequestCountBucket[],
  periodSeconds: number,
  keyOf: (bucket: RequestCountBucket) => string | undefined,
): Map<string, JsonObject[]> {
  const sums = new Map<string, Map<number, number>>();
  for (const bucket of buckets) {
    const key = keyOf(bucket);
    if (key === undefined) continue;
    const periods = sums.get(key) ?? new Map<number, number>();
    const start = Math.floor(bucket.second / periodSeconds) * periodSeconds;
    periods.set(start, (periods.get(start) ?? 0) + bucket.count);
    sums.set(key, periods);
  }
  const out = new Map<string, JsonObject[]>();
  for (const key of [...sums.keys()].sort()) {
    const points = [...(sums.get(key) ?? new Map<number, number>()).entries()]
      .sort(([a], [b]) => b - a)
      .map(([start, count]) => ({
        interval: { startTime: iso(start), endTime: iso(start + periodSeconds) },
        value: { int64Value: String(count) },
      }));
    out.set(key, points);
  }
  return out;
}

/** `GET /v3/projects/:project/timeSeries` bound to `state`. */
export function monitoringRoutes(state: DoubleState): Hono {
  const app = new Hono();
  app.get('/v3/projects/:p/timeSeries', (c) => {
    requireProject(state, param(c, 'p'));
    const query = parseTimeSeriesQuery(c);
    const buckets = state.deps.trafficLedger?.read(query.startMs, query.endMs) ?? [];
    const project = { project_id: state.deps.projectId };
    const kind = { metricKind: 'DELTA', valueType: 'INT64' };
    let timeSeries: JsonObject[];
    if (query.metric === BACKEND_METRIC) {
      const scopes = new Map<string, string | undefined>();
      const scopeOf = (cluster: string) => {
        if (!scopes.has(cluster)) scopes.set(cluster, backendScopeOf(state, cluster));
        return scopes.get(cluster);
      };
      const grouped = series(buckets, query.periodSeconds, (b) => (b.cluster === null ? undefined : scopeOf(b.cluster)));
      timeSeries = [...grouped].map(([scope, points]) => ({
        metric: { type: BACKEND_METRIC },
        resource: { type: RESOURCE_TYPE, labels: { ...project, backend_scope: scope } },
        ...kind,
        points,
      }));
    } else {
      const grouped = series(buckets, query.periodSeconds, (b) => String(b.codeClass));
      timeSeries = [...grouped].map(([codeClass, points]) => ({
        metric: { type: FRONTEND_METRIC, labels: { response_code_class: codeClass } },
        resource: { type: RESOURCE_TYPE, labels: project },
        ...kind,
        points,
      }));
    }
    // Empty repeated fields are left out, as in Google's JSON; everything fits one page.
    return c.json({ ...(timeSeries.length > 0 ? { timeSeries } : {}), unit: '1' });
  });
  return app;
}
