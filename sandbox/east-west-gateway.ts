/**
 * Istio's east-west gateway Service as its multi-network install leaves it
 * (samples/multicluster/gen-eastwest-gateway.sh): in `istio-system`, labelled with the gateway's
 * selector and its network, exposing the mTLS port 15443 behind a load balancer. The sandbox runs no
 * gateway pods; tests create this Service, and its load-balancer status, as the install would.
 */
import type { V1Service } from '@kubernetes/client-node';

/** The east-west gateway Service of `network`; with `ip`, the load-balancer status that gives it an address. */
export function eastWestGatewayService(network: string, ip?: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: 'istio-eastwestgateway',
      namespace: 'istio-system',
      labels: { istio: 'eastwestgateway', 'topology.istio.io/network': network },
    },
    spec: {
      type: 'LoadBalancer',
      selector: { istio: 'eastwestgateway' },
      ports: [{ name: 'tls', port: 15443, targetPort: 15443, protocol: 'TCP' }],
    },
    ...(ip ? { status: eastWestGatewayStatus(ip) } : {}),
  };
}

/** The status a cloud load balancer writes once it has an address. */
export function eastWestGatewayStatus(ip: string): NonNullable<V1Service['status']> {
  return { loadBalancer: { ingress: [{ ip }] } };
}
