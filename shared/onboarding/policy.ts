/** Pure onboarding policy: which clusters fleetpilot may bring into the fleet, and why not. */
import type { ClusterInfo } from '../adapters/container.ts';
import type { FleetConfig } from '../config/fleet-config.ts';

/** The decision for one cluster. */
export type PolicyDecision = { eligible: true } | { eligible: false; reason: string };

/** Decides whether `cluster` matches the onboarding policy of `config`. */
export function evaluatePolicy(
  cluster: Pick<ClusterInfo, 'projectId' | 'location' | 'name' | 'resourceLabels'>,
  config: FleetConfig,
): PolicyDecision {
  const { onboarding, fleet } = config;
  const projects = onboarding.allowedProjects.length > 0 ? onboarding.allowedProjects : [fleet.project];
  if (!projects.includes(cluster.projectId)) {
    return { eligible: false, reason: `project ${cluster.projectId} is not allowed (allowed: ${projects.join(', ')})` };
  }
  if (onboarding.allowedLocations.length > 0 && !onboarding.allowedLocations.some((prefix) => cluster.location.startsWith(prefix))) {
    return { eligible: false, reason: `location ${cluster.location} is not allowed (allowed: ${onboarding.allowedLocations.join(', ')})` };
  }
  const mismatched = Object.entries(onboarding.matchLabels).filter(([key, value]) => cluster.resourceLabels[key] !== value);
  if (mismatched.length > 0) {
    const want = mismatched.map(([k, v]) => `${k}=${v}`).join(', ');
    return { eligible: false, reason: `cluster labels do not match the onboarding selector (needs ${want})` };
  }
  return { eligible: true };
}
