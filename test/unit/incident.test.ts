import { describe, expect, it } from 'vitest';
import { parseIncidentMessage, parseIncidentNotification } from '../../shared/failover/incident.ts';

/** A realistic version 1.2 notification for an uptime/latency policy on the osaka cluster. */
function notification(overrides: Record<string, unknown> = {}, version: unknown = '1.2') {
  return {
    version,
    incident: {
      incident_id: '0.opqiw61fsv7p',
      scoping_project_id: 'acme-fleet',
      scoping_project_number: 12345,
      url: 'https://console.cloud.google.com/monitoring/alerting/incidents/0.opqiw61fsv7p?project=acme-fleet',
      started_at: 1_790_000_000,
      ended_at: null,
      state: 'open',
      summary: 'Error rate for store on mc-gw-osaka is above the threshold of 0.05 with a value of 0.31.',
      apigee_url: 'https://apigee.google.com',
      observed_value: '0.31',
      threshold_value: '0.05',
      policy_name: 'store error rate',
      condition_name: 'HTTP 5xx ratio',
      condition: {
        name: 'projects/acme-fleet/alertPolicies/123/conditions/456',
        displayName: 'HTTP 5xx ratio',
        conditionThreshold: { comparison: 'COMPARISON_GT', thresholdValue: 0.05, duration: '60s' },
      },
      resource: {
        type: 'k8s_container',
        labels: { project_id: 'acme-fleet', location: 'asia-northeast2-b', cluster_name: 'mc-gw-osaka', namespace_name: 'store' },
      },
      resource_type_display_name: 'Kubernetes Container',
      resource_id: '',
      resource_display_name: 'store',
      metric: { type: 'kubernetes.io/container/restart_count', displayName: 'Restart count', labels: { response_code_class: 500 } },
      policy_user_labels: { team: 'sre', region: 'asia-northeast2' },
      documentation: { content: 'Drain osaka', mime_type: 'text/markdown', subject: 'store errors' },
      severity: 'Critical',
      ...overrides,
    },
  };
}

const START = new Date(1_790_000_000_000);

