/**
 * Attached and on-prem clusters: clusters that are not in the Container API but have a fleet
 * membership (registered by their owner), reached only through Connect Gateway. fleetpilot onboards
 * them into routing on request and never creates, changes or deletes their membership. They join the
 * mesh only when the configuration gives the address other clusters reach their API server at
 * (`mesh.apiServers`); the tick then exchanges remote secrets with them.
 */
import { attachedClusterInfo } from '../adapters/attached-cluster-info.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import type { KubeAdapter } from '../adapters/kube.ts';
import { membershipLocationAndId } from '../adapters/kube-servers.ts';
import type { ClusterRecord } from '../state/cluster-records.ts';
import type { Needs } from '../core/context.ts';

/** An attached cluster as fleetpilot keys it: fleet project, membership location and id, and its region. */
export interface AttachedCluster {
  projectId: string;
  /** The membership's location (`global` for most registrations). */
  location: string;
  /** The membership id. */
  name: string;
  /** Where its traffic is counted: given by the person who onboards it. */
  region: string;
  /** Full membership name. */
  membership: string;
}

/** Why an attached cluster is not part of the mesh (recorded as a skipped step). */
export const ATTACHED_MESH_SKIP =
  'remote secrets need an API server that the other mesh clusters reach directly, and fleetpilot reaches an attached cluster only through Connect Gateway: give its address in mesh.apiServers to wire it into the mesh';

/** What onboarding plans (and, without an address, records as skipped) for an attached cluster's mesh join. */
export function attachedMeshNote(config: FleetConfig, cluster: string): string {
  const address = config.mesh.apiServers[cluster];
  return address
    ? `join the mesh, other istiods reaching it at ${address}: injection labels, its network and east-west exposure, remote secrets both ways, DestinationRules; the tick keeps them converged`
    : ATTACHED_MESH_SKIP;
}

/** The attached cluster a membership names, counted in `region`. */
export function attachedCluster(projectId: string, membership: string, region: string): AttachedCluster {
  const { location, id } = membershipLocationAndId(membership);
  return { projectId, location, name: id, region, membership };
}

/** The attached cluster of a record, or undefined for a GKE record or one without a membership. */
export function attachedClusterOf(record: ClusterRecord): AttachedCluster | undefined {
  if (record.kind !== 'attached' || !record.membership) return undefined;
  return {
    projectId: record.projectId,
    location: record.location,
    name: record.name,
    region: record.region,
    membership: record.membership,
  };
}

/** A Kubernetes adapter for an attached cluster, through Connect Gateway. */
export function attachedKube(deps: Needs<'kubeFor'>, cluster: AttachedCluster): Promise<KubeAdapter> {
  return deps.kubeFor(attachedClusterInfo(cluster), cluster.membership);
}
