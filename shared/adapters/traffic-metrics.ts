/**
 * The Gateway's load-balancer request counts from Cloud Monitoring v3, over google-auth-library
 * requests (the monitoring client package is not on our registry): requests per backend region,
 * and all and failed requests at the frontend, per interval. Reads are retried like GKE Hub's.
 *
 * The API as documented (https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.timeSeries/list,
 * and the generated clients' parameter lists for the same method):
 * - `GET /v3/projects/PROJECT/timeSeries` with query parameters `filter`, `interval.startTime` and
 *   `interval.endTime` (RFC 3339), `aggregation.alignmentPeriod` (a duration, `60s`; Google refuses
 *   less than 60 s), `aggregation.perSeriesAligner`, `aggregation.crossSeriesReducer`,
 *   `aggregation.groupByFields` (repeated), `view` (`FULL` returns points), `pageSize`, `pageToken`.
 * - The answer is `{timeSeries, nextPageToken, executionErrors, unit}`; each series carries
 *   `metric.labels` and `resource.labels` (only the grouped ones survive a cross-series reducer) and
 *   `points` in reverse time order, each `{interval: {startTime, endTime}, value}`; an INT64 value is
 *   `int64Value`, a JSON string (proto3 JSON mapping of int64).
 * - `https_lb_rule`'s `backend_scope` is the zone (or region) of the backend, e.g. a GKE NEG's zone.
 */
import type { AuthClient } from 'google-auth-library';
import { withRetry } from '../core/retry.ts';

/** Requests seen by the Gateway's load balancer in one interval. */
export interface TrafficSample {
  /** Interval start and end (end exclusive). */
  start: Date;
  end: Date;
  /** Requests served by backends in each region (backend_scope zone mapped to its region). */
  byRegion: Record<string, number>;
  /** All requests answered in the interval (frontend), and those answered with a 5xx. */
  requests: number;
  errors: number;
}

/** Reads the Gateway's traffic. */
export interface TrafficMetricsAdapter {
  /** Samples of `stepSeconds` each, covering [from, to), oldest first; intervals with no data are absent. */
  traffic(window: { from: Date; to: Date; stepSeconds: number }): Promise<TrafficSample[]>;
}

/** Requests sent by the load balancer to backends, by backend. */
const BACKEND_REQUESTS_FILTER = 'metric.type="loadbalancing.googleapis.com/https/backend_request_count" AND resource.type="https_lb_rule"';
/** Requests answered by the load balancer, by response code class. */
const FRONTEND_REQUESTS_FILTER = 'metric.type="loadbalancing.googleapis.com/https/request_count" AND resource.type="https_lb_rule"';

/** One time series as timeSeries.list returns it (the fields read here). */
interface TimeSeries {
  metric?: { type?: string; labels?: Record<string, string> };
  resource?: { type?: string; labels?: Record<string, string> };
  points?: { interval?: { startTime?: string; endTime?: string }; value?: { int64Value?: string | number; doubleValue?: number } }[];
}

interface ListTimeSeriesResponse {
  timeSeries?: TimeSeries[];
  nextPageToken?: string;
  executionErrors?: { code?: number; message?: string }[];
}

const ZONE = /^([a-z]+-[a-z]+\d+)-[a-z]$/;

/**
 * The region of a `backend_scope`: a zone such as `asia-northeast1-b` gives `asia-northeast1`; a
 * region, or any other name (an on-prem region), is kept as it is.
 */
export function backendScopeRegion(scope: string): string {
  return ZONE.exec(scope)?.[1] ?? scope;
}

/** Creates the adapter; `baseUrl` is `https://monitoring.googleapis.com` or the local double's URL. */
export function createTrafficMetricsAdapter(deps: { authClient: AuthClient; baseUrl: string; projectId: string }): TrafficMetricsAdapter {
  const url = `${deps.baseUrl.replace(/\/+$/, '')}/v3/projects/${deps.projectId}/timeSeries`;

  const list = async (filter: string, groupBy: string, window: { from: Date; to: Date; stepSeconds: number }): Promise<TimeSeries[]> => {
    const all: TimeSeries[] = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({
        filter,
        'interval.startTime': window.from.toISOString(),
        'interval.endTime': window.to.toISOString(),
        'aggregation.alignmentPeriod': `${window.stepSeconds}s`,
        'aggregation.perSeriesAligner': 'ALIGN_DELTA',
        'aggregation.crossSeriesReducer': 'REDUCE_SUM',
        'aggregation.groupByFields': groupBy,
        view: 'FULL',
      });
      if (pageToken) query.set('pageToken', pageToken);
      const send = async () =>
        (await deps.authClient.request<ListTimeSeriesResponse>({ url: `${url}?${query.toString()}`, method: 'GET', retry: false })).data;
      const page = await withRetry(send, { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 });
      // Counts from a partial answer would understate the traffic: fail rather than report them.
      if (page.executionErrors && page.executionErrors.length > 0) {
        throw new Error(
          `Cloud Monitoring answered incompletely: ${page.executionErrors.map((e) => e.message ?? `code ${e.code}`).join('; ')}`,
        );
      }
      all.push(...(page.timeSeries ?? []));
      pageToken = page.nextPageToken || undefined;
    } while (pageToken);
    return all;
  };

  return {
    async traffic(window) {
      if (!Number.isInteger(window.stepSeconds) || window.stepSeconds < 1) throw new Error('stepSeconds must be a positive integer');
      if (window.to.getTime() <= window.from.getTime()) return [];
      const [backend, frontend] = await Promise.all([
        list(BACKEND_REQUESTS_FILTER, 'resource.label.backend_scope', window),
        list(FRONTEND_REQUESTS_FILTER, 'metric.label.response_code_class', window),
      ]);
      const samples = new Map<number, TrafficSample>();
      const each = (series: TimeSeries[], add: (sample: TrafficSample, series: TimeSeries, value: number) => void) => {
        for (const s of series) {
          for (const point of s.points ?? []) {
            const end = Date.parse(point.interval?.endTime ?? '');
            if (Number.isNaN(end)) continue;
            const parsedStart = Date.parse(point.interval?.startTime ?? '');
            const start = Number.isNaN(parsedStart) || parsedStart >= end ? end - window.stepSeconds * 1000 : parsedStart;
            if (end <= window.from.getTime() || start >= window.to.getTime()) continue;
            let sample = samples.get(end);
            if (!sample) {
              sample = { start: new Date(start), end: new Date(end), byRegion: {}, requests: 0, errors: 0 };
              samples.set(end, sample);
            }
            add(sample, s, valueOf(point.value));
          }
        }
      };
      each(backend, (sample, s, value) => {
        const scope = s.resource?.labels?.['backend_scope'];
        if (!scope) return;
        const region = backendScopeRegion(scope);
        sample.byRegion[region] = (sample.byRegion[region] ?? 0) + value;
      });
      each(frontend, (sample, s, value) => {
        sample.requests += value;
        if (s.metric?.labels?.['response_code_class'] === '500') sample.errors += value;
      });
      // Points arrive newest first, series by series: order the merged samples by time.
      return [...samples.values()].sort((a, b) => a.start.getTime() - b.start.getTime() || a.end.getTime() - b.end.getTime());
    },
  };
}

function valueOf(value: { int64Value?: string | number; doubleValue?: number } | undefined): number {
  if (value?.int64Value !== undefined) return Number(value.int64Value);
  return value?.doubleValue ?? 0;
}
