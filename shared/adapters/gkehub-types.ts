/**
 * GKE Hub v1 REST shapes fleetpilot reads and writes (a subset of the public API), and the pure
 * naming rules that tie a membership to its GKE cluster.
 */

/** A long-running operation as GKE Hub returns it. */
export interface HubOperation {
  name: string;
  done?: boolean;
  error?: { code?: number; message?: string; details?: unknown[] };
  response?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

/** A fleet membership. */
export interface Membership {
  name: string;
  /** Exactly one platform field at most; none for a generic attached registration. */
  endpoint?: {
    gkeCluster?: { resourceLink?: string; clusterMissing?: boolean };
    onPremCluster?: { resourceLink?: string; clusterMissing?: boolean; adminCluster?: boolean; clusterType?: string };
    multiCloudCluster?: { resourceLink?: string; clusterMissing?: boolean };
    edgeCluster?: { resourceLink?: string };
    applianceCluster?: { resourceLink?: string };
    kubernetesMetadata?: Record<string, unknown>;
  };
  state?: { code?: 'CODE_UNSPECIFIED' | 'CREATING' | 'READY' | 'DELETING' | 'UPDATING' | 'SERVICE_UPDATING' };
  authority?: { issuer?: string; workloadIdentityPool?: string; identityProvider?: string };
  labels?: Record<string, string>;
  description?: string;
  createTime?: string;
  updateTime?: string;
  uniqueId?: string;
}

/** A fleet feature (global). */
export interface Feature {
  name: string;
  resourceState?: { state?: 'STATE_UNSPECIFIED' | 'ENABLING' | 'ACTIVE' | 'DISABLING' | 'UPDATING' | 'SERVICE_UPDATING' };
  spec?: { multiclusteringress?: { configMembership?: string }; [feature: string]: unknown };
  state?: { state?: { code?: 'CODE_UNSPECIFIED' | 'OK' | 'WARNING' | 'ERROR'; description?: string; updateTime?: string } };
  membershipStates?: Record<string, unknown>;
  createTime?: string;
  updateTime?: string;
}

/** `//container.googleapis.com/projects/P/locations/L/clusters/C`, the link a GKE membership carries. */
export function gkeResourceLink(projectId: string, location: string, cluster: string): string {
  return `//container.googleapis.com/projects/${projectId}/locations/${location}/clusters/${cluster}`;
}

/** The Workload Identity issuer of a GKE cluster. */
export function workloadIdentityIssuer(projectId: string, location: string, cluster: string): string {
  return `https://container.googleapis.com/v1/projects/${projectId}/locations/${location}/clusters/${cluster}`;
}

/** Compares resource links, accepting the `zones/` spelling some callers still produce. */
export function sameResourceLink(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const norm = (link: string) =>
    link
      .replace('/zones/', '/locations/')
      .replace(/^https?:/, '')
      .toLowerCase();
  return norm(a) === norm(b);
}

/** A feature is usable when its state code is OK. */
export function featureUsable(feature: Feature | null): boolean {
  return feature?.state?.state?.code === 'OK';
}

/**
 * The kind of cluster behind a membership: `gke` when it links a GKE cluster (reachable through the
 * Container API), `attached` for every other one (attached, on-prem, multi-cloud, edge), which
 * fleetpilot reaches only through Connect Gateway.
 */
export function membershipKind(membership: Pick<Membership, 'endpoint'>): 'gke' | 'attached' {
  return membership.endpoint?.gkeCluster ? 'gke' : 'attached';
}

/** Which platform an attached membership names, for messages (`on-prem`, `multi-cloud`, …). */
export function membershipPlatform(membership: Pick<Membership, 'endpoint'>): string {
  const e = membership.endpoint ?? {};
  if (e.gkeCluster) return 'GKE';
  if (e.onPremCluster) return 'on-prem';
  if (e.multiCloudCluster) return 'multi-cloud';
  if (e.edgeCluster) return 'edge';
  if (e.applianceCluster) return 'appliance';
  return 'attached';
}
