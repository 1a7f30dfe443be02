/**
 * The forwarding half of the data plane: for each request, ask the current route table where it
 * goes and relay it to that cluster's workload, passing status, headers and body through. No route
 * or no usable backend answers 503; a workload that cannot be reached answers 502. Every answer,
 * its own included, is counted in the traffic ledger when one is given.
 */
import { request, type Agent, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '../../shared/core/logger.ts';
import { pickBackend, type RouteTable } from './route-table.ts';
import type { TrafficRecorder } from './traffic-ledger.ts';

/** Counters of what the proxy did. */
export interface ProxyStats {
  requests: number;
  proxied: number;
  noRoute: number;
  noBackend: number;
  unreachable: number;
  /** Requests relayed to each cluster. */
  byCluster: Record<string, number>;
}

/** What the proxy needs. */
export interface ProxyDeps {
  table: () => RouteTable;
  workloads: { urlOf(cluster: string): string | undefined };
  random: () => number;
  agent: Agent;
  log: Logger;
  upstreamTimeoutMs?: number;
  /** Counts each answered request by cluster and status (the sandbox's load-balancer metrics). */
  ledger?: TrafficRecorder;
}

/** Response header naming the cluster that served a proxied request. */
export const CLUSTER_HEADER = 'x-fleetpilot-cluster';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/** Creates the request handler and its counters. */
export function createProxy(deps: ProxyDeps): { handle: (req: IncomingMessage, res: ServerResponse) => void; stats: () => ProxyStats } {
  const stats: ProxyStats = { requests: 0, proxied: 0, noRoute: 0, noBackend: 0, unreachable: 0, byCluster: {} };
  const fail = (res: ServerResponse, status: number, body: Record<string, unknown>, cluster: string | null = null): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    deps.ledger?.record(cluster, status);
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requests++;
    const host = req.headers.host ?? '';
    const path = req.url ?? '/';
    if (!path.startsWith('/')) {
      req.resume();
      fail(res, 400, { error: 'bad-request-target', path });
      return;
    }
    const pick = pickBackend(deps.table(), host, path, deps.random);
    if ('error' in pick) {
      if (pick.error === 'no-route') stats.noRoute++;
      else stats.noBackend++;
      req.resume();
      fail(res, 503, { error: pick.error, host, path });
      return;
    }
    const base = deps.workloads.urlOf(pick.cluster);
    const unreachable = (reason: string): void => {
      stats.unreachable++;
      deps.log.debug('data plane upstream unreachable', { cluster: pick.cluster, reason });
      fail(res, 502, { error: 'unreachable', cluster: pick.cluster, reason }, pick.cluster);
    };
    if (!base) {
      req.resume();
      unreachable('no workload runs in the cluster');
      return;
    }
    const upstream = request(`${base}${path}`, {
      method: req.method,
      headers: { ...withoutHopByHop(req.headers), 'x-forwarded-for': req.socket.remoteAddress ?? '', via: '1.1 fleetpilot-data-plane' },
      agent: deps.agent,
      timeout: deps.upstreamTimeoutMs ?? 10_000,
    });
    upstream.on('timeout', () => upstream.destroy(new Error('upstream timed out')));
    upstream.on('error', (error) => unreachable(error.message));
    upstream.on('response', (answer) => {
      stats.proxied++;
      stats.byCluster[pick.cluster] = (stats.byCluster[pick.cluster] ?? 0) + 1;
      deps.ledger?.record(pick.cluster, answer.statusCode ?? 502);
      res.writeHead(answer.statusCode ?? 502, {
        ...withoutHopByHop(answer.headers),
        [CLUSTER_HEADER]: pick.cluster,
        'x-fleetpilot-backend': `${pick.namespace}/${pick.serviceImport}`,
      });
      answer.pipe(res);
    });
    req.pipe(upstream);
  };
  return { handle, stats: () => ({ ...stats, byCluster: { ...stats.byCluster } }) };
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}
