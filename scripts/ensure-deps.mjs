// Installs npm packages when node_modules is missing or older than package-lock.json, so that
// `npm run sandbox` and `npm test` work on a fresh clone. Plain Node: it runs before any package exists.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 9)) {
  process.stderr.write(`fleetpilot needs Node.js >= 20.9; this is ${process.version}. Install Node 20 LTS or newer.\n`);
  process.exit(1);
}
const lock = readFileSync('package-lock.json');
const want = createHash('sha256').update(lock).digest('hex');
const stamp = 'node_modules/.fleetpilot-lock-hash';
const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
if (have !== want) {
  const started = Date.now();
  process.stderr.write('installing npm packages from package-lock.json ...\n');
  try {
    // `npm install --no-save` rather than `npm ci`: npm 11 leaves other platforms' optional
    // packages (rollup's) out of the lock file and `npm ci` then refuses it as out of sync.
    // The locked versions are still the ones installed, and the lock file is not rewritten.
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--loglevel=error'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch {
    process.stderr.write('npm install failed: check network access to the npm registry and the messages above.\n');
    process.exit(1);
  }
  writeFileSync(stamp, want + '\n');
  process.stderr.write(`npm packages installed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
