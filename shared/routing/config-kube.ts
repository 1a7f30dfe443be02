/** Reaching the config cluster, which hosts the Gateway, the HTTPRoutes and the ServiceImports. */
import type { KubeAdapter } from '../adapters/kube.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { TransientError } from '../core/errors.ts';
import type { Needs } from '../core/context.ts';

/**
 * A Kubernetes adapter for the configured config cluster. Throws when the cluster does not exist,
 * and a transient error while it is not running (routes wait for it).
 */
export async function configClusterKube(deps: Needs<'container' | 'kubeFor'>, config: FleetConfig): Promise<KubeAdapter> {
  const { location, name, membership } = config.fleet.configCluster;
  const cluster = await deps.container.getCluster(location, name);
  if (!cluster) throw new Error(`config cluster ${name} does not exist; routes cannot be written`);
  if (cluster.status !== 'RUNNING' && cluster.status !== 'RECONCILING') {
    throw new TransientError(`config cluster ${cluster.name} is ${cluster.status}; routes wait until it runs`);
  }
  return deps.kubeFor(cluster, membership);
}
