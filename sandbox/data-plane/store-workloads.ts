/**
 * Stand-ins for the `store` Deployment in each member cluster: one loopback HTTP server per cluster
 * that answers every path with the JSON of the classic whereami-based store app, so a client can
 * tell which cluster (and which "pod") served it. Clusters come and go while running, and a fault
 * can make one cluster answer with an error status, as a failing region would.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/core/logger.ts';

/** How long a workload keeps an idle connection open: longer than the data plane's 600 s (UPSTREAM_IDLE_MS). */
const BACKEND_KEEP_ALIVE_MS = 620_000;

/** One member cluster running the store workload. */
export interface WorkloadCluster {
  name: string;
  zone: string;
  /** Pods answering in turn; default 2. */
  replicas?: number;
}

/** What the store app answers. */
export interface StoreAnswer {
  cluster_name: string;
  zone: string;
  host_header: string;
  pod_name: string;
  pod_namespace: string;
  path: string;
  timestamp: string;
}

/** The running workloads. */
export interface StoreWorkloads {
  /** Base URL (`http://127.0.0.1:PORT`) of a cluster's workload, or undefined when it is not running. */
  urlOf(cluster: string): string | undefined;
  addCluster(cluster: WorkloadCluster): Promise<string>;
  /** Stops one cluster's server; returns false when it was not running. */
  removeCluster(cluster: string): Promise<boolean>;
  /** Makes a cluster answer every request with `status` (e.g. 503), or heal it with `undefined`. */
  setFault(cluster: string, status: number | undefined): void;
  clusters(): string[];
  stop(): Promise<void>;
}

/** The store app's answer for one request to pod `replica` of `cluster` (pure). */
export function storeAnswer(cluster: WorkloadCluster, replica: number, host: string, path: string, now: Date): StoreAnswer {
  return {
    cluster_name: cluster.name,
    zone: cluster.zone,
    host_header: host,
    pod_name: `store-${cluster.name}-${replica}`,
    pod_namespace: 'store',
    path,
    timestamp: now.toISOString(),
  };
}

interface Running {
  cluster: WorkloadCluster;
  server: Server;
  url: string;
  fault?: number;
}

/** Starts one workload server per cluster. */
export async function startStoreWorkloads(clusters: WorkloadCluster[], log: Logger): Promise<StoreWorkloads> {
  const running = new Map<string, Running>();

  const addCluster = async (cluster: WorkloadCluster): Promise<string> => {
    const existing = running.get(cluster.name);
    if (existing) return existing.url;
    let served = 0;
    const entry = { cluster } as Running;
    const handle = (req: IncomingMessage, res: ServerResponse): void => {
      req.resume();
      const replica = served++ % Math.max(1, cluster.replicas ?? 2);
      const answer = storeAnswer(cluster, replica, req.headers.host ?? '', req.url ?? '/', new Date());
      const status = entry.fault ?? 200;
      const body = JSON.stringify(status === 200 ? answer : { ...answer, error: `injected fault ${status}` });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
    entry.server = createServer(handle);
    // The data plane keeps upstream connections alive, as a Google load balancer does. A backend
    // that closes an idle one first races the proxy's next request on it (ECONNRESET or a hang-up:
    // a 502 to the client), so backends keep them longer, as GKE's guidance for load balancers asks.
    Object.assign(entry.server, { keepAliveTimeout: BACKEND_KEEP_ALIVE_MS, headersTimeout: BACKEND_KEEP_ALIVE_MS + 5_000 });
    await new Promise<void>((resolve, reject) => {
      entry.server.once('error', reject);
      entry.server.listen(0, '127.0.0.1', () => resolve());
    });
    entry.url = `http://127.0.0.1:${(entry.server.address() as AddressInfo).port}`;
    running.set(cluster.name, entry);
    log.info('store workload started', { cluster: cluster.name, zone: cluster.zone, url: entry.url });
    return entry.url;
  };

  const removeCluster = async (name: string): Promise<boolean> => {
    const entry = running.get(name);
    if (!entry) return false;
    running.delete(name);
    await closeServer(entry.server);
    log.info('store workload stopped', { cluster: name });
    return true;
  };

  try {
    for (const cluster of clusters) await addCluster(cluster);
  } catch (error) {
    await Promise.all([...running.keys()].map(removeCluster));
    throw error;
  }
  return {
    urlOf: (name) => running.get(name)?.url,
    addCluster,
    removeCluster,
    setFault(name, status) {
      const entry = running.get(name);
      if (!entry) throw new Error(`no store workload runs for cluster ${name}`);
      entry.fault = status;
    },
    clusters: () => [...running.keys()].sort(),
    async stop() {
      await Promise.all([...running.keys()].map(removeCluster));
    },
  };
}

/** Closes a server, dropping idle keep-alive connections so that close completes at once. */
export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
