/**
 * Pure builders of Cloud Audit Log entries for GKE cluster create/delete, shaped as a Log Router sink
 * publishes them (the LogEntry JSON; a Pub/Sub sink base64-encodes it into `message.data`).
 *
 * Each call yields two entries sharing `operation.id`: `first: true` when the request is accepted
 * (carries `request` and `response`, the Container Operation) and `last: true` when it is done
 * (`protoPayload.status` is `{}` on success or `{code, message}` on failure).
 *
 * Deterministic variation, as real callers produce it:
 * - calls that arrived on the legacy `zones/` path get `resourceName: projects/P/zones/Z/clusters/C`;
 *   all others `projects/P/locations/L/clusters/C`;
 * - the API version in `methodName` and the `@type`s follows {@link methodVersionFor}: clusters whose
 *   name has an odd FNV-1a hash come from `gcloud beta` (`google.container.v1beta1...`), the rest `v1`.
 */
import type { JsonObject } from './types.ts';

/** The two cluster methods whose audit entries fleetpilot consumes. */
export type ClusterMethod = 'CreateCluster' | 'DeleteCluster';

/** API versions the double emits in `methodName`. */
export type AuditApiVersion = 'v1' | 'v1beta1';

/** A Cloud Audit Log LogEntry for a GKE cluster operation. */
export interface LogEntry {
  protoPayload: JsonObject & { '@type': string; methodName: string; resourceName: string; status: JsonObject };
  insertId: string;
  resource: { type: 'gke_cluster'; labels: { project_id: string; location: string; cluster_name: string } };
  timestamp: string;
  receiveTimestamp: string;
  severity: 'NOTICE' | 'ERROR';
  logName: string;
  operation: { id: string; producer: 'container.googleapis.com'; first?: true; last?: true };
}

/** Describes the audited call; shared by the first and the last entry. */
export interface AuditCall {
  projectId: string;
  clusterName: string;
  location: string;
  method: ClusterMethod;
  /** Container operation name (`operation-...`); becomes `operation.id`. */
  operationId: string;
  /** True when the call used `/v1/projects/P/zones/Z/...`. */
  viaZonesPath: boolean;
  principalEmail: string;
  callerIp?: string;
  userAgent?: string;
  /** Overrides {@link methodVersionFor}. */
  apiVersion?: AuditApiVersion;
}

/** Input of {@link buildFirstAuditEntry}. */
export interface FirstEntryInput extends AuditCall {
  /** The request as received (without `@type`). */
  request: JsonObject;
  /** The Container Operation returned to the caller (without `@type`). */
  response: JsonObject;
  timestamp: Date;
  insertId: string;
}

/** Input of {@link buildLastAuditEntry}. */
export interface LastEntryInput extends AuditCall {
  /** Absent or undefined on success. */
  error?: { code: number; message: string };
  timestamp: Date;
  insertId: string;
}

const RECEIVE_LAG_MS = 250;

/** 32-bit FNV-1a hash of a string; stable across runs. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** The API version a cluster's callers use: `v1beta1` when the name's FNV-1a hash is odd. */
export function methodVersionFor(clusterName: string): AuditApiVersion {
  return fnv1a(clusterName) % 2 === 1 ? 'v1beta1' : 'v1';
}

/** `resourceName` of the audited call (zones form when the call used the legacy path). */
export function auditResourceName(call: Pick<AuditCall, 'projectId' | 'location' | 'clusterName' | 'viaZonesPath'>): string {
  const kind = call.viaZonesPath ? 'zones' : 'locations';
  return `projects/${call.projectId}/${kind}/${call.location}/clusters/${call.clusterName}`;
}

function commonPayload(call: AuditCall, version: AuditApiVersion, at: Date): JsonObject & { '@type': string; methodName: string } {
  const permission = call.method === 'CreateCluster' ? 'container.clusters.create' : 'container.clusters.delete';
  return {
    '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
    authenticationInfo: { principalEmail: call.principalEmail },
    requestMetadata: {
      callerIp: call.callerIp ?? '203.0.113.10',
      callerSuppliedUserAgent: call.userAgent ?? 'google-cloud-sdk gcloud/500.0.0 command/gcloud.container.clusters',
      requestAttributes: { time: at.toISOString(), auth: {} },
      destinationAttributes: {},
    },
    serviceName: 'container.googleapis.com',
    methodName: `google.container.${version}.ClusterManager.${call.method}`,
    authorizationInfo: [
      {
        permission,
        granted: true,
        resource: `projects/${call.projectId}/locations/${call.location}/clusters/${call.clusterName}`,
        resourceAttributes: {},
      },
    ],
    resourceLocation: { currentLocations: [call.location] },
  };
}

function envelope(call: AuditCall, at: Date, insertId: string, failed: boolean): Omit<LogEntry, 'protoPayload' | 'operation'> {
  return {
    insertId,
    resource: {
      type: 'gke_cluster',
      labels: { project_id: call.projectId, location: call.location, cluster_name: call.clusterName },
    },
    timestamp: at.toISOString(),
    receiveTimestamp: new Date(at.getTime() + RECEIVE_LAG_MS).toISOString(),
    severity: failed ? 'ERROR' : 'NOTICE',
    logName: `projects/${call.projectId}/logs/cloudaudit.googleapis.com%2Factivity`,
  };
}

/** The `operation.first` entry: request accepted, cluster not ready yet. */
export function buildFirstAuditEntry(input: FirstEntryInput): LogEntry {
  const version = input.apiVersion ?? methodVersionFor(input.clusterName);
  const requestType = `${input.method}Request`;
  return {
    protoPayload: {
      ...commonPayload(input, version, input.timestamp),
      resourceName: auditResourceName(input),
      request: { '@type': `type.googleapis.com/google.container.${version}.${requestType}`, ...input.request },
      response: { '@type': `type.googleapis.com/google.container.${version}.Operation`, ...input.response },
      status: {},
    },
    ...envelope(input, input.timestamp, input.insertId, false),
    operation: { id: input.operationId, producer: 'container.googleapis.com', first: true },
  };
}

/** The `operation.last` entry: done; a non-zero `protoPayload.status.code` means it failed. */
export function buildLastAuditEntry(input: LastEntryInput): LogEntry {
  const version = input.apiVersion ?? methodVersionFor(input.clusterName);
  const status: JsonObject = input.error ? { code: input.error.code, message: input.error.message } : {};
  return {
    protoPayload: {
      ...commonPayload(input, version, input.timestamp),
      resourceName: auditResourceName(input),
      status,
    },
    ...envelope(input, input.timestamp, input.insertId, input.error !== undefined),
    operation: { id: input.operationId, producer: 'container.googleapis.com', last: true },
  };
}
