// Builds the deployable artifact: compiles functions/, services/ and shared/ with tsc
// (tsconfig.build.json: the sources' `.ts` imports are rewritten to `.js`) into a fresh dist/.
// `--if-stale` skips the build when dist/ is newer than every source file and build setting, so
// tests that run the artifact can call it cheaply. Plain Node, on whichever Node runs it.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.built');
const inputs = [
  'functions',
  'services',
  'shared',
  'scripts/build.mjs',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'package-lock.json',
];

/** Newest modification time (ms) of a file, or of any file below a directory. */
function newest(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newest(join(path, name))), stat.mtimeMs);
}

if (process.argv.includes('--if-stale') && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (inputs.every((input) => newest(join(root, input)) <= built)) {
    process.stdout.write('dist/ is up to date\n');
    process.exit(0);
  }
}

const started = Date.now();
process.stdout.write(`building dist/ with tsc -p tsconfig.build.json on Node ${process.version} ...\n`);
rmSync(join(root, 'dist'), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (run.status !== 0) {
  process.stderr.write(`build failed (tsc exit ${run.status ?? run.signal})\n`);
  process.exit(run.status ?? 1);
}
// Stamped with the start time: a source saved during the build makes the next --if-stale rebuild.
writeFileSync(stamp, `built on Node ${process.version}\n`);
utimesSync(stamp, started / 1000, started / 1000);
process.stdout.write(`built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
