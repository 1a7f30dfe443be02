/**
 * Starts Google's official Pub/Sub and Firestore emulators (through gcloud) on loopback ports and
 * waits until each answers. The Firestore emulator can be stopped and started again in place with
 * its data, as a Firestore outage looks to fleetpilot: unavailable for a while, then back with
 * everything it had acknowledged.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '../shared/core/retry.ts';
import { freePort } from './ports.ts';
import { untilExit, type ProcessSupervisor, type Supervised } from './processes.ts';
import { startTcpProxy } from './tcp-proxy.ts';

/** A running emulator. */
export interface Emulator {
  host: string;
  process: Supervised;
}

const GCLOUD_ENV = { CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true' };

/** Starts the Pub/Sub emulator. */
export async function startPubSubEmulator(supervisor: ProcessSupervisor, port: number, projectId: string): Promise<Emulator> {
  const process = supervisor.spawn({
    name: 'pubsub-emulator',
    command: 'gcloud',
    args: ['beta', 'emulators', 'pubsub', 'start', `--host-port=127.0.0.1:${port}`, `--project=${projectId}`],
    env: GCLOUD_ENV,
    marker: String(port),
  });
  await waitForHttp(`http://127.0.0.1:${port}/`, 'Pub/Sub emulator', process);
  return { host: `127.0.0.1:${port}`, process };
}

/** A Firestore emulator that can go away and come back with its data. */
export interface FirestoreEmulator {
  /** Where clients connect; it stays the same across restarts. */
  host: string;
  /** Cuts every client off, saves the data and stops the emulator; clients see `UNAVAILABLE` until {@link start}. */
  stop(): Promise<void>;
  /** Starts the emulator again with the data saved by {@link stop}, and lets clients in. */
  start(): Promise<void>;
  /** Closes the proxy (the supervisor stops the emulator process). */
  close(): Promise<void>;
}

/**
 * Starts the Firestore emulator (native mode) behind a proxy on `port`. gcloud's `--export-on-exit`
 * writes nothing when the emulator is stopped by a signal, so {@link FirestoreEmulator.stop} cuts
 * the clients off first (nothing can be acknowledged and then lost), exports through the emulator's
 * own export endpoint, then stops it; `start` imports that export. `dataDir` is emptied at start.
 */
export async function startFirestoreEmulator(
  supervisor: ProcessSupervisor,
  port: number,
  opts: { projectId: string; dataDir: string },
): Promise<FirestoreEmulator> {
  rmSync(opts.dataDir, { recursive: true, force: true });
  mkdirSync(opts.dataDir, { recursive: true });
  const launch = async (importData?: string) => {
    const inner = await freePort();
    const child = supervisor.spawn({
      name: 'firestore-emulator',
      command: 'gcloud',
      args: ['emulators', 'firestore', 'start', `--host-port=127.0.0.1:${inner}`, ...(importData ? [`--import-data=${importData}`] : [])],
      env: GCLOUD_ENV,
      marker: String(inner),
    });
    await waitForHttp(`http://127.0.0.1:${inner}/`, 'Firestore emulator', child);
    return { inner, child };
  };
  let running: { inner: number; child: Supervised } | undefined = await launch();
  let saved: string | undefined;
  const proxy = await startTcpProxy(port, `127.0.0.1:${running.inner}`);
  return {
    host: `127.0.0.1:${proxy.port}`,
    stop: async () => {
      if (!running) return;
      proxy.cut();
      saved = await exportData(running.inner, opts.projectId, join(opts.dataDir, `export-${Date.now()}`));
      await running.child.stop();
      running = undefined;
    },
    start: async () => {
      if (running) return;
      running = await launch(saved);
      proxy.forwardTo(`127.0.0.1:${running.inner}`);
    },
    close: () => proxy.close(),
  };
}

/** Exports the project's default database into `dir`; returns the metadata file `--import-data` takes. */
async function exportData(port: number, projectId: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const res = await fetch(`http://127.0.0.1:${port}/emulator/v1/projects/${projectId}:export`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ database: `projects/${projectId}/databases/(default)`, export_directory: dir }),
  });
  if (!res.ok) throw new Error(`Firestore emulator export answered ${res.status}: ${await res.text()}`);
  const [exported] = readdirSync(dir);
  if (!exported) throw new Error(`Firestore emulator export wrote nothing in ${dir}`);
  return join(dir, exported, `${exported}.overall_export_metadata`);
}

async function waitForHttp(url: string, what: string, child: Supervised): Promise<void> {
  const ready = pollUntil(
    async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
        return res.ok ? true : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 90_000, intervalMs: 250, what: `${what} at ${url}` },
  );
  await untilExit(ready, child, what);
}
