/**
 * A stand-in for the two Slack Web API methods fleetpilot calls, and for a person clicking a
 * button in Slack:
 * - `POST /slack/api/chat.postMessage` and `/slack/api/chat.update`, as `@slack/web-api` calls
 *   them (form-encoded, nested fields as JSON strings; JSON bodies are taken too), authenticated
 *   with the registered app's bot token. Answers have Slack's shape: HTTP 200 with `{ok: true, …}`
 *   or `{ok: false, error}` (`not_authed`, `invalid_auth`, `channel_not_found`, `no_text`,
 *   `invalid_blocks`, `msg_too_long`, `message_not_found`, `unknown_method`).
 * - Control routes (behind the double's own bearer, like every `/_double/` route):
 *   `POST /_double/slack/app` registers the app (bot token, signing secret, interactivity request
 *   URL, channels); `GET /_double/slack/messages` lists what was posted, with each update;
 *   `POST /_double/slack/click {channel, ts, actionId, user}` clicks a button of a message as that
 *   user would: it builds Slack's `block_actions` payload, signs it with the signing secret and
 *   posts it to the request URL, and returns what the app answered.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { slackSignature } from '../api-client.ts';

/** The Slack app fleetpilot is, as registered with the double. */
export interface SlackAppRegistration {
  botToken: string;
  signingSecret: string;
  interactionsUrl: string;
  channels: string[];
}

/** One posted message as the double keeps it. */
export interface StoredSlackMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Record<string, unknown>[];
  /** Earlier versions, oldest first (one per chat.update). */
  history: { text: string; blocks: Record<string, unknown>[]; at: string }[];
  postedAt: string;
  updatedAt?: string;
}

/** Most messages kept; older ones are dropped first. */
const MAX_MESSAGES = 500;

const appSchema = z.object({
  botToken: z.string().regex(/^xoxb-/),
  signingSecret: z.string().min(16),
  interactionsUrl: z.url(),
  channels: z.array(z.string().regex(/^[CGD][A-Z0-9]{2,}$/)).min(1),
});
const clickSchema = z.object({
  channel: z.string(),
  ts: z.string(),
  actionId: z.string(),
  user: z.object({ id: z.string().regex(/^[UW][A-Z0-9]{2,}$/), name: z.string().min(1) }),
});

