/**
 * Mesh services in one cluster: their namespaces labelled for sidecar injection (server-side apply
 * of the label alone, so labels others own stay) and their DestinationRules.
 */
import type { MeshServiceConfig } from '../config/fleet-config.ts';
import type { KubeAdapter } from '../adapters/kube.ts';
import type { MeshCluster } from './remote-secrets.ts';
import type { OperationRecorder } from '../state/operations.ts';
import { MESH_STEPS } from './steps.ts';
import { renderDestinationRule, renderMeshNamespace } from './render.ts';

/** Labels the services' namespaces for sidecar injection; returns what changed (`Namespace NAME`). */
export async function ensureMeshNamespaces(kube: KubeAdapter, services: readonly MeshServiceConfig[]): Promise<string[]> {
  const changed: string[] = [];
  for (const namespace of new Set(services.map((s) => s.namespace))) {
    if ((await kube.apply(renderMeshNamespace(namespace))).changed) changed.push(`Namespace ${namespace}`);
  }
  return changed;
}

/** {@link ensureMeshNamespaces} in an attached cluster, recorded as its own step. */
export async function meshNamespacesStep(
  op: OperationRecorder,
  kube: KubeAdapter,
  cluster: string,
  services: readonly MeshServiceConfig[],
): Promise<void> {
  await op.step(
    MESH_STEPS.namespacesOf(cluster),
    () => ensureMeshNamespaces(kube, services),
    (changed) => ({ outcome: changed.length > 0 ? 'done' : 'unchanged', detail: changed.join(', ') || 'already labelled' }),
  );
}

/**
 * Labels the services' namespaces and applies their DestinationRules (`meshRegions`: the regions
 * a `local` rule keeps traffic in); returns what changed (`Kind [NAMESPACE/]NAME`).
 */
export async function ensureMeshServices(
  cluster: Pick<MeshCluster, 'kube'>,
  services: MeshServiceConfig[],
  meshRegions: readonly string[] = [],
): Promise<string[]> {
  const changed = await ensureMeshNamespaces(cluster.kube, services);
  for (const svc of services) {
    const rule = renderDestinationRule(svc, meshRegions);
    if ((await cluster.kube.apply(rule)).changed) changed.push(`DestinationRule ${svc.namespace}/${svc.name}`);
  }
  return changed;
}
