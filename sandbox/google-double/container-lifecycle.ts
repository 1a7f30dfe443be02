/**
 * Cluster create/delete as GKE runs them: the call returns a RUNNING Operation at once; in the
 * background the double publishes the `first` audit entry, drives the provisioner, holds the operation
 * until `operationDelayMs` has passed on the clock, marks it DONE and publishes the `last` entry.
 */
import { buildFirstAuditEntry, buildLastAuditEntry, type LogEntry } from './audit-log.ts';
import { newClusterRecord, parseClusterRequest, registerSelf, unregisterSelf } from './cluster-records.ts';
import { clusterKey, renderCluster, renderContainerOp } from './container-model.ts';
import { alreadyExists, failedPrecondition, GoogleApiError } from './errors.ts';
import type { ClusterRecord, ContainerOpRecord } from './records.ts';
import type { DoubleState } from './state.ts';
import type { JsonObject } from './types.ts';

/** How the call arrived; feeds the audit entries. */
export interface CallInfo {
  viaZonesPath: boolean;
  /** The request as received (create: the body; delete: the path fields). */
  request: JsonObject;
  userAgent?: string;
  callerIp?: string;
}

/** Input of {@link seedCluster}: a RUNNING cluster created without an operation or audit entries. */
export interface SeedClusterInput {
  name: string;
  location: string;
  resourceLabels?: Record<string, string>;
  /** Register the cluster in this fleet host project (as `fleet.project` would). */
  fleetProject?: string;
  privateClusterConfig?: JsonObject;
  description?: string;
  /** When both are given the provisioner is not called (the control plane already runs). */
  endpoint?: string;
  caCertificatePem?: string;
}

const INTERNAL = 13;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function publish(state: DoubleState, entry: LogEntry): Promise<void> {
  try {
    await state.deps.publishAuditLog(entry);
  } catch (err) {
    state.deps.log.error('google double: publishing audit entry failed', { operation: entry.operation.id, error: messageOf(err) });
  }
}

function newOp(state: DoubleState, type: ContainerOpRecord['operationType'], rec: ClusterRecord): ContainerOpRecord {
  const op: ContainerOpRecord = {
    name: state.newOperationId(),
    location: rec.location,
    operationType: type,
    status: 'RUNNING',
    clusterName: rec.name,
    startTime: state.deps.clock(),
  };
  state.containerOps.set(op.name, op);
  return op;
}

function auditCall(state: DoubleState, rec: ClusterRecord, op: ContainerOpRecord, call: CallInfo) {
  return {
    projectId: state.deps.projectId,
    clusterName: rec.name,
    location: rec.location,
    method: op.operationType === 'CREATE_CLUSTER' ? ('CreateCluster' as const) : ('DeleteCluster' as const),
    operationId: op.name,
    viaZonesPath: call.viaZonesPath,
    principalEmail: state.deps.principalEmail,
    ...(call.userAgent !== undefined ? { userAgent: call.userAgent } : {}),
    ...(call.callerIp !== undefined ? { callerIp: call.callerIp } : {}),
  };
}

async function runOperation(
  state: DoubleState,
  rec: ClusterRecord,
  op: ContainerOpRecord,
  call: CallInfo,
  work: () => Promise<void>,
  onError: (message: string) => void,
): Promise<void> {
  const ctx = { projectId: state.deps.projectId, projectNumber: state.deps.projectNumber };
  const base = auditCall(state, rec, op, call);
  await publish(
    state,
    buildFirstAuditEntry({
      ...base,
      request: call.request,
      response: renderContainerOp(op, ctx),
      timestamp: op.startTime,
      insertId: state.deps.newId(),
    }),
  );
  let error: { code: number; message: string } | undefined;
  try {
    await work();
  } catch (err) {
    error = { code: INTERNAL, message: messageOf(err) };
    state.deps.log.warn('google double: cluster operation failed', { operation: op.name, error: error.message });
    onError(error.message);
  }
  op.status = 'DONE';
  op.endTime = state.deps.clock();
  if (error !== undefined) op.error = error;
  await publish(
    state,
    buildLastAuditEntry({
      ...base,
      timestamp: op.endTime,
      insertId: state.deps.newId(),
      ...(error !== undefined ? { error } : {}),
    }),
  );
}

