/**
 * The sandbox's Slack app for approvals: a bot token and an approvals channel for the functions and
 * the services (their Web API client pointed at the Google double's Slack stand-in), the app
 * registered with that stand-in (signing secret, interactivity URL), and the two things a person
 * does in Slack: read the channel, click a button.
 */
import { randomBytes } from 'node:crypto';
import { apiRequest } from './api-client.ts';
import type { StoredSlackMessage } from './google-double/slack-api-routes.ts';

/** The channel the sandbox posts approvals to. */
export const SANDBOX_APPROVALS_CHANNEL = 'C0APPROVALS';

/** The bot token and the environment that points fleetpilot at the double's Slack Web API. */
export function sandboxSlackEnv(doubleUrl: string): { botToken: string; env: Record<string, string> } {
  const botToken = `xoxb-sandbox-${randomBytes(12).toString('hex')}`;
  return {
    botToken,
    env: {
      FLEETPILOT_SLACK_BOT_TOKEN: botToken,
      FLEETPILOT_SLACK_APPROVALS_CHANNEL: SANDBOX_APPROVALS_CHANNEL,
      FLEETPILOT_SLACK_API_URL: `${doubleUrl}/slack/api`,
    },
  };
}

/** Where the double is and its bearer token. */
export interface DoubleAccess {
  doubleUrl: string;
  token: string;
}

/** Registers the app with the double: Slack then signs clicks with `signingSecret` and posts them to the services. */
export async function registerSlackApp(
  double: DoubleAccess,
  app: { botToken: string; signingSecret: string; servicesUrl: string },
): Promise<void> {
  await control(double, 'POST', '/_double/slack/app', {
    botToken: app.botToken,
    signingSecret: app.signingSecret,
    interactionsUrl: `${app.servicesUrl}/slack/interactions`,
    channels: [SANDBOX_APPROVALS_CHANNEL],
  });
}

/** The messages in the approvals channel, oldest first, each with its earlier versions. */
export async function slackMessages(double: DoubleAccess): Promise<StoredSlackMessage[]> {
  const body = (await control(double, 'GET', `/_double/slack/messages?channel=${SANDBOX_APPROVALS_CHANNEL}`)) as {
    messages: StoredSlackMessage[];
  };
  return body.messages;
}

/** What the services answered a click. */
export interface ClickAnswer {
  status: number;
  body: string;
  /** Where the services' answer to the clicking user alone goes (GET it from the double). */
  responseUrl: string;
}

/** Clicks the button `actionId` of the message at `ts` as `user` would in Slack. */
export async function clickSlackButton(
  double: DoubleAccess,
  click: { ts: string; actionId: string; user: { id: string; name: string } },
): Promise<ClickAnswer> {
  return (await control(double, 'POST', '/_double/slack/click', { channel: SANDBOX_APPROVALS_CHANNEL, ...click })) as ClickAnswer;
}

async function control(double: DoubleAccess, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await apiRequest(double.doubleUrl, method, path, { token: double.token, body });
  const text = await res.text();
  if (!res.ok) throw new Error(`Slack double ${method} ${path}: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as unknown;
}
