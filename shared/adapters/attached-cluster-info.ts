/**
 * How the Kubernetes factory is told to reach an attached or on-prem cluster: it is not in the
 * Container API, so it has no endpoint of its own and is reached only through Connect Gateway.
 */
import type { ClusterInfo } from './container.ts';

/** An attached cluster by fleet project, membership location, membership id and full membership name. */
export interface AttachedClusterRef {
  projectId: string;
  location: string;
  name: string;
  membership: string;
}

/** The {@link ClusterInfo} of an attached cluster: no endpoint, private, reached through its membership. */
export function attachedClusterInfo(cluster: AttachedClusterRef): ClusterInfo {
  return {
    projectId: cluster.projectId,
    location: cluster.location,
    name: cluster.name,
    status: 'RUNNING',
    endpoint: '',
    caCertificatePem: '',
    resourceLabels: {},
    fleetMembership: cluster.membership,
    privateEndpointOnly: true,
    selfLink: '',
  };
}
