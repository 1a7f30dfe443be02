/** Starts the local data plane for the sandbox's config cluster (the Gateway's load balancer stand-in). */
import { createKubeAdapter } from '../shared/adapters/kube.ts';
import { kubeConfigFor } from '../shared/adapters/kube-config.ts';
import { endpointServer } from '../shared/adapters/kube-servers.ts';
import type { Logger } from '../shared/core/logger.ts';
import { startDataPlane } from './data-plane/data-plane.ts';
import type { SandboxInfra } from './sandbox.ts';

/** Starts the data plane in front of `store/external-http` on the config cluster; it counts what it answers in the sandbox's ledger. */
export async function startSandboxGateway(sandbox: SandboxInfra, log: Logger, port?: number) {
  const config = await sandbox.adapters.container.getCluster('asia-northeast1-b', 'mc-gw-config-cluster');
  if (!config) throw new Error('the config cluster does not exist yet');
  const configKube = createKubeAdapter(
    kubeConfigFor({ name: config.name, server: endpointServer(config.endpoint), caPem: config.caCertificatePem, token: sandbox.token }),
    'sandbox-gateway-controller',
  );
  return startDataPlane({
    configKube,
    gateway: { name: 'external-http', namespace: 'store' },
    workloads: sandbox.workloads,
    ledger: sandbox.ledger,
    log: log.child({ component: 'data-plane' }),
    ...(port ? { port } : {}),
  });
}
