/**
 * What the sandbox's Go-built tools (kube-sandbox, istiod) share: finding a recent enough Go,
 * hashing a module's sources into a cache key, building into a temporary folder that is published
 * by rename once complete, progress lines while a long command runs, and pruning old builds.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Progress and timing messages. */
export type BuildLog = (msg: string, fields?: Record<string, unknown>) => void;

/** The marker a complete build folder holds; written last. */
export const COMPLETE_MARKER = 'complete';
const PROGRESS_EVERY_MS = 15_000;
/** Temporary build folders older than this are leftovers of an interrupted build. */
const STALE_TMP_MS = 2 * 60 * 60 * 1000;

/** The environment Go builds run in: the machine's toolchain, never a downloaded one. */
export function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, GOTOOLCHAIN: 'local' };
}

/** Returns `go version`'s output, or throws an error saying what to install and what needs it. */
export async function requireGo(moduleDir: string, neededFor: string): Promise<string> {
  let out: string;
  try {
    out = (await run('go', ['version'], moduleDir, goEnv())).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        `Go toolchain not found on PATH: ${neededFor}. ` +
          `Install Go >= ${await requiredGo(moduleDir)} (https://go.dev/doc/install) and make sure \`go\` is on PATH.`,
      );
    }
    throw err;
  }
  const have = /go(\d+)\.(\d+)/.exec(out);
  const need = (await requiredGo(moduleDir)).split('.').map(Number);
  if (have && need.length >= 2) {
    const [hMaj, hMin] = [Number(have[1]), Number(have[2])];
    const [nMaj = 0, nMin = 0] = need;
    if (hMaj < nMaj || (hMaj === nMaj && hMin < nMin)) {
      throw new Error(`${out} is too old: ${neededFor}; install Go >= ${need.join('.')} (https://go.dev/doc/install).`);
    }
  }
  return out;
}

/** The `go` directive of the module's go.mod (e.g. "1.26.0"). */
async function requiredGo(moduleDir: string): Promise<string> {
  const gomod = await readFile(join(moduleDir, 'go.mod'), 'utf8').catch(() => '');
  return /^go\s+(\S+)/m.exec(gomod)?.[1] ?? '1.26';
}

/** sha256 over labelled files and extra strings, first 16 hex characters. */
export async function hashKey(files: readonly { label: string; path: string }[], extra: string): Promise<string> {
  const hash = createHash('sha256');
  for (const { label, path } of files) {
    hash.update(`${label}\0`);
    hash.update(await readFile(path));
    hash.update('\0');
  }
  hash.update(`extra\0${extra}`);
  return hash.digest('hex').slice(0, 16);
}

/** go.mod, go.sum and every *.go file of `dir` and the sub-folders named, as {@link hashKey} inputs. */
export async function goSources(moduleDir: string, subDirs: readonly string[] = []): Promise<{ label: string; path: string }[]> {
  const files = [
    { label: 'go.mod', path: join(moduleDir, 'go.mod') },
    { label: 'go.sum', path: join(moduleDir, 'go.sum') },
  ];
  for (const sub of ['', ...subDirs]) {
    const dir = join(moduleDir, sub);
    for (const f of (await readdir(dir)).filter((n) => n.endsWith('.go')).sort()) files.push({ label: join(sub, f), path: join(dir, f) });
  }
  return files;
}

/** Options of {@link buildOnce}. */
export interface BuildOnceOptions {
  /** Folder holding one sub-folder per key. */
  cacheDir: string;
  key: string;
  /** Files that must exist (besides the marker) for a cached folder to count as complete. */
  outputs: readonly string[];
  /** Builds everything into `tmpDir`. */
  build: (tmpDir: string) => Promise<void>;
  /** Built copies kept besides the current one. */
  keepOld: number;
  log: BuildLog;
  /** Name used in log lines. */
  what: string;
}

/**
 * Returns the folder of a complete build for `key`, building it first when there is none. Safe
 * from concurrent processes: each builds into its own temporary folder and the first to finish
 * publishes it by rename. Resolves `built: true` when this call built it.
 */
export async function buildOnce(opts: BuildOnceOptions): Promise<{ dir: string; built: boolean }> {
  const outDir = join(opts.cacheDir, opts.key);
  const complete = (dir: string): boolean => existsSync(join(dir, COMPLETE_MARKER)) && opts.outputs.every((o) => existsSync(join(dir, o)));
  if (complete(outDir)) return { dir: outDir, built: false };
  await mkdir(opts.cacheDir, { recursive: true });
  const tmpDir = join(opts.cacheDir, `.tmp-${opts.key}-${process.pid}-${Date.now()}`);
  await mkdir(tmpDir, { recursive: true });
  const started = Date.now();
  try {
    await opts.build(tmpDir);
    await writeFile(join(tmpDir, COMPLETE_MARKER), `${new Date().toISOString()}\n`);
    if (existsSync(outDir) && !complete(outDir)) await rm(outDir, { recursive: true, force: true });
    try {
      await rename(tmpDir, outDir);
    } catch (err) {
      // Another process published the same key first: use its copy.
      if (!complete(outDir)) throw err;
      await rm(tmpDir, { recursive: true, force: true });
      return { dir: outDir, built: false };
    }
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
  opts.log(`${opts.what} built`, { key: opts.key, elapsedS: Math.round((Date.now() - started) / 1000) });
  await pruneCache(opts.cacheDir, opts.key, opts.keepOld).catch((err: unknown) =>
    opts.log(`could not prune old ${opts.what} builds`, { error: String(err) }),
  );
  return { dir: outDir, built: true };
}

/** Removes all but the newest `keep` other builds, and temporary folders left by interrupted builds. */
async function pruneCache(cacheDir: string, currentKey: string, keep: number): Promise<void> {
  const now = Date.now();
  const builds: { path: string; mtime: number }[] = [];
  for (const name of await readdir(cacheDir)) {
    const path = join(cacheDir, name);
    const { mtimeMs } = await stat(path);
    if (/^[0-9a-f]{16}$/.test(name) && name !== currentKey) builds.push({ path, mtime: mtimeMs });
    else if (name.startsWith('.tmp-') && now - mtimeMs > STALE_TMP_MS) await rm(path, { recursive: true, force: true });
  }
  builds.sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(keep)) await rm(old.path, { recursive: true, force: true });
}

/** Runs a command and resolves with its stdout; rejects with the tail of stderr on failure. */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => {
      err = (err + b.toString()).slice(-8000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString());
      else reject(new Error(`\`${command} ${args.join(' ')}\` failed (${signal ?? `exit ${code}`}) in ${cwd}:\n${err.trim()}`));
    });
  });
}

/** Like {@link run}, logging `what … elapsed Ns` every 15 s while the command runs. */
export async function runWithProgress(
  command: string,
  args: string[],
  cwd: string,
  log: BuildLog,
  what: string,
  since: number,
): Promise<string> {
  const timer = setInterval(() => log(`${what} elapsed ${Math.round((Date.now() - since) / 1000)}s`), PROGRESS_EVERY_MS);
  try {
    return await run(command, args, cwd, goEnv());
  } finally {
    clearInterval(timer);
  }
}
