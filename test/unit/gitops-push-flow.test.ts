/** The git-push flow with in-memory fakes for the source, the statuses and the store, and a stubbed route renderer. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memoryStore } from '../support/memory-store.ts';
import { parseFleetConfigYaml } from '../../shared/config/config-file.ts';
import type { FleetConfig } from '../../shared/config/fleet-config.ts';
import { readFacts, updateFacts } from '../../shared/failover/drain-store.ts';
import { TerminalError, TransientError } from '../../shared/core/errors.ts';
import { deriveDrains, drainedRegions, mergeManual } from '../../shared/failover/index.ts';
import {
  COMMIT_STATUSES, createConfigLoader, createGitProvider, handleGitPush, parseGitPushMessage, readAppliedConfig, readRevision, type ApplyRoutes, type CommitState, type FetchedConfig, type GitPushDeps, type GitPushMessage,
} from '../../shared/gitops/index.ts';
import { createLogger } from '../../shared/core/logger.ts';


const example = readFileSync(new URL('../../examples/fleet.yaml', import.meta.url), 'utf8');
const weighted = (tokyo: number, osaka: number) => example.replace('asia-northeast1: 50', `asia-northeast1: ${tokyo}`).replace('asia-northeast2: 50', `asia-northeast2: ${osaka}`);
const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);
const BAD = 'c'.repeat(40);
const NOW = new Date('2025-03-01T10:00:00Z');
const push = (commit: string, deliveryId = `delivery-${commit.slice(0, 4)}`): GitPushMessage => ({ provider: 'github', repository: 'acme/fleet', branch: 'main', commit, deliveryId, pusher: 'alice' });

/** A fleet: pushes, statuses and a live "route" (region weights) rendered level-based from config + drain facts. */
function fleet(files: Record<string, FetchedConfig> = {}) {
  const store = memoryStore();
  const statuses: { commit: string; state: CommitState; description: string }[] = [];
  const logs: string[] = [];
  const live = { route: {} as Record<string, number>, renders: [] as FleetConfig[] };
  let id = 0;
  const applyRoutes: ApplyRoutes = async (deps, _op, config) => {
    const drains = deriveDrains({ facts: await readFacts(deps.store), services: config.services.map((s) => ({ name: s.name, regions: Object.keys(s.regionWeights) })), policy: config.safety, now: deps.clock.now() });
    const drained = drainedRegions(drains);
    const route = Object.fromEntries(config.services.flatMap((s) => Object.entries(s.regionWeights).map(([r, w]) => [r, drained.has(r) ? 0 : w])));
    const changed = JSON.stringify(route) === JSON.stringify(live.route) ? [] : [`HTTPRoute store/store: ${JSON.stringify(route)}`];
    live.route = route;
    live.renders.push(config);
    return { changed, explanation: [], problems: [], drains };
  };
  const deps: GitPushDeps = {
    container: {} as never, hub: {} as never, kubeFor: (() => Promise.reject(new Error('no clusters in unit tests'))),
    store, clock: { now: () => NOW }, sleep: async () => undefined, ids: () => `op-${++id}`, instanceId: 'unit', importWaitMs: 0,
    config: () => Promise.reject(new Error('the push flow must render the pushed configuration, not re-read one')),
    log: createLogger({ write: (line) => logs.push(line) }),
    source: { fetch: async (commit, path) => files[commit] ?? Promise.reject(new TerminalError(`GitHub file ${path} at ${commit.slice(0, 12)}: HTTP 404`)) },
    status: { report: async (commit, state, description) => void statuses.push({ commit, state, description }) },
    configPath: 'fleet.yaml',
    applyRoutes,
  };
  return { deps, store, statuses, logs, live, files };
}

const file = (text: string, minute: number): FetchedConfig => ({ text, author: 'Alice', committedAt: new Date(Date.UTC(2025, 2, 1, 9, minute)).toISOString() });

