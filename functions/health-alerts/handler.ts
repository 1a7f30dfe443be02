/** The health-alerts CloudEvent handler: decode the Monitoring notification, then the drain flow. */
import type { FunctionContext } from '../compose.ts';
import { publishResult } from '../../shared/core/publish-result.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { startOperation } from '../../shared/state/operations.ts';
import { decodePubSubJson } from '../pubsub-json.ts';

/** Handles one CloudEvent; throws only for failures Pub/Sub should retry. */
export async function healthAlertsHandler(ctx: FunctionContext, event: { id?: string; type?: string; data?: unknown }): Promise<void> {
  const decoded = decodePubSubJson(event);
  const record = decoded.ok
    ? await handleMonitoringNotification(ctx.lifecycle, decoded.payload, decoded.messageId)
    : await (await startOperation(ctx.lifecycle, { kind: 'health-alert', trigger: { messageId: decoded.messageId }, principal: 'cloud-monitoring', subject: 'unknown' }))
      .finish('skipped', `event rejected: ${decoded.reason}`);
  await publishResult(ctx.adapters.pubsub, record);
}
