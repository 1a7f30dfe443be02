/**
 * Builds cluster records from Container create requests, and the self-registration a cluster performs
 * when its create request carried `fleet.project` (GKE then creates the fleet membership itself).
 */
import { z } from 'zod';
import { CLUSTER_NAME_RE, clusterKey, defaultLocations, MASTER_VERSION } from './container-model.ts';
import { invalidArgument } from './errors.ts';
import { membershipKey } from './hub-model.ts';
import type { ClusterRecord } from './records.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

/** The fields of a create request's `cluster` the double honours (others are accepted and ignored). */
export const clusterRequestSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  resourceLabels: z.record(z.string(), z.string()).optional(),
  locations: z.array(z.string()).optional(),
  initialClusterVersion: z.string().optional(),
  workloadIdentityConfig: z.object({ workloadPool: z.string().optional() }).optional(),
  fleet: z.object({ project: z.string().optional() }).optional(),
  privateClusterConfig: z.record(z.string(), z.unknown()).optional(),
});

/** The parsed `cluster` of a create request. */
export type ClusterRequest = z.infer<typeof clusterRequestSchema>;

const LOCATION_RE = /^[a-z]+-[a-z]+\d+(?:-[a-z])?$/;

/** Validates a create request's `cluster` and location (400 INVALID_ARGUMENT when invalid). */
export function parseClusterRequest(location: string, cluster: unknown): ClusterRequest {
  if (!LOCATION_RE.test(location)) throw invalidArgument(`Location "${location}" is not a valid zone or region.`);
  const parsed = clusterRequestSchema.safeParse(cluster);
  if (!parsed.success) throw invalidArgument(`Invalid value for cluster: ${parsed.error.message}`);
  if (!CLUSTER_NAME_RE.test(parsed.data.name)) {
    throw invalidArgument(
      `Invalid value for field "cluster.name": "${parsed.data.name}". Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?)' (only alphanumerics and '-' allowed, must start with a letter and end with an alphanumeric, and must be no longer than 40 characters).`,
    );
  }
  return parsed.data;
}

function hex(seed: string, length: number): string {
  let out = '';
  let h = 0x811c9dc5;
  while (out.length < length) {
    for (const ch of `${seed}/${out.length}`) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out.slice(0, length);
}

/** A new PROVISIONING cluster record from a parsed request. */
export function newClusterRecord(state: DoubleState, location: string, req: ClusterRequest): ClusterRecord {
  const { projectId } = state.deps;
  const id = hex(state.deps.newId(), 64);
  const rec: ClusterRecord = {
    name: req.name,
    location,
    id,
    createTime: state.deps.clock(),
    status: 'PROVISIONING',
    locations: req.locations && req.locations.length > 0 ? [...req.locations] : defaultLocations(location),
    initialClusterVersion: req.initialClusterVersion ?? MASTER_VERSION,
    resourceLabels: { ...req.resourceLabels },
    workloadPool: req.workloadIdentityConfig?.workloadPool ?? `${projectId}.svc.id.goog`,
  };
  if (req.description !== undefined) rec.description = req.description;
  if (req.fleet?.project !== undefined && req.fleet.project !== '') rec.fleetProject = req.fleet.project;
  if (req.privateClusterConfig !== undefined) {
    const priv: JsonObject = { ...req.privateClusterConfig, privateEndpoint: '10.128.0.2', peeringName: `gke-n${id.slice(0, 18)}-peer` };
    if (priv['enablePrivateEndpoint'] !== true) priv['publicEndpoint'] = '127.0.0.1';
    rec.privateClusterConfig = priv;
  }
  return rec;
}

/**
 * Registers a cluster in the fleet the way GKE does for `fleet.project`: a READY global membership named
 * after the cluster, with Workload Identity; `fleet.membership` then names it
 * (`//gkehub.googleapis.com/projects/<number>/locations/global/memberships/<name>`, the documented format).
 */
export function registerSelf(state: DoubleState, rec: ClusterRecord): void {
  if (rec.fleetProject === undefined) return;
  const { projectId, projectNumber, log } = state.deps;
  if (!state.isProject(rec.fleetProject.replace(/^projects\//, ''))) {
    log.warn('google double: fleet host project is not simulated; skipping registration', {
      cluster: rec.name,
      fleetProject: rec.fleetProject,
    });
    return;
  }
  const key = membershipKey('global', rec.name);
  if (state.memberships.has(key)) {
    log.warn('google double: membership already exists; cluster not registered', { cluster: rec.name });
    return;
  }
  const now = state.deps.clock();
  state.memberships.set(key, {
    id: rec.name,
    location: 'global',
    uniqueId: state.deps.newId(),
    state: 'READY',
    resourceLink: `//container.googleapis.com/projects/${projectId}/locations/${rec.location}/clusters/${rec.name}`,
    issuer: `https://container.googleapis.com/v1/projects/${projectId}/locations/${rec.location}/clusters/${rec.name}`,
    labels: {},
    createTime: now,
    updateTime: now,
    ownerClusterKey: clusterKey(rec.location, rec.name),
  });
  rec.fleetMembership = `//gkehub.googleapis.com/projects/${projectNumber}/locations/global/memberships/${rec.name}`;
}

/** Removes the memberships a cluster created for itself (GKE unregisters them with the cluster). */
export function unregisterSelf(state: DoubleState, rec: ClusterRecord): void {
  const key = clusterKey(rec.location, rec.name);
  for (const [mKey, m] of state.memberships) {
    if (m.ownerClusterKey === key) state.memberships.delete(mKey);
  }
}
