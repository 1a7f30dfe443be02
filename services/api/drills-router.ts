/**
 * Drills (admin): `POST /v1/drills` drains a region on purpose for a set time when the fleet is
 * quiet (no incident open, no other drill, every guard of a manual drain including capacity), and
 * the tick restores it, measures it from the Gateway's traffic and stores the report. `GET
 * /v1/drills/{id}` follows one; `GET /v1/drills` lists the latest.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../http-errors.ts';
import { requireRole } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { idempotency } from './idempotency.ts';
import { answer } from './answer.ts';
import { apiRouter, bearer, commonErrors, ErrorSchema, IdempotencyHeader, jsonBody, jsonOk, mutationErrors } from './openapi-kit.ts';
import { DrillBody, DrillSchema, DrillStartSchema } from './schemas.ts';

const DrillParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be a drill id')
    .openapi({ param: { name: 'id', in: 'path' } }),
});

/** `/v1/drills` routes. */
export function drillsRouter(deps: ApiDeps) {
  const app = apiRouter();
  const start = createRoute({
    method: 'post',
    path: '/',
    security: bearer,
    summary: 'Start a drill: drain a region for a set time, then restore it and measure both',
    middleware: [requireRole('admin'), idempotency(deps)] as const,
    request: { headers: IdempotencyHeader, body: jsonBody(DrillBody) },
    responses: {
      ...jsonOk(
        DrillStartSchema,
        'The plan (dry run) or the started drill; a refusal (open incident, another drill, a guard) answers 409 naming it',
      ),
      ...mutationErrors,
    },
  });
  app.openapi(start, async (c) => {
    const body = c.req.valid('json');
    const operationId = c.get('operationId');
    const result = await deps.ops.startDrill({
      region: body.region,
      durationSeconds: body.durationSeconds,
      reason: body.reason,
      dryRun: body.dryRun,
      principal: c.get('principal').id,
      source: 'api',
      ...(operationId ? { operationId } : {}),
    });
    return answer(c, result);
  });

  const list = createRoute({
    method: 'get',
    path: '/',
    security: bearer,
    summary: 'The latest drills, newest first',
    middleware: [requireRole('viewer')] as const,
    responses: { ...jsonOk(z.object({ drills: z.array(DrillSchema) }), 'The latest 20 drills'), ...commonErrors },
  });
  app.openapi(list, async (c) => c.json({ drills: await deps.ops.drills() }, 200));

  const detail = createRoute({
    method: 'get',
    path: '/{id}',
    security: bearer,
    summary: 'One drill: its state, times, guards and, once measured, its report',
    middleware: [requireRole('viewer')] as const,
    request: { params: DrillParam },
    responses: {
      ...jsonOk(DrillSchema, 'The drill'),
      404: { content: { 'application/json': { schema: ErrorSchema } }, description: 'No such drill' },
      ...commonErrors,
    },
  });
  app.openapi(detail, async (c) => {
    const { id } = c.req.valid('param');
    const drill = await deps.ops.drill(id);
    if (!drill) throw new ApiError(404, 'not_found', `drill ${id} does not exist`);
    return c.json(drill, 200);
  });
  return app;
}
