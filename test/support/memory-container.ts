/**
 * An in-memory Container API for one project, with the adapter's semantics: `getCluster` answers
 * null only for a cluster that does not exist, lists are complete, creating and deleting start an
 * operation that `waitForOperation` finishes (PROVISIONING → RUNNING, STOPPING → gone).
 */
import type { ClusterInfo, ContainerAdapter } from '../../shared/adapters/container.ts';
import { withFaults, type Faulty } from './faults.ts';

/** What a test says about a cluster; the rest gets plausible defaults. */
export interface ClusterFacts {
  name: string;
  location: string;
  status?: string;
  resourceLabels?: Record<string, string>;
  /** Full membership name when the cluster registered itself. */
  fleetMembership?: string;
  privateEndpointOnly?: boolean;
}

const METHODS = ['getCluster', 'listClusters', 'createCluster', 'deleteCluster', 'waitForOperation'] as const;

/** The adapter, and the clusters behind it for fixtures and assertions. */
export interface MemoryContainer extends ContainerAdapter, Faulty<(typeof METHODS)[number]> {
  /** Adds (or replaces) a cluster as it exists now. */
  put(facts: ClusterFacts): ClusterInfo;
  /** Sets a cluster's status (`STOPPING` while it is being deleted). */
  setStatus(location: string, name: string, status: string): void;
  /** Removes a cluster: a confirmed deletion. */
  remove(location: string, name: string): void;
  clusters(): ClusterInfo[];
}

/** An empty project. */
export function memoryContainer(projectId: string): MemoryContainer {
  const clusters = new Map<string, ClusterInfo>();
  const operations = new Map<string, { location: string; name: string; then: 'RUNNING' | 'gone' }>();
  const key = (location: string, name: string) => `${location}/${name}`;
  let opCount = 0;

  const put = (facts: ClusterFacts): ClusterInfo => {
    const info: ClusterInfo = {
      projectId,
      location: facts.location,
      name: facts.name,
      status: facts.status ?? 'RUNNING',
      endpoint: `${facts.name}.${facts.location}.example.internal:443`,
      caCertificatePem: `-----BEGIN CERTIFICATE-----\n${Buffer.from(facts.name).toString('base64')}\n-----END CERTIFICATE-----\n`,
      resourceLabels: { ...(facts.resourceLabels ?? {}) },
      ...(facts.fleetMembership ? { fleetMembership: facts.fleetMembership } : {}),
      privateEndpointOnly: facts.privateEndpointOnly ?? false,
      selfLink: `https://container.googleapis.com/v1/projects/${projectId}/locations/${facts.location}/clusters/${facts.name}`,
    };
    clusters.set(key(facts.location, facts.name), info);
    return structuredClone(info);
  };
  const startOperation = (location: string, name: string, then: 'RUNNING' | 'gone') => {
    const id = `operation-${++opCount}`;
    operations.set(id, { location, name, then });
    return `projects/${projectId}/locations/${location}/operations/${id}`;
  };

  const adapter = {
    async getCluster(location: string, name: string) {
      const found = clusters.get(key(location, name));
      return found ? structuredClone(found) : null;
    },
    async listClusters(location = '-') {
      return [...clusters.values()].filter((c) => location === '-' || c.location === location).map((c) => structuredClone(c));
    },
    async createCluster(location: string, cluster: { name?: string | null; resourceLabels?: Record<string, string> | null }) {
      const name = cluster.name ?? '';
      if (clusters.has(key(location, name))) throw Object.assign(new Error(`cluster ${name} already exists`), { code: 6 });
      put({ name, location, status: 'PROVISIONING', resourceLabels: cluster.resourceLabels ?? {} });
      return startOperation(location, name, 'RUNNING');
    },
    async deleteCluster(location: string, name: string) {
      const found = clusters.get(key(location, name));
      if (!found) return null;
      found.status = 'STOPPING';
      return startOperation(location, name, 'gone');
    },
    async waitForOperation(_location: string, operation: string) {
      const op = operations.get(operation.split('/').pop()!);
      if (!op) throw Object.assign(new Error(`operation ${operation} not found`), { code: 5 });
      operations.delete(operation.split('/').pop()!);
      if (op.then === 'gone') clusters.delete(key(op.location, op.name));
      else {
        const found = clusters.get(key(op.location, op.name));
        if (found) found.status = 'RUNNING';
      }
    },
    put,
    setStatus(location: string, name: string, status: string) {
      const found = clusters.get(key(location, name));
      if (!found) throw new Error(`no cluster ${location}/${name} to set ${status} on`);
      found.status = status;
    },
    remove(location: string, name: string) {
      clusters.delete(key(location, name));
    },
    clusters: () => [...clusters.values()].map((c) => structuredClone(c)),
  };
  return withFaults(adapter as unknown as MemoryContainer, METHODS);
}
