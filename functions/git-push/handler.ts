/** The git-push CloudEvent handler: decode the receiver's message, then the GitOps flow. */
import type { FunctionContext } from '../compose.ts';
import { DEFAULT_MAX_DELIVERY_ATTEMPTS } from '../../shared/adapters/topology.ts';
import { createGitProvider, handleGitPush, parseGitPushMessage } from '../../shared/gitops/index.ts';
import { rejectEvent } from '../../shared/core/run-operation.ts';
import { decodePubSubJson, deliveryAttempt } from '../pubsub-json.ts';

/** Handles one CloudEvent; throws only for failures Pub/Sub should retry. */
export async function gitPushHandler(ctx: FunctionContext, event: { id?: string; type?: string; data?: unknown }): Promise<void> {
  const decoded = decodePubSubJson(event);
  const parsed = decoded.ok ? parseGitPushMessage(decoded.payload) : decoded;
  if (!parsed.ok) {
    await rejectEvent(
      ctx.fleet,
      { kind: 'git-push', trigger: { messageId: decoded.messageId }, principal: 'git', subject: 'unknown' },
      `message rejected: ${parsed.reason}`,
    );
    return;
  }
  const flow = { ...ctx.fleet, ...gitProvider(ctx), configPath: ctx.env.FLEETPILOT_GITOPS_CONFIG_PATH };
  await handleGitPush(flow, parsed.message, decoded.messageId, { finalAttempt: deliveryAttempt(event) >= DEFAULT_MAX_DELIVERY_ATTEMPTS });
}

function gitProvider(ctx: FunctionContext) {
  const env = ctx.env;
  if (!env.FLEETPILOT_GITOPS_SOURCE)
    throw new Error('FLEETPILOT_GITOPS_SOURCE is not set: the git-push function cannot read configurations');
  return createGitProvider({
    provider: env.FLEETPILOT_GITOPS_SOURCE,
    store: ctx.adapters.store,
    ...(env.FLEETPILOT_GITOPS_REPOSITORY ? { repository: env.FLEETPILOT_GITOPS_REPOSITORY } : {}),
    ...(env.FLEETPILOT_GITOPS_TOKEN ? { token: env.FLEETPILOT_GITOPS_TOKEN } : {}),
    ...(env.FLEETPILOT_GITOPS_API_URL ? { baseUrl: env.FLEETPILOT_GITOPS_API_URL } : {}),
    ...(env.FLEETPILOT_GITOPS_REPO_DIR ? { repoDir: env.FLEETPILOT_GITOPS_REPO_DIR } : {}),
  });
}

/** Pub/Sub's delivery attempt, as push subscriptions with dead-lettering report it. */
