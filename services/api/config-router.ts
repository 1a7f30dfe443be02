/**
 * `GET /v1/config` (viewer): the configuration in force and its revision; `POST /v1/config/plan`
 * (admin): the plan of a proposed configuration, which changes nothing (changes land through Git).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { requireRole } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { apiRouter, bearer, commonErrors, jsonBody, jsonOk, mutationErrors } from './openapi-kit.ts';
import { ManualResultSchema } from './schemas.ts';

const ConfigViewSchema = z
  .object({
    source: z.enum(['git', 'file']),
    revision: z.object({ commit: z.string(), committedAt: z.string(), appliedAt: z.string(), path: z.string().nullable() }).nullable(),
    config: z.record(z.string(), z.unknown()),
  })
  .openapi('ConfigView');

const PlanConfigBody = z
  .object({
    yaml: z.string().min(1).max(60_000).openapi({ description: 'The proposed fleet.yaml' }),
  })
  .strict()
  .openapi('ConfigPlanRequest');

/** `/v1/config` routes. */
export function configRouter(deps: ApiDeps) {
  const app = apiRouter();
  const view = createRoute({
    method: 'get',
    path: '/',
    security: bearer,
    summary: 'The configuration in force and its Git revision',
    middleware: [requireRole('viewer')] as const,
    responses: { ...jsonOk(ConfigViewSchema, 'The applied configuration'), ...commonErrors },
  });
  app.openapi(view, async (c) => c.json(await deps.ops.config(), 200));
  const plan = createRoute({
    method: 'post',
    path: '/plan',
    security: bearer,
    summary: 'Validate a proposed configuration and show the route changes it would make (nothing is applied)',
    middleware: [requireRole('admin')] as const,
    request: { body: jsonBody(PlanConfigBody) },
    responses: {
      ...jsonOk(ManualResultSchema, 'The plan; `details.problems` of a 400 name each invalid line'),
      ...commonErrors,
      413: mutationErrors[413],
      415: mutationErrors[415],
    },
  });
  app.openapi(plan, async (c) => c.json(await deps.ops.planConfig(c.req.valid('json').yaml), 200));
  return app;
}
