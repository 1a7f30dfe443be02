/**
 * Container API adapter on @google-cloud/container. Reads clusters (a NotFound is a *confirmed*
 * absence; every other failure is an error, never "absent" — fail static), and creates/deletes
 * them for the sandbox.
 */
import type { protos } from '@google-cloud/container';
import { ClusterManagerClient } from '@google-cloud/container';
import { isNotFound } from '../core/errors.ts';
import { pollUntil, withRetry } from '../core/retry.ts';
import type { AccessTokenSource } from './google-auth.ts';

type ICluster = protos.google.container.v1.ICluster;
type IOperation = protos.google.container.v1.IOperation;

/** The facts about a cluster that fleetpilot uses. */
export interface ClusterInfo {
  projectId: string;
  location: string;
  name: string;
  status: string;
  /** `HOST` or `HOST:PORT` of the control plane; empty while provisioning. */
  endpoint: string;
  /** PEM of the cluster CA (decoded from the API's base64). */
  caCertificatePem: string;
  resourceLabels: Record<string, string>;
  /** Full membership name when the cluster registered itself in a fleet. */
  fleetMembership?: string;
  /** True when only the private endpoint exists (reach it through Connect Gateway). */
  privateEndpointOnly: boolean;
  selfLink: string;
}

/** Builds the client for real Google Cloud (no endpoint) or a local REST double. */
export function createClusterManagerClient(opts: {
  endpoint?: string;
  tokens: AccessTokenSource;
  projectId: string;
}): ClusterManagerClient {
  if (!opts.endpoint) return new ClusterManagerClient({ authClient: opts.tokens.authClient, projectId: opts.projectId });
  const url = new URL(opts.endpoint);
  return new ClusterManagerClient({
    fallback: true,
    protocol: url.protocol.replace(':', ''),
    apiEndpoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    authClient: opts.tokens.authClient,
    projectId: opts.projectId,
  });
}

/** The Container operations fleetpilot needs. */
export interface ContainerAdapter {
  /** The cluster, or `null` only when the API confirms it does not exist. */
  getCluster(location: string, name: string): Promise<ClusterInfo | null>;
  listClusters(location?: string): Promise<ClusterInfo[]>;
  /** Starts creating a cluster and returns its operation name. */
  createCluster(location: string, cluster: ICluster): Promise<string>;
  /** Starts deleting a cluster; returns the operation name, or `null` when it was already gone. */
  deleteCluster(location: string, name: string): Promise<string | null>;
  /** Waits until a Container operation is DONE; throws with its error if it failed. */
  waitForOperation(location: string, operation: string, timeoutMs?: number): Promise<void>;
}

/** Creates the adapter for one project. */
export function createContainerAdapter(client: ClusterManagerClient, projectId: string): ContainerAdapter {
  const parent = (location: string) => `projects/${projectId}/locations/${location}`;
  return {
    async getCluster(location, name) {
      try {
        const [cluster] = await readRetry(() => client.getCluster({ name: `${parent(location)}/clusters/${name}` }));
        return toClusterInfo(cluster, projectId);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async listClusters(location = '-') {
      const [response] = await readRetry(() => client.listClusters({ parent: parent(location) }));
      if (response.missingZones && response.missingZones.length > 0) {
        // Partial lists must not look like deletions to callers.
        throw new Error(`cluster list is incomplete: zones unreachable: ${response.missingZones.join(', ')}`);
      }
      return (response.clusters ?? []).map((c) => toClusterInfo(c, projectId));
    },
    async createCluster(location, cluster) {
      const [op] = await client.createCluster({ parent: parent(location), cluster });
      return requireName(op);
    },
    async deleteCluster(location, name) {
      try {
        const [op] = await client.deleteCluster({ name: `${parent(location)}/clusters/${name}` });
        return requireName(op);
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async waitForOperation(location, operation, timeoutMs = 120_000) {
      const done = await pollUntil(
        async () => {
          const [op] = await readRetry(() => client.getOperation({ name: `${parent(location)}/operations/${operation}` }));
          return op.status === 'DONE' ? op : undefined;
        },
        { timeoutMs, intervalMs: 250, what: `Container operation ${operation}` },
      );
      const failure = done.error?.message ?? (done.statusMessage || undefined);
      if (failure) throw new Error(`Container operation ${operation} failed: ${failure}`);
    },
  };
}

/** Normalises the API's Cluster into {@link ClusterInfo}. */
export function toClusterInfo(cluster: ICluster, projectId: string): ClusterInfo {
  const ca = cluster.masterAuth?.clusterCaCertificate ?? '';
  return {
    projectId,
    location: cluster.location ?? cluster.zone ?? '',
    name: cluster.name ?? '',
    status: String(cluster.status ?? 'STATUS_UNSPECIFIED'),
    endpoint: cluster.endpoint ?? '',
    caCertificatePem: ca ? Buffer.from(ca, 'base64').toString('utf8') : '',
    resourceLabels: { ...(cluster.resourceLabels ?? {}) },
    ...(cluster.fleet?.membership ? { fleetMembership: cluster.fleet.membership } : {}),
    privateEndpointOnly: Boolean(cluster.privateClusterConfig?.enablePrivateEndpoint),
    selfLink: cluster.selfLink ?? '',
  };
}

/** Reads are idempotent: a reset connection or a 5xx is retried a few times before it counts. */
function readRetry<T>(read: () => Promise<T>): Promise<T> {
  return withRetry(read, { attempts: 3, baseDelayMs: 100, maxDelayMs: 500 });
}

function requireName(op: IOperation): string {
  if (!op.name) throw new Error('Container API returned an operation without a name');
  return op.name;
}
