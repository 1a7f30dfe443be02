import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ApiError, toErrorResponse } from '../../services/http-errors.ts';
import type { SlackDeps, SlackOpResult } from '../../services/slack/deps.ts';
import { slackRouter } from '../../services/slack/router.ts';
import { createLogger } from '../../shared/core/logger.ts';

const SECRET = 'slack-fuzz-secret-0123456789abcdef';
const NOW = new Date('2025-05-01T12:00:00Z');
const TS = NOW.getTime() / 1000;
const RESPONSE_URL = 'https://hooks.slack.com/commands/T1/2/fuzz-response-token-77aa';
const captured: string[] = [];

/** An operation that succeeds, fails with a 4xx, fails unexpectedly, or throws synchronously. */
const outcome = (n: number, summary: string): Promise<SlackOpResult> => {
  switch (n % 4) {
    case 0:
      return Promise.resolve({ summary });
    case 1:
      return Promise.reject(new ApiError(409, 'conflict', 'busy'));
    case 2:
      return Promise.reject(new Error('boom'));
    default:
      throw new Error('synchronous boom');
  }
};

const words = [
  'status',
  'help',
  'drain',
  'restore',
  'plan',
  'asia-northeast2',
  'us-east1',
  'Bad-Region',
  'reason',
  '',
  ' ',
  '\n',
  '%',
  '+',
  '&',
];
const text = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'status',
      'drain us-east1 outage',
      'restore asia-northeast2',
      'plan drain us-east1 test',
      'plan restore us-east1',
    ),
  },
  fc.array(fc.constantFrom(...words), { maxLength: 6 }).map((w) => w.join(' ')),
  fc.string({ maxLength: 120 }),
  fc.string({ minLength: 990, maxLength: 1010 }),
);
/** Mostly a usual value, sometimes an odd one, random text, or absent. */
const field = (usual: string[], odd: string[] = []) =>
  fc.option(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...usual) }, fc.constantFrom('', ...odd), fc.string({ maxLength: 40 })), {
    freq: 12,
  });
const formBody = fc
  .record({
    user_id: field(['U_OPS', 'U_VIEW'], ['U_STRANGER', '__proto__', 'toString']),
    command: field(['/fleet']),
    response_url: field([RESPONSE_URL], ['https://evil.example/x', 'http://hooks.slack.com/x', 'not a url', 'https://hooks.slack.com/']),
    text: fc.option(text, { freq: 8 }),
  })
  .map((form) =>
    new TextEncoder().encode(new URLSearchParams(Object.entries(form).filter((e): e is [string, string] => e[1] !== null)).toString()),
  );
const body = fc.oneof(
  { weight: 6, arbitrary: formBody },
  fc.string({ maxLength: 200 }).map((s) => new TextEncoder().encode(s)),
  fc.uint8Array({ maxLength: 300 }),
);
const headerText = fc.string({ unit: 'grapheme-ascii', maxLength: 80 });
const request = fc.record({
  body,
  signature: fc.oneof(
    { weight: 6, arbitrary: fc.constant('valid' as const) },
    fc.constant('absent' as const),
    headerText,
    headerText.map((h) => `v0=${h}`),
  ),
  timestamp: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: TS - 320, max: TS + 320 }).map(String) }, fc.constant(null), headerText),
  op: fc.nat(),
});

describe('slack fuzz', () => {
  const tasks: Array<Promise<unknown>> = [];
  const deps: SlackDeps = {
    signingSecret: SECRET,
    users: { U_OPS: 'ops@example.com', U_VIEW: 'viewer@example.com' },
    roleOf: (id) => (id === 'ops@example.com' ? 'operator' : 'viewer'),
    ops: {
      status: () => Promise.resolve({ summary: 'ok' }),
      drain: () => Promise.resolve({ summary: 'drained' }),
      restore: () => Promise.resolve({ summary: 'restored' }),
      approvals: () => Promise.resolve({ summary: 'no approval is waiting' }),
      decide: () => Promise.resolve({ summary: 'decided' }),
    },
    store: { markOnce: async () => true },
    clock: { now: () => NOW },
    log: createLogger({ level: 'DEBUG', write: (line) => void captured.push(line) }),
    post: async (_url, message) => void captured.push(JSON.stringify(message)),
    responseUrlPrefixes: ['https://hooks.slack.com/'],
    background: (task) => void tasks.push(task),
  };
  let opCount = 0;
  deps.ops.drain = () => outcome(opCount++, 'drained');
  deps.ops.restore = () => outcome(opCount++, 'restored');
  const app = new Hono();
  app.route('/slack', slackRouter(deps));
  app.onError((e, c) => {
    const r = toErrorResponse(e);
    return c.json(r.body, r.status);
  });

  it('refuses an oversized streamed body with 413 without reading it all', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => void (pulled++ < 1000 ? controller.enqueue(new Uint8Array(16 * 1024)) : controller.close()),
    });
    const res = await app.request('/slack/commands', { method: 'POST', body: stream, duplex: 'half' });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ code: 'payload_too_large', message: 'request body exceeds 65536 bytes' });
    expect(pulled).toBeLessThan(10);
    expect(tasks).toHaveLength(0);
  });

  it('1,000 random requests never yield a 5xx, a non-JSON answer, a throw or a rejected task', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
        if (r.timestamp !== null) headers['x-slack-request-timestamp'] = r.timestamp;
        if (r.signature === 'valid') {
          headers['x-slack-signature'] = `v0=${createHmac('sha256', SECRET)
            .update(`v0:${r.timestamp ?? ''}:`)
            .update(r.body)
            .digest('hex')}`;
        } else if (r.signature !== 'absent') headers['x-slack-signature'] = r.signature;
        const res = await app.request('/slack/commands', { method: 'POST', headers, body: r.body });
        expect(res.status).toBeLessThan(500);
        const answer = (await res.json()) as Record<string, unknown>;
        captured.push(JSON.stringify(answer));
        expect(typeof (answer.text ?? answer.message)).toBe('string');
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }),
      { numRuns: 1000 },
    );
    await expect(Promise.all(tasks)).resolves.toBeDefined();
    expect(statuses.get(200) ?? 0).toBeGreaterThan(100);
    expect(tasks.length).toBeGreaterThan(20);
    for (const line of captured) {
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain('fuzz-response-token-77aa');
    }
  });
});
