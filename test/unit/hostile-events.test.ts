/**
 * Hostile events (issue 13): every outside payload is size- and depth-limited before it is parsed
 * or logged, a malformed message is always recorded briefly and acknowledged (the handler returns,
 * so Pub/Sub does not redeliver it) with a short reason, and logging an outside value is bounded.
 * Each event goes through the real function handler on the in-memory fleet.
 */
import { describe, expect, it } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import { clusterLifecycleHandler } from '../../functions/cluster-lifecycle/handler.ts';
import type { IncomingCloudEvent } from '../../functions/cluster-lifecycle/decode.ts';
import { gitPushHandler } from '../../functions/git-push/handler.ts';
import { healthAlertsHandler } from '../../functions/health-alerts/handler.ts';
import { MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH } from '../../shared/core/limits.ts';
import { createLogger } from '../../shared/core/logger.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { parseIncidentNotification } from '../../shared/failover/incident.ts';
import { parseGitPushMessage } from '../../shared/gitops/index.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import { OPERATIONS } from '../../shared/state/operations.ts';
import { auditEntry, incidentNotification } from '../support/events.ts';
import { demoFleet, memoryFleet, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const TWO_MIB = 'x'.repeat(2 * 1024 * 1024);
/** `[[[ … 'v' … ]]]`, `levels` deep. */
const deep = (levels: number): unknown => {
  let value: unknown = 'v';
  for (let i = 0; i < levels; i++) value = [value];
  return value;
};
const deepJson = (levels: number) => '['.repeat(levels) + '"v"' + ']'.repeat(levels);

let messages = 0;
/** A Pub/Sub `messagePublished` CloudEvent carrying `data` (JSON text) as base64. */
const pubsubEvent = (json: string) => {
  const messageId = `msg-${++messages}`;
  return {
    id: `ce-${messageId}`,
    type: 'google.cloud.pubsub.topic.v1.messagePublished',
    data: { message: { data: Buffer.from(json).toString('base64'), messageId } },
  };
};
/** The function handlers use only the fleet context (and the git-push one its environment). */
const functionContext = (fleet: MemoryFleet) =>
  ({ fleet: fleet.ctx, env: { FLEETPILOT_GITOPS_CONFIG_PATH: 'fleet.yaml' } }) as Pick<FunctionContext, 'fleet'> as FunctionContext;

/** Runs a delivery as Pub/Sub would: acknowledged when it returns, redelivered when it throws. */
async function deliver(fleet: MemoryFleet, run: () => Promise<unknown>) {
  const before = fleet.operations().length;
  const threw = await run().then(
    () => undefined,
    (error: unknown) => error,
  );
  return { threw, records: fleet.operations().slice(before) };
}

/** Every stored operation is small, and says briefly why. */
function expectSmallRecords(fleet: MemoryFleet) {
  for (const [key, doc] of fleet.store.docs) {
    if (!key.startsWith(`${OPERATIONS}/`)) continue;
    expect(JSON.stringify(doc).length).toBeLessThan(32 * 1024);
  }
}

describe('health alerts: hostile notifications are recorded and acknowledged', () => {
  it.each<[string, () => string, RegExp]>([
    ['a 10,000-deep version', () => `{"version":${deepJson(10_000)},"incident":{}}`, new RegExp(`nests deeper than ${MAX_PAYLOAD_DEPTH}`)],
    [
      'a 2 MiB field',
      () => JSON.stringify({ version: '1.2', incident: { incident_id: 'i', summary: TWO_MIB } }),
      new RegExp(`larger than ${MAX_PAYLOAD_BYTES} bytes`),
    ],
    ['data that is not JSON', () => '{"version": ', /not base64 JSON/],
  ])('%s', async (_name, json, reason) => {
    const fleet = await demoFleet();
    const { threw, records } = await deliver(fleet, () => healthAlertsHandler(functionContext(fleet), pubsubEvent(json())));
    expect(threw).toBeUndefined();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'health-alert', result: 'skipped' });
    expect(records[0]!.reason).toMatch(reason);
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 50 });
    expectSmallRecords(fleet);
  });

  it('the parser itself never stringifies an unbounded value: a deep or huge version gives a short reason', () => {
    const deepVersion = parseIncidentNotification({ version: deep(10_000), incident: {} });
    expect(deepVersion).toMatchObject({ ok: false });
    const hugeVersion = parseIncidentNotification({ version: TWO_MIB });
    expect(hugeVersion.ok).toBe(false);
    expect(JSON.stringify(hugeVersion).length).toBeLessThan(500);
    const hugeTime = parseIncidentNotification({ version: '1.2', incident: { incident_id: 'i', state: 'open', started_at: TWO_MIB } });
    expect(JSON.stringify(hugeTime).length).toBeLessThan(500);
  });

  it('a deep payload handed straight to the flow (no decoder) is recorded and acknowledged too', async () => {
    const fleet = await demoFleet();
    const { threw, records } = await deliver(fleet, () =>
      handleMonitoringNotification(fleet.ctx, { version: deep(10_000), incident: { incident_id: deep(10_000) } }, 'direct'),
    );
    expect(threw).toBeUndefined();
    expect(records.map((r) => r.result)).toEqual(['skipped']);
    expectSmallRecords(fleet);
  });

  it('a message id that is not a short string is not copied into the record', async () => {
    const fleet = await demoFleet();
    const event = {
      id: TWO_MIB,
      type: 'google.cloud.pubsub.topic.v1.messagePublished',
      data: { message: { data: Buffer.from('{}').toString('base64'), messageId: deep(10_000) } },
    };
    const { threw, records } = await deliver(fleet, () => healthAlertsHandler(functionContext(fleet), event));
    expect(threw).toBeUndefined();
    expect(records.map((r) => r.result)).toEqual(['skipped']);
    expectSmallRecords(fleet);
  });

  it('an open incident without an ended_at key is accepted and drains its region', async () => {
    const fleet = await demoFleet();
    const payload = incidentNotification({
      id: 'inc-no-end',
      state: 'open',
      startedAt: new Date(fleet.clock.now().getTime() - 60_000),
      resource: { location: TOKYO.location },
    });
    delete (payload.incident as Record<string, unknown>).ended_at;
    expect(parseIncidentNotification(payload)).toMatchObject({ ok: true, incident: { state: 'open', endedAt: null } });
    const { threw, records } = await deliver(fleet, () =>
      healthAlertsHandler(functionContext(fleet), pubsubEvent(JSON.stringify(payload))),
    );
    expect(threw).toBeUndefined();
    expect(records.map((r) => r.result)).toEqual(['succeeded']);
    expect(fleet.route('store')?.weights).toEqual({ 'asia-northeast1': 0, 'asia-northeast2': 50 });
  });
});

