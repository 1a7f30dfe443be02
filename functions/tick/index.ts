/** Entry point of the tick Cloud Function (`--target=tick`), fed by Cloud Scheduler through Pub/Sub. */
import * as functions from '@google-cloud/functions-framework';
import { lazyContext } from '../compose.ts';
import { tickHandler } from './handler.ts';

const context = lazyContext('tick', process.env);

functions.cloudEvent<unknown>('tick', async (event: functions.CloudEvent<unknown>) => {
  await tickHandler(await context(), event.id);
});
