/**
 * The fleet page's routes in the OpenAPI document, so that it covers every route the service
 * serves. They are for browsers (HTML, server-sent events, a form), not for bots: bots use `/v1`.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorSchema } from '../api/openapi-kit.ts';

type OpenAPIRegistry = OpenAPIHono['openAPIRegistry'];

const html = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const errorJson = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });
const signedIn =
  'Authenticated like the API (an API token or a Google ID token, role viewer or above), sent as Authorization: Bearer or, from a browser, in the HttpOnly cookie that POST /fleet/sign-in sets.';

/** Registers the page's routes under `path`. */
export function documentFleetPage(registry: OpenAPIRegistry, path: string): void {
  registry.registerPath({
    method: 'get',
    path,
    summary: 'The live fleet page (HTML): regions, weights, ramps, drills, approvals and operations',
    description: `${signedIn} Without a credential the answer is the sign-in form (401).`,
    responses: {
      200: html('The page'),
      401: html('The sign-in form'),
      403: html('The sign-in form, saying the credential has no role'),
      429: errorJson('Too many requests from this principal'),
    },
  });
  registry.registerPath({
    method: 'get',
    path: `${path}/live`,
    summary: "The page's live updates (server-sent events)",
    description: `${signedIn} Events: fleet (the page's fragment, HTML, when it changed), observed (the time of the read), problem, end (the stream ends; reconnect).`,
    responses: {
      200: { description: 'An event stream of about 15 s', content: { 'text/event-stream': { schema: z.string() } } },
      401: errorJson('No valid credential'),
      403: errorJson('The credential has no role'),
      429: errorJson('Too many requests from this principal'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: `${path}/sign-in`,
    summary: 'Signs a browser in to the page: sets the HttpOnly cookie from a posted token',
    description: 'Only from the page itself (Sec-Fetch-Site: same-origin, or without it an Origin of this host).',
    request: { body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: z.object({ token: z.string() }) } } } },
    responses: {
      303: { description: 'Signed in: back to the page' },
      400: html('The sign-in form: no token was posted'),
      401: html('The sign-in form: the token is not valid'),
      403: { description: 'From another origin (JSON), or a token without a role (the form)' },
      413: errorJson('Body too large'),
    },
  });
  registry.registerPath({
    method: 'post',
    path: `${path}/sign-out`,
    summary: "Signs a browser out of the page: clears the page's cookie",
    description: 'Only from the page itself (Sec-Fetch-Site: same-origin, or without it an Origin of this host).',
    request: {
      body: {
        required: true,
        content: { 'application/x-www-form-urlencoded': { schema: z.object({}).openapi({ description: 'The sign-out form: no fields' }) } },
      },
    },
    responses: { 303: { description: 'Signed out: back to the sign-in form' }, 403: errorJson('From another origin') },
  });
}
