/**
 * The calls a chat bot makes to the operations API, for the demo, the benchmark and the contract
 * tests: a bearer-authenticated JSON request, and a signed Slack slash command.
 */
import { createHmac } from 'node:crypto';

/** Options of {@link apiRequest}. */
export interface ApiRequestOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Sends `METHOD base+path` with a bearer token and a JSON body. */
export function apiRequest(base: string, method: string, path: string, opts: ApiRequestOptions = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
}

/** Slack's `v0=` signature of a raw body at a timestamp (seconds). */
export function slackSignature(secret: string, timestamp: string, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** The form body Slack posts for `/fleet TEXT` typed by `user` (team `T0SANDBOX`), answering to `responseUrl`. */
export function slashCommandForm(text: string, user: string, responseUrl: string): string {
  return new URLSearchParams({ command: '/fleet', text, user_id: user, team_id: 'T0SANDBOX', response_url: responseUrl }).toString();
}

/** Posts a form-encoded slash command signed with `secret`, as Slack does (timestamp now unless given). */
export function slackCommandRequest(
  base: string,
  secret: string,
  rawBody: string,
  timestamp = String(Math.floor(Date.now() / 1000)),
): Promise<Response> {
  return fetch(`${base}/slack/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': slackSignature(secret, timestamp, rawBody),
    },
    body: rawBody,
  });
}
