/**
 * Mesh services in one cluster: their namespaces labelled for sidecar injection (server-side apply
 * of the label alone, so labels others own stay) and their DestinationRules.
 */
import type { MeshServiceConfig } from '../config/fleet-config.ts';
import type { MeshCluster } from './remote-secrets.ts';
import { renderDestinationRule, renderMeshNamespace } from './render.ts';

/** Labels the services' namespaces and applies their DestinationRules; returns what changed (`Kind [NAMESPACE/]NAME`). */
export async function ensureMeshServices(cluster: Pick<MeshCluster, 'kube'>, services: MeshServiceConfig[]): Promise<string[]> {
  const changed: string[] = [];
  for (const namespace of new Set(services.map((s) => s.namespace))) {
    if ((await cluster.kube.apply(renderMeshNamespace(namespace))).changed) changed.push(`Namespace ${namespace}`);
  }
  for (const svc of services) {
    if ((await cluster.kube.apply(renderDestinationRule(svc))).changed) changed.push(`DestinationRule ${svc.namespace}/${svc.name}`);
  }
  return changed;
}
