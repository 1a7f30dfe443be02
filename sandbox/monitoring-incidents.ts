/**
 * Builds Cloud Monitoring Pub/Sub notifications (incident JSON, version 1.2) as an alerting policy
 * on a GKE cluster's request errors would send them: the sandbox's stand-in for a firing alert.
 */

/** What the incident is about. */
export interface IncidentSpec {
  incidentId: string;
  state: 'open' | 'closed';
  startedAt: Date;
  endedAt?: Date;
  cluster: string;
  location: string;
  projectId: string;
}

/** A version 1.2 notification. */
export function monitoringNotification(spec: IncidentSpec): Record<string, unknown> {
  const seconds = (d: Date) => Math.floor(d.getTime() / 1000);
  return {
    version: '1.2',
    incident: {
      incident_id: spec.incidentId,
      scoping_project_id: spec.projectId,
      scoping_project_number: 424242424242,
      url: `https://console.cloud.google.com/monitoring/alerting/incidents/${spec.incidentId}?project=${spec.projectId}`,
      started_at: seconds(spec.startedAt),
      ended_at: spec.state === 'closed' ? seconds(spec.endedAt ?? new Date()) : null,
      state: spec.state,
      summary: `Request error ratio for ${spec.cluster} ${spec.state === 'open' ? 'is above' : 'returned below'} the threshold of 0.05.`,
      apigee_url: '',
      observed_value: spec.state === 'open' ? '0.412' : '0.003',
      resource: {
        type: 'k8s_container',
        labels: {
          project_id: spec.projectId,
          location: spec.location,
          cluster_name: spec.cluster,
          namespace_name: 'store',
          container_name: 'store',
        },
      },
      resource_type_display_name: 'Kubernetes Container',
      resource_id: '',
      resource_display_name: spec.cluster,
      resource_name: `${spec.projectId} ${spec.cluster}`,
      metric: { type: 'logging.googleapis.com/user/store_5xx_ratio', displayName: 'store 5xx ratio', labels: {} },
      metadata: { system_labels: {}, user_labels: {} },
      policy_name: 'store error ratio per cluster',
      policy_user_labels: { team: 'store' },
      documentation: { content: 'fleetpilot drains the region while this fires.', mime_type: 'text/markdown' },
      condition: { name: `projects/${spec.projectId}/alertPolicies/1/conditions/1`, displayName: '5xx ratio > 5%' },
      condition_name: '5xx ratio > 5%',
      threshold_value: '0.05',
      severity: 'Critical',
    },
  };
}
