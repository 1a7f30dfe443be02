/**
 * Starts one sandbox for all contract tests (emulators, real kube-apiservers with the demo fleet,
 * the Google API double, fleetpilot on top) and stops it afterwards — the gateway, fleetpilot, then
 * the infrastructure — checking that no process is left behind.
 */
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger } from '../../shared/core/logger.ts';
import { createDemoFleet } from '../../sandbox/demo-fleet.ts';
import { waitForClassicRoute } from '../../sandbox/demo-watch.ts';
import { startSandboxGateway } from '../../sandbox/gateway.ts';
import { startFleetpilot, type Fleetpilot } from '../../sandbox/fleetpilot.ts';
import type { SandboxApi } from '../../sandbox/operations-api.ts';
import { startSandbox, type SandboxInfra } from '../../sandbox/sandbox.ts';
import type { SandboxInfo } from '../support/sandbox-info.ts';

let sandbox: SandboxInfra | undefined;
let fleetpilot: Fleetpilot | undefined;
let stopGateway: () => Promise<void> = async () => undefined;

/** Vitest global setup. */
export async function setup(project: TestProject): Promise<void> {
  const repoRoot = resolve(import.meta.dirname, '../..');
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  const log = createLogger({
    format: 'text',
    level: process.env.LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'INFO',
    fields: { component: 'test-sandbox' },
    write: (line) => process.stderr.write(line + '\n'),
  });
  // A fixed directory: a run killed before its teardown is cleaned up by the next one.
  const stateDir = join(repoRoot, '.cache', 'sandbox', 'test');
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      sandbox?.killNow();
      process.exit(130);
    });
  }
  sandbox = await startSandbox({ repoRoot, stateDir, log, importDelayMs: 500 });
  fleetpilot = await startFleetpilot(sandbox, { fleetConfigFile: join(repoRoot, 'examples', 'fleet.yaml'), log, tickIntervalMs: 2_000 });
  await createDemoFleet(sandbox, log);
  // Tests start from the converged classic example: both members onboarded and routed.
  await waitForClassicRoute(sandbox.adapters, sandbox.token, 180_000);
  const gateway = await startSandboxGateway(sandbox, log);
  stopGateway = () => gateway.stop();
  const info: SandboxInfo = {
    env: fleetpilot.env,
    projectId: sandbox.config.FLEETPILOT_PROJECT_ID,
    projectNumber: sandbox.config.FLEETPILOT_PROJECT_NUMBER ?? '',
    pubsubHost: sandbox.config.PUBSUB_EMULATOR_HOST ?? '',
    token: sandbox.token,
    kubeconfigPath: sandbox.kubeconfigPath,
    doubleUrl: sandbox.doubleUrl,
    controlUrl: sandbox.controlUrl,
    gatewayUrl: gateway.url,
    gitops: { servicesUrl: fleetpilot.servicesUrl, ...fleetpilot.gitops },
    api: apiInfo(fleetpilot.api),
    stateDir,
    repoRoot,
    gcloudEnv: sandbox.gcloud.env,
  };
  project.provide('sandbox', info);
}

/** Vitest global teardown. */
export async function teardown(): Promise<void> {
  await stopGateway();
  await fleetpilot?.stop();
  const survivors = (await sandbox?.stop()) ?? [];
  if (survivors.length > 0) throw new Error(`the sandbox left processes running after stop: ${survivors.join(', ')}`);
}

function apiInfo(api: SandboxApi): SandboxInfo['api'] {
  return {
    url: api.url,
    tokens: api.tokens,
    audience: api.audience,
    slackSigningSecret: api.slackSigningSecret,
    slackResponsePrefix: api.slackResponsePrefix,
  };
}
