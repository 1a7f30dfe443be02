import { describe, expect, it } from 'vitest';
import { parseClusterAuditEntry, parseSinkMessage } from '../../shared/onboarding/audit-log.ts';

function entry(
  overrides: {
    method?: string;
    resourceName?: string;
    first?: boolean;
    last?: boolean;
    status?: object;
    labels?: Record<string, string> | null;
  } = {},
) {
  return {
    protoPayload: {
      '@type': 'type.googleapis.com/google.cloud.audit.AuditLog',
      serviceName: 'container.googleapis.com',
      methodName: overrides.method ?? 'google.container.v1.ClusterManager.CreateCluster',
      resourceName: overrides.resourceName ?? 'projects/acme/locations/asia-northeast1-b/clusters/mc-gw-tokyo',
      status: overrides.status ?? {},
    },
    ...(overrides.labels === null
      ? {}
      : {
          resource: {
            type: 'gke_cluster',
            labels: overrides.labels ?? { project_id: 'acme', location: 'asia-northeast1-b', cluster_name: 'mc-gw-tokyo' },
          },
        }),
    operation: {
      id: 'operation-123',
      producer: 'container.googleapis.com',
      ...(overrides.first ? { first: true } : {}),
      ...(overrides.last ? { last: true } : {}),
    },
    timestamp: '2026-11-21T10:00:00.000Z',
    insertId: 'abc',
  };
}

describe('parseClusterAuditEntry', () => {
  it.each([
    ['v1 create, first', entry({ first: true }), { action: 'create', phase: 'first', apiVersion: 'v1', ok: true }],
    [
      'v1beta1 create, last',
      entry({ method: 'google.container.v1beta1.ClusterManager.CreateCluster', last: true }),
      { action: 'create', phase: 'last', apiVersion: 'v1beta1' },
    ],
    [
      'v1alpha1 delete',
      entry({ method: 'google.container.v1alpha1.ClusterManager.DeleteCluster', first: true }),
      { action: 'delete', apiVersion: 'v1alpha1' },
    ],
    [
      'failed create',
      entry({ last: true, status: { code: 7, message: 'quota exceeded' } }),
      { ok: false, statusMessage: 'quota exceeded' },
    ],
    [
      'zones/ resource name without labels',
      entry({ first: true, labels: null, resourceName: 'projects/acme/zones/asia-northeast2-b/clusters/mc-gw-osaka' }),
      { projectId: 'acme', location: 'asia-northeast2-b', clusterName: 'mc-gw-osaka' },
    ],
    [
      'labels win over the resource name',
      entry({ first: true, resourceName: 'projects/acme/zones/us-east1-b/clusters/other' }),
      { location: 'asia-northeast1-b', clusterName: 'mc-gw-tokyo' },
    ],
  ])('%s', (_name, input, expected) => {
    const result = parseClusterAuditEntry(input);
    expect(result).toMatchObject({ ok: true, event: { operationId: 'operation-123', ...expected } });
  });

  it.each([
    [
      'another method',
      entry({ method: 'google.container.v1.ClusterManager.UpdateCluster', first: true }),
      /not a cluster create or delete/,
    ],
    ['no operation phase', entry({}), /neither the first nor the last/],
    ['not an object', 'hello', /not an audit log entry/],
    ['missing operation', { protoPayload: { methodName: 'x' }, timestamp: 't' }, /operation/],
    ['no cluster identity', entry({ first: true, labels: null, resourceName: 'projects/acme' }), /names no project/],
  ])('rejects %s with a reason', (_name, input, reason) => {
    const result = parseClusterAuditEntry(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it('parses a sink message and explains non-JSON data', () => {
    expect(parseSinkMessage(Buffer.from(JSON.stringify(entry({ last: true }))))).toMatchObject({ ok: true, event: { phase: 'last' } });
    const bad = parseSinkMessage('{nope');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/not JSON/);
  });
});
