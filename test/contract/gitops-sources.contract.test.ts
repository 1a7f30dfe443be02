/**
 * The Git host adapters against real processes: GitHub and GitLab sources and statuses against a
 * local HTTP server that speaks their API paths, and the local source against a real repository
 * built with the `git` binary. No sandbox needed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../shared/core/errors.ts';
import {
  applyByHistory,
  githubSource,
  githubStatus,
  gitlabSource,
  gitlabStatus,
  localGitSource,
  placeCommit,
  readAppliedConfig,
  readRevision,
} from '../../shared/gitops/index.ts';
import { memoryStore } from '../support/memory-store.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}
type Reply = { status: number; json?: unknown; text?: string; headers?: Record<string, string> };

/** A real HTTP server on 127.0.0.1 answering with `route`, recording every request. */
async function startApi(route: (req: Seen) => Reply): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(request);
      const reply = route(request);
      const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.text ?? '');
      res
        .writeHead(reply.status, { 'content-type': reply.json !== undefined ? 'application/json' : 'text/plain', ...reply.headers })
        .end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, seen, server };
}

const SHA = '0123456789abcdef0123456789abcdef01234567';
/** Commits of the doubles' branch history: OLDER is an ancestor of SHA, OTHER shares no line with either. */
const OLDER = '1111111111111111111111111111111111111111';
const OTHER = '2222222222222222222222222222222222222222';
/** The doubles' graph: SHA's ancestors; anything else is unknown (404). */
const ANCESTORS: Record<string, string[]> = { [SHA]: [SHA, OLDER], [OLDER]: [OLDER], [OTHER]: [OTHER, OLDER] };
const FAILING = 'fa11fa11fa11fa11fa11fa11fa11fa11fa11fa11';
const LIMITED = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const TOKEN = 'tok_live_do_not_leak_9f8e7d';
const YAML = 'version: 1\n# ünïcode survives\nservices: []\n'.repeat(20);
/** GitHub wraps base64 content at 60 characters. */
const base64Lines = Buffer.from(YAML).toString('base64').replace(/.{60}/g, '$&\n');

const failure = (sha: string): Reply | undefined =>
  sha === FAILING
    ? { status: 503, json: { message: 'Service Unavailable' } }
    : sha === LIMITED
      ? { status: 429, json: { message: 'Too Many Requests' }, headers: { 'retry-after': '1' } }
      : undefined;

