import { describe, expect, it } from 'vitest';
import { ConfigError, parseEnv } from '../../shared/config/env.ts';
import { parseServiceEnv } from '../../services/config.ts';
import { startServices } from '../../services/main.ts';

const FUNCTIONS_ENV = { FLEETPILOT_PROJECT_ID: 'acme-platform-prod' };
const SERVICE_ENV = { ...FUNCTIONS_ENV, FLEETPILOT_GITOPS_REPOSITORY: 'acme/fleet-config' };
const TOKEN = 'ghp_do-not-echo-0123456789';

const problemsOf = (result: { ok: true } | { ok: false; problems: string[] }) => (result.ok ? [] : result.problems);
const about = (variable: string, problems: string[]) => problems.filter((p) => p.startsWith(`${variable} `));

describe('the GitOps variables: one schema, the same problem from the functions and the service', () => {
  it.each([
    ['FLEETPILOT_GITOPS_REPOSITORY', 'not a repository', 'FLEETPILOT_GITOPS_REPOSITORY must be OWNER/NAME (GitLab: GROUP/.../NAME)'],
    // The functions took any non-empty path before; the service refused a directory.
    ['FLEETPILOT_GITOPS_CONFIG_PATH', 'config/', 'FLEETPILOT_GITOPS_CONFIG_PATH must be a file path inside the repository'],
    ['FLEETPILOT_GITOPS_CONFIG_PATH', ' fleet.yaml', 'FLEETPILOT_GITOPS_CONFIG_PATH must be a file path inside the repository'],
  ])('%s=%j', async (variable, value, problem) => {
    const functions = about(variable, problemsOf(parseEnv({ ...FUNCTIONS_ENV, FLEETPILOT_GITOPS_TOKEN: TOKEN, [variable]: value })));
    const service = about(variable, problemsOf(parseServiceEnv({ ...SERVICE_ENV, [variable]: value })));
    expect(functions).toEqual([problem]);
    expect(service).toEqual([problem]);
    // The service checks both sets of variables and lists the problem once.
    const error = await startServices({ ...SERVICE_ENV, FLEETPILOT_GITOPS_TOKEN: TOKEN, [variable]: value }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(about(variable, (error as ConfigError).problems)).toEqual([problem]);
    expect((error as ConfigError).message).not.toContain(TOKEN);
  });

  it('accepts the same values in both', () => {
    const values = {
      FLEETPILOT_GITOPS_REPOSITORY: 'group/sub.group/fleet_config',
      FLEETPILOT_GITOPS_CONFIG_PATH: 'clusters/prod/fleet.yaml',
    };
    const functions = parseEnv({ ...FUNCTIONS_ENV, ...values });
    const service = parseServiceEnv({ ...SERVICE_ENV, ...values });
    expect(functions.ok && functions.env).toMatchObject(values);
    expect(service.ok && service.config.filter).toEqual({
      repository: values.FLEETPILOT_GITOPS_REPOSITORY,
      branch: 'main',
      configPath: values.FLEETPILOT_GITOPS_CONFIG_PATH,
    });
  });

  it('lists every problem at once and never echoes a value', () => {
    const env = {
      FLEETPILOT_GITOPS_SOURCE: 'svn',
      FLEETPILOT_GITOPS_REPOSITORY: `${TOKEN} oops`,
      FLEETPILOT_GITOPS_API_URL: `ftp://${TOKEN}@example.com`,
      FLEETPILOT_GITOPS_TOKEN: TOKEN,
    };
    const problems = problemsOf(parseEnv({ ...FUNCTIONS_ENV, ...env }));
    expect(problems.map((p) => p.split(' ')[0])).toEqual([
      'FLEETPILOT_GITOPS_API_URL',
      'FLEETPILOT_GITOPS_REPOSITORY',
      'FLEETPILOT_GITOPS_SOURCE',
    ]);
    expect(problems.join('\n')).not.toContain(TOKEN);
    expect(problemsOf(parseServiceEnv({ ...SERVICE_ENV, ...env })).join('\n')).not.toContain(TOKEN);
  });
});
