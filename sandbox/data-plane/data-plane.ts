/**
 * A local stand-in for the load balancer behind a multi-cluster Gateway. It watches the config
 * cluster by polling (the Gateway, HTTPRoutes in every namespace, ServiceImports), rebuilds its
 * route table when anything changed, reports itself in the Gateway's status the way GKE's
 * controller does (address and conditions), and proxies loopback HTTP requests to the store
 * workload of the cluster the table picks. A failed read keeps the last table (fail static).
 */
import { createHash } from 'node:crypto';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KubeAdapter, ObjectRef } from '../../shared/adapters/kube.ts';
import { systemClock, type Clock } from '../../shared/core/clock.ts';
import type { Logger } from '../../shared/core/logger.ts';
import { GATEWAY_API_VERSION, type Gateway, type HttpRoute } from '../../shared/routing/http-route.ts';
import { desiredGatewayStatus, statusCurrent, type GatewayStatus } from './gateway-status.ts';
import { createProxy, type ProxyStats } from './proxy.ts';
import { buildRouteTable, type ImportedService, type RouteTable } from './route-table.ts';
import { closeServer } from './store-workloads.ts';
import type { TrafficRecorder } from './traffic-ledger.ts';

/** Options of {@link startDataPlane}. */
export interface DataPlaneOptions {
  configKube: KubeAdapter;
  gateway: { name: string; namespace: string };
  workloads: { urlOf(cluster: string): string | undefined };
  log: Logger;
  pollIntervalMs?: number;
  /** Loopback port to listen on; 0 (default) picks a free one. */
  port?: number;
  random?: () => number;
  clock?: Clock;
  /** Where every answered request is counted (the sandbox feeds the double's Cloud Monitoring metrics from it). */
  ledger?: TrafficRecorder;
}

/** One rebuild of the route table. `generations` holds `metadata.generation` of each attached route. */
export interface DataPlaneReload {
  at: Date;
  version: string;
  routes: number;
  generations: Record<string, number>;
}

/** Counters of the data plane. */
export interface DataPlaneStats extends ProxyStats {
  polls: number;
  pollErrors: number;
  reloads: number;
  statusWrites: number;
}

/** The running data plane. */
export interface DataPlane {
  url: string;
  port: number;
  stats(): DataPlaneStats;
  table(): RouteTable;
  lastReload(): DataPlaneReload | undefined;
  /** Calls `listener` after each reload; returns a function that unsubscribes. */
  onReload(listener: (reload: DataPlaneReload) => void): () => void;
  stop(): Promise<void>;
}

type LiveGateway = Gateway & { status?: Partial<GatewayStatus> };
type ServiceImport = { metadata?: { namespace?: string; name?: string }; status?: { clusters?: { cluster?: string }[] } };

/** The address the data plane reports and listens on. */
export const DATA_PLANE_ADDRESS = '127.0.0.1';
const STATUS_RETRY_MS = 5_000;
/** How long an idle upstream connection stays open (the load balancer's keepalive timeout). */
const UPSTREAM_IDLE_MS = 600_000;

