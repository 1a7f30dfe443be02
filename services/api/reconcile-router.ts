/** `POST /v1/reconcile` (operator) and `POST /v1/plan` (viewer): act now, or only show the plan. */
import { createRoute } from '@hono/zod-openapi';
import { requireRole } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { idempotency } from './idempotency.ts';
import { answer } from './answer.ts';
import { apiRouter, bearer, IdempotencyHeader, jsonBody, jsonOk, mutationErrors } from './openapi-kit.ts';
import { ManualResultSchema, PlanBody, ReconcileBody } from './schemas.ts';

/** `POST /v1/reconcile`. */
export function reconcileRouter(deps: ApiDeps) {
  const app = apiRouter();
  const route = createRoute({
    method: 'post',
    path: '/',
    security: bearer,
    summary: 'Re-apply member objects and re-render every route now',
    middleware: [requireRole('operator'), idempotency(deps)] as const,
    request: { headers: IdempotencyHeader, body: jsonBody(ReconcileBody) },
    responses: { ...jsonOk(ManualResultSchema, 'The plan (dry run) or the outcome'), ...mutationErrors },
  });
  app.openapi(route, async (c) =>
    answer(c, await deps.ops.reconcile({ principal: c.get('principal').id, dryRun: c.req.valid('json').dryRun, source: 'api' })),
  );
  return app;
}

/** `POST /v1/plan`: the dry run of a drain, restore or reconcile; changes nothing, so viewers may ask. */
export function planRouter(deps: ApiDeps) {
  const app = apiRouter();
  const route = createRoute({
    method: 'post',
    path: '/',
    security: bearer,
    summary: 'Show what a drain, restore or reconcile would change, and which guard would refuse it',
    middleware: [requireRole('viewer')] as const,
    request: { body: jsonBody(PlanBody) },
    responses: { ...jsonOk(ManualResultSchema, 'The plan; result is planned or refused'), ...mutationErrors },
  });
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    const principal = c.get('principal').id;
    const result =
      body.action === 'reconcile'
        ? await deps.ops.reconcile({ principal, dryRun: true, source: 'api' })
        : await deps.ops.manualDrain({
            action: body.action,
            region: body.region,
            reason: body.reason,
            principal,
            dryRun: true,
            source: 'api',
          });
    // A plan is an answer, not a failed call: a refusal it foresees is reported with 200.
    return c.json(result, 200);
  });
  return app;
}