describe('GitHub and GitLab adapters against a local API server', () => {
  let github: Awaited<ReturnType<typeof startApi>>;
  let gitlab: Awaited<ReturnType<typeof startApi>>;
  beforeAll(async () => {
    github = await startApi(({ method, url }) => {
      const u = new URL(url, 'http://x');
      const sha = u.searchParams.get('ref') ?? u.pathname.split('/').pop() ?? '';
      if (failure(sha)) return failure(sha)!;
      if (method === 'GET' && u.pathname === '/repos/acme/fleet/contents/config/fleet.yaml' && sha === SHA)
        return { status: 200, json: { type: 'file', encoding: 'base64', content: base64Lines } };
      if (method === 'GET' && u.pathname === `/repos/acme/fleet/commits/${SHA}`)
        return {
          status: 200,
          json: {
            sha: SHA,
            commit: {
              author: { name: 'Alice Ops', date: '2025-03-01T08:00:00Z' },
              committer: { name: 'GitHub', date: '2025-03-01T09:30:00Z' },
            },
          },
        };
      if (method === 'POST' && u.pathname === `/repos/acme/fleet/statuses/${SHA}`) return { status: 201, json: { id: 1 } };
      if (method === 'GET' && u.pathname === '/repos/acme/fleet/git/ref/heads/release/2025')
        return { status: 200, json: { ref: 'refs/heads/release/2025', object: { sha: SHA, type: 'commit' } } };
      const compare = /^\/repos\/acme\/fleet\/compare\/([0-9a-f]+)\.\.\.([0-9a-f]+)$/.exec(u.pathname);
      if (method === 'GET' && compare) {
        const [, base = '', head = ''] = compare;
        if (failure(head)) return failure(head)!;
        if (!ANCESTORS[base] || !ANCESTORS[head]) return { status: 404, json: { message: 'Not Found' } };
        const status =
          base === head ? 'identical' : ANCESTORS[head].includes(base) ? 'ahead' : ANCESTORS[base].includes(head) ? 'behind' : 'diverged';
        return { status: 200, json: { status, ahead_by: 1, behind_by: 0, merge_base_commit: { sha: OLDER }, commits: [], files: [] } };
      }
      return { status: 404, json: { message: 'Not Found' } };
    });
    gitlab = await startApi(({ method, url, body }) => {
      const [path = '', query = ''] = url.split('?');
      const sha = new URLSearchParams(query).get('ref') ?? path.split('/').pop() ?? '';
      if (failure(sha)) return failure(sha)!;
      const project = '/api/v4/projects/group%2Fsub%2Ffleet';
      if (method === 'GET' && path === `${project}/repository/files/config%2Ffleet.yaml/raw` && sha === SHA)
        return { status: 200, text: YAML };
      if (method === 'GET' && path === `${project}/repository/commits/${SHA}`)
        return { status: 200, json: { id: SHA, author_name: 'Bob Ops', committed_date: '2025-03-01T18:30:00.000+09:00' } };
      if (method === 'POST' && path === `${project}/statuses/${SHA}`) {
        return (JSON.parse(body) as { state: string }).state === 'pending'
          ? { status: 400, json: { message: 'Cannot transition status via :enqueue from :pending' } }
          : { status: 201, json: { id: 2 } };
      }
      if (method === 'GET' && path === `${project}/repository/branches/release%2F2025`)
        return { status: 200, json: { name: 'release/2025', commit: { id: SHA } } };
      if (method === 'GET' && path === `${project}/repository/merge_base`) {
        const [a = '', b = ''] = new URLSearchParams(query).getAll('refs[]');
        if (failure(b)) return failure(b)!;
        if (!ANCESTORS[a] || !ANCESTORS[b]) return { status: 404, json: { message: '404 Commit Not Found' } };
        const common = ANCESTORS[a].find((c) => ANCESTORS[b]!.includes(c));
        return common
          ? { status: 200, json: { id: common, short_id: common.slice(0, 8) } }
          : { status: 400, json: { message: 'no merge base' } };
      }
      return { status: 404, json: { message: '404 File Not Found' } };
    });
  });
  afterAll(() => {
    github.server.close();
    gitlab.server.close();
  });

  it('GitHub: decodes base64 content with newlines and reads author and commit time, with the API headers', async () => {
    const source = githubSource({ repository: 'acme/fleet', token: TOKEN, baseUrl: github.url });
    expect(await source.fetch(SHA, 'config/fleet.yaml')).toEqual({
      text: YAML,
      author: 'Alice Ops',
      committedAt: '2025-03-01T09:30:00.000Z',
    });
    const file = github.seen.find((r) => r.url.includes('/contents/'))!;
    expect(file.url).toBe(`/repos/acme/fleet/contents/config/fleet.yaml?ref=${SHA}`);
    expect(file.headers).toMatchObject({
      authorization: `Bearer ${TOKEN}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    });
  });

  it('GitLab: reads the raw file and the commit with PRIVATE-TOKEN, normalising the commit time to UTC', async () => {
    const source = gitlabSource({ project: 'group/sub/fleet', token: TOKEN, baseUrl: `${gitlab.url}/api/v4` });
    expect(await source.fetch(SHA, 'config/fleet.yaml')).toEqual({
      text: YAML,
      author: 'Bob Ops',
      committedAt: '2025-03-01T09:30:00.000Z',
    });
    expect(gitlab.seen.filter((r) => r.method === 'GET').every((r) => r.headers['private-token'] === TOKEN)).toBe(true);
  });

  it.each([
    { name: 'GitHub', make: () => githubSource({ repository: 'acme/fleet', token: TOKEN, baseUrl: github.url }) },
    { name: 'GitLab', make: () => gitlabSource({ project: 'group/sub/fleet', token: TOKEN, baseUrl: `${gitlab.url}/api/v4` }) },
  ])('$name: a missing file or commit is terminal, 503 and 429 are transient, and no message carries the token', async ({ make }) => {
    const source = make();
    const errors = await Promise.all([
      source.fetch(SHA, 'config/missing.yaml').catch((e: unknown) => e),
      source.fetch('beef'.repeat(10), 'config/fleet.yaml').catch((e: unknown) => e),
      source.fetch(FAILING, 'config/fleet.yaml').catch((e: unknown) => e),
      source.fetch(LIMITED, 'config/fleet.yaml').catch((e: unknown) => e),
    ]);
    expect(errors.map((e) => (e as Error).constructor)).toEqual([TerminalError, TerminalError, TransientError, TransientError]);
    expect((errors[0] as Error).message).toMatch(/config\/missing\.yaml .*HTTP 404/);
    for (const e of errors) expect(JSON.stringify({ m: (e as Error).message, d: (e as TerminalError).details })).not.toContain(TOKEN);
  });

  it('a refused connection is transient', async () => {
    const closed = await startApi(() => ({ status: 200 }));
    await new Promise((resolve) => closed.server.close(resolve));
    await expect(githubSource({ repository: 'acme/fleet', baseUrl: closed.url }).fetch(SHA, 'fleet.yaml')).rejects.toBeInstanceOf(
      TransientError,
    );
  });

  it('refuses a ref that is not a commit id before any request', async () => {
    const before = github.seen.length;
    await expect(githubSource({ repository: 'acme/fleet', baseUrl: github.url }).fetch('main', 'fleet.yaml')).rejects.toThrow(
      /not a commit id/,
    );
    await expect(githubSource({ repository: 'acme/fleet', baseUrl: github.url }).fetch(SHA, '../secrets')).rejects.toThrow(
      /not a repository file path/,
    );
    expect(github.seen.length).toBe(before);
  });

  it.each([
    { name: 'GitHub', make: () => githubSource({ repository: 'acme/fleet', token: TOKEN, baseUrl: github.url }) },
    { name: 'GitLab', make: () => gitlabSource({ project: 'group/sub/fleet', token: TOKEN, baseUrl: `${gitlab.url}/api/v4` }) },
  ])('$name: reads the branch head and places commits in its history', async ({ make }) => {
    const source = make();
    expect(await source.head('release/2025')).toBe(SHA);
    expect(
      await Promise.all([
        source.compare(OLDER, SHA),
        source.compare(SHA, OLDER),
        source.compare(SHA, SHA),
        source.compare(SHA, OTHER),
        source.compare(OTHER, SHA),
      ]),
    ).toEqual(['ahead', 'behind', 'identical', 'diverged', 'diverged']);
    const errors = await Promise.all([
      source.head('nope').catch((e: unknown) => e),
      source.head('--upload-pack=x').catch((e: unknown) => e),
      source.compare(SHA, 'beef'.repeat(10)).catch((e: unknown) => e),
      source.compare(SHA, FAILING).catch((e: unknown) => e),
      source.compare('main', SHA).catch((e: unknown) => e),
    ]);
    expect(errors.map((e) => (e as Error).constructor)).toEqual([
      TerminalError,
      TerminalError,
      TerminalError,
      TransientError,
      TerminalError,
    ]);
    for (const e of errors) expect((e as Error).message).not.toContain(TOKEN);
  });

  it('GitHub: asks compare for one commit per page, with the API headers', async () => {
    await githubSource({ repository: 'acme/fleet', token: TOKEN, baseUrl: github.url }).compare(OLDER, SHA);
    const compare = github.seen.filter((r) => r.url.includes('/compare/')).at(-1)!;
    expect(compare.url).toBe(`/repos/acme/fleet/compare/${OLDER}...${SHA}?per_page=1`);
    expect(compare.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'x-github-api-version': '2022-11-28' });
  });

  it('GitHub status: posts state, a description of at most 140 characters and the context', async () => {
    await githubStatus({ repository: 'acme/fleet', token: TOKEN, baseUrl: github.url }).report(
      SHA,
      'failure',
      `fleet.yaml:20: services.0.port: ${'x'.repeat(200)}`,
    );
    const post = github.seen.filter((r) => r.method === 'POST').at(-1)!;
    expect(post.headers.authorization).toBe(`Bearer ${TOKEN}`);
    const body = JSON.parse(post.body) as { state: string; description: string; context: string };
    expect(body).toMatchObject({ state: 'failure', context: 'fleetpilot/config' });
    expect(body.description).toHaveLength(140);
    await expect(
      githubStatus({ repository: 'acme/fleet', token: TOKEN, baseUrl: github.url }).report(FAILING, 'success', 'ok'),
    ).rejects.toBeInstanceOf(TransientError);
  });

  it('GitLab status: maps failure and error to failed, and takes "cannot transition" as already set', async () => {
    const status = gitlabStatus({ project: 'group/sub/fleet', token: TOKEN, baseUrl: `${gitlab.url}/api/v4`, name: 'fleetpilot/config' });
    await status.report(SHA, 'error', 'fetch failed');
    await status.report(SHA, 'pending', 'validating');
    const posts = gitlab.seen.filter((r) => r.method === 'POST');
    expect(posts.map((p) => JSON.parse(p.body) as unknown)).toEqual([
      { state: 'failed', name: 'fleetpilot/config', description: 'fetch failed' },
      { state: 'pending', name: 'fleetpilot/config', description: 'validating' },
    ]);
    expect(posts.every((p) => p.headers['private-token'] === TOKEN)).toBe(true);
  });
});

describe('localGitSource against a real repository', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-gitops-'));
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Carol Ops',
    GIT_AUTHOR_EMAIL: 'carol@example.com',
    GIT_COMMITTER_NAME: 'Carol Ops',
    GIT_COMMITTER_EMAIL: 'carol@example.com',
  };
  const git = (args: string[], extra: Record<string, string> = {}) =>
    execFileSync('git', args, { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' }).trim();
  const commits: string[] = [];
  beforeAll(() => {
    git(['init', '-q', '-b', 'main']);
    for (const [i, weight] of [50, 80].entries()) {
      writeFileSync(join(dir, 'fleet.yaml'), `version: 1\nweight: ${weight}\n`);
      git(['add', 'fleet.yaml']);
      const date = `2025-03-01T1${i}:00:00+09:00`;
      git(['commit', '-q', '-m', `weight ${weight}`], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
      commits.push(git(['rev-parse', 'HEAD']));
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads each commit's file, author and commit time", async () => {
    const source = localGitSource({ repoDir: dir });
    expect(await source.fetch(commits[0]!, 'fleet.yaml')).toEqual({
      text: 'version: 1\nweight: 50\n',
      author: 'Carol Ops',
      committedAt: '2025-03-01T01:00:00.000Z',
    });
    expect(await source.fetch(commits[1]!.slice(0, 10), 'fleet.yaml')).toEqual({
      text: 'version: 1\nweight: 80\n',
      author: 'Carol Ops',
      committedAt: '2025-03-01T02:00:00.000Z',
    });
  });

  it('refuses refs and option-like input, and reports missing commits and files as terminal', async () => {
    const source = localGitSource({ repoDir: dir });
    for (const bad of ['HEAD', 'main', '--output=/tmp/x', `${commits[0]!};rm -rf /`, 'abc']) {
      await expect(source.fetch(bad, 'fleet.yaml')).rejects.toThrow(/not a commit id/);
    }
    await expect(source.fetch('beef'.repeat(10), 'fleet.yaml')).rejects.toBeInstanceOf(TerminalError);
    await expect(source.fetch(commits[0]!, 'missing.yaml')).rejects.toThrow(/not found/);
  });
});

describe('GitOps ordering against a real repository (local source, git merge-base)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fp-gitops-order-'));
  const env = {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Dana Ops',
    GIT_AUTHOR_EMAIL: 'dana@example.com',
    GIT_COMMITTER_NAME: 'Dana Ops',
    GIT_COMMITTER_EMAIL: 'dana@example.com',
  };
  const git = (args: string[], extra: Record<string, string> = {}) =>
    execFileSync('git', args, { cwd: dir, env: { ...env, ...extra }, encoding: 'utf8' }).trim();
  /** Commits a new weight on the checked-out branch, claiming `date`; returns the commit. */
  const commit = (weight: number, date: string) => {
    writeFileSync(join(dir, 'fleet.yaml'), `version: 1\nweight: ${weight}\n`);
    git(['add', 'fleet.yaml']);
    git(['commit', '-q', '-m', `weight ${weight}`], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
    return git(['rev-parse', 'HEAD']);
  };
  const source = localGitSource({ repoDir: dir });
  const store = memoryStore();
  /** What the git-push flow does with a push of `sha`: fetch it, then apply it where the branch history places it. */
  const deliver = async (sha: string) => {
    const fetched = await source.fetch(sha, 'fleet.yaml');
    const revision = { commit: sha, author: fetched.author, committedAt: fetched.committedAt, receivedAt: new Date().toISOString() };
    return applyByHistory(store, { ...revision, yaml: fetched.text }, (applied) => placeCommit(source, 'main', sha, applied));
  };
  beforeAll(() => git(['init', '-q', '-b', 'main']));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('applies the next real push after a commit dated in the future, then a force-push back to an older commit', async () => {
    const first = commit(50, '2025-03-01T10:00:00Z');
    expect(await deliver(first)).toMatchObject({ applied: true });
    const future = commit(70, '2031-06-01T00:00:00Z');
    expect(await deliver(future)).toMatchObject({ applied: true, current: { committedAt: '2031-06-01T00:00:00.000Z' } });
    const next = commit(60, '2025-03-01T11:00:00Z');
    expect(await deliver(next)).toMatchObject({ applied: true, previous: { commit: future } });
    // A late delivery of the first push changes nothing.
    expect(await deliver(first)).toMatchObject({ applied: false, status: 'superseded', supersededBy: next });

    git(['reset', '-q', '--hard', first]);
    expect(await deliver(first)).toMatchObject({ applied: true, previous: { commit: next } });
    expect(await deliver(next)).toMatchObject({ applied: false, status: 'superseded', supersededBy: first });
    expect(await readAppliedConfig(store)).toMatchObject({ commit: first, yaml: 'version: 1\nweight: 50\n' });
  });

  it('answers head and ancestry with git, and cannot place what the history does not hold', async () => {
    const base = git(['rev-parse', 'HEAD']);
    const ahead = commit(80, '2025-03-02T10:00:00Z');
    git(['checkout', '-q', '-b', 'side', base]);
    const side = commit(90, '2025-03-02T11:00:00Z');
    git(['checkout', '-q', 'main']);
    expect(await source.head('main')).toBe(ahead);
    expect(await source.head('side')).toBe(side);
    expect(
      await Promise.all([source.compare(base, ahead), source.compare(ahead, base.slice(0, 10)), source.compare(ahead, ahead)]),
    ).toEqual(['ahead', 'behind', 'identical']);
    expect(await source.compare(ahead, side)).toBe('diverged');
    await expect(source.head('nope')).rejects.toBeInstanceOf(TerminalError);
    await expect(source.head('--output=/tmp/x')).rejects.toThrow(/not a branch name/);
    await expect(source.compare(ahead, 'beef'.repeat(10))).rejects.toBeInstanceOf(TerminalError);
    // A commit on another branch only: main does not contain it.
    expect(await deliver(side)).toMatchObject({ applied: false, status: 'superseded', supersededBy: ahead });
    const missing = 'beef'.repeat(10);
    expect(await placeCommit(source, 'main', missing, ahead)).toMatchObject({ verdict: 'unplaced' });
    expect((await readRevision(store, side))?.reason).toBe(`main is at ${ahead.slice(0, 12)}, which does not contain ${side.slice(0, 12)}`);
  });
});
