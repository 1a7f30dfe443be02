/**
 * Hostile input to the operations API (issue 13): what answered 5xx answers a clear 4xx — a crafted
 * `pageToken` (a document id Firestore refuses).
 */
import { describe, expect, it } from 'vitest';
import { apiTestApp } from '../support/api-fakes.ts';

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
    expect(await res.json()).toEqual({ code: 'invalid_argument', message: 'pageToken is not a token returned by a previous page', details: { field: 'pageToken' } });
  });

  it('a token from a previous page still pages', async () => {
    const t = await apiTestApp();
    for (let i = 0; i < 3; i++) {
      await t.call('POST', '/v1/reconcile', { token: t.tokens.operator, body: {} });
      t.clock.advance(1_000);
    }
    const first = (await (await t.call('GET', '/v1/operations?pageSize=2', { token: t.tokens.viewer })).json()) as { operations: unknown[]; nextPageToken: string };
    expect(first.operations).toHaveLength(2);
    const second = await t.call('GET', `/v1/operations?pageSize=2&pageToken=${first.nextPageToken}`, { token: t.tokens.viewer });
    expect(second.status).toBe(200);
    expect(((await second.json()) as { operations: unknown[] }).operations.length).toBeGreaterThan(0);
  });
});
