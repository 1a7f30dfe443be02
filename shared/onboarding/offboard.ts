/**
 * Offboarding: a cluster being deleted leaves routing first (while it still serves), and once its
 * deletion is confirmed its membership and remote secrets go. Only a confirmed deletion removes.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import { sameResourceLink, gkeResourceLink } from '../adapters/gkehub-types.ts';
import { membershipLocationAndId } from '../adapters/kube-servers.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { regionOf } from '../routing/index.ts';
import { readClusterRecord, writeClusterRecord, type ClusterRecord } from '../state/cluster-records.ts';
import type { OperationRecorder } from '../state/operations.ts';
import type { OnboardContext } from './onboard.ts';
import { membershipIdFor } from './membership.ts';
import { removeClusterFromMesh } from '../mesh/index.ts';
import { updateRoutes } from '../routing/index.ts';
import { ONBOARDING_STEPS } from './steps.ts';

/** The cluster a lifecycle event names. */
export interface ClusterRef {
  projectId: string;
  location: string;
  name: string;
}

/** Takes a deleting (or deleted) cluster out of routing; removes its fleet wiring when it is gone. */
export async function offboard(
  deps: OnboardContext,
  op: OperationRecorder,
  config: FleetConfig,
  ref: ClusterRef,
  live: ClusterInfo | null,
): Promise<void> {
  const existing = await readClusterRecord(deps.store, ref);
  const record: ClusterRecord = {
    ...(existing ?? { ...ref, region: regionOf(ref.location) }),
    phase: live ? 'leaving' : 'removed',
    updatedAt: deps.clock.now().toISOString(),
    operationId: op.id,
  };
  if (existing?.phase !== 'leaving' && existing?.phase !== 'removed') {
    await op.step(ONBOARDING_STEPS.markLeaving, () => writeClusterRecord(deps.store, { ...record, phase: 'leaving' }));
  }
  await updateRoutes(deps, op, config);
  if (live) return; // Still being deleted: its fleet wiring goes once the deletion is confirmed.

  // The recorded membership may live elsewhere than the configured location (one adopted from gcloud).
  const { location: membershipLocation, id: membershipId } = existing?.membership
    ? membershipLocationAndId(existing.membership)
    : { location: config.fleet.membershipLocation, id: membershipIdFor(ref) };
  await op.step(
    ONBOARDING_STEPS.removeMembership,
    async () => {
      const membership = await deps.hub.getMembership(membershipLocation, membershipId);
      if (!membership) return 'absent';
      // Never delete a membership that names another cluster (a same-named re-registration).
      if (!sameResourceLink(membership.endpoint?.gkeCluster?.resourceLink, gkeResourceLink(ref.projectId, ref.location, ref.name)))
        return 'not ours';
      return (await deps.hub.deleteMembership(membership.name)) ? 'deleted' : 'absent';
    },
    (outcome) => ({ outcome: outcome === 'deleted' ? 'done' : 'unchanged', detail: `membership ${membershipId}: ${outcome}` }),
  );
  await removeClusterFromMesh(deps, op, config, ref.name);
  await op.step(ONBOARDING_STEPS.recordRemoved, () => writeClusterRecord(deps.store, record));
}
