/**
 * The local double of Google's Container v1, GKE Hub v1, Connect Gateway and Cloud Monitoring v3
 * (the load balancer's request counts) APIs, as one Hono app; it also stands in for the Slack Web
 * API methods fleetpilot calls and for Slack's response URLs (slack-api-routes.ts, slack-routes.ts).
 *
 * Every request needs `Authorization: Bearer <deps.token>` (401 UNAUTHENTICATED otherwise). Then
 * queued faults apply (not to `/_double/*`), due Hub operations settle on the clock, and the request
 * is routed. Errors use Google's shape `{"error": {code, message, status}}`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { adminRoutes } from './admin-routes.ts';
import { attachedClusterRoutes } from './attached-routes.ts';
import { connectGatewayRoutes } from './connect-gateway-routes.ts';
import { containerRoutes } from './container-routes.ts';
import { GoogleApiError, googleErrorBody } from './errors.ts';
import { gatedService, serviceDisabledBody } from './service-gate.ts';
import { takeFault } from './faults.ts';
import { featureRoutes } from './feature-routes.ts';
import { membershipRoutes } from './membership-routes.ts';
import { monitoringRoutes } from './monitoring-routes.ts';
import { identityRoutes } from './identity-routes.ts';
import { operationRoutes } from './operation-routes.ts';
import { projectRoutes } from './project-routes.ts';
import { slackApiRoutes } from './slack-api-routes.ts';
import { slackResponseRoutes } from './slack-routes.ts';
import { DoubleState, resolveDeps } from './state.ts';
import type { GoogleDoubleDeps } from './types.ts';

/** What {@link createGoogleDouble} returns. */
export interface GoogleDouble {
  app: Hono;
  state: DoubleState;
}

const UNAUTHENTICATED_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return m !== null && timingSafeEqual(digest(m[1] ?? ''), expected);
}

/** Builds the double: an app to serve and the state behind it. */
export function createGoogleDouble(deps: GoogleDoubleDeps): GoogleDouble {
  const state = new DoubleState(resolveDeps(deps));
  const expected = digest(deps.token);
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof GoogleApiError) return c.json(err.toBody(), err.code as ContentfulStatusCode);
    deps.log.error('google double: unhandled error', { path: c.req.path, error: String(err) });
    return c.json(googleErrorBody(500, 'Internal error encountered.'), 500);
  });
  app.notFound((c) => c.json(googleErrorBody(404, `The requested URL ${c.req.path} was not found on this server.`), 404));

  // Public, as their real counterparts are: Google's certificates and Slack's response URLs.
  const identity = identityRoutes(() => state.deps.clock());
  app.route('/', identity.certs);
  app.route('/', slackResponseRoutes());
  // Slack's Web API checks its own bot token; its control routes sit behind the double's bearer below.
  const slack = slackApiRoutes(() => state.deps.clock());
  app.route('/', slack.api);

  app.use('*', async (c, next) => {
    if (!bearerMatches(c.req.header('authorization'), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="https://accounts.google.com/"');
      return c.json(googleErrorBody(401, UNAUTHENTICATED_MESSAGE), 401);
    }
    if (!c.req.path.startsWith('/_double/')) {
      const fault = takeFault(state.faults, c.req.method, c.req.path, new URL(c.req.url).search.slice(1));
      if (fault !== undefined) {
        deps.log.info('google double: injected fault', { method: c.req.method, path: c.req.path, status: fault.status });
        return c.json(fault.body, fault.status as ContentfulStatusCode);
      }
    }
    const service = deps.enforceEnabledServices ? gatedService(c.req.path) : undefined;
    if (service !== undefined && !state.enabledServices.has(service)) {
      return c.json(serviceDisabledBody(service, deps.projectNumber), 403);
    }
    state.settle();
    await next();
  });

  app.route('/', adminRoutes(state));
  app.route('/', attachedClusterRoutes(state));
  app.route('/', identity.mint);
  app.route('/', containerRoutes(state));
  app.route('/', projectRoutes(state));
  app.route('/', operationRoutes(state));
  app.route('/', membershipRoutes(state));
  app.route('/', featureRoutes(state));
  app.route('/', connectGatewayRoutes(state));
  app.route('/', monitoringRoutes(state));
  app.route('/', slack.control);
  return { app, state };
}
