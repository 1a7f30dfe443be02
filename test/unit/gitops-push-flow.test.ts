/**
 * The git-push flow, driven for real on the in-memory demo fleet (Tokyo and Osaka serving at 50/50):
 * only the Git provider (the pushed files and the commit statuses) is a test double. Each scenario
 * asserts the state of the world: the applied revision, the live route weights, the commit
 * statuses and the operation records.
 */
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../support/memory-store.ts';
import { fakeGitHistory } from '../support/fake-git-history.ts';
import { demoFleet, EXAMPLE_CONFIG as example } from '../support/memory-fleet.ts';
import { parseFleetConfigYaml } from '../../shared/config/config-file.ts';
import { updateFacts } from '../../shared/failover/drain-store.ts';
import { TerminalError, TransientError } from '../../shared/core/errors.ts';
import { mergeManual } from '../../shared/failover/index.ts';
import {
  COMMIT_STATUSES,
  createConfigLoader,
  createGitProvider,
  handleGitPush,
  parseGitPushMessage,
  readAppliedConfig,
  readRevision,
  type CommitState,
  type FetchedConfig,
  type GitPushContext,
  type GitPushMessage,
} from '../../shared/gitops/index.ts';
import { ROUTE_STEPS } from '../../shared/routing/index.ts';
import { GITOPS_STEPS } from '../../shared/gitops/steps.ts';

const weighted = (tokyo: number, osaka: number) =>
  example.replace('asia-northeast1: 50', `asia-northeast1: ${tokyo}`).replace('asia-northeast2: 50', `asia-northeast2: ${osaka}`);
const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const BAD = 'c'.repeat(40);
const NOW = new Date('2025-03-01T10:00:00Z');
const push = (commit: string, deliveryId = `delivery-${commit.slice(0, 4)}`, extra: Partial<GitPushMessage> = {}): GitPushMessage => ({
  provider: 'github',
  repository: 'acme/fleet',
  branch: 'main',
  commit,
  deliveryId,
  pusher: 'alice',
  ...extra,
});

/**
 * The demo fleet, a repository of pushed files and the statuses reported on them. The files'
 * commits are the branch `main`, one after the other in the order given (the last is its head).
 */
async function fleet(files: Record<string, FetchedConfig> = {}) {
  const world = await demoFleet({ start: NOW });
  const statuses: { commit: string; state: CommitState; description: string }[] = [];
  const git = fakeGitHistory('main');
  for (const commit of Object.keys(files)) git.push(commit);
  const ctx: GitPushContext = {
    ...world.ctx,
    source: {
      ...git.history,
      fetch: async (commit, path) =>
        files[commit] ?? Promise.reject(new TerminalError(`GitHub file ${path} at ${commit.slice(0, 12)}: HTTP 404`)),
    },
    status: { report: async (commit, state, description) => void statuses.push({ commit, state, description }) },
    configPath: 'fleet.yaml',
  };
  const weights = () => world.route('store')?.weights;
  return { world, ctx, store: world.store, statuses, weights, files, git };
}

const file = (text: string, minute: number, year = 2025): FetchedConfig => ({
  text,
  author: 'Alice',
  committedAt: new Date(Date.UTC(year, 2, 1, 9, minute)).toISOString(),
});
const stepNames = (record: { steps: { name: string }[] }) => record.steps.map((s) => s.name);

