/** The health-alerts CloudEvent handler: decode the Monitoring notification, then the drain flow. */
import type { FunctionContext } from '../compose.ts';
import { handleMonitoringNotification } from '../../shared/failover/alert-flow.ts';
import { rejectEvent } from '../../shared/core/run-operation.ts';
import { decodePubSubJson } from '../pubsub-json.ts';

/** Handles one CloudEvent; throws only for failures Pub/Sub should retry. */
export async function healthAlertsHandler(ctx: FunctionContext, event: { id?: string; type?: string; data?: unknown }): Promise<void> {
  const decoded = decodePubSubJson(event);
  if (decoded.ok) await handleMonitoringNotification(ctx.fleet, decoded.payload, decoded.messageId);
  else
    await rejectEvent(
      ctx.fleet,
      { kind: 'health-alert', trigger: { messageId: decoded.messageId }, principal: 'cloud-monitoring', subject: 'unknown' },
      `event rejected: ${decoded.reason}`,
    );
}