/** Reads the config cluster once, then listens and keeps polling until `stop()`. */
export async function startDataPlane(options: DataPlaneOptions): Promise<DataPlane> {
  const { configKube, gateway, log } = options;
  const clock = options.clock ?? systemClock;
  const gatewayRef: ObjectRef = { apiVersion: GATEWAY_API_VERSION, kind: 'Gateway', ...gateway };
  const counters = { polls: 0, pollErrors: 0, reloads: 0, statusWrites: 0 };
  const listeners = new Set<(reload: DataPlaneReload) => void>();
  let table: RouteTable = buildRouteTable({ ...gateway, listeners: [] }, [], []);
  let reload: DataPlaneReload | undefined;
  let statusRetryAt = 0;

  const reconcileStatus = async (live: LiveGateway, current: RouteTable): Promise<void> => {
    const desired = desiredGatewayStatus({
      generation: live.metadata.generation ?? 0,
      listeners: live.spec.listeners.map((l) => l.name),
      attachedRoutes: current.attachedRoutes,
      address: DATA_PLANE_ADDRESS,
      live: live.status,
      now: clock.now(),
    });
    if (statusCurrent(live.status, desired) || clock.now().getTime() < statusRetryAt) return;
    try {
      await configKube.patchStatus(gatewayRef, 'gateways', desired as unknown as Record<string, unknown>);
      counters.statusWrites++;
      log.info('gateway status written', {
        gateway: `${gateway.namespace}/${gateway.name}`,
        generation: live.metadata.generation,
        attachedRoutes: current.attachedRoutes,
      });
    } catch (error) {
      statusRetryAt = clock.now().getTime() + STATUS_RETRY_MS;
      log.warn('gateway status write failed', { gateway: `${gateway.namespace}/${gateway.name}`, error });
    }
  };

  const poll = async (): Promise<void> => {
    counters.polls++;
    try {
      const [live, routes, imports] = await Promise.all([
        configKube.get<LiveGateway>(gatewayRef),
        configKube.list<HttpRoute>(GATEWAY_API_VERSION, 'HTTPRoute'),
        configKube.list<ServiceImport>('net.gke.io/v1', 'ServiceImport'),
      ]);
      // A Gateway that is positively absent serves nothing.
      const next = buildRouteTable({ ...gateway, listeners: live?.spec.listeners ?? [] }, routes, imports.map(importedService));
      const attached = new Set(next.routes);
      const generations = Object.fromEntries(
        routes
          .map((r) => [`${r.metadata.namespace}/${r.metadata.name}`, r.metadata.generation ?? 0] as const)
          .filter(([key]) => attached.has(key)),
      );
      const version = createHash('sha256')
        .update(JSON.stringify({ next, generations, gateway: live?.metadata.generation ?? null }))
        .digest('hex')
        .slice(0, 16);
      if (version !== reload?.version) {
        table = next;
        reload = { at: clock.now(), version, routes: next.routes.length, generations };
        counters.reloads++;
        log.info('data plane reloaded', { version, routes: next.routes.length, entries: next.entries.length });
        for (const listener of listeners) listener(reload);
      }
      if (live) await reconcileStatus(live, next);
    } catch (error) {
      counters.pollErrors++;
      log.warn('data plane poll failed; keeping the last route table', { error });
    }
  };

  // Idle upstream connections close after 600 s, as a Google load balancer's do: before the backends close them.
  const agent = new Agent({ keepAlive: true, maxSockets: 256, timeout: UPSTREAM_IDLE_MS });
  const proxy = createProxy({
    table: () => table,
    workloads: options.workloads,
    random: options.random ?? Math.random,
    agent,
    log,
    ledger: options.ledger,
  });
  const server = createServer(proxy.handle);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, DATA_PLANE_ADDRESS, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = poll();
  await running;
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll().finally(schedule);
    }, options.pollIntervalMs ?? 100);
  };
  schedule();
  log.info('data plane listening', { url: `http://${DATA_PLANE_ADDRESS}:${port}`, gateway: `${gateway.namespace}/${gateway.name}` });

  return {
    url: `http://${DATA_PLANE_ADDRESS}:${port}`,
    port,
    stats: () => ({ ...proxy.stats(), ...counters }),
    table: () => table,
    lastReload: () => reload,
    onReload(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      await closeServer(server);
      agent.destroy();
      log.info('data plane stopped', { url: `http://${DATA_PLANE_ADDRESS}:${port}` });
    },
  };
}

function importedService(item: ServiceImport): ImportedService {
  return {
    namespace: item.metadata?.namespace ?? 'default',
    name: item.metadata?.name ?? '',
    clusters: (item.status?.clusters ?? []).flatMap((c) => (c.cluster ? [c.cluster] : [])),
  };
}
