/** Test access to the Google API double's admin routes (fault injection, state dump). */
import { sandboxInfo } from './sandbox-clients.ts';

/** A fault: the next `count` requests matching method and path fail with `status`. */
export interface Fault {
  method: string;
  pathPattern: string;
  queryPattern?: string;
  status: number;
  count: number;
  message?: string;
}

/** Installs a fault in the double. */
export async function injectFault(fault: Fault): Promise<void> {
  const { doubleUrl, token } = sandboxInfo();
  const res = await fetch(`${doubleUrl}/_double/faults`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(fault),
  });
  if (!res.ok) throw new Error(`fault injection refused: ${res.status} ${await res.text()}`);
}
