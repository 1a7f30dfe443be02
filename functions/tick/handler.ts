/**
 * The tick (Cloud Scheduler, every minute): timed, level-based work. It finishes onboardings whose
 * audit entry was lost (adoption: failed or stalled ones), offboards clusters deleted without their
 * delete entry being handled (the sweep), re-applies member objects
 * of onboarded clusters (an application Service deployed after onboarding gets exported), brings
 * the mesh's remote secrets to every pair of mesh clusters (clusters that onboarded together
 * exchange them, tokens are renewed at half their lifetime, secrets of clusters that left go), and
 * re-renders routes (regions whose ServiceImports appeared since join the default rule; restores
 * due after their hold-down are applied), and moves drills on (scheduled ones start, due ones
 * restore, finished ones are measured and reported).
 */
import type { FunctionContext } from '../compose.ts';
import { runOperation } from '../../shared/core/run-operation.ts';
import { advanceDrills } from '../../shared/drills/index.ts';
import { expireApprovals, recentApprovals, syncApprovalMessages } from '../../shared/approvals/index.ts';
import { adoptClusters } from '../../shared/onboarding/adopt.ts';
import { sweepGoneClusters } from '../../shared/onboarding/sweep.ts';
import { NOTHING_TO_CHANGE, reconcileFleet } from '../../shared/onboarding/reconcile.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';

/**
 * How long a tick holds the tick lease: the function's timeout (infra/functions.tf), past which
 * Cloud Run has ended the run anyway; a tick that died holds off the next ones this long at most.
 */
export const TICK_LEASE_MS = 300_000;

/**
 * Runs one tick; never throws for the work itself (the next tick is the retry). Its outcome goes
 * to the results topic only when it changed something or failed: bots need no minutely "nothing".
 * The reason lists the changes (the mesh summary only when the mesh changed), else {@link NOTHING_TO_CHANGE}.
 */
export async function tickHandler(ctx: FunctionContext, messageId: string): Promise<OperationRecord> {
  const spec = {
    kind: 'tick',
    delivery: 'tick' as const,
    trigger: { source: 'scheduler', messageId },
    principal: 'scheduler',
    subject: 'fleet',
    // One tick at a time (max_instances = 1 serialises them on Cloud Run; this holds anywhere): a tick
    // that outlasts the schedule must not be joined by the next ones, each making every tick slower.
    lease: { key: 'tick', ttlMs: TICK_LEASE_MS, waitMs: 0 },
    announce: (record: OperationRecord) => record.result !== 'succeeded' || record.reason !== NOTHING_TO_CHANGE,
  };
  const ran = await runOperation(ctx.fleet, spec, async ({ op }) => {
    const config = await ctx.fleet.config();
    // Onboardings whose audit entry was lost are finished first, each as its own operation.
    const adopted = (await adoptClusters(ctx.fleet, config)).map((r) => `${r.subject}: ${r.result}`);
    // Clusters deleted without fleetpilot seeing it go, before the reconcile that would reach them.
    const swept = (await sweepGoneClusters(ctx.fleet, config)).map((r) => `${r.subject}: ${r.result}`);
    const changed = await reconcileFleet(ctx.fleet, op, config, { leaseWaitMs: 0 });
    // Drills last: a restore they make renders on top of what the reconcile converged.
    const drills = await advanceDrills(ctx.fleet, config);
    // Approvals nobody decided in time end here, each as an operation of its own.
    const recent = await recentApprovals(ctx.fleet.store, undefined, 200);
    const expiredIds = await expireApprovals(
      ctx.fleet,
      recent.filter((a) => a.state === 'pending'),
    );
    const expired = expiredIds.map((id) => `approval ${id} expired`);
    // Slack shows every recent approval as it is now: proposals made by the alert function, expiries, missed posts.
    const messages = await syncApprovalMessages(
      ctx.fleet,
      recent.map((a) => (expiredIds.includes(a.id) ? { ...a, state: 'expired' as const } : a)),
    );
    const all = [
      ...(adopted.length > 0 ? [`adopted ${adopted.join(', ')}`] : []),
      ...(swept.length > 0 ? [`removed (gone) ${swept.join(', ')}`] : []),
      ...changed,
      ...drills,
      ...expired,
      ...messages,
    ];
    return { result: 'succeeded', reason: all.length > 0 ? all.join('; ') : NOTHING_TO_CHANGE };
  });
  return ran.record;
}
