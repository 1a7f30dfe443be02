import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY, idempotency } from '../../services/api/idempotency.ts';
import { apiRouter, jsonOk } from '../../services/api/openapi-kit.ts';
import { toErrorResponse } from '../../services/http-errors.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import { memoryStore } from '../support/memory-store.ts';

/** An app mounted like the real one: a router whose route carries the middleware, errors mapped by the parent's onError. */
function appThrowing(thrown: unknown) {
  const store = memoryStore();
  let calls = 0;
  const router = apiRouter();
  router.use('*', async (c, next) => {
    c.set('principal', { id: 'token:operator', role: 'operator', via: 'api-token' });
    await next();
  });
  const route = createRoute({
    method: 'post',
    path: '/',
    middleware: [idempotency({ store, clock: { now: () => new Date('2026-01-01T00:00:00Z') }, log: silentLogger() })] as const,
    responses: jsonOk(z.object({ ok: z.boolean() }), 'ok'),
  });
  router.openapi(route, (c) => {
    calls++;
    if (calls === 1) throw thrown;
    return c.json({ ok: true }, 200);
  });
  const app = new OpenAPIHono();
  app.route('/act', router);
  app.onError((error, c) => {
    const { status, body } = toErrorResponse(error);
    return c.json(body, status);
  });
  const send = () =>
    app.request('/act', { method: 'POST', headers: { 'idempotency-key': 'k-1', 'content-type': 'application/json' }, body: '{}' });
  const keys = () => [...store.docs.keys()].filter((k) => k.startsWith(`${IDEMPOTENCY}/`));
  return { send, keys, calls: () => calls };
}

describe('idempotency: a first attempt that fails frees its key', () => {
  it('a thrown Error becomes a 500 through app.onError, and the status check frees the key', async () => {
    const app = appThrowing(new Error('boom'));
    expect((await app.send()).status).toBe(500);
    expect(app.keys()).toEqual([]);
    expect((await app.send()).status).toBe(200);
    expect(app.calls()).toBe(2);
  });

  it('a thrown value that is not an Error skips app.onError and reaches the catch, which frees the key', async () => {
    const app = appThrowing({ code: 14, details: 'not an Error' });
    await expect(app.send()).rejects.toEqual({ code: 14, details: 'not an Error' });
    expect(app.keys()).toEqual([]);
    // Without the catch the key would stay pending: this retry would be refused with 409 for 24 hours.
    expect((await app.send()).status).toBe(200);
    expect(app.calls()).toBe(2);
  });
});
