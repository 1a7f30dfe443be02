/**
 * A stand-in for Slack's `response_url` endpoints: `POST /_double/slack/responses/:id` stores the
 * message (public, like Slack's capability URLs), `GET` the same path returns what was posted, so
 * tests and the demo can read what fleetpilot told the channel.
 */
import { Hono } from 'hono';

/** Most messages kept per response URL. */
const MAX_MESSAGES = 50;

/** The routes, with their own message store. */
export function slackResponseRoutes(): Hono {
  const messages = new Map<string, unknown[]>();
  const app = new Hono();
  app.post('/_double/slack/responses/:id', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    if (body === undefined) return c.text('invalid_payload', 400);
    const list = messages.get(c.req.param('id')) ?? [];
    list.push(body);
    messages.set(c.req.param('id'), list.slice(-MAX_MESSAGES));
    return c.text('ok');
  });
  app.get('/_double/slack/responses/:id', (c) => c.json({ messages: messages.get(c.req.param('id')) ?? [] }));
  return app;
}
