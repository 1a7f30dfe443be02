/**
 * The deployable artifact runs: dist/ (built first when stale) is served by the real
 * functions-framework CLI through package.json's `main`, and a CloudEvent posted with an empty
 * environment gets an HTTP error naming the missing variables while the process keeps serving;
 * `npm start` with an empty environment exits 1 listing every missing variable; the fleet page's
 * JSX, compiled by tsc, renders from dist/ on plain Node. Runs on whichever
 * Node runs vitest: `npm test` runs it on this machine's Node and on Node 22 (scripts/node22.mjs).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT, SERVICES_ENTRY, ensureBuilt, startBuiltFunction, type ArtifactProcess } from '../../sandbox/built-artifact.ts';

const TARGETS = ['clusterLifecycle', 'healthAlerts', 'gitPush', 'tick'] as const;
const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  main: string;
  scripts: { start: string; 'gcp-build': string };
};

/** A Pub/Sub push in binary CloudEvent mode, as Eventarc delivers it. */
function postCloudEvent(url: string, id: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-type': 'google.cloud.pubsub.topic.v1.messagePublished',
      'ce-source': '//pubsub.googleapis.com/projects/fleetpilot-test/topics/fleetpilot-ticks',
      'ce-id': id,
      'ce-time': new Date().toISOString(),
    },
    body: JSON.stringify({
      message: { data: Buffer.from('{}').toString('base64'), messageId: id },
      subscription: 'projects/fleetpilot-test/subscriptions/s',
    }),
  });
}

/** The first line `host` wrote containing `text`, once it arrived (output comes through a pipe, possibly after the answer). */
function lineOf(host: ArtifactProcess, text: string): Promise<string> {
  const find = () =>
    host
      .output()
      .split('\n')
      .find((line) => line.includes(text)) ?? expect.fail(`no line with ${text} yet`);
  return vi.waitFor(find, { timeout: 5_000 });
}

// Once per run: a rebuild while hosts run from dist/ would pull their files away.
beforeAll(ensureBuilt, 300_000);

describe('package.json', () => {
  it('names the built entry, builds on a source deploy and starts the built service', () => {
    expect(pkg.main).toBe('dist/functions/index.js');
    expect(pkg.scripts['gcp-build']).toBe('npm run build');
    expect(pkg.scripts.start).toBe('node dist/services/main.js');
    expect(join(REPO_ROOT, pkg.scripts.start.replace(/^node /, ''))).toBe(SERVICES_ENTRY);
  });
});

describe('built functions with an empty environment', () => {
  const hosts = new Map<string, ArtifactProcess>();

  beforeAll(async () => {
    // Every host that started is kept for afterAll, even when another failed to.
    const started = await Promise.allSettled(
      TARGETS.map(async (target) => hosts.set(target, await startBuiltFunction(target, { env: {} }))),
    );
    for (const result of started) if (result.status === 'rejected') throw result.reason;
  }, 300_000);

  afterAll(async () => {
    await Promise.all([...hosts.values()].map((host) => host.stop()));
  });

  it.each(TARGETS)('%s answers a CloudEvent with a configuration error naming the missing variable, and keeps serving', async (target) => {
    const host = hosts.get(target)!;
    for (const id of ['1', '2']) {
      const res = await postCloudEvent(host.url, id);
      const body = await res.text();
      expect(res.status, host.output()).toBe(500);
      expect(body).toContain('invalid configuration');
      expect(body).toContain('FLEETPILOT_PROJECT_ID is required');
    }
    const line = JSON.parse(await lineOf(host, '"invalid configuration"')) as unknown;
    expect(line).toMatchObject({ severity: 'ERROR', problems: ['FLEETPILOT_PROJECT_ID is required'] });
    expect(host.output()).not.toMatch(/Uncaught exception|Unhandled rejection|Process exited|TypeError/);
  });

  it('deployed (NODE_ENV=production) the answer is a bare 500, and the log line still lists every problem', async () => {
    const host = await startBuiltFunction('tick', { env: { NODE_ENV: 'production' } });
    try {
      const res = await postCloudEvent(host.url, '3');
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('Internal Server Error');
      const line = JSON.parse(await lineOf(host, '"invalid configuration"')) as unknown;
      expect(line).toMatchObject({
        severity: 'ERROR',
        component: 'tick',
        problems: ['FLEETPILOT_PROJECT_ID is required'],
      });
    } finally {
      await host.stop();
    }
  });
});

describe('the built service with an empty environment', () => {
  it('exits 1 listing every missing variable', async () => {
    const child = spawn(process.execPath, [SERVICES_ENTRY], { cwd: REPO_ROOT, env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, output).toBe(1);
    const line = JSON.parse(output.trim()) as { severity: string; message: string; problems: string[] };
    expect(line).toMatchObject({ severity: 'ERROR', message: 'services failed to start' });
    expect(line.problems).toEqual(['FLEETPILOT_GITOPS_REPOSITORY is required', 'FLEETPILOT_PROJECT_ID is required']);
  }, 60_000);
});

describe('the built fleet page', () => {
  it('renders from dist/ on plain Node: tsc compiled its .tsx to hono/jsx runtime calls and rewrote the imports', async () => {
    const layout = pathToFileURL(join(REPO_ROOT, 'dist', 'services', 'page', 'page-layout.js')).href;
    const script = [
      `const { SignInPage, renderDocument } = await import(${JSON.stringify(layout)});`,
      `process.stdout.write(await renderDocument(SignInPage({ nonce: 'n0nce', problem: '<b>bold</b>' })));`,
    ].join('\n');
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code, output).toBe(0);
    expect(output).toMatch(/^<!doctype html><html lang="en">/);
    expect(output).toContain('<form class="sign-in" method="post" action="/fleet/sign-in">');
    expect(output).toContain('<style nonce="n0nce">');
    expect(output).toContain('&lt;b&gt;bold&lt;/b&gt;');
  }, 60_000);
});
