/**
 * The services' own configuration, a pure function of the environment: every problem is reported
 * at once, and no message ever repeats a secret's value.
 */
import { z } from 'zod';
import type { PushFilter } from './webhooks/relevance.ts';

const secret = (what: string) => z.string().min(16, `must be at least 16 characters (a random ${what})`).optional();

/** The variables the services read in addition to the shared ones (shared/config/env.ts). */
export const serviceEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  FLEETPILOT_GITHUB_WEBHOOK_SECRET: secret('webhook secret'),
  FLEETPILOT_GITLAB_WEBHOOK_TOKEN: secret('secret token'),
  FLEETPILOT_GITOPS_REPOSITORY: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, 'must be OWNER/NAME (GitLab: GROUP/.../NAME)'),
  FLEETPILOT_GITOPS_BRANCH: z
    .string()
    .regex(/^(?!refs\/)[^\s~^:?*[\\]+$/, 'must be a branch name such as main (without refs/heads/)')
    .default('main'),
  FLEETPILOT_GITOPS_CONFIG_PATH: z.string().regex(/^[^\s].*[^/]$|^[^\s/]$/, 'must be a file path inside the repository').default('fleet.yaml'),
});

/** Validated service configuration. */
export interface ServiceConfig {
  port: number;
  github?: { secret: string } | undefined;
  gitlab?: { token: string } | undefined;
  filter: PushFilter;
}

/** The configuration, or every problem found. */
export type ServiceConfigResult = { ok: true; config: ServiceConfig } | { ok: false; problems: string[] };

/** Validates the services' variables; empty strings count as unset. */
export function parseServiceEnv(env: Record<string, string | undefined>): ServiceConfigResult {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = serviceEnvSchema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const key = issue.path.join('.') || '(environment)';
      const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
      return `${key} ${message}`;
    });
    return { ok: false, problems: [...new Set(problems)].sort() };
  }
  const e = result.data;
  return {
    ok: true,
    config: {
      port: e.PORT,
      github: e.FLEETPILOT_GITHUB_WEBHOOK_SECRET ? { secret: e.FLEETPILOT_GITHUB_WEBHOOK_SECRET } : undefined,
      gitlab: e.FLEETPILOT_GITLAB_WEBHOOK_TOKEN ? { token: e.FLEETPILOT_GITLAB_WEBHOOK_TOKEN } : undefined,
      filter: { repository: e.FLEETPILOT_GITOPS_REPOSITORY, branch: e.FLEETPILOT_GITOPS_BRANCH, configPath: e.FLEETPILOT_GITOPS_CONFIG_PATH },
    },
  };
}
