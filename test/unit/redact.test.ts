import { describe, expect, it } from 'vitest';
import { REDACTED, redact, redactString } from '../../shared/core/redact.ts';
import { createLogger } from '../../shared/core/logger.ts';

describe('redaction', () => {
  it('masks credential-named fields at any depth, keeping the rest', () => {
    const out = redact({
      cluster: 'mc-gw-tokyo',
      token: 'abc',
      nested: { clientSecret: 'x', list: [{ password: 'p', ok: 1 }] },
      authorization: 'Bearer z',
    });
    expect(out).toEqual({
      cluster: 'mc-gw-tokyo',
      token: REDACTED,
      nested: { clientSecret: REDACTED, list: [{ password: REDACTED, ok: 1 }] },
      authorization: REDACTED,
    });
  });

  it.each([
    ['Authorization: Bearer sandbox-0123456789abcdef', 'Authorization: Bearer [REDACTED]'],
    ['got ya29.a0AfH6SMBx-token_value from metadata', 'got [REDACTED] from metadata'],
    ['api token fpt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789 in a message', 'api token [REDACTED] in a message'],
    ['id token eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIn0.c2lnbmF0dXJlLWJ5dGVz here', 'id token [REDACTED] here'],
    ['https://user:hunter2@github.com/org/repo.git', 'https://[REDACTED]@github.com/org/repo.git'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', REDACTED],
    ['nothing secret here', 'nothing secret here'],
  ])('redactString(%j)', (input, expected) => expect(redactString(input)).toBe(expected));

  it('never lets a secret reach a log line', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l), now: () => new Date('2026-11-21T00:00:00Z') });
    log.info('calling API', {
      resource: 'projects/p/locations/global/memberships/m',
      headers: { Authorization: 'Bearer sandbox-secret-token' },
      error: new Error('failed with Bearer sandbox-secret-token'),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('sandbox-secret-token');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      severity: 'INFO',
      message: 'calling API',
      time: '2026-11-21T00:00:00.000Z',
      resource: 'projects/p/locations/global/memberships/m',
    });
  });

  it('cuts cycles instead of crashing', () => {
    const a: Record<string, unknown> = { name: 'a' };
    a.self = a;
    expect(redact(a)).toEqual({ name: 'a', self: '[Circular]' });
  });
});
