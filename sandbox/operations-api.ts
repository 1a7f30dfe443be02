/**
 * The sandbox's operations API setup: one API token per role (stored hashed in the Firestore
 * emulator, the tokens themselves written to a 0600 file in the state directory), principals for
 * ID tokens minted by the Google double, and a Slack app whose response URLs are the double's.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../shared/adapters/firestore.ts';
import type { Clock } from '../shared/core/clock.ts';
import { createApiToken } from '../services/api/tokens.ts';
import type { Role } from '../services/api/principal.ts';

/** The audience ID tokens for the sandbox API are minted for. */
export const SANDBOX_API_AUDIENCE = 'https://fleetpilot-api.sandbox.local';

/** The sandbox principal of each role, and its Slack user id. */
export const SANDBOX_PRINCIPALS: Record<Role, { email: string; slackUser: string }> = {
  viewer: { email: 'viewer@sandbox.local', slackUser: 'U0VIEWER' },
  operator: { email: 'operator@sandbox.local', slackUser: 'U0OPERATOR' },
  admin: { email: 'admin@sandbox.local', slackUser: 'U0ADMIN' },
};

/**
 * A second operator (Slack and ID tokens, no API token): the other person of the two-person rule,
 * who approves in Slack what the operator asked for.
 */
export const SANDBOX_SECOND_OPERATOR = { email: 'oncall@sandbox.local', slackUser: 'U0ONCALL', name: 'oncall' } as const;

/** What callers of the sandbox API need. */
export interface SandboxApi {
  url: string;
  tokens: Record<Role, string>;
  /** The file holding {@link tokens} (mode 0600). */
  tokensFile: string;
  audience: string;
  slackSigningSecret: string;
  /** Prefix of the Slack response URLs the double collects. */
  slackResponsePrefix: string;
}

/** Creates the tokens and returns the services' environment for the API and Slack. */
export async function prepareSandboxApi(opts: {
  store: Store;
  clock: Clock;
  stateDir: string;
  doubleUrl: string;
}): Promise<{ env: Record<string, string>; finish(url: string): SandboxApi }> {
  const roles = Object.keys(SANDBOX_PRINCIPALS) as Role[];
  const tokens = Object.fromEntries(
    await Promise.all(
      roles.map(
        async (role) =>
          [
            role,
            (await createApiToken(opts.store, opts.clock, { principal: SANDBOX_PRINCIPALS[role].email, role, label: `sandbox ${role}` }))
              .token,
          ] as const,
      ),
    ),
  ) as Record<Role, string>;
  const tokensFile = join(opts.stateDir, 'api-tokens.json');
  writeFileSync(tokensFile, JSON.stringify(tokens, null, 2) + '\n', { mode: 0o600 });
  const slackSigningSecret = randomBytes(24).toString('hex');
  const slackResponsePrefix = `${opts.doubleUrl}/_double/slack/`;
  const env = {
    FLEETPILOT_API_AUDIENCE: SANDBOX_API_AUDIENCE,
    FLEETPILOT_ID_TOKEN_CERTS_URL: `${opts.doubleUrl}/oauth2/v1/certs`,
    FLEETPILOT_API_PRINCIPALS: [
      ...roles.map((role) => `${SANDBOX_PRINCIPALS[role].email}=${role}`),
      `${SANDBOX_SECOND_OPERATOR.email}=operator`,
    ].join(','),
    FLEETPILOT_API_RATE_LIMIT_PER_MINUTE: '300',
    FLEETPILOT_SLACK_SIGNING_SECRET: slackSigningSecret,
    FLEETPILOT_SLACK_USERS: [
      ...roles.map((role) => `${SANDBOX_PRINCIPALS[role].slackUser}=${SANDBOX_PRINCIPALS[role].email}`),
      `${SANDBOX_SECOND_OPERATOR.slackUser}=${SANDBOX_SECOND_OPERATOR.email}`,
    ].join(','),
    FLEETPILOT_SLACK_RESPONSE_URL_PREFIXES: slackResponsePrefix,
  };
  return { env, finish: (url) => ({ url, tokens, tokensFile, audience: SANDBOX_API_AUDIENCE, slackSigningSecret, slackResponsePrefix }) };
}
