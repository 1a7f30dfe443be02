/**
 * Mesh wiring for a cluster: sidecar injection labels and DestinationRules for the configured mesh
 * services, and cross-cluster endpoint discovery (remote secrets both ways with every other
 * onboarded mesh cluster). Skipped entirely when the configuration lists no mesh service.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import { endpointServer } from '../adapters/kube-servers.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { ensureMeshServices } from './services.ts';
import { ensureRemoteSecrets, removeRemoteSecrets, type MeshCluster } from './remote-secrets.ts';
import { listClusterRecords, recordKind } from '../state/cluster-records.ts';
import type { OperationRecorder } from '../state/operations.ts';
import type { Needs } from '../core/context.ts';
import { REMOTE_SECRET_TOKEN_TTL_SECONDS } from './secret-plan.ts';
import { MESH_STEPS } from './steps.ts';
import { meshNetworkStep } from './network.ts';
import { regionOf } from '../routing/index.ts';

/** What the mesh steps need: cluster records, the Container API and clients for each cluster. */
export type MeshContext = Needs<'container' | 'kubeFor' | 'store' | 'clock'>;

async function meshCluster(deps: Needs<'kubeFor'>, info: ClusterInfo): Promise<MeshCluster> {
  return { name: info.name, server: endpointServer(info.endpoint), caPem: info.caCertificatePem, kube: await deps.kubeFor(info) };
}

/** The other onboarded clusters that are part of the mesh. */
async function otherMeshClusters(deps: MeshContext, exclude: string): Promise<MeshCluster[]> {
  const others: MeshCluster[] = [];
  for (const record of await listClusterRecords(deps.store)) {
    // Attached clusters are not in the mesh: no endpoint that other clusters reach directly.
    if (record.phase !== 'onboarded' || record.name === exclude || recordKind(record) === 'attached') continue;
    const info = await deps.container.getCluster(record.location, record.name);
    if (info && info.status === 'RUNNING') others.push(await meshCluster(deps, info));
  }
  return others;
}

/** Adds `cluster` to the mesh. */
export async function addClusterToMesh(deps: MeshContext, op: OperationRecorder, config: FleetConfig, cluster: ClusterInfo): Promise<void> {
  if (config.mesh.services.length === 0) return;
  const self = await meshCluster(deps, cluster);
  // The regions a `local` rule names: this cluster's and every onboarded cluster's (the next route render keeps them current).
  const regions = [
    regionOf(cluster.location),
    ...(await listClusterRecords(deps.store)).filter((r) => r.phase === 'onboarded').map((r) => r.region),
  ];
  await op.step(
    MESH_STEPS.labelAndRules,
    () => ensureMeshServices(self, config.mesh.services, regions),
    (changed) => ({ outcome: changed.length > 0 ? 'done' : 'unchanged', detail: changed.join(', ') || 'already in place' }),
  );
  await meshNetworkStep(op, MESH_STEPS.network, self.kube, config, cluster.name);
  const others = await otherMeshClusters(deps, cluster.name);
  await op.step(
    MESH_STEPS.exchangeSecrets,
    () => ensureRemoteSecrets(self, others, { tokenTtlSeconds: REMOTE_SECRET_TOKEN_TTL_SECONDS, clock: deps.clock }),
    (s) => ({
      outcome: s.created.length > 0 ? 'done' : 'unchanged',
      detail: `created ${s.created.length}, unchanged ${s.unchanged.length}`,
    }),
  );
}

/** Removes a deleted cluster's remote secrets from every other mesh cluster. */
export async function removeClusterFromMesh(
  deps: MeshContext,
  op: OperationRecorder,
  config: FleetConfig,
  clusterName: string,
): Promise<void> {
  if (config.mesh.services.length === 0) return;
  const others = await otherMeshClusters(deps, clusterName);
  await op.step(
    MESH_STEPS.removeSecrets,
    () => removeRemoteSecrets(clusterName, others),
    (removed) => ({ outcome: removed.length > 0 ? 'done' : 'unchanged', detail: removed.join(', ') || 'none present' }),
  );
}