describe('cluster lifecycle: hostile audit entries are recorded and acknowledged', () => {
  const entry = (fleet: MemoryFleet, more: Record<string, unknown> = {}) => ({
    ...auditEntry({
      action: 'create',
      phase: 'last',
      project: fleet.project,
      location: TOKYO.location,
      cluster: TOKYO.name,
      operationId: 'operation-1',
      at: new Date('2025-05-01T11:59:00Z'),
    }),
    ...more,
  });

  it.each<[string, (fleet: MemoryFleet) => IncomingCloudEvent, RegExp]>([
    [
      'an Eventarc entry nested 10,000 deep',
      (fleet) => ({ id: 'ce-1', type: 'google.cloud.audit.log.v1.written', data: entry(fleet, { labels: deep(10_000) }) }),
      new RegExp(`nests deeper than ${MAX_PAYLOAD_DEPTH}`),
    ],
    [
      'an Eventarc entry over the size limit',
      (fleet) => ({ id: 'ce-2', type: 'google.cloud.audit.log.v1.written', data: entry(fleet, { extra: TWO_MIB }) }),
      new RegExp(`larger than ${MAX_PAYLOAD_BYTES} bytes`),
    ],
    ['a sink message nested 10,000 deep', () => pubsubEvent(deepJson(10_000)), new RegExp(`nests deeper than ${MAX_PAYLOAD_DEPTH}`)],
  ])('%s', async (_name, event, reason) => {
    const fleet = memoryFleet();
    const { threw, records } = await deliver(fleet, () => clusterLifecycleHandler(functionContext(fleet), event(fleet)));
    expect(threw).toBeUndefined();
    expect(records.map((r) => [r.kind, r.result])).toEqual([['cluster-lifecycle', 'skipped']]);
    expect(records[0]!.reason).toMatch(reason);
    expectSmallRecords(fleet);
  });

  it('a 2 MiB method name or cluster name gives a short reason, not a copy', async () => {
    const fleet = memoryFleet();
    const badMethod = entry(fleet, { protoPayload: { methodName: TWO_MIB.slice(0, 400_000) } });
    const longName = entry(fleet, {
      resource: { labels: { project_id: fleet.project, location: TOKYO.location, cluster_name: TWO_MIB.slice(0, 400_000) } },
    });
    for (const e of [badMethod, longName]) {
      const { threw, records } = await deliver(fleet, () => handleClusterAuditEntry(fleet.ctx, e, 'direct'));
      expect(threw).toBeUndefined();
      expect(records.map((r) => r.result)).toEqual(['skipped']);
      expect(records[0]!.reason!.length).toBeLessThan(500);
      expect(records[0]!.subject.length).toBeLessThan(500);
    }
    expectSmallRecords(fleet);
  });
});

describe('git pushes: hostile messages are recorded and acknowledged', () => {
  it.each<[string, string]>([
    ['nested 10,000 deep', deepJson(10_000)],
    ['over the size limit', JSON.stringify({ provider: 'github', repository: TWO_MIB })],
  ])('%s', async (_name, json) => {
    const fleet = memoryFleet();
    const { threw, records } = await deliver(fleet, () => gitPushHandler(functionContext(fleet), pubsubEvent(json)));
    expect(threw).toBeUndefined();
    expect(records.map((r) => [r.kind, r.result])).toEqual([['git-push', 'skipped']]);
    expectSmallRecords(fleet);
  });

  it('names longer than any Git host allows are refused, not copied', () => {
    const message = {
      provider: 'github',
      repository: TWO_MIB.slice(0, 100_000),
      branch: 'main',
      commit: 'c'.repeat(40),
      deliveryId: 'd',
      pusher: 'p',
    };
    const parsed = parseGitPushMessage(message);
    expect(parsed.ok).toBe(false);
    expect(JSON.stringify(parsed).length).toBeLessThan(500);
  });
});

describe('logging outside values', () => {
  it('a 10,000-deep field and a 2 MiB string are logged bounded, without throwing', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line) => void lines.push(line) });
    expect(() => log.warn('hostile', { payload: deep(10_000), big: TWO_MIB, error: new Error(TWO_MIB) })).not.toThrow();
    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(64 * 1024);
    expect(JSON.parse(lines[0]!)).toMatchObject({ severity: 'WARNING', message: 'hostile' });
  });
});