describe('handleGitPush', () => {
  it('applies a valid configuration, renders routes from it and reports success', async () => {
    const f = await fleet({ [NEW]: file(weighted(80, 20), 5) });
    const record = await handleGitPush(f.ctx, push(NEW), 'm1');
    expect(record).toMatchObject({ kind: 'git-push', principal: 'git:alice', subject: 'config/acme/fleet', result: 'succeeded' });
    expect(f.statuses.map((s) => s.state)).toEqual(['pending', 'success']);
    // Two lines of route change: each region's weight of the default rule.
    expect(f.statuses[1]?.description).toBe(`applied ${NEW.slice(0, 12)}: 2 route changes`);
    expect(f.weights()).toEqual({ 'asia-northeast1': 80, 'asia-northeast2': 20 });
    expect(await readAppliedConfig(f.store)).toMatchObject({ commit: NEW, yaml: weighted(80, 20) });
    expect(await readRevision(f.store, NEW)).toMatchObject({
      status: 'applied',
      author: 'Alice',
      committedAt: file('', 5).committedAt,
      receivedAt: NOW.toISOString(),
    });
    expect(f.world.published.map((r) => [r.kind, r.result])).toEqual([['git-push', 'succeeded']]);
  });

  it('rejects an invalid configuration naming file, line and path, and leaves the live route alone', async () => {
    const f = await fleet({ [OLD]: file(weighted(70, 30), 1), [BAD]: file(example.replace('port: 8080', 'port: 99999'), 2) });
    await handleGitPush(f.ctx, push(OLD), 'm1');
    const live = f.world.route('store');
    const record = await handleGitPush(f.ctx, push(BAD), 'm2');
    expect(record.result).toBe('refused');
    expect(record.reason).toContain('fleet.yaml:20: services.0.port');
    expect(f.statuses.at(-1)).toEqual({
      commit: BAD,
      state: 'failure',
      description: 'fleet.yaml:20: services.0.port: Too big: expected number to be <=65535',
    });
    expect(await readRevision(f.store, BAD)).toMatchObject({
      status: 'rejected',
      problems: ['fleet.yaml:20: services.0.port: Too big: expected number to be <=65535'],
    });
    expect((await readAppliedConfig(f.store))?.commit).toBe(OLD);
    expect(stepNames(record)).not.toContain(ROUTE_STEPS.applyRoutes);
    expect(f.world.route('store')).toEqual(live);
    expect(f.weights()).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 30 });
  });

  it('names the line of a YAML syntax error', async () => {
    const f = await fleet({ [BAD]: file(example.replace('[store.example.com]', '[store.example.com'), 2) });
    const live = f.world.route('store');
    const record = await handleGitPush(f.ctx, push(BAD), 'm1');
    expect(f.statuses.at(-1)).toMatchObject({ state: 'failure', description: expect.stringMatching(/^fleet\.yaml:22: /) as unknown });
    expect(stepNames(record)).not.toContain(ROUTE_STEPS.applyRoutes);
    expect(f.world.route('store')).toEqual(live);
    expect(await readAppliedConfig(f.store)).toBeUndefined();
  });

  it('ends at the newer commit when pushes arrive in reverse order', async () => {
    const f = await fleet({ [OLD]: file(weighted(50, 50), 1), [NEW]: file(weighted(90, 10), 2) });
    await handleGitPush(f.ctx, push(NEW), 'm1');
    const older = await handleGitPush(f.ctx, push(OLD), 'm2');
    expect(older).toMatchObject({
      result: 'skipped',
      reason: `superseded by ${NEW}: the applied ${NEW.slice(0, 12)} already follows ${OLD.slice(0, 12)} on main`,
    });
    expect(f.statuses.at(-1)).toEqual({ commit: OLD, state: 'success', description: `superseded by ${NEW.slice(0, 12)}` });
    expect(f.weights()).toEqual({ 'asia-northeast1': 90, 'asia-northeast2': 10 });
    expect(await readRevision(f.store, OLD)).toMatchObject({ status: 'superseded', supersededBy: NEW });
  });

  it('applies the next real push after a commit dated in the future', async () => {
    const f = await fleet({ [OLD]: file(weighted(70, 30), 1, 2031) });
    expect((await handleGitPush(f.ctx, push(OLD), 'm1')).result).toBe('succeeded');
    f.files[NEW] = file(weighted(90, 10), 2);
    f.git.push(NEW);
    const record = await handleGitPush(f.ctx, push(NEW, 'delivery-new', { before: OLD }), 'm2');
    expect(record).toMatchObject({ result: 'succeeded', trigger: { commit: NEW, before: OLD } });
    expect(f.weights()).toEqual({ 'asia-northeast1': 90, 'asia-northeast2': 10 });
    expect(await readRevision(f.store, OLD)).toMatchObject({
      status: 'superseded',
      supersededBy: NEW,
      committedAt: '2031-03-01T09:01:00.000Z',
    });
  });

  it('applies a force-push back to an older commit, and a late delivery of the abandoned commit changes nothing', async () => {
    const f = await fleet({ [OLD]: file(weighted(70, 30), 1), [NEW]: file(weighted(90, 10), 2) });
    await handleGitPush(f.ctx, push(NEW), 'm1');
    f.git.move(OLD);
    const back = await handleGitPush(f.ctx, push(OLD, 'delivery-back', { before: NEW, forced: true }), 'm2');
    expect(back).toMatchObject({ result: 'succeeded', trigger: { forced: true } });
    expect(f.weights()).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 30 });
    const late = await handleGitPush(f.ctx, push(NEW, 'delivery-late'), 'm3');
    expect(late).toMatchObject({
      result: 'skipped',
      reason: `superseded by ${OLD}: main is at ${OLD.slice(0, 12)}, which does not contain ${NEW.slice(0, 12)}`,
    });
    expect(f.statuses.at(-1)).toEqual({ commit: NEW, state: 'success', description: `superseded by ${OLD.slice(0, 12)}` });
    expect(f.weights()).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 30 });
    expect((await readAppliedConfig(f.store))?.commit).toBe(OLD);
  });

  it('records a commit the history cannot place, reports a failure, and leaves the live route alone', async () => {
    const f = await fleet({ [OLD]: file(weighted(70, 30), 1) });
    await handleGitPush(f.ctx, push(OLD), 'm1');
    f.files[NEW] = file(weighted(90, 10), 2);
    const record = await handleGitPush(f.ctx, push(NEW), 'm2');
    const reason = `cannot place ${NEW.slice(0, 12)} in the history of main: commit ${NEW.slice(0, 12)} not found (HTTP 404)`;
    expect(record).toMatchObject({ result: 'refused', reason: `not applied; live routes untouched: ${reason}` });
    expect(f.statuses.at(-1)).toMatchObject({ commit: NEW, state: 'failure', description: `not applied: ${reason}` });
    expect(await readRevision(f.store, NEW)).toMatchObject({ status: 'unplaced', reason });
    expect(stepNames(record)).not.toContain(ROUTE_STEPS.applyRoutes);
    expect(f.weights()).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 30 });
  });

  it('renders the newer configuration last when a newer push is applied while an older one renders', async () => {
    const f = await fleet({ [OLD]: file(weighted(50, 50), 1), [NEW]: file(weighted(90, 10), 2) });
    // The older push is recorded as applied; as its render reaches for the config cluster (and takes the route
    // lease), the newer push arrives on another instance and runs alongside it. Whichever renders last, from the
    // newest revision: a run that finds the lease taken hands its render to the holder.
    let newer: ReturnType<typeof handleGitPush> | undefined;
    f.world.container.before('getCluster', async () => void (newer = handleGitPush(f.ctx, push(NEW), 'm2')));
    const record = await handleGitPush(f.ctx, push(OLD), 'm1');
    expect((await newer)?.result).toBe('succeeded');
    expect(stepNames(record)).toContain(GITOPS_STEPS.newerApplied);
    expect(f.weights()).toEqual({ 'asia-northeast1': 90, 'asia-northeast2': 10 });
    expect((await readAppliedConfig(f.store))?.commit).toBe(NEW);
  });

  it('treats a duplicate delivery of the same commit as a no-op', async () => {
    const f = await fleet({ [NEW]: file(weighted(70, 30), 3) });
    await handleGitPush(f.ctx, push(NEW), 'm1');
    // Operation records and the drain snapshot (stamped with the last render's operation) are rewritten by every run,
    // and the applied revision's generation counts the delivery that confirmed it.
    const state = () =>
      [...f.store.docs]
        .filter(([k]) => !k.startsWith('operations/') && k !== 'failover/state')
        .map(([k, d]) => [k, k === 'fleetConfig/applied' ? { ...d, generation: undefined } : d]);
    const before = structuredClone(state());
    const route = f.world.route('store');
    const again = await handleGitPush(f.ctx, push(NEW), 'm1-redelivered');
    expect(again).toMatchObject({ result: 'skipped', reason: `already applied ${NEW.slice(0, 12)}: routes already match` });
    expect(f.statuses.at(-1)?.state).toBe('success');
    expect(state()).toEqual(before);
    expect(f.world.route('store')).toEqual(route);
    expect(f.weights()).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 30 });
  });

  it('keeps a manual hold across a new revision and never writes drain facts', async () => {
    const f = await fleet({ [NEW]: file(weighted(60, 40), 4) });
    await updateFacts(f.store, (facts) =>
      mergeManual(
        facts,
        {
          id: 'hold-1',
          region: 'asia-northeast2',
          action: 'drain',
          at: '2025-03-01T08:00:00Z',
          by: 'bob',
          reason: 'maintenance',
        },
        f.ctx.clock.now(),
      ),
    );
    const facts = structuredClone(f.store.docs.get('failover/facts'));
    const record = await handleGitPush(f.ctx, push(NEW), 'm1');
    expect(record.reason).toContain('kept drained: asia-northeast2');
    expect(f.weights()).toEqual({ 'asia-northeast1': 60, 'asia-northeast2': 0 });
    expect(f.store.docs.get('failover/facts')).toEqual(facts);
  });

  it('records retrying and rethrows a transient failure; reports an error on the last attempt', async () => {
    const f = await fleet();
    f.ctx.source = { ...f.ctx.source, fetch: () => Promise.reject(new TransientError('GitHub file fleet.yaml: HTTP 503')) };
    await expect(handleGitPush(f.ctx, push(NEW), 'm1')).rejects.toThrow(/503/);
    expect(f.statuses.map((s) => s.state)).toEqual(['pending']);
    const last = await handleGitPush(f.ctx, push(NEW), 'm1', { finalAttempt: true });
    expect(last).toMatchObject({ result: 'failed', reason: 'GitHub file fleet.yaml: HTTP 503' });
    expect(f.statuses.at(-1)?.state).toBe('error');
    expect(f.world.operations().map((o) => o.result)).toEqual(['retrying', 'failed']);
    expect(f.weights()).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 50 });
  });

  it('fails a push whose file is missing, without retrying', async () => {
    const f = await fleet();
    const record = await handleGitPush(f.ctx, push(NEW), 'm1');
    expect(record).toMatchObject({ result: 'failed', reason: expect.stringContaining('HTTP 404') as unknown });
    expect(f.statuses.at(-1)?.state).toBe('error');
  });

  it('carries on when the commit status cannot be reported, logging no token', async () => {
    const f = await fleet({ [NEW]: file(example, 1) });
    f.ctx.status = { report: () => Promise.reject(new TerminalError('GitHub status: HTTP 401 (Bearer ghp_secret123 rejected)')) };
    expect((await handleGitPush(f.ctx, push(NEW), 'm1')).result).toBe('succeeded');
    expect(f.world.logLines.some((l) => l.includes('commit status not reported'))).toBe(true);
    expect(f.world.logLines.join('\n')).not.toContain('ghp_secret123');
  });
});

