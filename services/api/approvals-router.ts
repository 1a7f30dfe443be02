/**
 * Approvals: requests the configuration's rules name (`approvals.rules`) and alerts in
 * `failover.mode: propose` wait here for a second person. `POST /v1/approvals/{id}/approve`
 * re-plans and carries the request out (409 `plan-changed`, showing both plans, when what would
 * change differs); `/deny` ends it. The requester never decides their own (403); overrides and
 * offboardings need an admin; an expired approval does nothing (409).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../http-errors.ts';
import { requireGrant, requireRole } from './auth.ts';
import type { ApiDeps } from './deps.ts';
import { idempotency } from './idempotency.ts';
import { answer } from './answer.ts';
import { apiRouter, bearer, commonErrors, ErrorSchema, IdempotencyHeader, jsonBody, jsonOk, mutationErrors } from './openapi-kit.ts';
import { ApprovalSchema, ManualResultSchema } from './schemas.ts';

const STATES = ['pending', 'approving', 'approved', 'denied', 'expired', 'cancelled', 'failed'] as const;
const IdParam = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be an approval id')
    .openapi({ param: { name: 'id', in: 'path' } }),
});
const DecisionBody = z
  .object({ reason: z.string().trim().max(500).optional() })
  .strict()
  .openapi('ApprovalDecision');

/** `/v1/approvals` routes. */
export function approvalsRouter(deps: ApiDeps) {
  const app = apiRouter();
  const list = createRoute({
    method: 'get',
    path: '/',
    security: bearer,
    summary: 'The latest approvals, newest first (optionally only those in one state)',
    middleware: [requireRole('viewer')] as const,
    request: { query: z.object({ state: z.enum(STATES).optional() }) },
    responses: { ...jsonOk(z.object({ approvals: z.array(ApprovalSchema) }), 'Up to 50 approvals'), ...commonErrors },
  });
  app.openapi(list, async (c) => c.json({ approvals: await deps.ops.approvals(c.req.valid('query').state) }, 200));

  const detail = createRoute({
    method: 'get',
    path: '/{id}',
    security: bearer,
    summary: 'One approval: the request, its plan, who asked, and the decision',
    middleware: [requireRole('viewer')] as const,
    request: { params: IdParam },
    responses: {
      ...jsonOk(ApprovalSchema, 'The approval'),
      404: { content: { 'application/json': { schema: ErrorSchema } }, description: 'No such approval' },
      ...commonErrors,
    },
  });
  app.openapi(detail, async (c) => {
    const { id } = c.req.valid('param');
    const approval = await deps.ops.approval(id);
    if (!approval) throw new ApiError(404, 'not_found', `approval ${id} does not exist`);
    return c.json(approval, 200);
  });

  for (const decision of ['approve', 'deny'] as const) {
    const route = createRoute({
      method: 'post',
      path: `/{id}/${decision}`,
      security: bearer,
      summary: decision === 'approve' ? 'Approve: re-plan and carry the request out' : 'Deny: end the request without acting',
      middleware: [requireRole('operator'), idempotency(deps)] as const,
      request: { params: IdParam, headers: IdempotencyHeader, body: jsonBody(DecisionBody) },
      responses: {
        ...jsonOk(ManualResultSchema, 'The outcome; a changed plan answers 409 (code refused, details.guard plan-changed) with both plans'),
        ...mutationErrors,
      },
    });
    app.openapi(route, async (c) => {
      const { id } = c.req.valid('param');
      const { reason } = c.req.valid('json');
      const principal = c.get('principal');
      const approval = await deps.ops.approval(id);
      if (!approval) throw new ApiError(404, 'not_found', `approval ${id} does not exist`);
      // Overrides and offboardings are an admin's to decide, as they are to ask for.
      if (approval.action !== 'drain') requireGrant(principal, 'admin', `deciding an ${approval.action} approval`);
      return answer(c, await deps.ops.decide({ id, principal: principal.id, decision, ...(reason ? { reason } : {}) }));
    });
  }
  return app;
}
