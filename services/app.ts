/**
 * The Hono application served on Cloud Run: health and readiness, the operations API (`/v1`,
 * bearer-authenticated, rate-limited per principal), the Slack commands, the webhook receivers,
 * the OpenAPI document, and the one place where thrown errors become `{code, message, details?}`.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { ApiError, toErrorResponse } from './http-errors.ts';
import { authenticate } from './api/auth.ts';
import type { ApiDeps } from './api/deps.ts';
import { drillsRouter } from './api/drills-router.ts';
import { approvalsRouter } from './api/approvals-router.ts';
import { configRouter } from './api/config-router.ts';
import { clustersRouter } from './api/clusters-router.ts';
import { fleetRouter, routesRouter } from './api/fleet-router.ts';
import { documentOtherRoutes, OPENAPI_INFO } from './api/openapi-doc.ts';
import { operationsRouter } from './api/operations-router.ts';
import { rateLimit } from './api/rate-limit.ts';
import { readyz } from './api/readiness.ts';
import { planRouter, reconcileRouter } from './api/reconcile-router.ts';
import { regionsRouter } from './api/regions-router.ts';
import { mountFleetPage } from './page/fleet-page-router.tsx';
import type { SlackDeps } from './slack/deps.ts';
import { slackRouter } from './slack/router.ts';
import type { WebhookDeps } from './webhooks/deps.ts';
import { githubRouter } from './webhooks/github.ts';
import { gitlabRouter } from './webhooks/gitlab.ts';

/** Everything the application needs. Without `api` or `slack` those routes answer 503. */
export type AppDeps = WebhookDeps & { api?: ApiDeps; slack?: SlackDeps };

/** Largest JSON body the API reads. */
const API_MAX_BODY_BYTES = 64 * 1024;

/** Builds the application. No I/O happens until a request arrives. */
export function createApp(deps: AppDeps): OpenAPIHono {
  const app = new OpenAPIHono();
  const health = () => Response.json({ status: 'ok' });
  // Liveness, never upstream. Cloud Run's front end reserves some paths ending in "z"; /health is the same check without it.
  app.get('/healthz', health);
  app.get('/health', health);
  app.get('/readyz', readyz(deps.api));
  app.route('/webhooks/github', githubRouter(deps));
  app.route('/webhooks/gitlab', gitlabRouter(deps));
  if (deps.slack) app.route('/slack', slackRouter(deps.slack));
  if (deps.api) {
    const api = deps.api;
    mountFleetPage(app, {
      ...api,
      pendingApprovals: async () =>
        (await api.ops.approvals('pending')).map((a) => ({
          id: a.id,
          action: a.action,
          subject: 'region' in a.request ? `region/${a.request.region}` : `cluster/${Object.values(a.request.cluster).join('/')}`,
          requestedBy: a.requestedBy,
          summary: a.summary,
          expiresAt: a.expiresAt,
        })),
    });
    app.use(
      '/v1/*',
      bodyLimit({
        maxSize: API_MAX_BODY_BYTES,
        onError: () => {
          throw new ApiError(413, 'payload_too_large', `request bodies are limited to ${API_MAX_BODY_BYTES} bytes`);
        },
      }),
    );
    app.use('/v1/*', authenticate(api.auth));
    app.use('/v1/*', rateLimit(api.limiter));
    app.route('/v1/fleet', fleetRouter(api));
    app.route('/v1/routes', routesRouter(api));
    app.route('/v1/regions', regionsRouter(api));
    app.route('/v1/clusters', clustersRouter(api));
    app.route('/v1/reconcile', reconcileRouter(api));
    app.route('/v1/plan', planRouter(api));
    app.route('/v1/operations', operationsRouter(api));
    app.route('/v1/config', configRouter(api));
    app.route('/v1/drills', drillsRouter(api));
    app.route('/v1/approvals', approvalsRouter(api));
  } else {
    app.all('/v1/*', () => {
      throw new ApiError(503, 'unavailable', 'the operations API is not configured in this deployment');
    });
  }
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (fpt_…) or a Google-signed ID token whose audience is this service',
  });
  documentOtherRoutes(app.openAPIRegistry);
  app.doc('/openapi.json', OPENAPI_INFO);

  app.notFound((c) => c.json({ code: 'not_found', message: 'no such route' }, 404));
  app.onError((error, c) => {
    const { status, body, internal, headers } = toErrorResponse(error);
    if (internal) deps.log.error('request failed', { component: 'services', method: c.req.method, path: c.req.path, error });
    return c.json(body, status, headers);
  });
  return app;
}
