/**
 * On-demand onboarding and offboarding of attached and on-prem clusters: an existing fleet
 * membership without a GKE cluster, reached through Connect Gateway, counted in the region the
 * request names. The membership is never created, changed or deleted.
 */
import { membershipPlatform, type Membership } from '../adapters/gkehub-types.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import { RequestError } from '../core/errors.ts';
import { attachedCluster, attachedMeshNote } from './attached.ts';
import { offboardAttached, onboardAttached } from './onboard-attached.ts';
import type { OnboardContext } from './onboard.ts';
import { evaluatePolicy } from './policy.ts';
import { readClusterRecord } from '../state/cluster-records.ts';
import type { OperationRecorder } from '../state/operations.ts';

/** The cluster an on-demand operation acts on: its names, the plan, and the flow to run under its lease. */
export interface ClusterTarget {
  name: string;
  /** `PROJECT/LOCATION/NAME`, the operation's subject and lease key. */
  subject: string;
  region: string;
  plan: string[];
  run(op: OperationRecorder): Promise<void>;
}

/**
 * Onboarding of an attached cluster: the membership must be READY, the region is required (where
 * its traffic is counted) and must be an allowed location of the policy.
 */
export function attachedOnboardTarget(
  deps: OnboardContext,
  config: FleetConfig,
  membership: Membership,
  region: string | undefined,
): ClusterTarget {
  const platform = membershipPlatform(membership);
  if (region === undefined) {
    throw new RequestError(
      'invalid_argument',
      `region is required to onboard ${platform} cluster ${membership.name}: it is not in the Container API, so the request says where its traffic is counted`,
    );
  }
  if (membership.state?.code !== 'READY') {
    throw new RequestError(
      'failed_precondition',
      `membership ${membership.name} is ${membership.state?.code ?? 'in no state'}; only a READY membership can be onboarded`,
    );
  }
  const cluster = attachedCluster(config.fleet.project, membership.name, region);
  const decision = evaluatePolicy(
    { projectId: cluster.projectId, location: region, name: cluster.name, resourceLabels: {} },
    { ...config, onboarding: { ...config.onboarding, matchLabels: {} } },
  );
  if (!decision.eligible)
    throw new RequestError('failed_precondition', `${platform} cluster ${cluster.name} cannot be onboarded: ${decision.reason}`);
  return {
    name: cluster.name,
    subject: `${cluster.projectId}/${cluster.location}/${cluster.name}`,
    region,
    plan: [
      `use existing membership ${membership.name} (${platform} cluster, READY) as it is`,
      'enable fleet features multiclusterservicediscovery and multiclusteringress',
      `through Connect Gateway: apply namespaces, Services and ServiceExports for ${config.services.map((s) => s.name).join(', ')} in ${cluster.name}; label nodes with topology (region ${region})`,
      ...(config.mesh.services.length > 0 ? [`mesh: ${attachedMeshNote(config, cluster.name)}`] : []),
      `route ${region} once its ServiceImports exist on the config cluster`,
    ],
    run: (op) => onboardAttached(deps, op, config, cluster),
  };
}

/**
 * Offboarding of an attached cluster fleetpilot onboarded. Works from its record, so a cluster
 * whose owner already unregistered the membership can still be taken out of routing.
 */
export async function attachedOffboardTarget(
  deps: OnboardContext,
  config: FleetConfig,
  membershipName: string,
  membership: Membership | null,
): Promise<ClusterTarget> {
  const cluster = attachedCluster(config.fleet.project, membership?.name ?? membershipName, 'unknown');
  const record = await readClusterRecord(deps.store, cluster);
  if (!record || record.kind !== 'attached') {
    throw new RequestError(
      membership ? 'failed_precondition' : 'not_found',
      membership
        ? `${membershipPlatform(membership)} cluster ${cluster.name} was never onboarded by fleetpilot; there is nothing to offboard`
        : `membership ${membershipName} does not exist`,
    );
  }
  return {
    name: record.name,
    subject: `${record.projectId}/${record.location}/${record.name}`,
    region: record.region,
    plan: [
      `take ${record.name} out of routing (${record.region})`,
      `keep its fleet membership ${record.membership ?? membershipName}: its owner registered it`,
      `record ${record.name} as removed`,
    ],
    run: (op) => offboardAttached(deps, op, config, record),
  };
}
