import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  describeSlackRejection,
  slackMarkerKey,
  slackRequestId,
  verifySlackRequest,
  type SlackRejection,
  type SlackVerifyInput,
} from '../../services/slack/verify.ts';

const SECRET = 'slack-signing-secret-DO-NOT-LEAK-5c2e';
const NOW = new Date('2025-05-01T12:00:00Z');
const TS = String(NOW.getTime() / 1000);
const BODY = 'token=x&command=%2Ffleet&text=status&user_id=U1&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1%2F1%2Fabc';

const sign = (timestamp: string, body: string | Uint8Array, secret = SECRET) =>
  `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:`).update(body).digest('hex')}`;

function input(over: Partial<SlackVerifyInput> & { body?: string | Uint8Array } = {}): SlackVerifyInput {
  const { body = BODY, ...rest } = over;
  const rawBody = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return { signingSecret: SECRET, signature: sign(TS, rawBody), timestamp: TS, rawBody, now: NOW, ...rest };
}

const at = (offsetSeconds: number) => {
  const timestamp = String(Number(TS) + offsetSeconds);
  return input({ timestamp, signature: sign(timestamp, BODY) });
};

describe('verifySlackRequest', () => {
  const binary = Uint8Array.from([0x74, 0x3d, 0xff, 0xfe, 0x00, 0x80]);
  const cases: Array<[string, SlackVerifyInput, SlackRejection | null]> = [
    ['a valid request', input(), null],
    ['upper-case hex digits', input({ signature: sign(TS, BODY).toUpperCase().replace('V0=', 'v0=') }), null],
    ['raw bytes that are not UTF-8', input({ body: binary, signature: sign(TS, binary) }), null],
    ['an empty body', input({ body: '', signature: sign(TS, '') }), null],
    ['exactly 300 s old', at(-300), null],
    ['exactly 300 s ahead', at(300), null],
    ['missing signature', input({ signature: undefined }), 'missing-signature'],
    ['empty signature', input({ signature: '' }), 'missing-signature'],
    ['v1 scheme', input({ signature: sign(TS, BODY).replace('v0=', 'v1=') }), 'malformed-signature'],
    ['short digest', input({ signature: sign(TS, BODY).slice(0, -1) }), 'malformed-signature'],
    ['non-hex digest', input({ signature: 'v0=' + 'z'.repeat(64) }), 'malformed-signature'],
    ['GitHub-style header', input({ signature: 'sha256=' + 'a'.repeat(64) }), 'malformed-signature'],
    ['missing timestamp', input({ timestamp: undefined }), 'missing-timestamp'],
    ['empty timestamp', input({ timestamp: '' }), 'missing-timestamp'],
    ['fractional timestamp', input({ timestamp: `${TS}.5` }), 'invalid-timestamp'],
    ['negative timestamp', input({ timestamp: `-${TS}` }), 'invalid-timestamp'],
    ['text timestamp', input({ timestamp: 'yesterday' }), 'invalid-timestamp'],
    ['absurdly long timestamp', input({ timestamp: '9'.repeat(400) }), 'invalid-timestamp'],
    ['milliseconds timestamp', input({ timestamp: String(NOW.getTime()) }), 'stale-timestamp'],
    ['301 s old', at(-301), 'stale-timestamp'],
    ['an hour old', at(-3600), 'stale-timestamp'],
    ['301 s in the future', at(301), 'stale-timestamp'],
    ['signed with another secret', input({ signature: sign(TS, BODY, 'another-secret') }), 'signature-mismatch'],
    ['body changed after signing', input({ body: BODY.replace('status', 'drain'), signature: sign(TS, BODY) }), 'signature-mismatch'],
    ['timestamp changed after signing', input({ timestamp: String(Number(TS) - 10) }), 'signature-mismatch'],
    [
      'signature over the body without the timestamp',
      input({ signature: `v0=${createHmac('sha256', SECRET).update(BODY).digest('hex')}` }),
      'signature-mismatch',
    ],
  ];

  it.each(cases)('%s', (_name, request, reason) => {
    const result = verifySlackRequest(request);
    expect(result).toEqual(reason === null ? { ok: true } : { ok: false, reason });
    if (!result.ok) {
      const message = describeSlackRejection(result.reason);
      expect(message.length).toBeGreaterThan(10);
      for (const text of [message, JSON.stringify(result)]) {
        expect(text).not.toContain(SECRET);
        if (request.signature) expect(text).not.toContain(request.signature.slice(3));
      }
    }
  });
});

describe('request ids and replay keys', () => {
  it('are derived deterministically from the signature, whatever the case of its hex digits', () => {
    const signature = sign(TS, BODY);
    const id = slackRequestId(signature);
    expect(id).toMatch(/^slack:[0-9a-f]{32}$/);
    expect(slackRequestId(signature)).toBe(id);
    expect(slackRequestId(signature.toUpperCase())).toBe(id);
    expect(slackRequestId(sign(TS, BODY + '&x=1'))).not.toBe(id);
    expect(slackMarkerKey(signature)).toMatch(/^slack:[0-9a-f]{64}$/);
    expect(slackMarkerKey(signature).startsWith(id)).toBe(true);
    expect(id).not.toContain(signature.slice(3, 35));
  });
});
