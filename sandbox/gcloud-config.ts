/**
 * A gcloud configuration that points gcloud (and kubectl through gke-gcloud-auth-plugin) at the
 * sandbox: its own config directory, the sandbox's access token in a 0600 file, and endpoint
 * overrides for every API the multi-cluster Gateway procedure calls. Nothing outside the sandbox's
 * state directory is touched: `get-credentials` writes to the sandbox's own kubeconfig for gcloud.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The APIs gcloud is pointed at the double for. */
const OVERRIDDEN_APIS = ['container', 'gkehub', 'serviceusage', 'cloudresourcemanager'] as const;

/** Where the configuration lives and the variables that select it. */
export interface GcloudSandboxConfig {
  /** `CLOUDSDK_CONFIG`. */
  configDir: string;
  /** A file of `export` lines for `source`. */
  envFile: string;
  /** The variables, also written to {@link envFile}. */
  env: Record<string, string>;
}

/** Writes the configuration under `stateDir/gcloud` and returns it. */
export function writeGcloudConfig(stateDir: string, opts: { doubleUrl: string; token: string; projectId: string }): GcloudSandboxConfig {
  const configDir = join(stateDir, 'gcloud');
  mkdirSync(join(configDir, 'configurations'), { recursive: true, mode: 0o700 });
  const tokenFile = join(configDir, 'access-token');
  writeFileSync(tokenFile, opts.token + '\n', { mode: 0o600 });
  const endpoint = `${opts.doubleUrl.replace(/\/+$/, '')}/`;
  writeFileSync(
    join(configDir, 'configurations', 'config_sandbox'),
    [
      '[core]',
      `project = ${opts.projectId}`,
      'disable_usage_reporting = true',
      '[auth]',
      `access_token_file = ${tokenFile}`,
      '[api_endpoint_overrides]',
      ...OVERRIDDEN_APIS.map((api) => `${api} = ${endpoint}`),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  writeFileSync(join(configDir, 'active_config'), 'sandbox');
  const env: Record<string, string> = {
    CLOUDSDK_CONFIG: configDir,
    CLOUDSDK_CORE_PROJECT: opts.projectId,
    CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: tokenFile,
    ...Object.fromEntries(OVERRIDDEN_APIS.map((api) => [`CLOUDSDK_API_ENDPOINT_OVERRIDES_${api.toUpperCase()}`, endpoint])),
    KUBECONFIG: join(configDir, 'kubeconfig'),
  };
  const envFile = join(stateDir, 'gcloud.env');
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `export ${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  return { configDir, envFile, env };
}
