/**
 * Renders Container v1 `Cluster` and `Operation` JSON from the double's records (camelCase, enums as
 * strings unless the caller asked for `$alt=json;enum-encoding=int`, as google-gax's REST fallback does).
 */
import { fnv1a } from './audit-log.ts';
import type { ClusterRecord, ContainerOpRecord } from './records.ts';
import type { JsonObject } from './types.ts';

/** Cluster names: RFC 1035 label, at most 40 characters (Container API rule). */
export const CLUSTER_NAME_RE = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;

/** The GKE version every simulated control plane reports. */
export const MASTER_VERSION = '1.31.6-gke.1020000';

/** Map key of a cluster. */
export function clusterKey(location: string, name: string): string {
  return `${location}/${name}`;
}

/** True for zone names such as `asia-northeast1-b` (false for regions such as `us-central1`). */
export function isZone(location: string): boolean {
  return /^[a-z]+-[a-z]+\d+-[a-z]$/.test(location);
}

/** Node locations GKE picks when the request names none. */
export function defaultLocations(location: string): string[] {
  return isZone(location) ? [location] : ['a', 'b', 'c'].map((z) => `${location}-${z}`);
}

/** `projects/P/{zones|locations}/L/clusters/C` as GKE writes links (zones form for zonal clusters). */
export function clusterLinkPath(project: string, location: string, name: string): string {
  return `projects/${project}/${isZone(location) ? 'zones' : 'locations'}/${location}/clusters/${name}`;
}

/** Container `createTime` format: RFC 3339 with seconds precision and a `+00:00` offset. */
export function formatCreateTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}+00:00`;
}

/** Context needed to render links. */
export interface ContainerRenderContext {
  projectId: string;
  projectNumber: string;
}

/** Renders a stored cluster as Container v1 `Cluster` JSON. */
export function renderCluster(rec: ClusterRecord, ctx: ContainerRenderContext): JsonObject {
  const cluster: JsonObject = {
    name: rec.name,
    ...(rec.description !== undefined ? { description: rec.description } : {}),
    masterAuth: rec.caCertificateBase64 !== undefined ? { clusterCaCertificate: rec.caCertificateBase64 } : {},
    loggingService: 'logging.googleapis.com/kubernetes',
    monitoringService: 'monitoring.googleapis.com/kubernetes',
    network: 'default',
    subnetwork: 'default',
    clusterIpv4Cidr: '10.4.0.0/14',
    servicesIpv4Cidr: '34.118.224.0/20',
    locations: [...rec.locations],
    resourceLabels: { ...rec.resourceLabels },
    labelFingerprint: fnv1a(JSON.stringify(Object.entries(rec.resourceLabels).sort()))
      .toString(16)
      .padStart(8, '0'),
    ...(rec.privateClusterConfig !== undefined ? { privateClusterConfig: rec.privateClusterConfig } : {}),
    workloadIdentityConfig: { workloadPool: rec.workloadPool },
    selfLink: `https://container.googleapis.com/v1/${clusterLinkPath(ctx.projectId, rec.location, rec.name)}`,
    zone: rec.location,
    ...(rec.endpoint !== undefined ? { endpoint: rec.endpoint } : {}),
    initialClusterVersion: rec.initialClusterVersion,
    currentMasterVersion: MASTER_VERSION,
    currentNodeVersion: MASTER_VERSION,
    createTime: formatCreateTime(rec.createTime),
    status: rec.status,
    ...(rec.statusMessage !== undefined ? { statusMessage: rec.statusMessage } : {}),
    location: rec.location,
    id: rec.id,
    etag: fnv1a(`${rec.id}/${rec.status}/${rec.endpoint ?? ''}`).toString(16),
  };
  if (rec.fleetProject !== undefined) {
    cluster['fleet'] = {
      project: rec.fleetProject,
      ...(rec.fleetMembership !== undefined ? { membership: rec.fleetMembership } : {}),
      preRegistered: false,
    };
  }
  return cluster;
}

/** Renders a stored operation as Container v1 `Operation` JSON. */
export function renderContainerOp(op: ContainerOpRecord, ctx: ContainerRenderContext): JsonObject {
  const kind = isZone(op.location) ? 'zones' : 'locations';
  const base = `https://container.googleapis.com/v1/projects/${ctx.projectNumber}/${kind}/${op.location}`;
  return {
    name: op.name,
    zone: op.location,
    operationType: op.operationType,
    status: op.status,
    selfLink: `${base}/operations/${op.name}`,
    targetLink: `${base}/clusters/${op.clusterName}`,
    startTime: op.startTime.toISOString(),
    ...(op.endTime !== undefined ? { endTime: op.endTime.toISOString() } : {}),
    location: op.location,
    ...(op.error !== undefined ? { statusMessage: op.error.message, error: { code: op.error.code, message: op.error.message } } : {}),
  };
}

const CLUSTER_STATUS: Readonly<Record<string, number>> = {
  STATUS_UNSPECIFIED: 0,
  PROVISIONING: 1,
  RUNNING: 2,
  RECONCILING: 3,
  STOPPING: 4,
  ERROR: 5,
  DEGRADED: 6,
};
const OP_STATUS: Readonly<Record<string, number>> = { STATUS_UNSPECIFIED: 0, PENDING: 1, RUNNING: 2, DONE: 3, ABORTING: 4 };
const OP_TYPE: Readonly<Record<string, number>> = { TYPE_UNSPECIFIED: 0, CREATE_CLUSTER: 1, DELETE_CLUSTER: 2 };

function withEnum(obj: JsonObject, field: string, table: Readonly<Record<string, number>>): JsonObject {
  const value = obj[field];
  return typeof value === 'string' && table[value] !== undefined ? { ...obj, [field]: table[value] } : obj;
}

/** Numeric form of a rendered `Cluster` (for `enum-encoding=int`). */
export function clusterEnumsAsInts(cluster: JsonObject): JsonObject {
  return withEnum(cluster, 'status', CLUSTER_STATUS);
}

/** Numeric form of a rendered `Operation` (for `enum-encoding=int`). */
export function operationEnumsAsInts(op: JsonObject): JsonObject {
  return withEnum(withEnum(op, 'status', OP_STATUS), 'operationType', OP_TYPE);
}
