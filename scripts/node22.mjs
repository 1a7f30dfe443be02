// Runs a command with Node 22, the deployed runtime, whatever Node this machine has:
//
//   node scripts/node22.mjs npm run build
//   node scripts/node22.mjs npx vitest run --project unit test/unit/built-artifact.test.ts
//   node scripts/node22.mjs            (installs if needed and prints the binary's path)
//
// The official Node binaries are published on npm as node-<platform>-<arch> (linux-x64 here). The
// pinned version is fetched once with `npm pack` (npm checks the registry's integrity hash) into
// .cache/node/<package>-<version>/ and reused from there; the command runs with that bin/ first on
// PATH, so `node`, `npm` and every `#!/usr/bin/env node` tool in it run on Node 22. Plain Node.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Node 22 release tests run on; bump it with Node 22's security releases. */
const VERSION = '22.23.5';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = `node-${process.platform}-${process.arch}`;
const home = join(root, '.cache', 'node', `${pkg}-${VERSION}`);
const binDir = join(home, 'bin');
const node = join(binDir, 'node');

const say = (line) => process.stderr.write(`node22: ${line}\n`);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Runs a command to completion, printing the elapsed time every few seconds while it works. */
function runWithProgress(what, command, args, options) {
  const started = Date.now();
  const timer = setInterval(() => say(`${what} … ${seconds(started)}`), 5_000);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearInterval(timer);
      if (code === 0) resolve(seconds(started));
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal})`));
    });
  });
}

/** The version `node --version` reports, or undefined when the binary is missing or broken. */
function versionOf(binary) {
  if (!existsSync(binary)) return undefined;
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : undefined;
}

async function install() {
  if (versionOf(node) === `v${VERSION}`) return;
  if (!['linux', 'darwin'].includes(process.platform))
    throw new Error(`no ${pkg} package: Node binaries on npm cover Linux and macOS only`);
  mkdirSync(dirname(home), { recursive: true });
  const work = mkdtempSync(join(dirname(home), '.download-'));
  try {
    say(`installing ${pkg}@${VERSION} (about 50 MB) into ${home}`);
    const took = await runWithProgress(
      'downloading with npm pack',
      'npm',
      ['pack', `${pkg}@${VERSION}`, '--pack-destination', work, '--silent', '--no-fund', '--no-audit'],
      { cwd: work },
    );
    say(`downloaded in ${took}; unpacking`);
    await runWithProgress('unpacking', 'tar', [
      '-xzf',
      join(work, `${pkg}-${VERSION}.tgz`),
      '-C',
      work,
      'package/bin/node',
      'package/package.json',
    ]);
    rmSync(home, { recursive: true, force: true });
    renameSync(join(work, 'package'), home);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const got = versionOf(node);
  if (got !== `v${VERSION}`) throw new Error(`${node} reports ${got ?? 'nothing'}, expected v${VERSION}`);
  say(`installed Node ${got}`);
}

try {
  await install();
} catch (error) {
  say(`could not install Node ${VERSION}: ${error instanceof Error ? error.message : String(error)}`);
  say('check network access to the npm registry (npm pack must be able to download the package)');
  process.exit(1);
}

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stdout.write(`${node}\n`);
  process.exit(0);
}
say(`running \`${[command, ...args].join(' ')}\` with Node v${VERSION}`);
const run = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, PATH: `${binDir}${delimiter}${process.env.PATH ?? ''}` } });
if (run.error) {
  say(`could not run ${command}: ${run.error.message}`);
  process.exit(1);
}
process.exit(run.status ?? 1);
