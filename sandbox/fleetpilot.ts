/**
 * fleetpilot on the sandbox: its Cloud Functions (served as Google serves them, fed by the Pub/Sub
 * emulator, ticked as Cloud Scheduler would), its services (webhook receivers and the operations
 * API), and the GitOps repository holding the fleet configuration. Started on a running
 * {@link SandboxInfra}; stop it before the infrastructure:
 *
 * ```ts
 * const infra = await startSandbox({ repoRoot, stateDir, log });
 * const fleetpilot = await startFleetpilot(infra, { fleetConfigFile, log });
 * // …
 * await fleetpilot.stop();
 * await infra.stop();
 * ```
 *
 * The functions read `process.env` and register themselves once per process, so one process runs
 * at most one fleetpilot.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { FleetConfig } from '../shared/config/fleet-config.ts';
import { systemClock } from '../shared/core/clock.ts';
import type { Logger } from '../shared/core/logger.ts';
import { createConfigLoader } from '../shared/gitops/index.ts';
import { startServices, type ServicesHandle } from '../services/main.ts';
import { registerSlackApp, sandboxSlackEnv } from './slack-app.ts';
import { startBuiltServices } from './built-artifact.ts';
import { CONFIG_PATH, SANDBOX_REPOSITORY, ensureConfigRepo } from './gitops-repo.ts';
import { startFunctions, type RunFrom } from './local-functions.ts';
import { prepareSandboxApi, type SandboxApi } from './operations-api.ts';
import { SANDBOX_PROJECT, writeEnvFile, type SandboxInfra } from './sandbox.ts';

/** Options for {@link startFleetpilot}. */
export interface FleetpilotOptions {
  /** The fleet configuration: the GitOps repository's first commit, and the functions' fallback. */
  fleetConfigFile: string;
  log: Logger;
  /** Fixed port of the services (main job); any free port when omitted. */
  servicesPort?: number;
  /** How often the stand-in for Cloud Scheduler publishes a tick; default 5 s. */
  tickIntervalMs?: number;
  /**
   * Where the functions and the services run from: `source` (default), in this process; `dist`, the
   * built artifact (rebuilt when stale) in processes of their own, exactly as deployed.
   */
  runFrom?: RunFrom;
}

/** fleetpilot running on the sandbox. */
export interface Fleetpilot {
  /** The infrastructure's environment plus fleetpilot's own (GitOps, services URL, webhook secret). */
  env: Record<string, string>;
  /** Base URL of the services: webhook receivers and the operations API. */
  servicesUrl: string;
  /** The sandbox's configuration repository and the GitHub webhook secret the services verify. */
  gitops: { repoDir: string; webhookSecret: string };
  /** The operations API, its tokens per role and its Slack app. */
  api: SandboxApi;
  /** The fleet configuration in force, read as the functions read it (applied revision, else the file). */
  config(): Promise<FleetConfig>;
  /** Stops the services, the ticker and the functions (not the infrastructure). */
  stop(): Promise<void>;
}

/** Starts fleetpilot on `infra`; on failure whatever it started is stopped (the infrastructure is not). */
export async function startFleetpilot(infra: SandboxInfra, opts: FleetpilotOptions): Promise<Fleetpilot> {
  const { adapters } = infra;
  const { log } = opts;
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((error: unknown) => log.warn('fleetpilot stop step failed', { error }));
  };
  try {
    // The emulators start empty, so the repository starts anew too: its history matches what fleetpilot saw.
    const repoDir = join(infra.stateDir, 'fleet-config');
    await rm(repoDir, { recursive: true, force: true });
    await ensureConfigRepo(repoDir, opts.fleetConfigFile);
    const slack = sandboxSlackEnv(infra.doubleUrl);
    const fleetEnv = {
      ...infra.env,
      ...slack.env,
      FLEETPILOT_FLEET_CONFIG_FILE: opts.fleetConfigFile,
      FLEETPILOT_GITOPS_SOURCE: 'local',
      FLEETPILOT_GITOPS_REPO_DIR: repoDir,
      FLEETPILOT_GITOPS_REPOSITORY: SANDBOX_REPOSITORY,
      FLEETPILOT_GITOPS_CONFIG_PATH: CONFIG_PATH,
    };
    const functions = await startFunctions({
      env: { ...fleetEnv, FLEETPILOT_IMPORT_WAIT_SECONDS: '30' },
      adapters,
      projectId: SANDBOX_PROJECT.id,
      log,
      tickIntervalMs: opts.tickIntervalMs ?? 5_000,
      from: opts.runFrom ?? 'source',
    });
    stops.push(() => functions.stop());
    const webhookSecret = randomBytes(24).toString('hex');
    const apiSetup = await prepareSandboxApi({
      store: adapters.store,
      clock: systemClock,
      stateDir: infra.stateDir,
      doubleUrl: infra.doubleUrl,
    });
    const servicesEnv = {
      ...fleetEnv,
      ...apiSetup.env,
      FLEETPILOT_GITHUB_WEBHOOK_SECRET: webhookSecret,
      PORT: String(opts.servicesPort ?? 0),
      LOG_LEVEL: 'WARNING',
    };
    const services =
      opts.runFrom === 'dist'
        ? await startBuiltService(servicesEnv, opts.servicesPort)
        : await startServices(servicesEnv, { hostname: '127.0.0.1', log: log.child({ component: 'services' }) });
    stops.push(() => services.close());
    const api = apiSetup.finish(services.url);
    await registerSlackApp(infra, { botToken: slack.botToken, signingSecret: api.slackSigningSecret, servicesUrl: services.url });
    const env = { ...fleetEnv, FLEETPILOT_SERVICES_URL: services.url, FLEETPILOT_GITHUB_WEBHOOK_SECRET: webhookSecret };
    writeEnvFile(infra.stateDir, env);
    const config = createConfigLoader({ store: adapters.store, fallbackFile: opts.fleetConfigFile });
    return { env, servicesUrl: services.url, gitops: { repoDir, webhookSecret }, api, config, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The built service (`npm start`, listening on all interfaces as on Cloud Run) in a process of its own. */
async function startBuiltService(env: Record<string, string>, port = 0): Promise<ServicesHandle> {
  const built = await startBuiltServices({ env, port, echo: true });
  return { url: built.url, close: () => built.stop() };
}
