/**
 * Entry point of the git-push Cloud Function (`--target=gitPush`): push messages published by the
 * webhook receiver after signature checks.
 */
import * as functions from '@google-cloud/functions-framework';
import { lazyContext } from '../compose.ts';
import { gitPushHandler } from './handler.ts';

const context = lazyContext('git-push', process.env);

functions.cloudEvent<unknown>('gitPush', async (event: functions.CloudEvent<unknown>) => {
  await gitPushHandler(await context(), event);
});
