/**
 * Manual drain and restore of a region (operator). Both need a reason, accept `dryRun`, and are
 * checked by the same guards as alerts; a refusal answers 409 naming the guard. A manual drain
 * holds the region until a manual restore. An admin may override a never-zero guard for one drain
 * (`overrideGuards`, break glass), which is recorded and published as its own operation kind.
 */
import { createRoute } from '@hono/zod-openapi';
import { requireGrant, requireRole } from './auth.ts';
import type { OverridableGuard } from '../../shared/failover/index.ts';
import type { ApiDeps } from './deps.ts';
import { idempotency } from './idempotency.ts';
import { apiRouter, bearer, IdempotencyHeader, jsonAccepted, jsonBody, jsonOk, mutationErrors } from './openapi-kit.ts';
import { answer } from './answer.ts';
import { DrainBody, ManualResultSchema, RegionParam, RestoreBody } from './schemas.ts';

/** `POST /v1/regions/{region}/drain` and `/restore`. */
export function regionsRouter(deps: ApiDeps) {
  const app = apiRouter();
  for (const action of ['drain', 'restore'] as const) {
    const route = createRoute({
      method: 'post',
      path: `/{region}/${action}`,
      security: bearer,
      summary:
        action === 'drain'
          ? 'Drain a region (manual hold until a manual restore)'
          : "Restore a region (lifts manual holds and open alerts' drains)",
      middleware: [requireRole('operator'), idempotency(deps)] as const,
      request: { params: RegionParam, headers: IdempotencyHeader, body: jsonBody(action === 'drain' ? DrainBody : RestoreBody) },
      responses: {
        ...jsonOk(
          ManualResultSchema,
          'The plan (dry run) or the outcome, with a one-line summary; a guard refusal answers 409 (code refused, details.guard)',
        ),
        ...jsonAccepted(ManualResultSchema),
        ...mutationErrors,
      },
    });
    app.openapi(route, async (c) => {
      const { region } = c.req.valid('param');
      const body: { reason: string; dryRun: boolean; overrideGuards?: OverridableGuard[] } = c.req.valid('json');
      const overrideGuards = body.overrideGuards ? [...new Set(body.overrideGuards)] : undefined;
      // Breaking the glass is an admin's call; planning it (a dry run) is not.
      if (overrideGuards && !body.dryRun) requireGrant(c.get('principal'), 'admin', `overriding ${overrideGuards.join(', ')}`);
      const requestId = c.get('requestId');
      const operationId = c.get('operationId');
      const result = await deps.ops.manualDrain({
        action,
        region,
        reason: body.reason,
        dryRun: body.dryRun,
        ...(overrideGuards ? { overrideGuards } : {}),
        principal: c.get('principal').id,
        source: 'api',
        ...(requestId ? { requestId } : {}),
        ...(operationId ? { operationId } : {}),
      });
      return answer(c, result);
    });
  }
  return app;
}
