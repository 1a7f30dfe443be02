/**
 * GitOps end to end in the sandbox: commits to the real local configuration repository, pushed by
 * signed GitHub webhooks to the Hono receiver, published to the Pub/Sub emulator, applied by the
 * git-push function to the real config cluster's HTTPRoute.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { readStoreRoute } from '../../sandbox/demo-watch.ts';
import { CONFIG_PATH, commitConfigChange, moveBranch, setRegionWeights } from '../../sandbox/gitops-repo.ts';
import { sendConfigPush } from '../../sandbox/github-push.ts';
import { monitoringNotification } from '../../sandbox/monitoring-incidents.ts';
import { sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

describe('GitOps: configuration from Git pushes (sandbox end to end)', () => {
  let adapters: GcpAdapters;
  beforeAll(async () => void (adapters = await sandboxAdapters()));
  afterAll(async () => adapters.close());

  const gitops = () => sandboxInfo().gitops;
  const weights = async () =>
    Object.fromEntries(((await readStoreRoute(adapters, sandboxInfo().token))?.defaultBackends ?? []).map((b) => [b.name, b.weight]));
  const push = async (
    commit: string,
    before: string,
    extra: { files?: string[]; branch?: string; deliveryId?: string; secret?: string; forced?: boolean } = {},
  ) => sendConfigPush(gitops().servicesUrl, gitops().webhookSecret, { commit, before }, 'sre', extra);
  const commitWeights = (tokyo: number, osaka: number, date?: Date) =>
    commitConfigChange(
      gitops().repoDir,
      `weights ${tokyo}/${osaka}`,
      setRegionWeights({ 'asia-northeast1': tokyo, 'asia-northeast2': osaka }),
      date ? { date } : {},
    );
  const waitWeights = (tokyo: number, osaka: number) =>
    pollUntil(
      async () => {
        const w = await weights();
        return w['store-asia-northeast1'] === tokyo && w['store-asia-northeast2'] === osaka ? w : undefined;
      },
      { timeoutMs: 60_000, what: `weights ${tokyo}/${osaka}` },
    );
  /** The finished git-push operation for `commit` whose trigger also says `trigger` (e.g. `{forced: true}`). */
  const gitOperation = (commit: string, trigger: Record<string, unknown> = {}) =>
    pollUntil(
      async () => {
        const all = (await adapters.store.list(OPERATIONS)) as unknown as OperationRecord[];
        const matches = (o: OperationRecord) => Object.entries({ ...trigger, commit }).every(([k, v]) => o.trigger[k] === v);
        return all.find((o) => o.kind === 'git-push' && matches(o) && o.finishedAt);
      },
      { timeoutMs: 30_000, what: `git-push operation for ${commit}` },
    );
  // Every test leaves the classic 50/50 configuration applied, even when it fails.
  const restore = async () => {
    const { commit, before } = await commitWeights(50, 50);
    await push(commit, before);
    await waitWeights(50, 50);
  };

  it('applies a signed push that changes weights, and records the revision', async () => {
    onTestFailed(restore);
    const { commit, before } = await commitWeights(80, 20);
    const answer = await push(commit, before);
    expect(answer).toMatchObject({ status: 202, body: { status: 'accepted', commit } });
    await waitWeights(80, 20);
    expect(await adapters.store.get('configRevisions', commit)).toMatchObject({ commit, status: 'applied', author: 'platform-team' });
    expect((await gitOperation(commit)).principal).toBe('git:sre');
    await restore();
  });

  it('rejects an invalid configuration with its path and line, and leaves the live route untouched', async () => {
    onTestFailed(restore);
    const { commit, before } = await commitConfigChange(gitops().repoDir, 'typo', (doc) =>
      doc.setIn(['services', 0, 'regionWeights', 'asia-northeast1'], 'eighty'),
    );
    await push(commit, before);
    const op = await gitOperation(commit);
    expect(op.result).toBe('refused');
    expect(op.reason).toMatch(/fleet\.yaml:\d+: services\.0\.regionWeights\.asia-northeast1: /);
    expect(await weights()).toEqual({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 50 });
    expect(await adapters.store.get('commitStatuses', commit)).toMatchObject({ state: 'failure' });
    await restore();
  });

  it('refuses bad signatures, ignores replays, other branches and other files', async () => {
    const { commit, before } = await commitWeights(50, 50);
    expect((await push(commit, before, { secret: 'not-the-secret-0123456789' })).status).toBe(401);
    const unsigned = await fetch(`${gitops().servicesUrl}/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID() },
      body: '{}',
    });
    expect(unsigned.status).toBe(401);
    const deliveryId = randomUUID();
    expect((await push(commit, before, { deliveryId })).body.status).toBe('accepted');
    expect((await push(commit, before, { deliveryId })).body.status).toBe('duplicate');
    expect((await push(commit, before, { branch: 'feature/x' })).body.status).toBe('ignored');
    expect((await push(commit, before, { files: ['README.md'] })).body.status).toBe('ignored');
  });

  it('ends at the newer commit when two pushes arrive in reverse order', async () => {
    onTestFailed(restore);
    const older = await commitWeights(70, 30);
    const newer = await commitWeights(60, 40);
    await push(newer.commit, newer.before);
    await waitWeights(60, 40);
    await push(older.commit, older.before);
    const op = await gitOperation(older.commit);
    expect(op.result).toBe('skipped');
    expect(await weights()).toEqual({ 'store-asia-northeast1': 60, 'store-asia-northeast2': 40 });
    await restore();
  });

  it('applies the next real push after a commit that claims a date in the future', async () => {
    onTestFailed(restore);
    const future = await commitWeights(70, 30, new Date('2031-06-01T00:00:00Z'));
    await push(future.commit, future.before);
    await waitWeights(70, 30);
    const next = await commitWeights(60, 40, new Date());
    await push(next.commit, next.before);
    await waitWeights(60, 40);
    expect((await gitOperation(next.commit)).result).toBe('succeeded');
    expect(await adapters.store.get('configRevisions', future.commit)).toMatchObject({ status: 'superseded', supersededBy: next.commit });
    expect(await adapters.store.get('fleetConfig', 'applied')).toMatchObject({ commit: next.commit });
    await restore();
  });

  it('applies a force-push back to an older commit, and a late delivery of the abandoned commit changes nothing', async () => {
    onTestFailed(restore);
    const older = await commitWeights(80, 20);
    await push(older.commit, older.before);
    await waitWeights(80, 20);
    const newer = await commitWeights(60, 40);
    await push(newer.commit, newer.before);
    await waitWeights(60, 40);
    const back = await moveBranch(gitops().repoDir, older.commit);
    expect(back).toEqual({ commit: older.commit, before: newer.commit });
    expect((await push(older.commit, newer.commit, { forced: true })).body.status).toBe('accepted');
    await waitWeights(80, 20);
    const forced = await gitOperation(older.commit, { forced: true });
    expect(forced).toMatchObject({ result: 'succeeded', trigger: { before: newer.commit } });
    expect(await adapters.store.get('configRevisions', newer.commit)).toMatchObject({ status: 'superseded', supersededBy: older.commit });
    // The abandoned commit's push again, as a late delivery (another body, so the receiver does not take it for a replay).
    await push(newer.commit, newer.before, { files: [CONFIG_PATH, 'README.md'] });
    await pollUntil(
      async () => {
        const all = (await adapters.store.list(OPERATIONS)) as unknown as OperationRecord[];
        return all.filter((o) => o.kind === 'git-push' && o.trigger.commit === newer.commit && o.finishedAt).length >= 2 || undefined;
      },
      { timeoutMs: 30_000, what: 'the late delivery of the abandoned commit' },
    );
    expect(await weights()).toEqual({ 'store-asia-northeast1': 80, 'store-asia-northeast2': 20 });
    expect(await adapters.store.get('fleetConfig', 'applied')).toMatchObject({ commit: older.commit });
    await restore();
  });

  it('keeps a drained region at 0 through a push that changes its weight, and applies the new baseline on restore', async () => {
    const started = new Date();
    const alert = (state: 'open' | 'closed') =>
      monitoringNotification({
        incidentId: `gitops-osaka-${started.getTime()}`,
        state,
        startedAt: started,
        cluster: 'mc-gw-osaka',
        location: 'asia-northeast2-b',
        projectId: sandboxInfo().projectId,
      });
    onTestFailed(async () => {
      await adapters.pubsub.publish('healthAlerts', alert('closed'));
      await restore();
    });
    await adapters.pubsub.publish('healthAlerts', alert('open'));
    await waitWeights(50, 0);
    const change = await commitWeights(50, 30);
    await push(change.commit, change.before);
    await gitOperation(change.commit);
    expect(await weights()).toEqual({ 'store-asia-northeast1': 50, 'store-asia-northeast2': 0 });
    await adapters.pubsub.publish('healthAlerts', alert('closed'));
    await waitWeights(50, 30);
    await restore();
  });
});
