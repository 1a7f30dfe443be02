/** Builders of the events the flows receive, shaped as their producers send them. */

/** A GKE audit-log entry (the LogEntry object, as Eventarc delivers it). */
export interface AuditEntrySpec {
  action: 'create' | 'delete';
  phase: 'first' | 'last';
  project: string;
  location: string;
  cluster: string;
  /** Shared by the first and last entry of one call. */
  operationId: string;
  at: Date;
  /** A failed call: the last entry carries a non-zero status. */
  failed?: string;
  apiVersion?: 'v1' | 'v1beta1' | 'v1alpha1';
}

/** The LogEntry of one half of a Container API call. */
export function auditEntry(spec: AuditEntrySpec): Record<string, unknown> {
  const method = spec.action === 'create' ? 'CreateCluster' : 'DeleteCluster';
  return {
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      methodName: `google.container.${spec.apiVersion ?? 'v1'}.ClusterManager.${method}`,
      resourceName: `projects/${spec.project}/locations/${spec.location}/clusters/${spec.cluster}`,
      serviceName: 'container.googleapis.com',
      ...(spec.failed ? { status: { code: 13, message: spec.failed } } : {}),
    },
    resource: { type: 'gke_cluster', labels: { project_id: spec.project, location: spec.location, cluster_name: spec.cluster } },
    operation: {
      id: spec.operationId,
      producer: 'container.googleapis.com',
      ...(spec.phase === 'first' ? { first: true } : { last: true }),
    },
    timestamp: spec.at.toISOString(),
    insertId: `${spec.operationId}-${spec.phase}`,
    severity: spec.failed ? 'ERROR' : 'NOTICE',
  };
}

/** A Cloud Monitoring incident notification (schema 1.2). */
export interface IncidentSpec {
  id: string;
  state: 'open' | 'closed';
  startedAt: Date;
  /** Required for a close. */
  endedAt?: Date;
  /** Labels of the monitored resource (e.g. `location`, `cluster_name`). */
  resource?: Record<string, string>;
  policyLabels?: Record<string, string>;
}

/** The JSON payload of a notification. */
export function incidentNotification(spec: IncidentSpec): Record<string, unknown> {
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  return {
    version: '1.2',
    incident: {
      incident_id: spec.id,
      scoping_project_id: 'fleetpilot-sandbox',
      url: `https://console.cloud.google.com/monitoring/alerting/incidents/${spec.id}`,
      state: spec.state,
      started_at: seconds(spec.startedAt),
      ended_at: spec.state === 'closed' && spec.endedAt ? seconds(spec.endedAt) : null,
      summary: `5xx ratio above threshold (${spec.state})`,
      policy_name: 'store 5xx ratio',
      condition_name: '5xx ratio > 5%',
      observed_value: '0.12',
      threshold_value: '0.05',
      resource: { type: 'k8s_cluster', labels: spec.resource ?? {} },
      metric: { type: 'loadbalancing.googleapis.com/https/request_count', labels: {} },
      policy_user_labels: spec.policyLabels ?? {},
    },
  };
}

/** A notification channel's test notification. */
export function testNotification(): Record<string, unknown> {
  return { version: 'test', incident: { incident_id: '12345', state: 'OPEN', summary: 'This is a test notification' } };
}
