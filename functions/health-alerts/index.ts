/**
 * Entry point of the health-alerts Cloud Function (`--target=healthAlerts`): Cloud Monitoring
 * incident notifications from a Pub/Sub notification channel.
 */
import * as functions from '@google-cloud/functions-framework';
import { lazyContext } from '../compose.ts';
import { healthAlertsHandler } from './handler.ts';

const context = lazyContext('health-alerts', process.env);

functions.cloudEvent<unknown>('healthAlerts', async (event: functions.CloudEvent<unknown>) => {
  await healthAlertsHandler(await context(), event);
});
