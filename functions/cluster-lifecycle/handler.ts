/** The cluster-lifecycle CloudEvent handler: decode, then the shared lifecycle flow. */
import type { FunctionContext } from '../compose.ts';
import { publishResult } from '../../shared/core/publish-result.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { decodeAuditCloudEvent, type IncomingCloudEvent } from './decode.ts';

/** Handles one CloudEvent; throws only for failures Pub/Sub should retry. */
export async function clusterLifecycleHandler(ctx: FunctionContext, event: IncomingCloudEvent): Promise<void> {
  const decoded = decodeAuditCloudEvent(event);
  if (!decoded.ok) {
    // Recorded and acknowledged: a malformed event is never retried forever.
    ctx.log.warn('cluster event rejected', { messageId: decoded.messageId, reason: decoded.reason });
    const op = await startOperation(ctx.lifecycle, { kind: 'cluster-lifecycle', trigger: { messageId: decoded.messageId, type: event.type ?? null }, principal: 'audit-log', subject: 'unknown' });
    await op.finish('skipped', `event rejected: ${decoded.reason}`);
    return;
  }
  const record = await handleClusterAuditEntry(ctx.lifecycle, decoded.entry, decoded.messageId);
  await publishResult(ctx.adapters.pubsub, record);
}
