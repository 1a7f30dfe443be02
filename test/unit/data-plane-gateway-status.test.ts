import { describe, expect, it } from 'vitest';
import { desiredGatewayStatus, statusCurrent } from '../../sandbox/data-plane/gateway-status.ts';

const input = {
  generation: 3,
  listeners: ['http'],
  attachedRoutes: { http: 2 },
  address: '127.0.0.1',
  now: new Date('2025-01-01T00:00:00.123Z'),
};

describe('data plane Gateway status', () => {
  it('reports the address, Accepted and Programmed, and each listener with its attached routes', () => {
    const status = desiredGatewayStatus(input);
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: '127.0.0.1' }]);
    expect(status.conditions.map((c) => [c.type, c.status, c.reason, c.observedGeneration, c.lastTransitionTime])).toEqual([
      ['Accepted', 'True', 'Accepted', 3, '2025-01-01T00:00:00Z'],
      ['Programmed', 'True', 'Programmed', 3, '2025-01-01T00:00:00Z'],
    ]);
    expect(status.listeners).toEqual([
      expect.objectContaining({
        name: 'http',
        attachedRoutes: 2,
        supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
      }),
    ]);
  });

  it('keeps transition times of conditions that stay true, and is current when nothing changed', () => {
    const first = desiredGatewayStatus(input);
    const later = desiredGatewayStatus({ ...input, now: new Date('2025-02-01T00:00:00Z'), live: first });
    expect(later).toEqual(first);
    expect(statusCurrent(first, later)).toBe(true);
    expect(statusCurrent({ ...first, conditions: [...first.conditions].reverse() }, later)).toBe(true);
  });

  it('is stale for a new generation, other attached routes, a pending default status, or none', () => {
    const first = desiredGatewayStatus(input);
    expect(statusCurrent(first, desiredGatewayStatus({ ...input, generation: 4, live: first }))).toBe(false);
    expect(statusCurrent(first, desiredGatewayStatus({ ...input, attachedRoutes: { http: 3 }, live: first }))).toBe(false);
    const pending = {
      conditions: [
        {
          type: 'Accepted',
          status: 'Unknown' as const,
          reason: 'Pending',
          message: 'Waiting for controller',
          lastTransitionTime: '1970-01-01T00:00:00Z',
        },
      ],
    };
    const desired = desiredGatewayStatus({ ...input, live: pending });
    expect(desired.conditions[0]?.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
    expect(statusCurrent(pending, desired)).toBe(false);
    expect(statusCurrent(undefined, desired)).toBe(false);
  });
});
