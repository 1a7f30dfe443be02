/**
 * The Container adapter, with @google-cloud/container (and the gRPC and protobuf machinery it
 * brings) loaded on the first call instead of at start: alert notifications that render nothing
 * never need it, and loading it costs a cold instance about half a second and 50 MB.
 */
import type { ContainerAdapter } from './container.ts';
import type { AccessTokenSource } from './google-auth.ts';

/** A Container adapter that opens its client on first use, and closes it if it was opened. */
export interface LazyContainerAdapter extends ContainerAdapter {
  close(): Promise<void>;
}

/** The adapter for `projectId` at `endpoint` (real Google Cloud when omitted). */
export function lazyContainerAdapter(opts: { endpoint?: string; tokens: AccessTokenSource; projectId: string }): LazyContainerAdapter {
  let opened: Promise<{ adapter: ContainerAdapter; close(): Promise<void> }> | undefined;
  const open = () =>
    (opened ??= import('./container.ts').then(({ createClusterManagerClient, createContainerAdapter }) => {
      const client = createClusterManagerClient(opts);
      return { adapter: createContainerAdapter(client, opts.projectId), close: () => client.close() };
    }));
  return {
    getCluster: async (location, name) => (await open()).adapter.getCluster(location, name),
    listClusters: async (location) => (await open()).adapter.listClusters(location),
    createCluster: async (location, cluster) => (await open()).adapter.createCluster(location, cluster),
    deleteCluster: async (location, name) => (await open()).adapter.deleteCluster(location, name),
    waitForOperation: async (location, operation, timeoutMs) => (await open()).adapter.waitForOperation(location, operation, timeoutMs),
    async close() {
      if (opened) await (await opened).close();
    },
  };
}