describe('handleGitPush', () => {
  it('applies a valid configuration, renders routes from it and reports success', async () => {
    const f = fleet({ [NEW]: file(weighted(80, 20), 5) });
    const record = await handleGitPush(f.deps, push(NEW), 'm1');
    expect(record).toMatchObject({ kind: 'git-push', principal: 'git:alice', subject: 'config/acme/fleet', result: 'succeeded' });
    expect(f.statuses.map((s) => s.state)).toEqual(['pending', 'success']);
    expect(f.statuses[1]?.description).toBe(`applied ${NEW.slice(0, 12)}: 1 route change`);
    expect(f.live.route).toEqual({ 'asia-northeast1': 80, 'asia-northeast2': 20 });
    expect(await readAppliedConfig(f.store)).toMatchObject({ commit: NEW, yaml: weighted(80, 20) });
    expect(await readRevision(f.store, NEW)).toMatchObject({ status: 'applied', author: 'Alice', committedAt: file('', 5).committedAt, receivedAt: NOW.toISOString() });
  });

  it('rejects an invalid configuration naming file, line and path, and leaves the live route alone', async () => {
    const f = fleet({ [OLD]: file(example, 1), [BAD]: file(example.replace('port: 8080', 'port: 99999'), 2) });
    await handleGitPush(f.deps, push(OLD), 'm1');
    const record = await handleGitPush(f.deps, push(BAD), 'm2');
    expect(record.result).toBe('refused');
    expect(record.reason).toContain('fleet.yaml:20: services.0.port');
    expect(f.statuses.at(-1)).toEqual({ commit: BAD, state: 'failure', description: 'fleet.yaml:20: services.0.port: Too big: expected number to be <=65535' });
    expect(await readRevision(f.store, BAD)).toMatchObject({ status: 'rejected', problems: ['fleet.yaml:20: services.0.port: Too big: expected number to be <=65535'] });
    expect((await readAppliedConfig(f.store))?.commit).toBe(OLD);
    expect(f.live.renders).toHaveLength(1);
  });

  it('names the line of a YAML syntax error', async () => {
    const f = fleet({ [BAD]: file(example.replace('[store.example.com]', '[store.example.com'), 2) });
    await handleGitPush(f.deps, push(BAD), 'm1');
    expect(f.statuses.at(-1)).toMatchObject({ state: 'failure', description: expect.stringMatching(/^fleet\.yaml:22: /) as unknown });
    expect(f.live.renders).toHaveLength(0);
  });

  it('ends at the newer commit when pushes arrive in reverse order', async () => {
    const f = fleet({ [OLD]: file(weighted(50, 50), 1), [NEW]: file(weighted(90, 10), 2) });
    await handleGitPush(f.deps, push(NEW), 'm1');
    const older = await handleGitPush(f.deps, push(OLD), 'm2');
    expect(older).toMatchObject({ result: 'skipped', reason: `older than the applied commit ${NEW}` });
    expect(f.statuses.at(-1)).toEqual({ commit: OLD, state: 'success', description: `superseded by ${NEW.slice(0, 12)}` });
    expect(f.live.route).toEqual({ 'asia-northeast1': 90, 'asia-northeast2': 10 });
    expect(await readRevision(f.store, OLD)).toMatchObject({ status: 'superseded', supersededBy: NEW });
  });

  it('renders the newer configuration last when a newer push is applied while an older one renders', async () => {
    const f = fleet({ [OLD]: file(weighted(50, 50), 1), [NEW]: file(weighted(90, 10), 2) });
    const render = f.deps.applyRoutes!;
    let raced = false;
    f.deps.applyRoutes = async (deps, op, config) => {
      if (!raced) {
        raced = true;
        await handleGitPush({ ...f.deps, applyRoutes: render }, push(NEW), 'm2');
      }
      return render(deps, op, config);
    };
    const record = await handleGitPush(f.deps, push(OLD), 'm1');
    expect(record.steps.map((s) => s.name)).toContain('newer commit applied meanwhile');
    expect(f.live.route).toEqual({ 'asia-northeast1': 90, 'asia-northeast2': 10 });
  });

  it('treats a duplicate delivery of the same commit as a no-op', async () => {
    const f = fleet({ [NEW]: file(weighted(70, 30), 3) });
    await handleGitPush(f.deps, push(NEW), 'm1');
    const revisions = structuredClone([...f.store.docs].filter(([k]) => !k.startsWith('operations/')));
    const again = await handleGitPush(f.deps, push(NEW), 'm1-redelivered');
    expect(again).toMatchObject({ result: 'skipped', reason: `already applied ${NEW.slice(0, 12)}: routes already match` });
    expect(f.statuses.at(-1)?.state).toBe('success');
    expect([...f.store.docs].filter(([k]) => !k.startsWith('operations/'))).toEqual(revisions);
    expect(f.live.route).toEqual({ 'asia-northeast1': 70, 'asia-northeast2': 30 });
  });

  it('keeps a manual hold across a new revision and never writes drain facts', async () => {
    const f = fleet({ [NEW]: file(weighted(60, 40), 4) });
    await updateFacts(f.store, (facts) => mergeManual(facts, { id: 'hold-1', region: 'asia-northeast2', action: 'drain', at: '2025-03-01T08:00:00Z', by: 'bob', reason: 'maintenance' }));
    const facts = structuredClone(f.store.docs.get('failover/facts'));
    const record = await handleGitPush(f.deps, push(NEW), 'm1');
    expect(record.reason).toContain('kept drained: asia-northeast2');
    expect(f.live.route).toEqual({ 'asia-northeast1': 60, 'asia-northeast2': 0 });
    expect(f.store.docs.get('failover/facts')).toEqual(facts);
  });

  it('records retrying and rethrows a transient failure; reports an error on the last attempt', async () => {
    const f = fleet();
    f.deps.source = { fetch: () => Promise.reject(new TransientError('GitHub file fleet.yaml: HTTP 503')) };
    await expect(handleGitPush(f.deps, push(NEW), 'm1')).rejects.toThrow(/503/);
    expect(f.statuses.map((s) => s.state)).toEqual(['pending']);
    const last = await handleGitPush(f.deps, push(NEW), 'm1', { finalAttempt: true });
    expect(last).toMatchObject({ result: 'failed', reason: 'GitHub file fleet.yaml: HTTP 503' });
    expect(f.statuses.at(-1)?.state).toBe('error');
    expect((await f.store.list('operations')).map((o) => o.result)).toEqual(['retrying', 'failed']);
  });

  it('fails a push whose file is missing, without retrying', async () => {
    const f = fleet();
    const record = await handleGitPush(f.deps, push(NEW), 'm1');
    expect(record).toMatchObject({ result: 'failed', reason: expect.stringContaining('HTTP 404') as unknown });
    expect(f.statuses.at(-1)?.state).toBe('error');
  });

  it('carries on when the commit status cannot be reported, logging no token', async () => {
    const f = fleet({ [NEW]: file(example, 1) });
    f.deps.status = { report: () => Promise.reject(new TerminalError('GitHub status: HTTP 401 (Bearer ghp_secret123 rejected)')) };
    expect((await handleGitPush(f.deps, push(NEW), 'm1')).result).toBe('succeeded');
    expect(f.logs.some((l) => l.includes('commit status not reported'))).toBe(true);
    expect(f.logs.join('\n')).not.toContain('ghp_secret123');
  });
});

