/**
 * Onboarding: clusters join and leave the fleet. The lifecycle flow (audit-log entries), the
 * on-demand steps for GKE and attached clusters, and the member objects the tick re-applies.
 */
export { STALLED_AFTER_MS, adoptClusters, adoptionCandidates, type AdoptionCandidate } from './adopt.ts';
export { GONE_AFTER_MS, goneClusterRecords, sweepGoneClusters } from './sweep.ts';
export { RETRY_FAILED_AFTER_MS, RETRY_TRANSIENT_AFTER_MS, markOnboardingFailed } from './failed.ts';
export {
  ATTACHED_MESH_SKIP,
  attachedCluster,
  attachedMeshNote,
  attachedClusterOf,
  attachedKube,
  type AttachedCluster,
} from './attached.ts';
export { parseClusterAuditEntry, type ClusterAuditEvent } from './audit-log.ts';
export { handleClusterAuditEntry, type LifecycleContext } from './lifecycle.ts';
export { ensureMemberObjects, type MemberOutcome } from './member-objects.ts';
export { offboard, type ClusterRef } from './offboard.ts';
export { offboardAttached, onboardAttached } from './onboard-attached.ts';
export { configMembershipName, onboard, type OnboardContext } from './onboard.ts';
export { evaluatePolicy } from './policy.ts';
export { ONBOARDING_STEPS } from './steps.ts';
export { offboardCluster, onboardCluster, type ClusterOpsContext, type ClusterRequest } from './cluster-ops.ts';
