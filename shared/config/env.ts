/**
 * Runtime configuration, a pure function of the environment: `parseEnv(env)` validates every
 * variable with zod and returns all problems at once, so a bad deployment fails with one clear
 * message instead of the first missing variable.
 */
import { z } from 'zod';

const hostPort = z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/, 'must be HOST:PORT, e.g. 127.0.0.1:8085');
const baseUrl = z
  .url({ protocol: /^https?$/, message: 'must be an http(s) URL, e.g. http://127.0.0.1:8089' })
  .transform((url) => url.replace(/\/+$/, ''));
const name = z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes');

/**
 * The GitOps variables, one schema each, for every entry point that reads them: the git-push
 * function (where to fetch a commit's configuration) and the service's webhook receivers (which
 * pushes matter). Each entry point decides only whether a variable is required.
 */
export const gitopsVariables = {
  /** Where the git-push function reads the configuration at a commit: `github`, `gitlab` or a `local` repository. */
  FLEETPILOT_GITOPS_SOURCE: z.enum(['github', 'gitlab', 'local']),
  /** `owner/repo` (GitHub) or `group/…/project` (GitLab). */
  FLEETPILOT_GITOPS_REPOSITORY: z.string().regex(/^[\w.-]+(\/[\w.-]+)+$/, 'must be OWNER/NAME (GitLab: GROUP/.../NAME)'),
  /** The branch whose pushes are applied. */
  FLEETPILOT_GITOPS_BRANCH: z
    .string()
    .regex(/^(?!refs\/)[^\s~^:?*[\\]+$/, 'must be a branch name such as main (without refs/heads/)')
    .default('main'),
  /** A secret: validated for presence only, never echoed. */
  FLEETPILOT_GITOPS_TOKEN: z.string().min(1),
  FLEETPILOT_GITOPS_API_URL: baseUrl,
  FLEETPILOT_GITOPS_REPO_DIR: z.string().min(1),
  /** The fleet configuration file inside the repository. */
  FLEETPILOT_GITOPS_CONFIG_PATH: z
    .string()
    .regex(/^[^\s].*[^/]$|^[^\s/]$/, 'must be a file path inside the repository')
    .default('fleet.yaml'),
};

/** The environment variables fleetpilot reads, with their validation. */
export const envSchema = z.object({
  FLEETPILOT_PROJECT_ID: z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id'),
  FLEETPILOT_PROJECT_NUMBER: z
    .string()
    .regex(/^\d{1,20}$/, 'must be digits')
    .optional(),
  FLEETPILOT_CONTAINER_ENDPOINT: baseUrl.optional(),
  FLEETPILOT_GKEHUB_ENDPOINT: baseUrl.default('https://gkehub.googleapis.com'),
  FLEETPILOT_SERVICEUSAGE_ENDPOINT: baseUrl.default('https://serviceusage.googleapis.com'),
  FLEETPILOT_RESOURCEMANAGER_ENDPOINT: baseUrl.default('https://cloudresourcemanager.googleapis.com'),
  /** Cloud Monitoring (the Gateway's load-balancer request counts, for drills); the double in the sandbox. */
  FLEETPILOT_MONITORING_ENDPOINT: baseUrl.default('https://monitoring.googleapis.com'),
  FLEETPILOT_STATIC_ACCESS_TOKEN: z.string().min(8, 'must be at least 8 characters').optional(),
  FLEETPILOT_KUBE_ACCESS: z.enum(['endpoint', 'connect-gateway']).default('endpoint'),
  /** Base URL of Connect Gateway (a local double in the sandbox); Google's hosts when unset. */
  FLEETPILOT_CONNECT_GATEWAY_ENDPOINT: baseUrl.optional(),
  FLEETPILOT_FIELD_MANAGER: name.default('fleetpilot'),
  FLEETPILOT_TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes')
    .default('fleetpilot-'),
  FLEETPILOT_FIRESTORE_DATABASE: z.string().min(1).default('(default)'),
  PUBSUB_EMULATOR_HOST: hostPort.optional(),
  FIRESTORE_EMULATOR_HOST: hostPort.optional(),
  /** The fleet configuration YAML (until GitOps revisions in Firestore take over). */
  FLEETPILOT_FLEET_CONFIG_FILE: z.string().min(1).optional(),
  /** How long onboarding waits for ServiceImports before leaving the region to the tick. */
  FLEETPILOT_IMPORT_WAIT_SECONDS: z.coerce.number().int().min(0).max(540).default(60),
  /** How long operation records are kept, in days (shared/state/retention.ts). */
  FLEETPILOT_OPERATIONS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** How long a run that changed nothing and was not announced (a quiet tick) is kept, in minutes. */
  FLEETPILOT_QUIET_OPERATIONS_RETENTION_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  FLEETPILOT_GITOPS_SOURCE: gitopsVariables.FLEETPILOT_GITOPS_SOURCE.optional(),
  FLEETPILOT_GITOPS_REPOSITORY: gitopsVariables.FLEETPILOT_GITOPS_REPOSITORY.optional(),
  FLEETPILOT_GITOPS_TOKEN: gitopsVariables.FLEETPILOT_GITOPS_TOKEN.optional(),
  FLEETPILOT_GITOPS_API_URL: gitopsVariables.FLEETPILOT_GITOPS_API_URL.optional(),
  FLEETPILOT_GITOPS_REPO_DIR: gitopsVariables.FLEETPILOT_GITOPS_REPO_DIR.optional(),
  FLEETPILOT_GITOPS_CONFIG_PATH: gitopsVariables.FLEETPILOT_GITOPS_CONFIG_PATH,
  /** The Slack app's bot token (`chat:write`): pending approvals are posted to the channel below, with Approve / Deny buttons. */
  FLEETPILOT_SLACK_BOT_TOKEN: z
    .string()
    .regex(/^xoxb-[A-Za-z0-9-]{8,}$/, 'must be a Slack bot token (xoxb-…)')
    .optional(),
  /** The Slack channel id approvals are posted to (C…, G… or D…). */
  FLEETPILOT_SLACK_APPROVALS_CHANNEL: z
    .string()
    .regex(/^[CGD][A-Z0-9]{2,}$/, 'must be a Slack channel id, e.g. C0123456789')
    .optional(),
  /** Slack's Web API base URL (the sandbox points it at its double). */
  FLEETPILOT_SLACK_API_URL: baseUrl.default('https://slack.com/api'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'NOTICE', 'WARNING', 'ERROR']).default('INFO'),
});

