/**
 * On-demand onboarding and offboarding of a cluster (admin), by location and name or by membership;
 * an attached or on-prem membership also names the region its traffic is counted in.
 */
import { createRoute } from '@hono/zod-openapi';
import { requireRole } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { idempotency } from './idempotency.ts';
import { answer } from './answer.ts';
import { apiRouter, bearer, IdempotencyHeader, jsonAccepted, jsonBody, jsonOk, mutationErrors } from './openapi-kit.ts';
import { ClusterBody, ManualResultSchema } from './schemas.ts';

/** `POST /v1/clusters/onboard` and `/offboard`. */
export function clustersRouter(deps: ApiDeps) {
  const app = apiRouter();
  for (const action of ['onboard', 'offboard'] as const) {
    const route = createRoute({
      method: 'post',
      path: `/${action}`,
      security: bearer,
      summary:
        action === 'onboard'
          ? 'Onboard a running GKE cluster (by location and name or by its membership), or an attached or on-prem cluster by its membership and region'
          : 'Take a cluster out of routing; a GKE cluster also out of the fleet (an attached cluster keeps its membership)',
      middleware: [requireRole('admin'), idempotency(deps)] as const,
      request: { headers: IdempotencyHeader, body: jsonBody(ClusterBody) },
      responses: {
        ...jsonOk(ManualResultSchema, 'The plan (dry run) or the outcome'),
        ...jsonAccepted(ManualResultSchema),
        ...mutationErrors,
      },
    });
    app.openapi(route, async (c) => {
      const body = c.req.valid('json');
      const cluster = body.membership !== undefined ? { membership: body.membership } : { location: body.location!, name: body.name! };
      const request = {
        cluster,
        ...(body.region !== undefined ? { region: body.region } : {}),
        dryRun: body.dryRun,
        principal: c.get('principal').id,
        source: 'api',
      };
      return answer(c, await (action === 'onboard' ? deps.ops.onboard(request) : deps.ops.offboard(request)));
    });
  }
  return app;
}
