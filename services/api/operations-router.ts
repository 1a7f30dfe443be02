/** `GET /v1/operations` (filtered, paged) and `GET /v1/operations/{id}`: what fleetpilot did and why. */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../http-errors.ts';
import { getOperation, listOperations } from '../../shared/state/operations-query.ts';
import { requireRole } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { apiRouter, bearer, commonErrors, jsonOk, ErrorSchema } from './openapi-kit.ts';
import { OperationSchema } from './schemas.ts';

const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 time such as 2026-11-22T03:00:00Z' });

const ListQuery = z.object({
  kind: z
    .string()
    .regex(/^[a-z-]{1,40}$/, 'must be an operation kind such as manual-drain')
    .optional(),
  region: z
    .string()
    .regex(/^[a-z]+(-[a-z]+)+[0-9]+$/, 'must be a region such as asia-northeast2')
    .optional(),
  cluster: z
    .string()
    .regex(/^[^/\s]+\/[^/\s]+\/[^/\s]+$/, 'must be PROJECT/LOCATION/NAME')
    .optional(),
  since: isoTime.optional(),
  until: isoTime.optional(),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
  pageToken: z.string().max(500).optional(),
});

/** `/v1/operations` routes. */
export function operationsRouter(deps: ApiDeps) {
  const app = apiRouter();
  const list = createRoute({
    method: 'get',
    path: '/',
    security: bearer,
    summary: 'Operations, newest first, filtered by kind, region, cluster and time',
    middleware: [requireRole('viewer')] as const,
    request: { query: ListQuery },
    responses: {
      ...jsonOk(z.object({ operations: z.array(OperationSchema), nextPageToken: z.string().nullable() }), 'One page of operations'),
      ...commonErrors,
    },
  });
  app.openapi(list, async (c) => {
    const q = c.req.valid('query');
    // Stored times are UTC ISO strings; bounds are normalised so that string order is time order.
    const utc = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());
    const filter = { kind: q.kind, region: q.region, cluster: q.cluster, since: utc(q.since), until: utc(q.until) };
    // A pageToken that is not one of ours is a RequestError: 400 naming the field.
    return c.json(await listOperations(deps.store, filter, q.pageSize, q.pageToken), 200);
  });
  const detail = createRoute({
    method: 'get',
    path: '/{id}',
    security: bearer,
    summary: 'One operation: trigger, principal, plan, steps and result',
    middleware: [requireRole('viewer')] as const,
    request: {
      params: z.object({
        id: z
          .string()
          .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be an operation id')
          .openapi({ param: { name: 'id', in: 'path' } }),
      }),
    },
    responses: {
      ...jsonOk(OperationSchema, 'The operation'),
      404: { content: { 'application/json': { schema: ErrorSchema } }, description: 'No such operation' },
      ...commonErrors,
    },
  });
  app.openapi(detail, async (c) => {
    const { id } = c.req.valid('param');
    const record = await getOperation(deps.store, id);
    if (!record) throw new ApiError(404, 'not_found', `operation ${id} does not exist`);
    return c.json(record, 200);
  });
  return app;
}
