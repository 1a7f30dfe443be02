/**
 * Onboarding and offboarding of an attached or on-prem cluster: the GKE flow without the Container
 * API and the membership registration. Its existing membership is only read; member objects are
 * applied through Connect Gateway (topology labels on its nodes, which on-prem nodes lack); with an
 * API server address in `mesh.apiServers` it joins the mesh (injection labels, its network and
 * east-west exposure, remote secrets both ways; its DestinationRules come with the route render);
 * it joins the routes in the region it was onboarded for once its ServiceImports exist.
 */
import { membershipPlatform } from '../adapters/gkehub-types.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { TerminalError, TransientError } from '../core/errors.ts';
import { onboardedSince, readClusterRecord, writeClusterRecord, type ClusterRecord } from '../state/cluster-records.ts';
import type { OperationRecorder } from '../state/operations.ts';
import { attachedClusterOf, attachedKube, attachedMeshNote, type AttachedCluster } from './attached.ts';
import { MESH_STEPS, meshNamespacesStep, meshNetworkStep, reconcileMeshSecrets } from '../mesh/index.ts';
import { applyMemberObjects, enableFleetFeatures, waitForImports, type OnboardContext } from './onboard.ts';
import { updateRoutes } from '../routing/index.ts';
import { ONBOARDING_STEPS } from './steps.ts';

/** Onboards an attached cluster whose membership exists and is READY. */
export async function onboardAttached(
  deps: OnboardContext,
  op: OperationRecorder,
  config: FleetConfig,
  cluster: AttachedCluster,
): Promise<void> {
  const base = {
    projectId: cluster.projectId,
    location: cluster.location,
    name: cluster.name,
    region: cluster.region,
    kind: 'attached' as const,
    membership: cluster.membership,
  };
  const previous = await readClusterRecord(deps.store, cluster);
  if (previous?.phase !== 'onboarded') {
    await writeClusterRecord(deps.store, { ...base, phase: 'onboarding', updatedAt: deps.clock.now().toISOString(), operationId: op.id });
  }
  await op.step(
    ONBOARDING_STEPS.checkMembership,
    async () => {
      const membership = await deps.hub.getMembership(cluster.location, cluster.name);
      if (!membership) throw new TerminalError(`membership ${cluster.membership} no longer exists`);
      if (membership.state?.code !== 'READY')
        throw new TransientError(
          `membership ${cluster.membership} is ${membership.state?.code ?? 'in no state'}; onboarding needs it READY`,
        );
      return membership;
    },
    (m) => ({
      outcome: 'unchanged',
      detail: `${m.name}: ${membershipPlatform(m)} cluster, READY; registered by its owner and left as it is`,
    }),
  );
  await enableFleetFeatures(deps, op, config);
  const kube = await attachedKube(deps, cluster);
  // No zone: the region given is all fleetpilot knows, and an on-prem node has no cloud zone.
  const members = await applyMemberObjects(op, kube, config, { name: cluster.name, location: cluster.region, region: cluster.region });
  const inMesh = config.mesh.services.length > 0 && Object.hasOwn(config.mesh.apiServers, cluster.name);
  if (config.mesh.services.length > 0 && !inMesh) op.note(ONBOARDING_STEPS.joinMesh, 'skipped', attachedMeshNote(config, cluster.name));
  if (inMesh) {
    await meshNamespacesStep(op, kube, cluster.name, config.mesh.services);
    // Records what keeps other networks from reaching it (no east-west gateway, no address) as skipped.
    await meshNetworkStep(op, MESH_STEPS.network, kube, config, cluster.name);
  }
  await op.step(ONBOARDING_STEPS.recordOnboarded, () =>
    writeClusterRecord(deps.store, {
      ...base,
      phase: 'onboarded',
      ...onboardedSince(previous, deps.clock.now()),
      updatedAt: deps.clock.now().toISOString(),
      operationId: op.id,
    }),
  );
  // Remote secrets both ways now, not at the next tick: the same level-based pass, which counts it once onboarded.
  if (inMesh) await reconcileMeshSecrets(deps, op, config, { kube: (record) => attachedKube(deps, attachedClusterOf(record)!) });
  await waitForImports(deps, op, config, cluster.region, members.missingServices);
  await updateRoutes(deps, op, config);
}

/**
 * Takes an attached cluster out of routing and records it as removed. Its membership stays: the
 * cluster's owner registered it, and the cluster keeps running. The mesh is not touched.
 */
export async function offboardAttached(
  deps: OnboardContext,
  op: OperationRecorder,
  config: FleetConfig,
  existing: ClusterRecord,
): Promise<void> {
  const record: ClusterRecord = {
    ...existing,
    kind: 'attached',
    phase: 'removed',
    updatedAt: deps.clock.now().toISOString(),
    operationId: op.id,
  };
  if (existing.phase !== 'leaving' && existing.phase !== 'removed') {
    await op.step(ONBOARDING_STEPS.markLeaving, () => writeClusterRecord(deps.store, { ...record, phase: 'leaving' }));
  }
  await updateRoutes(deps, op, config);
  op.note(
    ONBOARDING_STEPS.keepMembership,
    'unchanged',
    `${existing.membership ?? existing.name}: registered by the cluster's owner; fleetpilot never deletes it`,
  );
  await op.step(ONBOARDING_STEPS.recordRemoved, () => writeClusterRecord(deps.store, record));
}
