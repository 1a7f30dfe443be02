/**
 * A sandbox-like process for the lifecycle test: starts a real Pub/Sub emulator under a process
 * supervisor in the given state directory, reports its port, and waits to be killed.
 */
import { createLogger } from '../../shared/core/logger.ts';
import { startPubSubEmulator } from '../../sandbox/emulators.ts';
import { freePort } from '../../sandbox/ports.ts';
import { ProcessSupervisor } from '../../sandbox/processes.ts';

const stateDir = process.argv[2];
if (!stateDir) throw new Error('usage: crash-child.ts STATE_DIR');
const supervisor = new ProcessSupervisor(stateDir, createLogger({ write: () => undefined }));
const port = await freePort();
await startPubSubEmulator(supervisor, port, 'crash-test');
process.stdout.write(`READY ${port}\n`);
setInterval(() => undefined, 60_000);