describe('createConfigLoader', () => {
  it('reads the fallback file until a revision is applied, then the applied revision (parsed once per commit)', async () => {
    const f = await fleet({ [NEW]: file(weighted(80, 20), 5) });
    const fromFile: string[] = [];
    const load = createConfigLoader({
      store: f.store,
      fallbackFile: 'examples/fleet.yaml',
      loadFile: async (path) => (fromFile.push(path), parseFleetConfigYaml(example, path)),
    });
    expect((await load()).services[0]?.regionWeights).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 50 });
    await handleGitPush(f.ctx, push(NEW), 'm1');
    const first = await load();
    expect(first.services[0]?.regionWeights).toEqual({ 'asia-northeast1': 80, 'asia-northeast2': 20 });
    expect(await load()).toBe(first);
    expect(fromFile).toEqual(['examples/fleet.yaml']);
  });

  it('says so when there is neither an applied revision nor a file', async () => {
    await expect(createConfigLoader({ store: memoryStore() })()).rejects.toThrow(/no configuration revision has been applied/);
  });
});

describe('parseGitPushMessage', () => {
  it.each([
    { payload: { ...push(NEW), before: OLD, receivedAt: NOW.toISOString() }, ok: true },
    { payload: { ...push(NEW), provider: 'local' }, ok: true },
    { payload: { ...push(NEW), commit: 'f'.repeat(64) }, ok: true },
    { payload: { ...push(NEW), commit: '0'.repeat(40) }, reason: 'commit: is the all-zero id of a deleted branch: nothing to apply' },
    {
      payload: { ...push(NEW), commit: 'main', pusher: '' },
      reason: 'commit: must be a commit id (7-40 or 64 hexadecimal digits); pusher: Too small: expected string to have >=1 characters',
    },
    { payload: 'nope', reason: '(message): Invalid input: expected object, received string' },
  ])('$payload.commit → ok $ok$reason', ({ payload, ok, reason }) => {
    const result = parseGitPushMessage(payload);
    expect(result.ok ? { ok: true } : { reason: result.reason }).toEqual(ok ? { ok } : { reason });
  });
});

describe('createGitProvider', () => {
  it('records statuses in Firestore for the local repository and for a hosted provider without a token', async () => {
    const store = memoryStore();
    for (const options of [
      { provider: 'local' as const, repoDir: '/tmp/repo' },
      { provider: 'github' as const, repository: 'acme/fleet' },
    ]) {
      await createGitProvider({ ...options, store, clock: { now: () => NOW } }).status.report(NEW, 'success', 'applied');
    }
    expect(await store.get(COMMIT_STATUSES, NEW)).toEqual({
      commit: NEW,
      state: 'success',
      description: 'applied',
      context: 'fleetpilot/config',
      reportedAt: NOW.toISOString(),
    });
    expect(() => createGitProvider({ provider: 'gitlab', store })).toThrow(/needs a repository/);
  });
});
