/** What contract tests learn about the running sandbox (provided by the global setup). */

/** The sandbox as tests see it. */
export interface SandboxInfo {
  /** FLEETPILOT_* and emulator variables pointing at the sandbox. */
  env: Record<string, string>;
  projectId: string;
  projectNumber: string;
  pubsubHost: string;
  token: string;
  kubeconfigPath: string;
  doubleUrl: string;
  /** The sandbox's control routes (attached and on-prem clusters). */
  controlUrl: string;
  /** The webhook receivers and the sandbox's configuration repository. */
  gitops: { servicesUrl: string; webhookSecret: string; repoDir: string };
  /** The operations API: URL, one API token per role, audience of ID tokens, Slack signing secret. */
  api: {
    url: string;
    tokens: { viewer: string; operator: string; admin: string };
    audience: string;
    slackSigningSecret: string;
    slackResponsePrefix: string;
  };
  /** The local data plane in front of the config cluster's Gateway. */
  gatewayUrl: string;
  stateDir: string;
  repoRoot: string;
  /** CLOUDSDK_* (and KUBECONFIG) variables that point gcloud at the sandbox (see sandbox/gcloud-config.ts). */
  gcloudEnv: Record<string, string>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    sandbox: SandboxInfo;
  }
}