describe('parseIncidentNotification', () => {
  it('parses an open 1.2 incident, keeping the fields the drain model uses', () => {
    expect(parseIncidentNotification(notification())).toEqual({
      ok: true,
      incident: {
        incidentId: '0.opqiw61fsv7p',
        state: 'open',
        startedAt: START,
        endedAt: null,
        policyName: 'store error rate',
        summary: 'Error rate for store on mc-gw-osaka is above the threshold of 0.05 with a value of 0.31.',
        resourceLabels: { project_id: 'acme-fleet', location: 'asia-northeast2-b', cluster_name: 'mc-gw-osaka', namespace_name: 'store' },
        metricLabels: { response_code_class: '500' },
        policyUserLabels: { team: 'sre', region: 'asia-northeast2' },
        observedValue: '0.31',
        thresholdValue: '0.05',
        conditionName: 'HTTP 5xx ratio',
        resourceType: 'k8s_container',
        url: 'https://console.cloud.google.com/monitoring/alerting/incidents/0.opqiw61fsv7p?project=acme-fleet',
      },
    });
  });

  it.each([
    ['a close with its end time', { state: 'closed', ended_at: 1_790_000_600 }, { state: 'closed', endedAt: new Date(1_790_000_600_000) }],
    [
      'string epoch times',
      { state: 'closed', started_at: '1790000000', ended_at: '1790000600' },
      { startedAt: START, endedAt: new Date(1_790_000_600_000) },
    ],
    ['fractional seconds', { started_at: 1_790_000_000.5 }, { startedAt: new Date(1_790_000_000_500) }],
    ['an upper-case state', { state: 'OPEN' }, { state: 'open' }],
    ['an open with a stray end time', { ended_at: 1_790_000_600 }, { state: 'open', endedAt: null }],
    ['a numeric incident id', { incident_id: 42 }, { incidentId: '42' }],
    [
      'no metric, resource or user labels',
      { metric: undefined, resource: null, policy_user_labels: undefined },
      { resourceLabels: {}, metricLabels: {}, policyUserLabels: {} },
    ],
    ['no observed or threshold value', { observed_value: undefined, threshold_value: undefined }, { policyName: 'store error rate' }],
    ['extra unknown fields', { future_field: { nested: true }, observed_value: 0.5 }, { observedValue: '0.5' }],
  ])('accepts %s', (_name, overrides, expected) => {
    const result = parseIncidentNotification(notification(overrides));
    expect(result).toMatchObject({ ok: true, incident: expected });
  });

  it('leaves out optional values that are absent', () => {
    const result = parseIncidentNotification(
      notification({ observed_value: undefined, threshold_value: undefined, condition_name: undefined, url: undefined }),
    );
    expect(result.ok && 'incident' in result && Object.keys(result.incident)).toEqual([
      'incidentId',
      'state',
      'startedAt',
      'endedAt',
      'policyName',
      'summary',
      'resourceLabels',
      'metricLabels',
      'policyUserLabels',
      'resourceType',
    ]);
  });

  it.each([
    ['an upper-case test notification', notification({ state: 'OPEN', summary: 'Test Incident' }, 'test'), 'Test Incident'],
    [
      'a closed test notification',
      notification({ state: 'CLOSED', ended_at: 0, started_at: 0 }, 'test'),
      'Error rate for store on mc-gw-osaka is above the threshold of 0.05 with a value of 0.31.',
    ],
    ['a test notification without an incident', { version: 'test' }, 'test notification'],
  ])('recognises %s', (_name, input, summary) => {
    expect(parseIncidentNotification(input)).toEqual({ ok: true, test: true, summary });
  });

  it.each([
    ['a close without an end time', notification({ state: 'closed', ended_at: null }), /closed incident 0\.opqiw61fsv7p has no ended_at/],
    ['a close missing ended_at', notification({ state: 'closed', ended_at: undefined }), /has no ended_at/],
    ['a non-numeric start', notification({ started_at: 'yesterday' }), /started_at must be epoch seconds, got "yesterday"/],
    ['an ISO start', notification({ started_at: '2026-09-21T10:00:00Z' }), /started_at must be epoch seconds/],
    ['a negative start', notification({ started_at: -5 }), /started_at must be epoch seconds/],
    ['a missing start', notification({ started_at: undefined }), /started_at must be epoch seconds, got undefined/],
    ['a non-numeric end', notification({ state: 'closed', ended_at: 'later' }), /ended_at must be epoch seconds/],
    ['an end before the start', notification({ state: 'closed', ended_at: 1_789_999_000 }), /ended .* before it started/],
    ['an unknown state', notification({ state: 'acknowledged' }), /unknown state "acknowledged"/],
    ['a missing incident id', notification({ incident_id: undefined }), /no incident_id/],
    ['an empty incident id', notification({ incident_id: '' }), /no incident_id/],
    ['a blank incident id', notification({ incident_id: '  ' }), /incident\.incident_id/],
    // The id keys a map in the facts document; Firestore refuses map keys of the form __…__.
    ['a reserved incident id', notification({ incident_id: '__name__' }), /incident_id "__name__" is a reserved name/],
    ['a reserved incident id with spaces', notification({ incident_id: ' __proto__ ' }), /incident_id "__proto__" is a reserved name/],
    ['labels that are not an object', notification({ resource: { type: 'x', labels: 'asia' } }), /incident\.resource\.labels/],
    ['version 1.1', notification({}, '1.1'), /unknown notification version "1\.1"/],
    ['no version', { incident: notification().incident }, /unknown notification version \(missing\)/],
    ['no incident', { version: '1.2' }, /no incident object/],
    ['an array', [], /not a JSON object/],
    ['null', null, /not a JSON object/],
  ])('rejects %s with a clear reason', (_name, input, reason) => {
    const result = parseIncidentNotification(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('parseIncidentMessage', () => {
  it('parses Pub/Sub data and explains data that is not JSON', () => {
    expect(parseIncidentMessage(Buffer.from(JSON.stringify(notification())))).toMatchObject({
      ok: true,
      incident: { incidentId: '0.opqiw61fsv7p' },
    });
    expect(parseIncidentMessage('{"version":"test"}')).toEqual({ ok: true, test: true, summary: 'test notification' });
    const bad = parseIncidentMessage('{nope');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.reason).toMatch(/not JSON/);
  });
});
