/**
 * Wires the MCS importer stand-in to the sandbox: fleet members are read from GKE Hub (through the
 * real adapter against the double) and reached on their real kube-apiservers. Attached and on-prem
 * members count like GKE ones, so their exports are imported too.
 */
import { createKubeAdapter, type KubeAdapter } from '../shared/adapters/kube.ts';
import { kubeConfigFor } from '../shared/adapters/kube-config.ts';
import type { GcpAdapters } from '../shared/adapters/gcp.ts';
import type { Membership } from '../shared/adapters/gkehub-types.ts';
import { systemClock } from '../shared/core/clock.ts';
import type { Logger } from '../shared/core/logger.ts';
import type { KubeFleet } from './kube-fleet.ts';
import { gatewayClassInstaller } from './gateway-classes.ts';
import { createMcsImporter, type ImporterCluster } from './mcs-importer.ts';

/** The cluster name in a `//container.googleapis.com/projects/P/locations/L/clusters/C` link. */
export function clusterNameOfLink(link: string | undefined): string | undefined {
  return link?.match(/\/clusters\/([^/]+)$/)?.[1];
}

/**
 * The sandbox cluster behind a membership: the GKE cluster its resource link names, or, for an
 * attached or on-prem cluster (no `gkeCluster`), the API server named like the membership id.
 */
export function memberClusterName(membership: Membership, runs: (name: string) => boolean): string | undefined {
  if (membership.endpoint?.gkeCluster) return clusterNameOfLink(membership.endpoint.gkeCluster.resourceLink);
  const id = membership.name.split('/').pop();
  return id && runs(id) ? id : undefined;
}

/** Starts the importer loop over the sandbox's fleet. */
export function startImporter(deps: {
  adapters: GcpAdapters;
  fleet: KubeFleet;
  token: string;
  log: Logger;
  delayMs: number;
  /** Why the importer may not import now (see mcs-importer.ts); undefined when it may. */
  blockedBy?: () => string | undefined;
}) {
  const clients = new Map<string, KubeAdapter>();
  const kubeFor = (name: string): KubeAdapter | undefined => {
    const cluster = deps.fleet.get(name);
    if (!cluster) return undefined;
    const key = `${name}@${cluster.server}`;
    let client = clients.get(key);
    if (!client) {
      client = createKubeAdapter(
        kubeConfigFor({ name, server: cluster.server, caPem: cluster.caPem, token: deps.token }),
        'gke-mcs-importer',
      );
      clients.set(key, client);
    }
    return client;
  };
  const installGatewayClasses = gatewayClassInstaller();
  const members = async (): Promise<ImporterCluster[]> => {
    const names = new Set<string>();
    // Every location: gcloud registers GKE clusters in their region, fleetpilot in the configured one.
    for (const membership of await deps.adapters.hub.listMemberships('-')) {
      const name = memberClusterName(membership, (id) => deps.fleet.get(id) !== undefined);
      if (name && membership.state?.code === 'READY') names.add(name);
    }
    const ingress = await deps.adapters.hub.getFeature('multiclusteringress');
    const configCluster = ingress?.spec?.multiclusteringress?.configMembership?.split('/').pop();
    if (configCluster && deps.fleet.get(configCluster)) {
      names.add(configCluster);
      const kube = kubeFor(configCluster);
      if (kube) await installGatewayClasses(configCluster, kube);
    }
    return [...names].flatMap((name) => {
      const kube = kubeFor(name);
      return kube ? [{ name, kube }] : [];
    });
  };
  const importer = createMcsImporter({
    members,
    clock: systemClock,
    log: deps.log,
    delayMs: deps.delayMs,
    ...(deps.blockedBy ? { blockedBy: deps.blockedBy } : {}),
  });
  importer.start();
  return importer;
}
