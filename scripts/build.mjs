// Builds the deployable artifact: compiles functions/, services/ and shared/ with tsc
// (tsconfig.build.json: the sources' `.ts` and `.tsx` imports are rewritten to `.js`, and the fleet
// page's JSX becomes calls of hono/jsx's runtime) into dist/.
//
// `--if-stale` skips the build when dist/ is newer than every source file and build setting, so
// tests that run the artifact can call it cheaply. Builds are serialised by a lock in .cache/, and
// dist/ is rewritten in place, then pruned of files this build did not emit, rather than deleted
// first: processes already running from dist/ (another test run, the sandbox) keep working.
// Plain Node, on whichever Node runs it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.built');
const lock = join(root, '.cache', 'build.lock');
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

const upToDate = () => existsSync(stamp) && inputs.every((input) => newest(join(root, input)) <= statSync(stamp).mtimeMs);

/** Takes the build lock (a directory, created atomically), waiting while a live build holds it. */
function acquireLock() {
  mkdirSync(dirname(lock), { recursive: true });
  let said = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      process.on('exit', () => rmSync(lock, { recursive: true, force: true }));
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const owner = lockOwner();
    // A holder that died, or one that never wrote its pid (killed right after taking the lock).
    if (owner ? !alive(owner) : Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? 0) > 5_000) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (!said) process.stdout.write(`waiting for another build (pid ${owner || '?'}) to finish ...\n`);
    said = true;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
  }
}

function lockOwner() {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8')) || 0;
  } catch {
    return 0;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Deletes files below `dir` that are not in `keep`, then empty directories. */
function prune(dir, keep) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(path, keep);
      if (readdirSync(path).length === 0) rmdirSync(path);
    } else if (!keep.has(path)) {
      rmSync(path, { force: true });
    }
  }
}

const ifStale = process.argv.includes('--if-stale');
acquireLock();
if (ifStale && upToDate()) {
  process.stdout.write('dist/ is up to date\n');
  process.exit(0);
}

const started = Date.now();
process.stdout.write(`building dist/ with tsc -p tsconfig.build.json on Node ${process.version} ...\n`);
rmSync(stamp, { force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--listEmittedFiles'], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  maxBuffer: 64 * 1024 * 1024,
});
const emitted = new Set([stamp]);
for (const line of (run.stdout ?? '').split('\n')) {
  if (line.startsWith('TSFILE: ')) emitted.add(resolve(line.slice('TSFILE: '.length).trim()));
  else if (line.trim()) process.stdout.write(line + '\n');
}
if (run.status !== 0) {
  process.stderr.write(`build failed (tsc exit ${run.status ?? run.signal})\n`);
  process.exit(run.status ?? 1);
}
prune(dist, emitted);
// Stamped with the start time: a source saved during the build makes the next --if-stale rebuild.
writeFileSync(stamp, `built on Node ${process.version}\n`);
utimesSync(stamp, started / 1000, started / 1000);
process.stdout.write(`built dist/ (${emitted.size - 1} files) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
