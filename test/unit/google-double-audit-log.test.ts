import { describe, expect, it } from 'vitest';
import { auditResourceName, buildFirstAuditEntry, buildLastAuditEntry, methodVersionFor } from '../../sandbox/google-double/audit-log.ts';

const call = {
  projectId: 'fleet-demo',
  clusterName: 'mc-gw-tokyo',
  location: 'asia-northeast1-b',
  method: 'CreateCluster' as const,
  operationId: 'operation-1736931600000-00000001',
  viaZonesPath: false,
  principalEmail: 'ops@example.com',
};

describe('google double: audit-log builders', () => {
  it('builds a first entry shaped like a Log Router sink publishes it', () => {
    const entry = buildFirstAuditEntry({
      ...call,
      apiVersion: 'v1',
      request: { cluster: { name: 'mc-gw-tokyo' } },
      response: { name: call.operationId, status: 'RUNNING' },
      timestamp: new Date('2025-01-15T09:00:00.000Z'),
      insertId: 'abc123',
    });
    expect(entry).toMatchObject({
      insertId: 'abc123',
      logName: 'projects/fleet-demo/logs/cloudaudit.googleapis.com%2Factivity',
      severity: 'NOTICE',
      timestamp: '2025-01-15T09:00:00.000Z',
      receiveTimestamp: '2025-01-15T09:00:00.250Z',
      resource: { type: 'gke_cluster', labels: { project_id: 'fleet-demo', location: 'asia-northeast1-b', cluster_name: 'mc-gw-tokyo' } },
      operation: { id: call.operationId, producer: 'container.googleapis.com', first: true },
      protoPayload: {
        '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
        serviceName: 'container.googleapis.com',
        methodName: 'google.container.v1.ClusterManager.CreateCluster',
        resourceName: 'projects/fleet-demo/locations/asia-northeast1-b/clusters/mc-gw-tokyo',
        authenticationInfo: { principalEmail: 'ops@example.com' },
        request: { '@type': 'type.googleapis.com/google.container.v1.CreateClusterRequest', cluster: { name: 'mc-gw-tokyo' } },
        response: { '@type': 'type.googleapis.com/google.container.v1.Operation', status: 'RUNNING' },
        resourceLocation: { currentLocations: ['asia-northeast1-b'] },
        status: {},
      },
    });
    expect(entry.operation).not.toHaveProperty('last');
  });

  it('builds a failed last entry with status code 13 and ERROR severity, no request/response', () => {
    const entry = buildLastAuditEntry({
      ...call,
      method: 'DeleteCluster',
      viaZonesPath: true,
      apiVersion: 'v1beta1',
      error: { code: 13, message: 'boom' },
      timestamp: new Date('2025-01-15T09:05:00.000Z'),
      insertId: 'def456',
    });
    expect(entry.protoPayload.methodName).toBe('google.container.v1beta1.ClusterManager.DeleteCluster');
    expect(entry.protoPayload.resourceName).toBe('projects/fleet-demo/zones/asia-northeast1-b/clusters/mc-gw-tokyo');
    expect(entry.protoPayload.status).toEqual({ code: 13, message: 'boom' });
    expect(entry.protoPayload).not.toHaveProperty('request');
    expect(entry.severity).toBe('ERROR');
    expect(entry.operation).toEqual({ id: call.operationId, producer: 'container.googleapis.com', last: true });
  });

  it('varies the method version deterministically by cluster name and uses it when not overridden', () => {
    const names = ['mc-gw-tokyo', 'mc-gw-osaka', 'mc-gw-config-cluster', 'a', 'b', 'c', 'd', 'e'];
    const versions = names.map(methodVersionFor);
    expect(versions).toEqual(names.map(methodVersionFor));
    expect(new Set(versions)).toEqual(new Set(['v1', 'v1beta1']));
    for (const name of names) {
      const entry = buildLastAuditEntry({ ...call, clusterName: name, timestamp: new Date(0), insertId: 'x' });
      expect(entry.protoPayload.methodName).toBe(`google.container.${methodVersionFor(name)}.ClusterManager.CreateCluster`);
    }
    expect(auditResourceName({ projectId: 'p', location: 'us-central1', clusterName: 'c', viaZonesPath: false })).toBe(
      'projects/p/locations/us-central1/clusters/c',
    );
  });
});
