/**
 * The services' own configuration, a pure function of the environment: every problem is reported
 * at once, and no message ever repeats a secret's value.
 */
import { z } from 'zod';
import { gitopsVariables, parseVariables } from '../shared/config/env.ts';
import { parseRole, type Role } from './api/principal.ts';
import { DEFAULT_RESPONSE_URL_PREFIXES } from './slack/deps.ts';
import type { PushFilter } from './webhooks/relevance.ts';

const secret = (what: string) => z.string().min(16, `must be at least 16 characters (a random ${what})`).optional();

/**
 * The variables the services read in addition to the shared ones (shared/config/env.ts). The GitOps
 * variables' schemas are the shared ones: the webhook receivers need the repository.
 */
export const serviceEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  FLEETPILOT_GITHUB_WEBHOOK_SECRET: secret('webhook secret'),
  FLEETPILOT_GITLAB_WEBHOOK_TOKEN: secret('secret token'),
  FLEETPILOT_GITOPS_REPOSITORY: gitopsVariables.FLEETPILOT_GITOPS_REPOSITORY,
  FLEETPILOT_GITOPS_BRANCH: gitopsVariables.FLEETPILOT_GITOPS_BRANCH,
  FLEETPILOT_GITOPS_CONFIG_PATH: gitopsVariables.FLEETPILOT_GITOPS_CONFIG_PATH,
  FLEETPILOT_API_AUDIENCE: z.url('must be the service URL Google ID tokens are issued for').optional(),
  FLEETPILOT_ID_TOKEN_CERTS_URL: z.url('must be a URL serving PEM certificates').optional(),
  FLEETPILOT_API_PRINCIPALS: pairs(/^[^\s=,@]+@[^\s=,@]+$/, 'EMAIL', (v) => parseRole(v) !== undefined, 'viewer|operator|admin').default(
    '',
  ),
  FLEETPILOT_API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(60),
  FLEETPILOT_SLACK_SIGNING_SECRET: secret('Slack signing secret'),
  FLEETPILOT_SLACK_USERS: pairs(/^[UW][A-Z0-9]{2,}$/, 'SLACK_USER_ID', (v) => /^[^\s=,@]+@[^\s=,@]+$/.test(v), 'EMAIL').default(''),
  FLEETPILOT_SLACK_RESPONSE_URL_PREFIXES: z
    .string()
    .regex(/^https?:\/\/[^,\s]+\/(,https?:\/\/[^,\s]+\/)*$/, 'must be comma-separated URL prefixes ending in /')
    .default(DEFAULT_RESPONSE_URL_PREFIXES.join(',')),
});

/** A `KEY=VALUE,KEY=VALUE` list whose keys and values are checked. */
function pairs(key: RegExp, keyName: string, value: (v: string) => boolean, valueName: string) {
  return z.string().refine(
    (text) =>
      text
        .split(',')
        .filter(Boolean)
        .every((pair) => {
          const [k, v, ...rest] = pair.split('=');
          return rest.length === 0 && k !== undefined && v !== undefined && key.test(k.trim()) && value(v.trim());
        }),
    `must be comma-separated ${keyName}=${valueName} pairs`,
  );
}

/** Parses a checked `KEY=VALUE,…` list into a map (keys lower-cased when `lower`). */
function pairMap(text: string, lower: boolean): Record<string, string> {
  const map: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of text.split(',').filter(Boolean)) {
    const [k, v] = pair.split('=') as [string, string];
    map[lower ? k.trim().toLowerCase() : k.trim()] = v.trim();
  }
  return map;
}

/** Validated service configuration. */
export interface ServiceConfig {
  port: number;
  github?: { secret: string } | undefined;
  gitlab?: { token: string } | undefined;
  filter: PushFilter;
  api: { audience?: string | undefined; certsUrl?: string | undefined; principals: Record<string, Role>; ratePerMinute: number };
  slack: { signingSecret?: string | undefined; users: Record<string, string>; responseUrlPrefixes: string[] };
}

/** The configuration, or every problem found. */
export type ServiceConfigResult = { ok: true; config: ServiceConfig } | { ok: false; problems: string[] };

/** Validates the services' variables with the one environment parser; empty strings count as unset. */
export function parseServiceEnv(env: Record<string, string | undefined>): ServiceConfigResult {
  const result = parseVariables(serviceEnvSchema, env, (raw) =>
    // Approvals posted with buttons that the service would refuse to hear.
    raw.FLEETPILOT_SLACK_BOT_TOKEN && !raw.FLEETPILOT_SLACK_SIGNING_SECRET
      ? [
          'FLEETPILOT_SLACK_SIGNING_SECRET is required when FLEETPILOT_SLACK_BOT_TOKEN is set (clicks on approval buttons are verified with it)',
        ]
      : [],
  );
  if (!result.ok) return result;
  const e = result.value;
  return {
    ok: true,
    config: {
      port: e.PORT,
      github: e.FLEETPILOT_GITHUB_WEBHOOK_SECRET ? { secret: e.FLEETPILOT_GITHUB_WEBHOOK_SECRET } : undefined,
      gitlab: e.FLEETPILOT_GITLAB_WEBHOOK_TOKEN ? { token: e.FLEETPILOT_GITLAB_WEBHOOK_TOKEN } : undefined,
      filter: {
        repository: e.FLEETPILOT_GITOPS_REPOSITORY,
        branch: e.FLEETPILOT_GITOPS_BRANCH,
        configPath: e.FLEETPILOT_GITOPS_CONFIG_PATH,
      },
      api: {
        audience: e.FLEETPILOT_API_AUDIENCE,
        certsUrl: e.FLEETPILOT_ID_TOKEN_CERTS_URL,
        ratePerMinute: e.FLEETPILOT_API_RATE_LIMIT_PER_MINUTE,
        principals: pairMap(e.FLEETPILOT_API_PRINCIPALS, true) as Record<string, Role>,
      },
      slack: {
        signingSecret: e.FLEETPILOT_SLACK_SIGNING_SECRET,
        users: Object.fromEntries(Object.entries(pairMap(e.FLEETPILOT_SLACK_USERS, false)).map(([k, v]) => [k, v.toLowerCase()])),
        responseUrlPrefixes: e.FLEETPILOT_SLACK_RESPONSE_URL_PREFIXES.split(','),
      },
    },
  };
}
