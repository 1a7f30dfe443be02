/**
 * A small load generator for the local data plane: a bounded number of GET requests with a given
 * Host header over keep-alive connections, counting which cluster answered (from the store app's
 * `cluster_name`, or the data plane's cluster header) and which statuses came back. Loopback only.
 */
import { Agent, request } from 'node:http';
import { CLUSTER_HEADER } from './proxy.ts';

/** What to send. */
export interface TrafficOptions {
  /** Base URL of the data plane (`http://127.0.0.1:PORT`). */
  url: string;
  host: string;
  path?: string;
  count: number;
  concurrency?: number;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** What came back. `errors` counts requests without a 2xx answer (transport failures included). */
export interface TrafficResult {
  total: number;
  byCluster: Record<string, number>;
  errors: number;
  /** By status code; transport failures under `error`. */
  statuses: Record<string, number>;
  elapsedMs: number;
}

/** Upper bounds that keep a mistaken call from turning into a flood. */
export const TRAFFIC_LIMITS = { count: 1_000_000, concurrency: 256 } as const;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Sends `count` requests with at most `concurrency` in flight, and tallies the answers. */
export async function sendTraffic(options: TrafficOptions): Promise<TrafficResult> {
  const base = new URL(options.url);
  if (!LOOPBACK.has(base.hostname) || base.protocol !== 'http:')
    throw new Error(`sendTraffic only targets loopback http URLs, got ${options.url}`);
  const count = options.count;
  const concurrency = options.concurrency ?? 20;
  if (!Number.isInteger(count) || count < 0 || count > TRAFFIC_LIMITS.count)
    throw new Error(`count must be an integer from 0 to ${TRAFFIC_LIMITS.count}`);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > TRAFFIC_LIMITS.concurrency)
    throw new Error(`concurrency must be an integer from 1 to ${TRAFFIC_LIMITS.concurrency}`);
  const target = new URL(options.path ?? '/', base);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const result: TrafficResult = { total: 0, byCluster: {}, errors: 0, statuses: {}, elapsedMs: 0 };
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      const answer = await once(target, options.host, agent, options.timeoutMs ?? 10_000);
      result.total++;
      result.statuses[answer.status] = (result.statuses[answer.status] ?? 0) + 1;
      if (!answer.ok) result.errors++;
      if (answer.ok && answer.cluster) result.byCluster[answer.cluster] = (result.byCluster[answer.cluster] ?? 0) + 1;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } finally {
    agent.destroy();
  }
  result.elapsedMs = Math.round(performance.now() - started);
  return result;
}

interface Answer {
  status: string;
  ok: boolean;
  cluster?: string;
}

function once(target: URL, host: string, agent: Agent, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(target, { method: 'GET', headers: { host }, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', () => resolve({ status: 'error', ok: false }));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const header = res.headers[CLUSTER_HEADER];
        resolve({
          status: String(status),
          ok: status >= 200 && status < 300,
          cluster: clusterOf(Buffer.concat(chunks)) ?? (typeof header === 'string' ? header : undefined),
        });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve({ status: 'error', ok: false }));
    req.end();
  });
}

function clusterOf(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { cluster_name?: unknown };
    return typeof parsed.cluster_name === 'string' ? parsed.cluster_name : undefined;
  } catch {
    return undefined;
  }
}
