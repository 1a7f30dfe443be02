/**
 * Registers a cluster as a fleet membership with the Workload Identity issuer, as
 * `gcloud container fleet memberships register NAME --gke-cluster LOC/NAME --enable-workload-identity`
 * does. A 409 is success only when the existing membership is this cluster's. A membership that
 * already names the cluster, wherever it was registered (gcloud registers GKE clusters in their
 * region by default), is adopted: a cluster has one membership, never a second one.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import type { GkeHubAdapter } from '../adapters/gkehub.ts';
import { gkeResourceLink, sameResourceLink, workloadIdentityIssuer, type Membership } from '../adapters/gkehub-types.ts';
import { TerminalError, isAlreadyExists } from '../core/errors.ts';

/** What registration did. */
export interface MembershipOutcome {
  membership: Membership;
  action: 'created' | 'existing' | 'issuer-fixed' | 'self-registered' | 'adopted';
}

/** The membership id fleetpilot uses for a cluster. */
export function membershipIdFor(cluster: Pick<ClusterInfo, 'name'>): string {
  return cluster.name;
}

/** Ensures `cluster` has a READY fleet membership with its Workload Identity issuer. */
export async function ensureMembership(hub: GkeHubAdapter, cluster: ClusterInfo, location: string): Promise<MembershipOutcome> {
  const link = gkeResourceLink(cluster.projectId, cluster.location, cluster.name);
  const issuer = workloadIdentityIssuer(cluster.projectId, cluster.location, cluster.name);
  if (cluster.fleetMembership) {
    const id = cluster.fleetMembership.split('/').pop()!;
    const loc = /\/locations\/([^/]+)\//.exec(cluster.fleetMembership)?.[1] ?? location;
    const own = await hub.getMembership(loc, id);
    if (own) return { membership: own, action: 'self-registered' };
  }
  const registered = (await hub.listMemberships('-')).find((m) => sameResourceLink(m.endpoint?.gkeCluster?.resourceLink, link));
  if (registered) {
    const ours = registered.name.endsWith(`/locations/${location}/memberships/${membershipIdFor(cluster)}`);
    if (registered.authority?.issuer === issuer) return { membership: registered, action: ours ? 'existing' : 'adopted' };
    const fixed = await hub.patchMembership(registered.name, { authority: { issuer } }, ['authority.issuer']);
    return { membership: fixed, action: 'issuer-fixed' };
  }
  const id = membershipIdFor(cluster);
  try {
    const membership = await hub.createMembership(location, id, {
      endpoint: { gkeCluster: { resourceLink: link } },
      authority: { issuer },
      labels: { 'managed-by': 'fleetpilot' },
    });
    return { membership, action: 'created' };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
  }
  const existing = await hub.getMembership(location, id);
  if (!existing) throw new Error(`membership ${id} reported as existing but could not be read; will retry`);
  if (!sameResourceLink(existing.endpoint?.gkeCluster?.resourceLink, link)) {
    throw new TerminalError(
      `membership ${id} already exists for another cluster (${existing.endpoint?.gkeCluster?.resourceLink ?? 'no GKE cluster'}); refusing to touch it`,
      { membership: existing.name, wanted: link },
    );
  }
  if (existing.authority?.issuer === issuer) return { membership: existing, action: 'existing' };
  const fixed = await hub.patchMembership(existing.name, { authority: { issuer } }, ['authority.issuer']);
  return { membership: fixed, action: 'issuer-fixed' };
}
