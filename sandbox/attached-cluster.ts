/**
 * Attached and on-prem clusters in the sandbox: a real kube-apiserver that is NOT in the Container
 * API, running the platform's cluster template (the `store` application, nodes without topology
 * labels), registered in the fleet through the Google double's admin route as a user's
 * `gcloud container fleet memberships register --context …` would. fleetpilot reaches it only
 * through the double's Connect Gateway.
 */
import type { GkeHubAdapter } from '../shared/adapters/gkehub.ts';
import type { Logger } from '../shared/core/logger.ts';
import { deployClusterTemplate } from './cluster-template.ts';
import type { StoreWorkloads } from './data-plane/store-workloads.ts';
import type { KubeFleet } from './kube-fleet.ts';

/** Where attached clusters run and register. */
export interface AttachedClusterDeps {
  fleet: KubeFleet;
  workloads: StoreWorkloads;
  hub: GkeHubAdapter;
  /** The sandbox token: the double's bearer and what every API server accepts. */
  token: string;
  doubleUrl: string;
  kubeconfigPath: string;
  log: Logger;
}

/** Which cluster to start. */
export interface AttachedClusterSpec {
  /** Membership id, also the API server's name. */
  id: string;
  platform: 'attached' | 'onprem';
  /** What the stand-in `store` workload answers as its zone (default `on-prem`). */
  zone?: string;
}

/** A started attached cluster. */
export interface AttachedCluster {
  id: string;
  platform: AttachedClusterSpec['platform'];
  /** Full membership name. */
  membership: string;
  /** `https://127.0.0.1:PORT` of its API server (reachable directly only from the sandbox). */
  server: string;
}

/** Starts the API server, deploys the template and registers the membership; undoes it all on failure. */
export async function startAttachedCluster(deps: AttachedClusterDeps, spec: AttachedClusterSpec): Promise<AttachedCluster> {
  const cluster = await deps.fleet.addCluster(spec.id);
  try {
    await deps.workloads.addCluster({ name: spec.id, zone: spec.zone ?? 'on-prem' });
    deps.fleet.writeKubeconfig(deps.kubeconfigPath);
    await deployClusterTemplate(cluster, deps.token);
    const res = await fetch(`${deps.doubleUrl}/_double/attached-clusters`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deps.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: spec.id, endpoint: cluster.server, caPem: cluster.caPem, platform: spec.platform }),
    });
    const body = (await res.json()) as { name?: string; error?: { message?: string } };
    if (!res.ok || !body.name)
      throw new Error(`registering attached cluster ${spec.id} failed: HTTP ${res.status} ${body.error?.message ?? ''}`);
    deps.log.info('attached cluster started', { id: spec.id, platform: spec.platform, membership: body.name, server: cluster.server });
    return { id: spec.id, platform: spec.platform, membership: body.name, server: cluster.server };
  } catch (error) {
    await stopApiServer(deps, spec.id);
    throw error;
  }
}

/** Unregisters the membership (when it still exists) and stops the API server. */
export async function stopAttachedCluster(deps: AttachedClusterDeps, id: string): Promise<void> {
  const membership = await deps.hub.getMembership('global', id);
  if (membership) await deps.hub.deleteMembership(membership.name);
  await stopApiServer(deps, id);
  deps.log.info('attached cluster stopped', { id });
}

async function stopApiServer(deps: AttachedClusterDeps, id: string): Promise<void> {
  await deps.workloads.removeCluster(id);
  await deps.fleet.removeCluster(id);
  deps.fleet.writeKubeconfig(deps.kubeconfigPath);
}
