/**
 * Parses Cloud Audit Log entries for GKE cluster creation and deletion, as they arrive from a Log
 * Router sink (base64 LogEntry JSON in a Pub/Sub message) or from Eventarc (the LogEntry object).
 * Pure and total: returns a typed event or a short reason the entry is not one (values in it are
 * clipped). Names that become record subjects and keys are limited in length.
 */
import { z } from 'zod';
import { clip, parseBoundedJson } from '../core/limits.ts';

/** A cluster lifecycle event from an audit entry. */
export interface ClusterAuditEvent {
  action: 'create' | 'delete';
  /** `first`: accepted, not done. `last`: finished (see `ok`). */
  phase: 'first' | 'last';
  operationId: string;
  projectId: string;
  location: string;
  clusterName: string;
  /** False when the finished call failed (non-zero `protoPayload.status.code`). */
  ok: boolean;
  statusMessage?: string;
  /** `v1`, `v1beta1` or `v1alpha1`. */
  apiVersion: string;
  timestamp: string;
  insertId: string;
}

/** Why an entry is not a cluster lifecycle event. */
export type AuditParseResult = { ok: true; event: ClusterAuditEvent } | { ok: false; reason: string };

const METHOD = /^google\.container\.(v1|v1beta1|v1alpha1)\.ClusterManager\.(CreateCluster|DeleteCluster)$/;
const RESOURCE = /^projects\/([^/]+)\/(?:zones|locations)\/([^/]+)\/clusters\/([^/]+)$/;
/** Longest project, location or cluster name accepted (GKE's own limits are far lower). */
const MAX_NAME = 128;

const entrySchema = z.object({
  protoPayload: z.object({
    methodName: z.string(),
    resourceName: z.string().optional(),
    status: z.object({ code: z.number().optional(), message: z.string().optional() }).partial().optional(),
  }),
  resource: z.object({ labels: z.record(z.string(), z.string()).optional() }).optional(),
  operation: z.object({ id: z.string().min(1).max(256), first: z.boolean().optional(), last: z.boolean().optional() }),
  timestamp: z.string(),
  insertId: z.string().default(''),
});

/** Parses a LogEntry object. */
export function parseClusterAuditEntry(entry: unknown): AuditParseResult {
  const parsed = entrySchema.safeParse(entry);
  if (!parsed.success) {
    return {
      ok: false,
      reason: `not an audit log entry: ${parsed.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'} ${i.message}`)
        .join('; ')}`,
    };
  }
  const e = parsed.data;
  const method = METHOD.exec(e.protoPayload.methodName);
  if (!method) return { ok: false, reason: `method ${clip(e.protoPayload.methodName, 200)} is not a cluster create or delete` };
  if (e.operation.first === e.operation.last && !e.operation.first) {
    return { ok: false, reason: 'entry is neither the first nor the last of its operation' };
  }
  const labels = e.resource?.labels ?? {};
  const fromName = RESOURCE.exec(e.protoPayload.resourceName ?? '');
  const projectId = labels.project_id ?? fromName?.[1];
  const location = labels.location ?? fromName?.[2];
  const clusterName = labels.cluster_name ?? fromName?.[3];
  if (!projectId || !location || !clusterName) return { ok: false, reason: 'entry names no project, location and cluster' };
  if ([projectId, location, clusterName].some((name) => name.length > MAX_NAME))
    return { ok: false, reason: `entry names a project, location or cluster longer than ${MAX_NAME} characters` };
  const code = e.protoPayload.status?.code ?? 0;
  return {
    ok: true,
    event: {
      action: method[2] === 'CreateCluster' ? 'create' : 'delete',
      // An entry flagged both first and last (a synchronous call) is complete: treat it as last.
      phase: e.operation.last ? 'last' : 'first',
      operationId: e.operation.id,
      projectId,
      location,
      clusterName,
      ok: code === 0,
      ...(code !== 0 && e.protoPayload.status?.message ? { statusMessage: e.protoPayload.status.message } : {}),
      apiVersion: method[1]!,
      timestamp: e.timestamp,
      insertId: e.insertId,
    },
  };
}

/** Parses the data of a Log Router sink message (JSON bytes, as delivered after base64 decoding), within the payload bounds. */
export function parseSinkMessage(data: Buffer | string): AuditParseResult {
  const json = parseBoundedJson(data, 'message data');
  return json.ok ? parseClusterAuditEntry(json.value) : { ok: false, reason: json.reason };
}
