import { compileErrors, validate } from '@readme/openapi-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiTestApp, type ApiTestApp } from '../support/api-fakes.ts';

interface Operation {
  security?: Record<string, string[]>[];
  summary?: string;
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown> };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** `:param` → `{param}`, without a trailing slash (a sub-router's `/` mounts as `/v1/routes`). */
const openapiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}').replace(/(.)\/$/, '$1');

describe('GET /openapi.json', () => {
  let t: ApiTestApp;
  let doc: Document;
  beforeAll(async () => {
    t = await apiTestApp({ withSlack: true });
    const res = await t.app.request('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = (await res.json()) as Document;
  });

  /** Every registered route, as `METHOD path` in OpenAPI notation; middleware (`ALL`) and the document itself excluded. */
  const served = () =>
    [
      ...new Set(
        t.app.routes
          .filter((r) => r.method !== 'ALL' && r.path !== '/openapi.json')
          .map((r) => `${r.method.toLowerCase()} ${openapiPath(r.path)}`),
      ),
    ].sort();
  const documented = () =>
    Object.entries(doc.paths)
      .flatMap(([path, item]) =>
        Object.keys(item)
          .filter((m) => METHODS.includes(m))
          .map((m) => `${m} ${path}`),
      )
      .sort();
  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([m]) => METHODS.includes(m))
        .map(([method, op]) => ({ method, path, op })),
    );

  it('is a valid OpenAPI 3 document', async () => {
    expect(doc.openapi).toMatch(/^3\./);
    const result = await validate(structuredClone(doc) as unknown as Parameters<typeof validate>[0]);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(result.warnings).toEqual([]);
  });

  it('documents every route the app serves', () => {
    const routes = served();
    expect(routes.length).toBeGreaterThan(15);
    const missing = routes.filter((route) => !documented().includes(route));
    expect(missing).toEqual([]);
  });

  it('documents no route the app does not serve', () => {
    expect(documented().filter((route) => !served().includes(route))).toEqual([]);
  });

  it('every /v1 operation requires the bearer scheme; the others do not', () => {
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const v1 = operations().filter(({ path }) => path.startsWith('/v1/'));
    expect(v1.length).toBe(22);
    for (const { method, path, op } of v1) expect(op.security, `${method} ${path}`).toEqual([{ bearerAuth: [] }]);
    for (const { method, path, op } of operations().filter(({ path }) => !path.startsWith('/v1/')))
      expect(op.security, `${method} ${path}`).toBeUndefined();
  });

  it('every /v1 operation documents the errors every call can answer, in the error shape', () => {
    for (const { method, path, op } of operations().filter(({ path }) => path.startsWith('/v1/'))) {
      const statuses = Object.keys(op.responses);
      // Every POST reads a JSON body (413, 415); those that act on a region or cluster also answer 404 and 409.
      const acts = method === 'post' && path !== '/v1/config/plan';
      const expected = ['200', '400', '401', '403', '429', ...(method === 'post' ? ['413', '415'] : []), ...(acts ? ['404', '409'] : [])];
      expect(statuses, `${method} ${path}`).toEqual(expect.arrayContaining(expected));
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        expect(op.responses[status], `${method} ${path} ${status}`).toMatchObject({
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        });
      }
      expect(op.summary, `${method} ${path}`).toBeTruthy();
    }
  });

  it('every path template parameter is a required path parameter; every POST has a required JSON body', () => {
    for (const { method, path, op } of operations()) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      const params = (op.parameters ?? []).filter((p) => p.in === 'path');
      expect(params.map((p) => p.name).sort(), `${method} ${path}`).toEqual(inPath.sort());
      for (const p of params) expect(p.required, `${method} ${path} ${p.name}`).toBe(true);
      if (method === 'post') expect(op.requestBody, `${method} ${path}`).toMatchObject({ required: true });
    }
  });

  it('needs no credentials and is the same for every caller', async () => {
    const again = await (await t.app.request('/openapi.json', { headers: { authorization: `Bearer ${t.tokens.admin}` } })).json();
    expect(again).toEqual(doc);
  });
});