describe('createConfigLoader', () => {
  it('reads the fallback file until a revision is applied, then the applied revision (parsed once per commit)', async () => {
    const f = fleet({ [NEW]: file(weighted(80, 20), 5) });
    const fromFile: string[] = [];
    const load = createConfigLoader({ store: f.store, fallbackFile: 'examples/fleet.yaml', loadFile: async (path) => (fromFile.push(path), parseFleetConfigYaml(example, path)) });
    expect((await load()).services[0]?.regionWeights).toEqual({ 'asia-northeast1': 50, 'asia-northeast2': 50 });
    await handleGitPush(f.deps, push(NEW), 'm1');
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
    { payload: { ...push(NEW), commit: 'main', pusher: '' }, reason: 'commit: must be a commit id (7-40 or 64 hexadecimal digits); pusher: Too small: expected string to have >=1 characters' },
    { payload: 'nope', reason: '(message): Invalid input: expected object, received string' },
  ])('$payload.commit → ok $ok$reason', ({ payload, ok, reason }) => {
    const result = parseGitPushMessage(payload);
    expect(result.ok ? { ok: true } : { reason: result.reason }).toEqual(ok ? { ok } : { reason });
  });
});

describe('createGitProvider', () => {
  it('records statuses in Firestore for the local repository and for a hosted provider without a token', async () => {
    const store = memoryStore();
    for (const options of [{ provider: 'local' as const, repoDir: '/tmp/repo' }, { provider: 'github' as const, repository: 'acme/fleet' }]) {
      await createGitProvider({ ...options, store, clock: { now: () => NOW } }).status.report(NEW, 'success', 'applied');
    }
    expect(await store.get(COMMIT_STATUSES, NEW)).toEqual({ commit: NEW, state: 'success', description: 'applied', context: 'fleetpilot/config', reportedAt: NOW.toISOString() });
    expect(() => createGitProvider({ provider: 'gitlab', store })).toThrow(/needs a repository/);
  });
});