/**
 * Rules that relate variables to each other. Checked on the raw values, so they are reported
 * together with per-variable problems rather than only after those are fixed.
 */
function crossFieldProblems(env: Record<string, string>): string[] {
  const problems: string[] = [];
  const plainHttp = (url: string | undefined) => url?.startsWith('http://') ?? false;
  const plainHttpEndpoints = [
    env.FLEETPILOT_CONTAINER_ENDPOINT,
    env.FLEETPILOT_GKEHUB_ENDPOINT,
    env.FLEETPILOT_CONNECT_GATEWAY_ENDPOINT,
    env.FLEETPILOT_SERVICEUSAGE_ENDPOINT,
    env.FLEETPILOT_RESOURCEMANAGER_ENDPOINT,
    env.FLEETPILOT_MONITORING_ENDPOINT,
  ];
  if (plainHttpEndpoints.some(plainHttp) && !env.FLEETPILOT_STATIC_ACCESS_TOKEN) {
    problems.push('FLEETPILOT_STATIC_ACCESS_TOKEN is required when a Google API endpoint is a plain-http local double');
  }
  if (env.FLEETPILOT_KUBE_ACCESS === 'connect-gateway' && !env.FLEETPILOT_PROJECT_NUMBER) {
    problems.push(
      'FLEETPILOT_PROJECT_NUMBER is required when FLEETPILOT_KUBE_ACCESS=connect-gateway (Connect Gateway URLs use the project number)',
    );
  }
  if (env.FLEETPILOT_GITOPS_SOURCE === 'local' && !env.FLEETPILOT_GITOPS_REPO_DIR) {
    problems.push('FLEETPILOT_GITOPS_REPO_DIR is required when FLEETPILOT_GITOPS_SOURCE=local');
  }
  if ((env.FLEETPILOT_GITOPS_SOURCE === 'github' || env.FLEETPILOT_GITOPS_SOURCE === 'gitlab') && !env.FLEETPILOT_GITOPS_REPOSITORY) {
    problems.push(`FLEETPILOT_GITOPS_REPOSITORY is required when FLEETPILOT_GITOPS_SOURCE=${env.FLEETPILOT_GITOPS_SOURCE}`);
  }
  if (Boolean(env.FLEETPILOT_SLACK_BOT_TOKEN) !== Boolean(env.FLEETPILOT_SLACK_APPROVALS_CHANNEL)) {
    problems.push(
      'FLEETPILOT_SLACK_BOT_TOKEN and FLEETPILOT_SLACK_APPROVALS_CHANNEL are set together (approvals are posted with one to the other)',
    );
  }
  return problems;
}

/** Validated configuration. */
export type Env = z.output<typeof envSchema>;

/** The result of {@link parseEnv}: the configuration, or every problem found. */
export type EnvResult = { ok: true; env: Env } | { ok: false; problems: string[] };

/** The result of {@link parseVariables}: the validated values, or every problem found. */
export type VariablesResult<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/**
 * The one environment parser: validates `env` against `schema` (empty strings count as unset) and
 * the cross-variable `rules`, and lists every problem at once as `VARIABLE message`, sorted and
 * without repeats. Messages come from the schemas, never from the values, so no secret is echoed.
 */
export function parseVariables<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  rules: (env: Record<string, string>) => string[] = () => [],
): VariablesResult<z.output<S>> {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const result = schema.safeParse(cleaned);
  const crossField = rules(cleaned);
  if (result.success && crossField.length === 0) return { ok: true, value: result.data };
  const problems = (result.success ? [] : result.error.issues).map((issue) => {
    const key = issue.path.join('.') || '(environment)';
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
    return `${key} ${message}`;
  });
  return { ok: false, problems: [...new Set([...problems, ...crossField])].sort() };
}

/** Validates `env` (defaults to nothing: callers pass `process.env` explicitly at the composition root). */
export function parseEnv(env: Record<string, string | undefined>): EnvResult {
  const result = parseVariables(envSchema, env, crossFieldProblems);
  return result.ok ? { ok: true, env: result.value } : result;
}

/** Like {@link parseEnv} but throws one error naming every problem. */
export function loadEnv(env: Record<string, string | undefined>): Env {
  const result = parseEnv(env);
  if (!result.ok) {
    throw new ConfigError(`invalid configuration:\n  - ${result.problems.join('\n  - ')}`, result.problems);
  }
  return result.env;
}

/** Raised at startup when the environment is invalid. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
  }
}
