/** On-demand onboarding and offboarding of a cluster (admin), by location and name or by membership. */
import { createRoute } from '@hono/zod-openapi';
import { requireRole } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { idempotency } from './idempotency.ts';
import { answer } from './answer.ts';
import { apiRouter, bearer, IdempotencyHeader, jsonBody, jsonOk, mutationErrors } from './openapi-kit.ts';
import { ClusterBody, ManualResultSchema } from './schemas.ts';

/** `POST /v1/clusters/onboard` and `/offboard`. */
export function clustersRouter(deps: ApiDeps) {
  const app = apiRouter();
  for (const action of ['onboard', 'offboard'] as const) {
    const route = createRoute({
      method: 'post', path: `/${action}`, security: bearer,
      summary: action === 'onboard' ? 'Onboard a running cluster (or the GKE cluster of an existing membership)' : 'Take a cluster out of routing and out of the fleet',
      middleware: [requireRole('admin'), idempotency(deps)] as const,
      request: { headers: IdempotencyHeader, body: jsonBody(ClusterBody) },
      responses: { ...jsonOk(ManualResultSchema, 'The plan (dry run) or the outcome'), ...mutationErrors },
    });
    app.openapi(route, async (c) => {
      const body = c.req.valid('json');
      const cluster = body.membership !== undefined ? { membership: body.membership } : { location: body.location!, name: body.name! };
      const request = { cluster, dryRun: body.dryRun, principal: c.get('principal').id, source: 'api' };
      return answer(c, await (action === 'onboard' ? deps.ops.onboard(request) : deps.ops.offboard(request)));
    });
  }
  return app;
}
