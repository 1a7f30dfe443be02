/** Loopback port allocation for sandbox components. */
import { createServer } from 'node:net';

/** Asks the kernel for a free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** True when nothing listens on the loopback port. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Throws, naming them, when any of the fixed loopback `ports` is taken (0 or undefined: any port will do). */
export async function assertPortsFree(ports: (number | undefined)[]): Promise<void> {
  const busy: number[] = [];
  for (const port of ports) if (port && !(await portIsFree(port))) busy.push(port);
  if (busy.length > 0) {
    throw new Error(
      `loopback port(s) ${busy.join(', ')} already in use by another process; stop it (e.g. another sandbox: ss -ltnp | grep ${busy[0]}) and try again`,
    );
  }
}

/** A free port P such that P+1 is free too (etcd's client and peer ports). */
export async function freePortPair(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    if (port < 65535 && (await portIsFree(port + 1))) return port;
  }
  throw new Error('could not find two adjacent free loopback ports');
}
