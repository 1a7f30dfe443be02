/**
 * Hostile input to the operations API (issue 13): what answered 5xx answers a clear 4xx — a crafted
 * `pageToken` (a document id Firestore refuses), a YAML alias bomb to `/v1/config/plan`.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorBody } from '../../services/http-errors.ts';
import { MAX_YAML_ALIAS_COUNT } from '../../shared/config/config-file.ts';
import { apiTestApp, EXAMPLE_CONFIG } from '../support/api-fakes.ts';

const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('GET /v1/operations with a crafted pageToken', () => {
  it.each<[string, string]>([
    ['an empty document id', token(['x', ''])],
    ['a document id with a slash', token(['2025-05-01T12:00:00.000Z', 'a/b'])],
    ['a reserved document id', token(['2025-05-01T12:00:00.000Z', '__name__'])],
    ['a dot-dot document id', token(['2025-05-01T12:00:00.000Z', '..'])],
    ['a start time that is not a time', token(['not a time', 'op-0001'])],
    ['three parts', token(['2025-05-01T12:00:00.000Z', 'op-0001', 'x'])],
    ['not base64 JSON', '!!!'],
  ])('%s → 400 naming pageToken', async (_name, pageToken) => {
    const t = await apiTestApp();
    const res = await t.call('GET', `/v1/operations?pageToken=${encodeURIComponent(pageToken)}`, { token: t.tokens.viewer });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 'invalid_argument',
      message: 'pageToken is not a token returned by a previous page',
      details: { field: 'pageToken' },
    });
  });

  it('a token from a previous page still pages', async () => {
    const t = await apiTestApp();
    for (let i = 0; i < 3; i++) {
      await t.call('POST', '/v1/reconcile', { token: t.tokens.operator, body: {} });
      t.clock.advance(1_000);
    }
    const first = (await (await t.call('GET', '/v1/operations?pageSize=2', { token: t.tokens.viewer })).json()) as {
      operations: unknown[];
      nextPageToken: string;
    };
    expect(first.operations).toHaveLength(2);
    const second = await t.call('GET', `/v1/operations?pageSize=2&pageToken=${first.nextPageToken}`, { token: t.tokens.viewer });
    expect(second.status).toBe(200);
    expect(((await second.json()) as { operations: unknown[] }).operations.length).toBeGreaterThan(0);
  });
});

describe('POST /v1/config/plan with a YAML alias bomb', () => {
  const bomb = [
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...'bcdefgh'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`),
  ].join('\n');

  it('answers 400 naming the aliases, not 500', async () => {
    const t = await apiTestApp();
    const res = await t.call('POST', '/v1/config/plan', { token: t.tokens.admin, body: { yaml: bomb } });
    const answer = (await res.json()) as ErrorBody;
    expect(res.status).toBe(400);
    expect(answer.code).toBe('invalid_argument');
    expect(answer.message).toMatch(new RegExp(`aliases expand more than ${MAX_YAML_ALIAS_COUNT} times`));
  });

  it('a configuration using a few aliases is still planned', async () => {
    const t = await apiTestApp();
    const withAliases = EXAMPLE_CONFIG.replace('name: store\n    namespace: store', 'name: &app store\n    namespace: *app').replace(
      'port: 8080',
      'port: &port 8080',
    );
    expect(withAliases).toContain('*app');
    const res = await t.call('POST', '/v1/config/plan', { token: t.tokens.admin, body: { yaml: withAliases } });
    expect(res.status).toBe(200);
  });
});
