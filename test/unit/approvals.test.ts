/**
 * Approvals on the in-memory demo fleet: a drain the rules name waits for a second person, who
 * approves (the drain applies) or denies it; the requester cannot decide their own; a late approval
 * does nothing; a changed plan is refused with both plans; and in propose mode an alert only
 * proposes its drain, which its close cancels while it is pending.
 */
import { describe, expect, it } from 'vitest';
import { decideApproval, gatedManualDrain, readApproval, recentApprovals } from '../../shared/approvals/index.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { RequestError } from '../../shared/core/errors.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { incidentNotification } from '../support/events.ts';
import { demoFleet, OSAKA, type MemoryFleet } from '../support/memory-fleet.ts';

const N1 = 'asia-northeast1';
const N2 = 'asia-northeast2';
const weights = (fleet: MemoryFleet) => fleet.route('store')?.weights;

async function withApprovals(extra: Record<string, unknown> = {}) {
  const fleet = await demoFleet();
  const config = fleet.config();
  fleet.setConfig({
    ...config,
    approvals: { rules: [{ action: 'drain', when: { trafficShareAbove: 0.3 } }, { action: 'override' }], expireAfterSeconds: 900 },
    ...extra,
  });
  return fleet;
}

const drain = (fleet: MemoryFleet, principal = 'alice@example.com', region = N2) =>
  gatedManualDrain(fleet.ctx, { action: 'drain', region, reason: 'bad deploy', principal, dryRun: false, source: 'api' });
const decide = (fleet: MemoryFleet, id: string, principal: string, decision: 'approve' | 'deny' = 'approve') =>
  decideApproval(fleet.ctx, { id, principal, decision });
const problemOf = (error: unknown) => (error instanceof RequestError ? error.problem : String(error));
const kinds = async (fleet: MemoryFleet) => ((await fleet.ctx.store.list(OPERATIONS)) as unknown as OperationRecord[]).map((o) => o.kind);

describe('approvals of manual drains', () => {
  it('waits for a second person: the requester may not approve, another operator does, and the drain applies', async () => {
    const fleet = await withApprovals();
    const asked = await drain(fleet);
    expect(asked.result).toBe('pending');
    expect(asked.approval?.rule).toBe("the drain moves 50% of a service's traffic, above 30%");
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    const id = asked.approval!.id;
    await expect(decide(fleet, id, 'alice@example.com').catch(problemOf)).resolves.toBe('permission_denied');
    const approved = await decide(fleet, id, 'bob@example.com');
    expect(approved.result).toBe('succeeded');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
    expect(approved.operation?.trigger).toMatchObject({ approvalId: id, approvedBy: 'bob@example.com' });
    expect(approved.operation?.principal).toBe('alice@example.com');
    expect(await readApproval(fleet.ctx.store, id)).toMatchObject({ state: 'approved', decidedBy: 'bob@example.com' });
    expect(await kinds(fleet)).toEqual(expect.arrayContaining(['approval-requested', 'manual-drain', 'approval-approved']));
    // Decided once: a second approval is a conflict.
    await expect(decide(fleet, id, 'carol@example.com').catch(problemOf)).resolves.toBe('conflict');
  });

  it('applies a drain under the threshold at once, and a denied one never', async () => {
    const fleet = await withApprovals();
    const config = fleet.config();
    fleet.setConfig({ ...config, approvals: { ...config.approvals, rules: [{ action: 'drain', when: { trafficShareAbove: 0.6 } }] } });
    expect((await drain(fleet)).result).toBe('succeeded');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });

    const other = await withApprovals();
    const asked = await drain(other);
    const denied = await decide(other, asked.approval!.id, 'bob@example.com', 'deny');
    expect(denied.summary).toMatch(/denied by bob@example.com; nothing was done$/);
    expect(weights(other)).toEqual({ [N1]: 50, [N2]: 50 });
    expect(await kinds(other)).toContain('approval-denied');
  });

  it('does nothing when approved after its expiry, and the tick ends it', async () => {
    const fleet = await withApprovals();
    const asked = await drain(fleet);
    fleet.clock.advance(901_000);
    await expect(decide(fleet, asked.approval!.id, 'bob@example.com').catch(problemOf)).resolves.toBe('failed_precondition');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    expect(await readApproval(fleet.ctx.store, asked.approval!.id)).toMatchObject({ state: 'expired' });
    expect(await kinds(fleet)).toContain('approval-expired');
  });

  it('refuses an approval whose plan changed since it was asked for, showing both', async () => {
    const fleet = await withApprovals();
    const asked = await drain(fleet);
    // Meanwhile Tokyo is drained (the rules lifted for that request): approving now would drain both.
    const config = fleet.config();
    fleet.setConfig({ ...config, approvals: { ...config.approvals, rules: [] } });
    expect((await drain(fleet, 'carol@example.com', N1)).result).toBe('succeeded');
    const refused = await decide(fleet, asked.approval!.id, 'bob@example.com');
    expect(refused).toMatchObject({ result: 'refused', refusal: { guard: 'plan-changed' } });
    expect(refused.plan[0]).toBe('approved plan:');
    expect(refused.plan).toContain('plan now:');
    expect(weights(fleet)).toEqual({ [N1]: 0, [N2]: 50 });
    expect((await readApproval(fleet.ctx.store, asked.approval!.id))?.state).toBe('pending');
  });
});

describe('failover.mode: propose', () => {
  const alert = (fleet: MemoryFleet, id: string, state: 'open' | 'closed', startedAt: Date) =>
    handleMonitoringNotification(
      fleet.ctx,
      incidentNotification({
        id,
        state,
        startedAt,
        ...(state === 'closed' ? { endedAt: fleet.clock.now() } : {}),
        resource: { location: OSAKA.location },
      }),
      `msg-${id}-${state}-${fleet.clock.now().getTime()}`,
    );

  it('an Osaka alert proposes its drain and changes no weight; approving it drains Osaka as the alert would', async () => {
    const fleet = await withApprovals({ failover: { mode: 'propose' } });
    const start = fleet.clock.now();
    const record = await alert(fleet, 'inc-1', 'open', start);
    expect(record.reason).toMatch(/^proposed, not applied: drain asia-northeast2 for incident inc-1/);
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
    const [pending] = await recentApprovals(fleet.ctx.store, 'pending');
    expect(pending).toMatchObject({ requestedBy: 'cloud-monitoring', request: { type: 'alert-drain', region: N2, incidentId: 'inc-1' } });
    // A renotification proposes nothing new.
    await alert(fleet, 'inc-1', 'open', start);
    expect(await recentApprovals(fleet.ctx.store, 'pending')).toHaveLength(1);
    const approved = await decide(fleet, pending!.id, 'bob@example.com');
    expect(approved.result).toBe('succeeded');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 0 });
  });

  it("the alert's close cancels a proposal still pending", async () => {
    const fleet = await withApprovals({ failover: { mode: 'propose' } });
    const start = fleet.clock.now();
    await alert(fleet, 'inc-2', 'open', start);
    const [pending] = await recentApprovals(fleet.ctx.store, 'pending');
    fleet.clock.advance(10_000);
    const closed = await alert(fleet, 'inc-2', 'closed', start);
    expect(closed.reason).toBe('proposed drain of asia-northeast2 cancelled: incident inc-2 closed');
    expect(await readApproval(fleet.ctx.store, pending!.id)).toMatchObject({ state: 'cancelled' });
    await expect(decide(fleet, pending!.id, 'bob@example.com').catch(problemOf)).resolves.toBe('conflict');
    expect(weights(fleet)).toEqual({ [N1]: 50, [N2]: 50 });
  });
});