/** The Web API routes (public, token-checked) and the control routes (mounted behind the double's bearer). */
export function slackApiRoutes(clock: () => Date): { api: Hono; control: Hono } {
  let app: SlackAppRegistration | undefined;
  const messages: StoredSlackMessage[] = [];
  let seq = 0;
  let clicks = 0;
  const find = (channel: string, ts: string) => messages.find((m) => m.channel === channel && m.ts === ts);

  const api = new Hono();
  api.post('/slack/api/:method', async (c) => {
    const auth = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    if (!auth) return c.json({ ok: false, error: 'not_authed' });
    if (!app || auth !== app.botToken) return c.json({ ok: false, error: 'invalid_auth' });
    const args = await readArgs(c.req.raw);
    const method = c.req.param('method');
    if (method !== 'chat.postMessage' && method !== 'chat.update') return c.json({ ok: false, error: 'unknown_method' });
    const channel = str(args.channel);
    if (!app.channels.includes(channel)) return c.json({ ok: false, error: 'channel_not_found' });
    const content = messageContent(args);
    if (typeof content === 'string') return c.json({ ok: false, error: content });
    const now = clock().toISOString();
    if (method === 'chat.postMessage') {
      seq += 1;
      const ts = `${Math.floor(clock().getTime() / 1000)}.${String(seq).padStart(6, '0')}`;
      messages.push({ channel, ts, ...content, history: [], postedAt: now });
      messages.splice(0, Math.max(0, messages.length - MAX_MESSAGES));
      return c.json({ ok: true, channel, ts, message: { type: 'message', ts, ...content, bot_id: 'B0FLEETPILOT' } });
    }
    const stored = find(channel, str(args.ts));
    if (!stored) return c.json({ ok: false, error: 'message_not_found' });
    stored.history.push({ text: stored.text, blocks: stored.blocks, at: stored.updatedAt ?? stored.postedAt });
    Object.assign(stored, content, { updatedAt: now });
    return c.json({ ok: true, channel, ts: stored.ts, text: stored.text });
  });

  const control = new Hono();
  control.post('/_double/slack/app', async (c) => {
    const parsed = appSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: parsed.error.issues[0]?.message ?? 'invalid app' }, 400);
    app = parsed.data;
    return c.json({ ok: true });
  });
  control.get('/_double/slack/messages', (c) => {
    const channel = c.req.query('channel');
    return c.json({ messages: messages.filter((m) => !channel || m.channel === channel) });
  });
  control.post('/_double/slack/click', async (c) => {
    const parsed = clickSchema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: parsed.error.issues[0]?.message ?? 'invalid click' }, 400);
    if (!app) return c.json({ error: 'no Slack app is registered (POST /_double/slack/app)' }, 409);
    const click = parsed.data;
    const message = find(click.channel, click.ts);
    if (!message) return c.json({ error: `no message ${click.ts} in ${click.channel}` }, 404);
    const found = buttonOf(message, click.actionId);
    if (!found) return c.json({ error: `message ${click.ts} has no button ${click.actionId} (any more)` }, 409);
    clicks += 1;
    const now = clock();
    const origin = new URL(c.req.url).origin;
    const payload = {
      type: 'block_actions',
      user: { id: click.user.id, username: click.user.name, name: click.user.name, team_id: 'T0SANDBOX' },
      api_app_id: 'A0FLEETPILOT',
      token: 'deprecated-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
      trigger_id: `${Date.now()}.${clicks}`,
      team: { id: 'T0SANDBOX', domain: 'sandbox' },
      channel: { id: message.channel, name: 'fleet-approvals' },
      message: { type: 'message', ts: message.ts, text: message.text, blocks: message.blocks },
      response_url: `${origin}/_double/slack/responses/click-${clicks}`,
      actions: [{ ...found.button, block_id: found.blockId, action_ts: `${now.getTime() / 1000}` }],
    };
    const rawBody = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const signature = slackSignature(app.signingSecret, timestamp, rawBody);
    const res = await fetch(app.interactionsUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': signature,
      },
      body: rawBody,
      signal: AbortSignal.timeout(10_000),
    });
    return c.json({ status: res.status, body: await res.text(), responseUrl: payload.response_url });
  });
  return { api, control };
}

/** The call's arguments: form fields (nested ones JSON-encoded, as the client sends them) or a JSON body. */
async function readArgs(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if ((req.headers.get('content-type') ?? '').includes('application/json')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

/** The text and blocks of a post or update, or Slack's error code. */
function messageContent(args: Record<string, unknown>): { text: string; blocks: Record<string, unknown>[] } | string {
  let blocks: unknown = args.blocks ?? [];
  if (typeof blocks === 'string') {
    try {
      blocks = JSON.parse(blocks);
    } catch {
      return 'invalid_blocks';
    }
  }
  if (!Array.isArray(blocks) || blocks.length > 50 || blocks.some((b) => typeof b !== 'object' || b === null || !('type' in b)))
    return 'invalid_blocks';
  const text = typeof args.text === 'string' ? args.text : '';
  if (!text && blocks.length === 0) return 'no_text';
  if (text.length > 40_000) return 'msg_too_long';
  return { text, blocks: blocks as Record<string, unknown>[] };
}

/** The button with `actionId` in the message's actions blocks. */
function buttonOf(message: StoredSlackMessage, actionId: string): { button: Record<string, unknown>; blockId: string } | undefined {
  for (const block of message.blocks) {
    if (block.type !== 'actions' || !Array.isArray(block.elements)) continue;
    const button = (block.elements as Record<string, unknown>[]).find((e) => e.type === 'button' && e.action_id === actionId);
    if (button) return { button, blockId: str(block.block_id) };
  }
  return undefined;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
