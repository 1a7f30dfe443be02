/**
 * Adoption (onboarding/adopt.ts): the tick finishes onboardings whose audit entry was lost. Each test
 * drives the real lifecycle handler until Pub/Sub would give up, then the real adoption pass, on the
 * in-memory fleet, and asserts the cluster record, the membership and the route.
 */
import { describe, expect, it } from 'vitest';
import type { FunctionContext } from '../../functions/compose.ts';
import { tickHandler } from '../../functions/tick/handler.ts';
import { adoptClusters, adoptionCandidates, STALLED_AFTER_MS } from '../../shared/onboarding/adopt.ts';
import { RETRY_FAILED_AFTER_MS, RETRY_TRANSIENT_AFTER_MS } from '../../shared/onboarding/failed.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import type { ClusterRecord } from '../../shared/state/cluster-records.ts';
import { auditEntry } from '../support/events.ts';
import { httpError } from '../support/faults.ts';
import { memoryFleet, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';

const lastEntry = (fleet: MemoryFleet) =>
  auditEntry({
    action: 'create',
    phase: 'last',
    project: fleet.project,
    location: TOKYO.location,
    cluster: TOKYO.name,
    operationId: 'operation-create-tokyo',
    at: fleet.clock.now(),
  });

/** Delivers the entry as the final Pub/Sub attempt: a transient failure is then recorded, not redelivered. */
async function deliverLastAttempt(fleet: MemoryFleet) {
  const ctx = { ...fleet.ctx };
  try {
    await handleClusterAuditEntry(ctx, lastEntry(fleet), 'msg-1');
  } catch {
    // Pub/Sub would dead-letter it after this attempt.
  }
}

const isTokyoMember = (fleet: MemoryFleet) => fleet.hub.memberships().some((m) => m.name.endsWith(`/${TOKYO.name}`));

describe('adoption by the tick', () => {
  it('finishes an onboarding whose audit entry was dead-lettered after the Hub failed, once the retry delay passed', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster(TOKYO);
    fleet.hub.fail('createFeature', httpError(503, 'backend unavailable'), 5);
    for (let attempt = 0; attempt < 5; attempt++) await deliverLastAttempt(fleet);
    expect(['onboarding', 'failed']).toContain(fleet.clusterRecord(TOKYO.name)?.phase);

    // Too soon: nothing is retried yet.
    expect(await adoptClusters(fleet.ctx, fleet.config())).toEqual([]);
    fleet.clock.advance(STALLED_AFTER_MS);
    const [adopted, ...more] = await adoptClusters(fleet.ctx, fleet.config());
    expect(more).toEqual([]);
    expect(adopted).toMatchObject({
      kind: 'cluster-adopt',
      result: 'succeeded',
      subject: `${fleet.project}/${TOKYO.location}/${TOKYO.name}`,
    });
    expect(adopted?.reason).toMatch(/^cluster onboarded by the tick: its onboarding (stalled|failed)/);
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({ phase: 'onboarded', operationId: adopted?.id });
    expect(isTokyoMember(fleet)).toBe(true);
    expect(fleet.route('store')).toMatchObject({ weights: { 'asia-northeast1': 50 } });
    // Level-based: the next tick finds nothing to do.
    fleet.clock.advance(STALLED_AFTER_MS);
    expect(await adoptClusters(fleet.ctx, fleet.config())).toEqual([]);
  });

  it('a creation whose cluster read failed on the final delivery leaves a failed record, which the tick then onboards', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster(TOKYO);
    fleet.container.fail('getCluster', httpError(429, 'quota exceeded'), 1);
    const last = await handleClusterAuditEntry(fleet.ctx, lastEntry(fleet), 'msg-final', { finalAttempt: true });
    expect(last).toMatchObject({ result: 'failed', reason: 'quota exceeded' });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({ phase: 'failed', reason: 'quota exceeded', region: TOKYO.region });
    fleet.clock.advance(RETRY_FAILED_AFTER_MS);
    const [adopted] = await adoptClusters(fleet.ctx, fleet.config());
    expect(adopted).toMatchObject({ kind: 'cluster-adopt', result: 'succeeded' });
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('onboarded');
    expect(isTokyoMember(fleet)).toBe(true);
  });

  it('the tick runs the adoption: its reason names the adopted cluster, and the cluster serves', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster(TOKYO);
    fleet.container.fail('getCluster', httpError(429, 'quota exceeded'), 1);
    await handleClusterAuditEntry(fleet.ctx, lastEntry(fleet), 'msg-final', { finalAttempt: true });
    fleet.clock.advance(RETRY_FAILED_AFTER_MS);
    const tick = await tickHandler({ fleet: fleet.ctx } as Pick<FunctionContext, 'fleet'> as FunctionContext, 'tick-1');
    expect(tick.result).toBe('succeeded');
    expect(tick.reason).toContain(`adopted ${fleet.project}/${TOKYO.location}/${TOKYO.name}: succeeded`);
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('onboarded');
    expect(fleet.route('store')).toMatchObject({ weights: { 'asia-northeast1': 50 } });
  });

  it('a failed adoption leaves the record failed and is tried again after the retry delay', async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster(TOKYO);
    fleet.hub.fail('createFeature', httpError(400, 'invalid feature spec'), 2);
    await deliverLastAttempt(fleet);
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({ phase: 'failed', reason: 'invalid feature spec' });
    fleet.clock.advance(RETRY_FAILED_AFTER_MS);
    const [failed] = await adoptClusters(fleet.ctx, fleet.config());
    expect(failed).toMatchObject({ kind: 'cluster-adopt', result: 'failed' });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({ phase: 'failed', operationId: failed?.id });
    expect(await adoptClusters(fleet.ctx, fleet.config())).toEqual([]);
    fleet.clock.advance(RETRY_FAILED_AFTER_MS);
    const [done] = await adoptClusters(fleet.ctx, fleet.config());
    expect(done?.result).toBe('succeeded');
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('onboarded');
  });

  it("a transient failure is retried at the tick's pace: the final delivery and an adoption both fail on an outage, the next adoption onboards", async () => {
    const fleet = memoryFleet({ mcs: 'auto' });
    await fleet.addCluster(TOKYO);
    fleet.container.fail('getCluster', httpError(429, 'quota exceeded'), 1);
    await handleClusterAuditEntry(fleet.ctx, lastEntry(fleet), 'msg-final', { finalAttempt: true });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({
      phase: 'failed',
      retryAt: new Date(fleet.clock.now().getTime() + RETRY_TRANSIENT_AFTER_MS).toISOString(),
    });
    expect(await adoptClusters(fleet.ctx, fleet.config())).toEqual([]);
    fleet.clock.advance(RETRY_TRANSIENT_AFTER_MS);
    // The outage is not over: the adoption ends transiently (skipped, as tick work does), and the
    // record says failed with the next retry, not `onboarding` (which would wait for the stalled delay).
    fleet.hub.fail('createMembership', httpError(503, 'backend unavailable'), 1);
    const [skipped] = await adoptClusters(fleet.ctx, fleet.config());
    expect(skipped).toMatchObject({ kind: 'cluster-adopt', result: 'skipped', reason: 'backend unavailable' });
    expect(fleet.clusterRecord(TOKYO.name)).toMatchObject({ phase: 'failed', reason: 'backend unavailable', operationId: skipped?.id });
    expect(await adoptClusters(fleet.ctx, fleet.config())).toEqual([]);
    fleet.clock.advance(RETRY_TRANSIENT_AFTER_MS);
    const [done] = await adoptClusters(fleet.ctx, fleet.config());
    expect(done).toMatchObject({ kind: 'cluster-adopt', result: 'succeeded' });
    expect(fleet.clusterRecord(TOKYO.name)?.phase).toBe('onboarded');
    expect(isTokyoMember(fleet)).toBe(true);
    expect(fleet.route('store')).toMatchObject({ weights: { 'asia-northeast1': 50 } });
  });

  it('chooses only running clusters that match the policy and whose onboarding failed or stalled long enough ago', async () => {
    const fleet = memoryFleet();
    const config = fleet.config();
    const labels = config.onboarding.matchLabels;
    const now = new Date('2026-01-01T12:00:00Z');
    const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
    const cluster = (name: string, status = 'RUNNING', resourceLabels: Record<string, string> = labels) => ({
      projectId: config.fleet.project,
      location: 'asia-northeast1-b',
      name,
      status,
      endpoint: '10.0.0.1',
      caCertificatePem: '',
      resourceLabels,
      privateEndpointOnly: false,
      selfLink: '',
    });
    const record = (name: string, phase: ClusterRecord['phase'], updatedAt: string): ClusterRecord => ({
      projectId: config.fleet.project,
      location: 'asia-northeast1-b',
      name,
      region: 'asia-northeast1',
      phase,
      updatedAt,
    });
    const table: [string, ReturnType<typeof cluster>, ClusterRecord | undefined, boolean][] = [
      ['failed long enough ago', cluster('a'), record('a', 'failed', ago(RETRY_FAILED_AFTER_MS)), true],
      ['failed just now', cluster('b'), record('b', 'failed', ago(1000)), false],
      ['failed transiently, retry due', cluster('i'), { ...record('i', 'failed', ago(1000)), retryAt: ago(0) }, true],
      ['failed transiently, retry not yet due', cluster('j'), { ...record('j', 'failed', ago(1000)), retryAt: ago(-1000) }, false],
      ['stalled', cluster('c'), record('c', 'onboarding', ago(STALLED_AFTER_MS)), true],
      ['onboarding now', cluster('d'), record('d', 'onboarding', ago(1000)), false],
      ['onboarded', cluster('e'), record('e', 'onboarded', ago(STALLED_AFTER_MS)), false],
      ['no record (being created, or predates fleetpilot)', cluster('f'), undefined, false],
      ['not running', cluster('g', 'PROVISIONING'), record('g', 'failed', ago(STALLED_AFTER_MS)), false],
      [
        'policy no longer matches',
        cluster('h', 'RUNNING', {}),
        record('h', 'failed', ago(STALLED_AFTER_MS)),
        Object.keys(labels).length === 0,
      ],
    ];
    const chosen = adoptionCandidates(
      table.map((t) => t[1]),
      table.flatMap((t) => (t[2] ? [t[2]] : [])),
      config,
      now,
    ).map((c) => c.cluster.name);
    expect(Object.fromEntries(table.map(([what, c]) => [what, chosen.includes(c.name)]))).toEqual(
      Object.fromEntries(table.map(([what, , , want]) => [what, want])),
    );
  });
});
