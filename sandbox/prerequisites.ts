/**
 * Checks the machine for what the sandbox needs and says exactly what to install when something
 * is missing, instead of failing later with an obscure error.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { realpathSync } from 'node:fs';

/** One missing prerequisite and how to get it. */
export interface Missing {
  what: string;
  install: string;
}

/** Finds an executable on PATH. */
export function which(command: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Lists everything the sandbox needs that this machine lacks (empty when all is there). */
export function checkPrerequisites(): Missing[] {
  const missing: Missing[] = [];
  if (!which('go'))
    missing.push({
      what: 'Go toolchain (builds kube-apiserver)',
      install: 'install Go >= 1.24 (https://go.dev/doc/install or apt-get install golang)',
    });
  if (!which('java'))
    missing.push({ what: 'Java >= 11 (runs the Pub/Sub and Firestore emulators)', install: 'apt-get install openjdk-17-jre-headless' });
  const gcloud = which('gcloud');
  if (!gcloud) {
    missing.push({ what: 'gcloud CLI (starts the emulators)', install: 'install the Google Cloud CLI (apt-get install google-cloud-cli)' });
  } else {
    const sdkRoot = join(dirname(realpathSync(gcloud)), '..');
    const platform = (dir: string) => [join(sdkRoot, 'platform', dir), join('/usr/lib/google-cloud-sdk/platform', dir)].some(existsSync);
    if (!platform('pubsub-emulator')) {
      missing.push({
        what: 'Pub/Sub emulator',
        install: 'gcloud components install pubsub-emulator beta (or apt-get install google-cloud-cli-pubsub-emulator)',
      });
    }
    if (!platform('cloud-firestore-emulator')) {
      missing.push({
        what: 'Firestore emulator',
        install: 'gcloud components install cloud-firestore-emulator (or apt-get install google-cloud-cli-firestore-emulator)',
      });
    }
  }
  return missing;
}

/** Throws one error listing every missing prerequisite. */
export function assertPrerequisites(): void {
  const missing = checkPrerequisites();
  if (missing.length === 0) return;
  const lines = missing.map((m) => `  - ${m.what}: ${m.install}`);
  throw new Error(`the sandbox cannot start; this machine is missing:\n${lines.join('\n')}`);
}
