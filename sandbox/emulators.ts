/**
 * Starts Google's official Pub/Sub and Firestore emulators (through gcloud) on loopback ports and
 * waits until each answers.
 */
import { pollUntil } from '../shared/core/retry.ts';
import { untilExit, type ProcessSupervisor, type Supervised } from './processes.ts';

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

/** Starts the Firestore emulator (native mode). */
export async function startFirestoreEmulator(supervisor: ProcessSupervisor, port: number): Promise<Emulator> {
  const process = supervisor.spawn({
    name: 'firestore-emulator',
    command: 'gcloud',
    args: ['emulators', 'firestore', 'start', `--host-port=127.0.0.1:${port}`],
    env: GCLOUD_ENV,
    marker: String(port),
  });
  await waitForHttp(`http://127.0.0.1:${port}/`, 'Firestore emulator', process);
  return { host: `127.0.0.1:${port}`, process };
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
