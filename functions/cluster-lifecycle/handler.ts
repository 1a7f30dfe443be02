/** The cluster-lifecycle CloudEvent handler: decode, then the shared lifecycle flow. */
import type { FunctionContext } from '../compose.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import { plainId } from '../../shared/core/limits.ts';
import { rejectEvent } from '../../shared/core/run-operation.ts';
import { decodeAuditCloudEvent, type IncomingCloudEvent } from './decode.ts';
import { DEFAULT_MAX_DELIVERY_ATTEMPTS } from '../../shared/adapters/topology.ts';
import { deliveryAttempt } from '../pubsub-json.ts';

/** Handles one CloudEvent; throws only for failures Pub/Sub should retry. */
export async function clusterLifecycleHandler(ctx: FunctionContext, event: IncomingCloudEvent): Promise<void> {
  const decoded = decodeAuditCloudEvent(event);
  if (!decoded.ok) {
    const trigger = { messageId: decoded.messageId, type: plainId(event.type) ?? null };
    await rejectEvent(
      ctx.fleet,
      { kind: 'cluster-lifecycle', trigger, principal: 'audit-log', subject: 'unknown' },
      `event rejected: ${decoded.reason}`,
    );
    return;
  }
  await handleClusterAuditEntry(ctx.fleet, decoded.entry, decoded.messageId, {
    finalAttempt: deliveryAttempt(event) >= DEFAULT_MAX_DELIVERY_ATTEMPTS,
  });
}
