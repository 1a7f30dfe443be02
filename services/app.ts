/**
 * The Hono application served on Cloud Run: health, the webhook receivers, and the one place where
 * thrown errors become `{code, message, details?}` responses.
 */
import { Hono } from 'hono';
import { toErrorResponse } from './http-errors.ts';
import type { WebhookDeps } from './webhooks/deps.ts';
import { githubRouter } from './webhooks/github.ts';
import { gitlabRouter } from './webhooks/gitlab.ts';

/** Everything the application needs; today that is what the webhook receivers need. */
export type AppDeps = WebhookDeps;

/** Builds the application. No I/O happens until a request arrives. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const health = () => Response.json({ status: 'ok' });
  // Cloud Run's front end reserves some paths ending in "z"; /health is the same check without it.
  app.get('/healthz', health);
  app.get('/health', health);
  app.route('/webhooks/github', githubRouter(deps));
  app.route('/webhooks/gitlab', gitlabRouter(deps));

  app.notFound((c) => c.json({ code: 'not_found', message: 'no such route' }, 404));
  app.onError((error, c) => {
    const { status, body, internal } = toErrorResponse(error);
    if (internal) deps.log.error('request failed', { component: 'services', method: c.req.method, path: c.req.path, error });
    return c.json(body, status);
  });
  return app;
}
