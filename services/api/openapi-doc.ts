/**
 * The parts of the OpenAPI document that do not come from zod routes: the document's info, and
 * the health, readiness, webhook and Slack routes (plain Hono routers with raw-body signature
 * checks), registered by hand so that the document covers every route.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';

type OpenAPIRegistry = OpenAPIHono['openAPIRegistry'];
import { z } from '@hono/zod-openapi';
import { ErrorSchema } from './openapi-kit.ts';

/** The document's header. */
export const OPENAPI_INFO = {
  openapi: '3.0.3',
  info: {
    title: 'fleetpilot operations API',
    version: '1.0.0',
    description:
      'Manual operations for GKE fleets behind multi-cluster Gateways: read the fleet and routes, plan, drain, restore, reconcile, onboard, offboard, and read the operation history. Roles: viewer (reads and plans), operator (drain, restore, reconcile), admin (onboard, offboard).',
  },
};

const errorJson = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

/** Registers the routes that are not zod-openapi routes. */
export function documentOtherRoutes(registry: OpenAPIRegistry): void {
  const status = z.object({ status: z.string() });
  for (const path of ['/healthz', '/health']) {
    registry.registerPath({
      method: 'get',
      path,
      summary: 'Liveness',
      responses: { 200: { description: 'The process serves', content: { 'application/json': { schema: status } } } },
    });
  }
  const readiness = z.object({
    status: z.enum(['ready', 'not ready']),
    checkedAt: z.string().optional(),
    dependencies: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number(), error: z.string().optional() })).optional(),
    prerequisites: z
      .object({ ok: z.boolean(), failing: z.array(z.string()).optional(), checkedAt: z.string().optional(), error: z.string().optional() })
      .optional()
      .openapi({
        description:
          'Which fleet prerequisites do not hold (GET /v1/fleet/preflight has the fixes); read at most once a minute, never decides readiness',
      }),
  });
  registry.registerPath({
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: whether the dependencies answer',
    description:
      'Checked at most once per 5 s (concurrent probes share one check). Anyone gets the status; a caller with a valid bearer credential (any role) also gets checkedAt, each dependency and the failing fleet prerequisites; a bad credential is a 401.',
    responses: {
      200: { description: 'Every dependency answers', content: { 'application/json': { schema: readiness } } },
      401: errorJson('A bearer credential was sent and is not valid'),
      503: { description: 'Some dependency does not answer', content: { 'application/json': { schema: readiness } } },
    },
  });
  const accepted = z.object({ status: z.string() }).passthrough();
  const webhook = (path: string, summary: string, auth: string) =>
    registry.registerPath({
      method: 'post',
      path,
      summary,
      description: auth,
      request: { body: { required: true, content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } } } },
      responses: {
        200: { description: 'Accepted, ignored as irrelevant, or a replay', content: { 'application/json': { schema: accepted } } },
        202: { description: 'Accepted and published to the git-pushes topic', content: { 'application/json': { schema: accepted } } },
        400: errorJson('Malformed payload'),
        401: errorJson('Bad or missing signature/token'),
        413: errorJson('Body too large'),
      },
    });
  webhook(
    '/webhooks/github',
    'GitHub push webhook',
    'Signed: X-Hub-Signature-256 = sha256=HMAC(secret, raw body), checked for shape before the body (at most 1 MiB) is read; replays are recognised by the SHA-256 of the signed body, X-GitHub-Delivery is kept for tracing.',
  );
  webhook(
    '/webhooks/gitlab',
    'GitLab push webhook',
    'X-Gitlab-Token must equal the configured secret token (checked before the body, at most 1 MiB, is read).',
  );
  const slackForm = z.object({ command: z.string(), text: z.string(), user_id: z.string(), response_url: z.string() });
  registry.registerPath({
    method: 'post',
    path: '/slack/commands',
    summary: 'Slack slash command /fleet (status, drain, restore, plan)',
    description:
      'Signed: X-Slack-Signature = v0=HMAC(signing secret, "v0:" + X-Slack-Request-Timestamp + ":" + raw body), timestamp within 5 minutes. Acknowledged at once; the result is posted to response_url.',
    request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: slackForm } } } },
    responses: {
      200: {
        description: 'Acknowledgement shown to the user',
        content: { 'application/json': { schema: z.object({ response_type: z.enum(['ephemeral', 'in_channel']), text: z.string() }) } },
      },
      400: errorJson('Missing form field or disallowed response_url'),
      401: errorJson('Bad, stale or missing signature'),
      413: errorJson('Body too large'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: '/slack/interactions',
    summary: "Slack interactivity: a click on an approval's Approve or Deny button",
    description:
      'Signed like /slack/commands. The form field payload holds a block_actions payload whose first action is fleetpilot.approval.approve or fleetpilot.approval.deny with the approval id as its value. Acknowledged at once with an empty 200; the decision is made as the clicking user, the approval message is then updated, and a refusal is posted to that user alone (response_url).',
    request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: z.object({ payload: z.string() }) } } } },
    responses: {
      200: { description: 'Click acknowledged (empty body)' },
      400: errorJson('Missing or malformed payload, a foreign action, or a disallowed response_url'),
      401: errorJson('Bad, stale or missing signature'),
      413: errorJson('Body too large'),
    },
  });
}
