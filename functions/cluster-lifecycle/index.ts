/**
 * Entry point of the cluster-lifecycle Cloud Function (`--target=clusterLifecycle`): audit-log
 * entries for GKE cluster creation and deletion, from a Log Router sink or Eventarc.
 */
import * as functions from '@google-cloud/functions-framework';
import { lazyContext } from '../compose.ts';
import { clusterLifecycleHandler } from './handler.ts';

const context = lazyContext('cluster-lifecycle', process.env);

functions.cloudEvent<unknown>('clusterLifecycle', async (event: functions.CloudEvent<unknown>) => {
  await clusterLifecycleHandler(await context(), event);
});
