/**
 * A loopback TCP proxy with an off switch, so the sandbox can take a service away and bring it back
 * on the same address the way an outage does: while it is off, every open connection is cut and new
 * ones are reset at once (clients see `UNAVAILABLE`), and nothing reaches the service behind it.
 * The Firestore emulator sits behind one, so that it can be restarted in place (see emulators.ts).
 */
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/** A running proxy: `port` is its own; the target can change while it runs. */
export interface TcpProxy {
  port: number;
  /** Forwards new connections to `target` (`host:port`). */
  forwardTo(target: string): void;
  /** Cuts every connection and refuses new ones until {@link forwardTo} is called again. */
  cut(): void;
  close(): Promise<void>;
}

/** Listens on `127.0.0.1:port` (0: any free port), forwarding to `target`. */
export async function startTcpProxy(port: number, target: string): Promise<TcpProxy> {
  let forward: { host: string; port: number } | undefined = parse(target);
  const open = new Set<Socket>();
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = createServer((client) => {
    track(client);
    if (!forward) return client.resetAndDestroy();
    const upstream = connect(forward.port, forward.host);
    track(upstream);
    client.pipe(upstream).pipe(client);
    // A reset on one side resets the other: clients must see the failure, never a silent hang.
    client.once('error', () => upstream.destroy());
    upstream.once('error', () => client.resetAndDestroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    forwardTo: (next) => {
      forward = parse(next);
    },
    cut: () => {
      forward = undefined;
      for (const socket of open) socket.resetAndDestroy();
    },
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parse(target: string): { host: string; port: number } {
  const at = target.lastIndexOf(':');
  return { host: target.slice(0, at), port: Number(target.slice(at + 1)) };
}
