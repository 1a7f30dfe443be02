/**
 * Clients for the member clusters a render observed, each made once: a GKE cluster at its endpoint
 * (from the Container list the render read, or read again), an attached one through Connect Gateway.
 */
import { attachedClusterInfo } from './attached-cluster-info.ts';
import type { ClusterInfo, ContainerAdapter } from './container.ts';
import type { KubeAdapter } from './kube.ts';
import { membershipLocationAndId } from './kube-servers.ts';

/** A member as a render observed it. */
export interface MemberRef {
  name: string;
  location: string;
  kind?: 'attached';
  membership?: string;
}

/** What {@link memberKubes} needs. */
export interface MemberKubeDeps {
  container: Pick<ContainerAdapter, 'getCluster'>;
  kubeFor(cluster: ClusterInfo, membership?: string): Promise<KubeAdapter>;
}

/**
 * A memoised client factory: undefined for a GKE cluster that is gone or not RUNNING. `clusters`
 * is the Container list already read (so GKE clusters are not read again); `projectId` is the fleet
 * project attached clusters are registered in.
 */
export function memberKubes(
  deps: MemberKubeDeps,
  projectId: string,
  clusters?: readonly ClusterInfo[],
): (member: MemberRef) => Promise<KubeAdapter | undefined> {
  const made = new Map<string, Promise<KubeAdapter | undefined>>();
  const info = async (c: MemberRef) =>
    clusters ? clusters.find((i) => i.name === c.name && i.location === c.location) : deps.container.getCluster(c.location, c.name);
  return (member) => {
    const key = `${member.location}/${member.name}`;
    let kube = made.get(key);
    if (!kube) {
      if (member.kind === 'attached' && member.membership) {
        const { location, id } = membershipLocationAndId(member.membership);
        kube = deps.kubeFor(attachedClusterInfo({ projectId, location, name: id, membership: member.membership }), member.membership);
      } else kube = info(member).then((i) => (i && i.status === 'RUNNING' ? deps.kubeFor(i) : undefined));
      made.set(key, kube);
    }
    return kube;
  };
}
