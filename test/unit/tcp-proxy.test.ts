/**
 * The sandbox's TCP proxy with an off switch (sandbox/tcp-proxy.ts), which stands in front of the
 * Firestore emulator: it forwards, cuts open connections and refuses new ones while off, and
 * forwards to a new target when switched on again, on the same port.
 */
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from '../../sandbox/tcp-proxy.ts';

/** An echo server that prefixes what it sends back with its name. */
async function echo(name: string): Promise<{ server: Server; target: string }> {
  const server = createServer((socket) => socket.on('data', (data) => socket.write(`${name}:${data.toString()}`)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, target: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Sends `text` through the proxy and resolves with the answer, or with the error's code. */
function roundTrip(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    socket.once('data', (data) => {
      resolve(data.toString());
      socket.destroy();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    socket.once('close', () => resolve('closed'));
  });
}

describe('TCP proxy with an off switch', () => {
  const closers: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
  });

  it('forwards, refuses while cut, and forwards to a new target on the same port', async () => {
    const a = await echo('a');
    const b = await echo('b');
    const proxy: TcpProxy = await startTcpProxy(0, a.target);
    closers.push(
      () => proxy.close(),
      () => new Promise((r) => a.server.close(r)),
      () => new Promise((r) => b.server.close(r)),
    );
    expect(await roundTrip(proxy.port, 'hello')).toBe('a:hello');

    const open = connect(proxy.port, '127.0.0.1');
    await once(open, 'connect');
    const cutOff = new Promise((resolve) => open.once('close', resolve));
    open.on('error', () => undefined);
    proxy.cut();
    await cutOff;
    expect(['ECONNRESET', 'closed']).toContain(await roundTrip(proxy.port, 'anyone?'));

    proxy.forwardTo(b.target);
    expect(await roundTrip(proxy.port, 'back')).toBe('b:back');
  });
});
