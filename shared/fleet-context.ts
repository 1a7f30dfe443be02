/** Builds the fleet context from the real adapters: shared by every composition root. */
import { hostname } from 'node:os';
import { createKubeFactory } from './adapters/cluster-access.ts';
import type { GcpAdapters } from './adapters/gcp.ts';
import type { Env } from './config/env.ts';
import { randomIds, realSleep, systemClock } from './core/clock.ts';
import { createConfigLoader } from './gitops/index.ts';
import type { Logger } from './core/logger.ts';
import type { FleetContext } from './core/context.ts';
import { publishResult } from './core/publish-result.ts';
import { retentionFromEnv } from './state/retention.ts';
import { createSlackChatAdapter } from './adapters/slack-chat.ts';

/** The fleet context for `env` and `adapters`, with the system clock and random ids; results go to the results topic. */
export function createFleetContext(env: Env, adapters: GcpAdapters, log: Logger): FleetContext {
  return {
    container: adapters.container,
    hub: adapters.hub,
    store: adapters.store,
    kubeFor: createKubeFactory(env, adapters.tokens),
    // The applied GitOps revision in Firestore; the file only until the first push is applied.
    config: createConfigLoader({
      store: adapters.store,
      ...(env.FLEETPILOT_FLEET_CONFIG_FILE ? { fallbackFile: env.FLEETPILOT_FLEET_CONFIG_FILE } : {}),
    }),
    results: (record) => publishResult(adapters.pubsub, record),
    clock: systemClock,
    sleep: realSleep,
    ids: randomIds,
    log,
    instanceId: `${hostname()}:${process.pid}`,
    importWaitMs: env.FLEETPILOT_IMPORT_WAIT_SECONDS * 1000,
    retention: retentionFromEnv(env),
    metrics: adapters.metrics,
    // The env parser requires the token and the channel together.
    ...(env.FLEETPILOT_SLACK_BOT_TOKEN && env.FLEETPILOT_SLACK_APPROVALS_CHANNEL
      ? {
          approvalsChat: {
            chat: createSlackChatAdapter({ token: env.FLEETPILOT_SLACK_BOT_TOKEN, apiUrl: env.FLEETPILOT_SLACK_API_URL, log }),
            channel: env.FLEETPILOT_SLACK_APPROVALS_CHANNEL,
          },
        }
      : {}),
  };
}
