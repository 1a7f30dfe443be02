/**
 * Renders GKE Hub v1 `Membership`, `Feature` and long-running `Operation` JSON from the double's records.
 *
 * Names always use the project id (`projects/<id>/locations/...`), whichever of id or number the caller
 * put in the URL. Keys of `Feature.membershipStates` use the project number, as the real API does.
 */
import { clusterKey } from './container-model.ts';
import type { FeatureRecord, HubOpRecord, MembershipRecord } from './records.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

/** Membership ids: RFC 1123 label, at most 63 characters. */
export const MEMBERSHIP_ID_RE = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** Map key of a membership. */
export function membershipKey(location: string, id: string): string {
  return `${location}/${id}`;
}

/** A parsed `//container.googleapis.com/projects/P/{locations|zones}/L/clusters/C` link. */
export interface GkeClusterLink {
  project: string;
  location: string;
  name: string;
}

/** Parses a GKE resource link; undefined when malformed. */
export function parseGkeResourceLink(link: string): GkeClusterLink | undefined {
  const m = /^\/\/container\.googleapis\.com\/projects\/([^/]+)\/(?:locations|zones)\/([^/]+)\/clusters\/([^/]+)$/.exec(link);
  if (m === null) return undefined;
  const [, project = '', location = '', name = ''] = m;
  return { project, location, name };
}

/** True when the linked cluster exists in the double. */
export function linkedClusterExists(state: DoubleState, link: string): boolean {
  const parsed = parseGkeResourceLink(link);
  return parsed !== undefined && state.isProject(parsed.project) && state.clusters.has(clusterKey(parsed.location, parsed.name));
}

/** Full membership name (project id form). */
export function membershipName(projectId: string, location: string, id: string): string {
  return `projects/${projectId}/locations/${location}/memberships/${id}`;
}

/** Renders a membership; `clusterMissing` is computed against the double's clusters at read time. */
export function renderMembership(m: MembershipRecord, state: DoubleState): JsonObject {
  const { projectId } = state.deps;
  const out: JsonObject = { name: membershipName(projectId, m.location, m.id), labels: { ...m.labels } };
  if (m.description !== undefined) out['description'] = m.description;
  if (m.resourceLink !== undefined) {
    const missing = !linkedClusterExists(state, m.resourceLink);
    out['endpoint'] = { gkeCluster: { resourceLink: m.resourceLink, ...(missing ? { clusterMissing: true } : {}) } };
  } else if (m.attached !== undefined) {
    out['endpoint'] = attachedEndpoint(m, projectId);
  }
  out['state'] = { code: m.state };
  out['authority'] =
    m.issuer !== undefined ? { issuer: m.issuer, workloadIdentityPool: `${projectId}.svc.id.goog`, identityProvider: m.issuer } : {};
  out['createTime'] = m.createTime.toISOString();
  out['updateTime'] = m.updateTime.toISOString();
  out['uniqueId'] = m.uniqueId;
  const link = m.resourceLink !== undefined ? parseGkeResourceLink(m.resourceLink) : undefined;
  if (link !== undefined) {
    out['monitoringConfig'] = {
      projectId: link.project,
      location: link.location,
      cluster: link.name,
      kubernetesMetricsPrefix: 'kubernetes.io',
    };
  }
  return out;
}

/**
 * `endpoint` of a cluster outside GKE, as the Connect agent reports it: `kubernetesMetadata` for
 * every one, plus `onPremCluster` (with its GKE on-prem resource link) for an on-prem cluster. A
 * generic attached registration has no platform field at all.
 */
export function attachedEndpoint(m: MembershipRecord, projectId: string): JsonObject {
  const kubernetesMetadata = {
    kubernetesApiServerVersion: 'v1.36.3',
    nodeProviderId: m.attached?.platform === 'onprem' ? 'baremetal' : 'generic',
    nodeCount: 2,
    vcpuCount: 8,
    memoryMb: 32768,
    updateTime: m.updateTime.toISOString(),
  };
  if (m.attached?.platform !== 'onprem') return { kubernetesMetadata };
  return {
    onPremCluster: {
      resourceLink: `//gkeonprem.googleapis.com/projects/${projectId}/locations/${m.location}/bareMetalClusters/${m.id}`,
      adminCluster: false,
      clusterType: 'USER',
    },
    kubernetesMetadata,
  };
}

/** Finds a READY/UPDATING membership by full name (`projects/<id|number>/locations/L/memberships/M`). */
export function findMembershipByName(state: DoubleState, name: string): MembershipRecord | undefined {
  const m = /^projects\/([^/]+)\/locations\/([^/]+)\/memberships\/([^/]+)$/.exec(name);
  if (m === null || !state.isProject(m[1] ?? '')) return undefined;
  const rec = state.memberships.get(membershipKey(m[2] ?? '', m[3] ?? ''));
  return rec !== undefined && rec.state !== 'DELETING' && rec.state !== 'CREATING' ? rec : undefined;
}

function featureHealth(f: FeatureRecord, state: DoubleState): { code: 'OK' | 'ERROR'; description: string } {
  if (f.id === 'multiclusteringress') {
    const mci = f.spec['multiclusteringress'] as { configMembership?: unknown } | undefined;
    const configMembership = typeof mci?.configMembership === 'string' ? mci.configMembership : '';
    if (configMembership === '') {
      return { code: 'ERROR', description: 'Multi-cluster Ingress requires a config membership.' };
    }
    if (findMembershipByName(state, configMembership) === undefined) {
      return {
        code: 'ERROR',
        description: `Config Membership ${configMembership} does not exist or is not ready; Multi-cluster Ingress is not functional.`,
      };
    }
  }
  return { code: 'OK', description: 'Ready to use' };
}

/** Renders a feature; health (`state.state.code`) is computed at read time. */
export function renderFeature(f: FeatureRecord, state: DoubleState): JsonObject {
  const { projectId, projectNumber } = state.deps;
  const out: JsonObject = {
    name: `projects/${projectId}/locations/global/features/${f.id}`,
    labels: { ...f.labels },
    resourceState: { state: f.resourceState },
    spec: structuredClone(f.spec),
  };
  if (f.resourceState === 'ACTIVE' || f.resourceState === 'UPDATING') {
    const updateTime = f.updateTime.toISOString();
    out['state'] = { state: { ...featureHealth(f, state), updateTime } };
    const membershipStates: JsonObject = {};
    for (const m of state.memberships.values()) {
      if (m.state !== 'READY') continue;
      membershipStates[`projects/${projectNumber}/locations/${m.location}/memberships/${m.id}`] = {
        state: { code: 'OK', description: 'Ready', updateTime },
      };
    }
    out['membershipStates'] = membershipStates;
  } else {
    out['membershipStates'] = {};
  }
  out['createTime'] = f.createTime.toISOString();
  out['updateTime'] = f.updateTime.toISOString();
  return out;
}

/** Renders a Hub long-running operation (`google.longrunning.Operation`). */
export function renderHubOp(op: HubOpRecord): JsonObject {
  return {
    name: op.name,
    metadata: {
      '@type': 'type.googleapis.com/google.cloud.gkehub.v1.OperationMetadata',
      createTime: op.createTime.toISOString(),
      ...(op.endTime !== undefined ? { endTime: op.endTime.toISOString() } : {}),
      target: op.target,
      verb: op.verb,
      requestedCancellation: false,
      apiVersion: 'v1',
    },
    done: op.done,
    ...(op.done && op.response !== undefined ? { response: op.response } : {}),
  };
}
