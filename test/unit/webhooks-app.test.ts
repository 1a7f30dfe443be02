import { createHmac } from 'node:crypto';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from '../../shared/config/env.ts';
import { createLogger, silentLogger } from '../../shared/core/logger.ts';
import { createApp } from '../../services/app.ts';
import { parseServiceEnv } from '../../services/config.ts';
import { ApiError, toErrorResponse } from '../../services/http-errors.ts';
import { serveApp, startServices } from '../../services/main.ts';
import { systemClock } from '../../shared/core/clock.ts';
import type { GitPushMessage, WebhookDeps } from '../../services/webhooks/deps.ts';
import { sendGithubPush } from '../../sandbox/github-push.ts';

const SECRET = 'app-test-secret-0123456789';
const baseDeps = (over: Partial<WebhookDeps> = {}): WebhookDeps => ({
  github: { secret: SECRET },
  filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
  store: { markOnce: async () => true, delete: async () => undefined },
  publish: async () => 'msg-1',
  clock: { now: () => new Date('2025-05-01T12:00:00Z') },
  log: silentLogger(),
  ...over,
});

describe('createApp', () => {
  it.each(['/healthz', '/health'])('GET %s → ok', async (path) => {
    const res = await createApp(baseDeps()).request(path);
    expect([res.status, await res.json()]).toEqual([200, { status: 'ok' }]);
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/webhooks/github'],
    ['POST', '/webhooks/bitbucket'],
  ])('%s %s → 404 JSON', async (method, path) => {
    const res = await createApp(baseDeps()).request(path, { method });
    expect([res.status, await res.json()]).toEqual([404, { code: 'not_found', message: 'no such route' }]);
  });

  it('refuses an oversized body with 413 before verifying it', async () => {
    const app = createApp(baseDeps({ maxBodyBytes: 100 }));
    const res = await app.request('/webhooks/github', {
      method: 'POST',
      body: 'x'.repeat(101),
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
    });
    expect([res.status, await res.json()]).toEqual([413, { code: 'payload_too_large', message: 'request body exceeds 100 bytes' }]);
  });

  it('maps an unexpected failure to 500 internal and logs it once, without details', async () => {
    const lines: string[] = [];
    const clock = {
      now: (): Date => {
        throw new Error('clock broke');
      },
    };
    const app = createApp(baseDeps({ clock, log: createLogger({ write: (line) => void lines.push(line) }) }));
    const failed = await sendSignedPush(app);
    expect(failed).toEqual({ status: 500, body: { code: 'internal', message: 'internal error' } });
    expect(lines.filter((line) => line.includes('"severity":"ERROR"'))).toHaveLength(1);
    expect(lines.join('\n')).not.toContain(SECRET);
  });
});

async function sendSignedPush(app: ReturnType<typeof createApp>) {
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: 'b'.repeat(40),
    after: 'c'.repeat(40),
    repository: { full_name: 'acme/fleet-config' },
    pusher: { name: 'p' },
  });
  const signature = `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`;
  const res = await app.request('/webhooks/github', {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': signature },
  });
  return { status: res.status, body: await res.json() };
}

describe('toErrorResponse', () => {
  it.each([
    ['ApiError', new ApiError(404, 'not_configured', 'x'), 404, { code: 'not_configured', message: 'x' }],
    ['HTTPException', new HTTPException(401, { message: 'no' }), 401, { code: 'unauthenticated', message: 'no' }],
    [
      'zod error',
      z.object({ a: z.object({ b: z.string() }) }).safeParse({ a: {} }).error,
      400,
      { code: 'invalid_argument', details: { issues: [{ path: 'a.b' }] } },
    ],
    ['a transient backend failure', Object.assign(new Error('secret stuff'), { code: 14 }), 503, { code: 'unavailable' }],
    ['anything else', new Error('secret stuff'), 500, { code: 'internal', message: 'internal error' }],
  ])('%s', (_name, error, status, body) => {
    const mapped = toErrorResponse(error);
    expect(mapped.status).toBe(status);
    expect(mapped.body).toMatchObject(body);
  });
});

