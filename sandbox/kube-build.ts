/**
 * Builds (once per source version) the `kube-sandbox` Go binary that runs embedded etcd and real
 * kube-apiservers, and gathers the CRDs the sandbox installs: the Gateway API standard channel,
 * Istio's CRDs and the project's own `net.gke.io` ServiceExport/ServiceImport.
 *
 * The result lives in `<repoRoot>/.cache/kube-sandbox/<key>/`, where the key hashes the Go module
 * files, the Go sources, the project's CRD files, the Go version and the linker flags, so a change to any of them
 * builds a fresh copy and an unchanged tree reuses the cached one.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Options of {@link ensureKubeSandbox}. */
export interface EnsureKubeSandboxOptions {
  /** The repository's root folder (holds `sandbox/kube`). */
  repoRoot: string;
  /** Where built copies are kept; defaults to `<repoRoot>/.cache/kube-sandbox`. */
  cacheDir?: string;
  /** Progress and timing messages. */
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

/** What {@link ensureKubeSandbox} hands back. */
export interface KubeSandbox {
  /** Absolute path of the `kube-sandbox` binary. */
  binary: string;
  /** Folders of CRD YAML files to pass to `kube-sandbox apiserver --crds`. */
  crdDirs: string[];
  /** The cache key (16 hex characters). */
  key: string;
  /** True when this call built the binary, false when a complete cached copy was reused. */
  built: boolean;
}

/** The Go module folder, relative to the repository root. */
export const KUBE_MODULE_DIR = join('sandbox', 'kube');

const BINARY = 'kube-sandbox';
const COMPLETE_MARKER = 'complete';
const PROGRESS_EVERY_MS = 15_000;
/** Built copies kept besides the current one (each binary is ~110 MB). */
const KEEP_OLD_BUILDS = 2;
/** Temporary build folders older than this are leftovers of an interrupted build. */
const STALE_TMP_MS = 2 * 60 * 60 * 1000;

/**
 * Returns a ready `kube-sandbox` binary and its CRD folder, building them first if the cache has
 * no complete copy for the current sources and Go version. Safe to call from concurrent processes:
 * each builds into its own temporary folder and the first to finish publishes it by rename.
 *
 * @throws Error naming what to install when Go is missing, or with the tail of the build output
 * when the build fails.
 */
export async function ensureKubeSandbox(opts: EnsureKubeSandboxOptions): Promise<KubeSandbox> {
  const moduleDir = join(opts.repoRoot, KUBE_MODULE_DIR);
  const cacheDir = opts.cacheDir ?? join(opts.repoRoot, '.cache', 'kube-sandbox');
  const goVersion = await requireGo(moduleDir);
  const flags = await ldflags(moduleDir);
  const key = await sourceKey(moduleDir, `${goVersion}\0${flags}`);
  const outDir = join(cacheDir, key);
  const result = (built: boolean): KubeSandbox => ({
    binary: join(outDir, BINARY),
    crdDirs: [join(outDir, 'crds')],
    key,
    built,
  });
  if (isComplete(outDir)) return result(false);

  await mkdir(cacheDir, { recursive: true });
  const tmpDir = join(cacheDir, `.tmp-${key}-${process.pid}-${Date.now()}`);
  await mkdir(join(tmpDir, 'crds'), { recursive: true });
  const started = Date.now();
  try {
    const env = { ...process.env, GOTOOLCHAIN: 'local' };
    opts.log('downloading Go modules for kube-sandbox', { key, goVersion });
    await runWithProgress('go', ['mod', 'download'], moduleDir, env, opts.log, 'downloading Go modules', started);

    opts.log('building kube-apiserver from Go modules (first time only, several minutes)', { key });
    await runWithProgress(
      'go',
      ['build', '-trimpath', '-ldflags', flags, '-o', join(tmpDir, BINARY), '.'],
      moduleDir,
      env,
      opts.log,
      'building kube-apiserver from Go modules (first time only, several minutes) …',
      started,
    );

    const crdCount = await collectCrds(moduleDir, join(tmpDir, 'crds'), env);
    await writeFile(join(tmpDir, COMPLETE_MARKER), `${new Date().toISOString()} ${goVersion}\n`);

    if (existsSync(outDir) && !isComplete(outDir)) await rm(outDir, { recursive: true, force: true });
    try {
      await rename(tmpDir, outDir);
    } catch (err) {
      // Another process published the same key first: use its copy.
      if (!isComplete(outDir)) throw err;
      await rm(tmpDir, { recursive: true, force: true });
      return result(false);
    }
    opts.log('kube-sandbox built', { key, crdFiles: crdCount, elapsedS: Math.round((Date.now() - started) / 1000) });
    await pruneCache(cacheDir, key).catch((err: unknown) => opts.log('could not prune old kube-sandbox builds', { error: String(err) }));
    return result(true);
  } catch (err) {
    await rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Removes all but the newest {@link KEEP_OLD_BUILDS} other builds, and temporary folders left by
 * interrupted builds.
 */
async function pruneCache(cacheDir: string, currentKey: string): Promise<void> {
  const now = Date.now();
  const builds: { path: string; mtime: number }[] = [];
  for (const name of await readdir(cacheDir)) {
    const path = join(cacheDir, name);
    const { mtimeMs } = await stat(path);
    if (/^[0-9a-f]{16}$/.test(name) && name !== currentKey) builds.push({ path, mtime: mtimeMs });
    else if (name.startsWith('.tmp-') && now - mtimeMs > STALE_TMP_MS) await rm(path, { recursive: true, force: true });
  }
  builds.sort((a, b) => b.mtime - a.mtime);
  for (const old of builds.slice(KEEP_OLD_BUILDS)) await rm(old.path, { recursive: true, force: true });
}

/** True when `dir` holds a fully built copy (the marker is written last). */
function isComplete(dir: string): boolean {
  return existsSync(join(dir, COMPLETE_MARKER)) && existsSync(join(dir, BINARY)) && existsSync(join(dir, 'crds'));
}

/** Returns `go version`'s output, or throws an error saying what to install. */
async function requireGo(moduleDir: string): Promise<string> {
  let out: string;
  try {
    out = (await run('go', ['version'], moduleDir, { ...process.env, GOTOOLCHAIN: 'local' })).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'Go toolchain not found on PATH: the Kubernetes sandbox builds kube-apiserver from Go modules. ' +
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
      throw new Error(`${out} is too old for the Kubernetes sandbox: install Go >= ${need.join('.')} (https://go.dev/doc/install).`);
    }
  }
  return out;
}

/**
 * Linker flags: strip symbols, and stamp the Kubernetes version (read from go.mod) the way
 * Kubernetes' own build does, so `/version` reports e.g. v1.36.3 instead of v0.0.0-master.
 */
async function ldflags(moduleDir: string): Promise<string> {
  const gomod = await readFile(join(moduleDir, 'go.mod'), 'utf8');
  const m = /^\s*k8s\.io\/kubernetes\s+v(\d+)\.(\d+)\.(\d+)\S*/m.exec(gomod);
  if (!m) return '-s -w';
  const pkg = 'k8s.io/component-base/version';
  const [, major, minor, patch] = m;
  return [
    '-s -w',
    `-X ${pkg}.gitVersion=v${major}.${minor}.${patch}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ].join(' ');
}

/** The `go` directive of the module's go.mod (e.g. "1.26.0"). */
async function requiredGo(moduleDir: string): Promise<string> {
  const gomod = await readFile(join(moduleDir, 'go.mod'), 'utf8').catch(() => '');
  return /^go\s+(\S+)/m.exec(gomod)?.[1] ?? '1.26';
}

/**
 * The cache key: sha256 over go.mod, go.sum, every *.go file, the project's CRD files, the Go
 * version and the linker flags, first 16 hex characters.
 */
async function sourceKey(moduleDir: string, toolchain: string): Promise<string> {
  const hash = createHash('sha256');
  const add = async (label: string, path: string): Promise<void> => {
    hash.update(`${label}\0`);
    hash.update(await readFile(path));
    hash.update('\0');
  };
  await add('go.mod', join(moduleDir, 'go.mod'));
  await add('go.sum', join(moduleDir, 'go.sum'));
  const goFiles = (await readdir(moduleDir)).filter((f) => f.endsWith('.go')).sort();
  for (const f of goFiles) await add(f, join(moduleDir, f));
  for (const f of await ownCrdFiles(moduleDir)) await add(`crds/${f}`, join(moduleDir, 'crds', f));
  hash.update(`toolchain\0${toolchain}`);
  return hash.digest('hex').slice(0, 16);
}

async function ownCrdFiles(moduleDir: string): Promise<string[]> {
  const dir = join(moduleDir, 'crds');
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
}

/**
 * Writes the CRD files into `outDir`: each Gateway API standard-channel file reduced to its
 * CustomResourceDefinition documents, Istio's CRDs, and the project's own CRD files as they are.
 * Returns the number of files written.
 */
async function collectCrds(moduleDir: string, outDir: string, env: NodeJS.ProcessEnv): Promise<number> {
  const listed = await run(
    'go',
    ['list', '-m', '-f', '{{.Path}} {{.Version}} {{.Dir}}', 'sigs.k8s.io/gateway-api', 'istio.io/api'],
    moduleDir,
    env,
  );
  const dirs = new Map<string, { version: string; dir: string }>();
  for (const line of listed.split('\n')) {
    const [path, version, ...rest] = line.trim().split(' ');
    const dir = rest.join(' ');
    if (path && version && dir) dirs.set(path, { version, dir });
  }
  const gateway = dirs.get('sigs.k8s.io/gateway-api');
  const istio = dirs.get('istio.io/api');
  if (!gateway || !istio) throw new Error(`cannot locate the CRD modules in the module cache (go list printed: ${listed.trim()})`);

  let written = 0;
  const standard = join(gateway.dir, 'config', 'crd', 'standard');
  for (const f of (await readdir(standard)).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    const docs = crdDocuments(await readFile(join(standard, f), 'utf8'));
    if (docs.length === 0) continue;
    await writeFile(
      join(outDir, `gateway-api-${f}`),
      joinDocuments(`sigs.k8s.io/gateway-api ${gateway.version} config/crd/standard/${f}`, docs),
    );
    written++;
  }
  const istioFile = join(istio.dir, 'kubernetes', 'customresourcedefinitions.gen.yaml');
  const istioDocs = crdDocuments(await readFile(istioFile, 'utf8'));
  if (istioDocs.length === 0) throw new Error(`no CustomResourceDefinition in ${istioFile}`);
  await writeFile(
    join(outDir, 'istio-crds.yaml'),
    joinDocuments(`istio.io/api ${istio.version} kubernetes/customresourcedefinitions.gen.yaml`, istioDocs),
  );
  written++;
  for (const f of await ownCrdFiles(moduleDir)) {
    await copyFile(join(moduleDir, 'crds', f), join(outDir, f));
    written++;
  }
  return written;
}

/**
 * Splits a multi-document YAML text on `---` lines and keeps the documents whose top-level
 * `kind` is CustomResourceDefinition.
 */
export function crdDocuments(text: string): string[] {
  const docs: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    const doc = current.join('\n');
    if (/^kind:\s*["']?CustomResourceDefinition["']?\s*$/m.test(doc)) docs.push(doc.trim() + '\n');
    current = [];
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^---(\s.*)?$/.test(line) || /^\.\.\.\s*$/.test(line)) flush();
    else current.push(line);
  }
  flush();
  return docs;
}

function joinDocuments(source: string, docs: string[]): string {
  return `# Copied from ${source} (CustomResourceDefinition documents only)\n` + docs.map((d) => `---\n${d}`).join('');
}

/** Runs a command and resolves with its stdout; rejects with the tail of stderr on failure. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
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
async function runWithProgress(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  log: EnsureKubeSandboxOptions['log'],
  what: string,
  since: number,
): Promise<string> {
  const timer = setInterval(() => log(`${what} elapsed ${Math.round((Date.now() - since) / 1000)}s`), PROGRESS_EVERY_MS);
  try {
    return await run(command, args, cwd, env);
  } finally {
    clearInterval(timer);
  }
}