/** Accepts `CreateCluster`: 409 if the cluster exists; returns the RUNNING operation. */
export function acceptCreate(state: DoubleState, location: string, cluster: unknown, call: CallInfo): ContainerOpRecord {
  const req = parseClusterRequest(location, cluster);
  const key = clusterKey(location, req.name);
  if (state.clusters.has(key)) {
    throw alreadyExists(`projects/${state.deps.projectId}/locations/${location}/clusters/${req.name}`);
  }
  const rec = newClusterRecord(state, location, req);
  state.clusters.set(key, rec);
  const op = newOp(state, 'CREATE_CLUSTER', rec);
  state.runInBackground(`create ${key}`, () =>
    runOperation(
      state,
      rec,
      op,
      call,
      async () => {
        const cp = await state.deps.provisioner.provision({ name: rec.name, location: rec.location });
        rec.endpoint = cp.endpoint;
        rec.caCertificateBase64 = Buffer.from(cp.caCertificatePem, 'utf8').toString('base64');
        await state.waitUntil(op.startTime.getTime() + state.deps.operationDelayMs);
        rec.status = 'RUNNING';
        registerSelf(state, rec);
      },
      (message) => {
        rec.status = 'ERROR';
        rec.statusMessage = message;
      },
    ),
  );
  return op;
}

/** Accepts `DeleteCluster`: 404 if missing, 400 FAILED_PRECONDITION while another operation runs. */
export function acceptDelete(state: DoubleState, location: string, name: string, call: CallInfo): ContainerOpRecord {
  const key = clusterKey(location, name);
  const rec = state.clusters.get(key);
  if (rec === undefined) {
    throw new GoogleApiError(404, `Not found: projects/${state.deps.projectId}/locations/${location}/clusters/${name}.`);
  }
  if (rec.status === 'PROVISIONING' || rec.status === 'STOPPING') {
    const running = [...state.containerOps.values()].find(
      (o) => o.status === 'RUNNING' && o.clusterName === name && o.location === location,
    );
    throw failedPrecondition(`Cluster is running incompatible operation ${running?.name ?? ''}.`);
  }
  rec.status = 'STOPPING';
  delete rec.statusMessage;
  const op = newOp(state, 'DELETE_CLUSTER', rec);
  state.runInBackground(`delete ${key}`, () =>
    runOperation(
      state,
      rec,
      op,
      call,
      async () => {
        await state.deps.provisioner.deprovision({ name: rec.name, location: rec.location });
        await state.waitUntil(op.startTime.getTime() + state.deps.operationDelayMs);
        state.clusters.delete(key);
        unregisterSelf(state, rec);
      },
      (message) => {
        rec.status = 'ERROR';
        rec.statusMessage = message;
      },
    ),
  );
  return op;
}

/** Creates a RUNNING cluster directly (no operation, no audit entries); used by the sandbox. */
export async function seedCluster(state: DoubleState, input: SeedClusterInput): Promise<JsonObject> {
  const req = parseClusterRequest(input.location, {
    name: input.name,
    ...(input.resourceLabels !== undefined ? { resourceLabels: input.resourceLabels } : {}),
    ...(input.fleetProject !== undefined ? { fleet: { project: input.fleetProject } } : {}),
    ...(input.privateClusterConfig !== undefined ? { privateClusterConfig: input.privateClusterConfig } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
  });
  const key = clusterKey(input.location, input.name);
  if (state.clusters.has(key)) throw alreadyExists(`projects/${state.deps.projectId}/locations/${input.location}/clusters/${input.name}`);
  const rec = newClusterRecord(state, input.location, req);
  state.clusters.set(key, rec);
  try {
    const cp =
      input.endpoint !== undefined && input.caCertificatePem !== undefined
        ? { endpoint: input.endpoint, caCertificatePem: input.caCertificatePem }
        : await state.deps.provisioner.provision({ name: rec.name, location: rec.location });
    rec.endpoint = cp.endpoint;
    rec.caCertificateBase64 = Buffer.from(cp.caCertificatePem, 'utf8').toString('base64');
  } catch (err) {
    state.clusters.delete(key);
    throw err;
  }
  rec.status = 'RUNNING';
  registerSelf(state, rec);
  return renderCluster(rec, state.deps);
}