describe('parseServiceEnv', () => {
  const valid = { FLEETPILOT_GITOPS_REPOSITORY: 'acme/fleet-config', FLEETPILOT_GITHUB_WEBHOOK_SECRET: SECRET };
  it('applies defaults', () => {
    expect(parseServiceEnv(valid)).toEqual({
      ok: true,
      config: {
        port: 8080,
        github: { secret: SECRET },
        gitlab: undefined,
        filter: { repository: 'acme/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
        api: { audience: undefined, certsUrl: undefined, principals: {}, ratePerMinute: 60 },
        slack: { signingSecret: undefined, users: {}, responseUrlPrefixes: ['https://hooks.slack.com/'] },
      },
    });
  });
  it('parses principals, Slack users and URL prefixes; refuses malformed lists without echoing secrets', () => {
    const ok = parseServiceEnv({
      ...valid,
      FLEETPILOT_API_PRINCIPALS: 'Alice@Example.com=operator, bob@example.com=admin',
      FLEETPILOT_SLACK_USERS: 'U0ALICE=Alice@Example.com',
      FLEETPILOT_SLACK_RESPONSE_URL_PREFIXES: 'http://127.0.0.1:9/slack/',
    });
    expect(ok.ok && ok.config.api.principals).toEqual({ 'alice@example.com': 'operator', 'bob@example.com': 'admin' });
    expect(ok.ok && ok.config.slack).toMatchObject({
      users: { U0ALICE: 'alice@example.com' },
      responseUrlPrefixes: ['http://127.0.0.1:9/slack/'],
    });
    const bad = parseServiceEnv({
      ...valid,
      FLEETPILOT_API_PRINCIPALS: 'alice@example.com=root',
      FLEETPILOT_SLACK_USERS: 'alice=U1',
      FLEETPILOT_SLACK_SIGNING_SECRET: 'tiny-secret',
      FLEETPILOT_API_RATE_LIMIT_PER_MINUTE: '0',
    });
    const problems = bad.ok ? [] : bad.problems;
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'FLEETPILOT_API_PRINCIPALS',
      'FLEETPILOT_API_RATE_LIMIT_PER_MINUTE',
      'FLEETPILOT_SLACK_SIGNING_SECRET',
      'FLEETPILOT_SLACK_USERS',
    ]);
    expect(problems.join('\n')).not.toContain('tiny-secret');
  });
  it('lists every problem at once and never repeats a secret', () => {
    const result = parseServiceEnv({
      PORT: 'x',
      FLEETPILOT_GITHUB_WEBHOOK_SECRET: 'short-s3cret',
      FLEETPILOT_GITOPS_BRANCH: 'refs/heads/main',
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'FLEETPILOT_GITHUB_WEBHOOK_SECRET',
      'FLEETPILOT_GITOPS_BRANCH',
      'FLEETPILOT_GITOPS_REPOSITORY',
      'PORT',
    ]);
    expect(problems.join('\n')).not.toContain('short-s3cret');
  });
});

describe('serveApp and startServices', () => {
  it('serves on a loopback port and accepts a push signed like GitHub signs it', async () => {
    const published: GitPushMessage[] = [];
    const store = { markOnce: async () => true, delete: async () => undefined };
    const publish = async (p: GitPushMessage) => `m-${published.push(p)}`;
    const app = createApp(
      baseDeps({
        store,
        publish,
        clock: systemClock,
        filter: { repository: 'fleetpilot-demo/fleet-config', branch: 'main', configPath: 'fleet.yaml' },
      }),
    );
    const handle = await serveApp(app, { port: 0, hostname: '127.0.0.1', log: silentLogger() });
    try {
      expect(handle.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const answer = await sendGithubPush({
        url: `${handle.url}/webhooks/github`,
        secret: SECRET,
        repository: 'fleetpilot-demo/fleet-config',
        branch: 'main',
        commit: 'c'.repeat(40),
        before: 'b'.repeat(40),
        files: ['fleet.yaml'],
        pusher: 'platform-team',
      });
      expect(answer).toEqual({ status: 202, body: { status: 'accepted', messageId: 'm-1', commit: 'c'.repeat(40) } });
      expect(published).toHaveLength(1);
    } finally {
      await handle.close();
    }
  });

  it('refuses to start with every problem listed, Google Cloud variables included', async () => {
    const error = await startServices({ FLEETPILOT_GITHUB_WEBHOOK_SECRET: 'tiny' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.some((p) => p.startsWith('FLEETPILOT_PROJECT_ID'))).toBe(true);
    expect(problems.some((p) => p.startsWith('FLEETPILOT_GITOPS_REPOSITORY'))).toBe(true);
    expect(problems.some((p) => p.startsWith('FLEETPILOT_GITHUB_WEBHOOK_SECRET'))).toBe(true);
    expect((error as ConfigError).message).not.toContain('tiny');
  });
});
