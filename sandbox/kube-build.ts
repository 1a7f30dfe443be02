/**
 * Builds (once per source version) the `kube-sandbox` Go binary that runs embedded etcd and real
 * kube-apiservers, and gathers the CRDs the sandbox installs: the Gateway API standard channel,
 * Istio's CRDs and the project's own `net.gke.io` ServiceExport/ServiceImport.
 *
 * The result lives in `<repoRoot>/.cache/kube-sandbox/<key>/`, where the key hashes the Go module
 * files, the Go sources, the project's CRD files, the Go version and the linker flags, so a change to any of them
 * builds a fresh copy and an unchanged tree reuses the cached one.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildOnce, goEnv, goSources, hashKey, requireGo, run, runWithProgress } from './go-build.ts';

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
/** Built copies kept besides the current one (each binary is ~110 MB). */
const KEEP_OLD_BUILDS = 2;

/**
 * Returns a ready `kube-sandbox` binary and its CRD folder, building them first if the cache has
 * no complete copy for the current sources and Go version. Safe to call from concurrent processes.
 *
 * @throws Error naming what to install when Go is missing, or with the tail of the build output
 * when the build fails.
 */
export async function ensureKubeSandbox(opts: EnsureKubeSandboxOptions): Promise<KubeSandbox> {
  const moduleDir = join(opts.repoRoot, KUBE_MODULE_DIR);
  const cacheDir = opts.cacheDir ?? join(opts.repoRoot, '.cache', 'kube-sandbox');
  const goVersion = await requireGo(moduleDir, 'the Kubernetes sandbox builds kube-apiserver from Go modules');
  const flags = await ldflags(moduleDir);
  const crdFiles = (await ownCrdFiles(moduleDir)).map((f) => ({ label: `crds/${f}`, path: join(moduleDir, 'crds', f) }));
  const key = await hashKey([...(await goSources(moduleDir)), ...crdFiles], `toolchain\0${goVersion}\0${flags}`);
  const { dir, built } = await buildOnce({
    cacheDir,
    key,
    outputs: [BINARY, 'crds'],
    keepOld: KEEP_OLD_BUILDS,
    log: opts.log,
    what: 'kube-sandbox',
    build: async (tmpDir) => {
      const started = Date.now();
      await mkdir(join(tmpDir, 'crds'), { recursive: true });
      opts.log('downloading Go modules for kube-sandbox', { key, goVersion });
      await runWithProgress('go', ['mod', 'download'], moduleDir, opts.log, 'downloading Go modules', started);
      opts.log('building kube-apiserver from Go modules (first time only, several minutes)', { key });
      await runWithProgress(
        'go',
        ['build', '-trimpath', '-ldflags', flags, '-o', join(tmpDir, BINARY), '.'],
        moduleDir,
        opts.log,
        'building kube-apiserver from Go modules (first time only, several minutes) …',
        started,
      );
      const crdCount = await collectCrds(moduleDir, join(tmpDir, 'crds'), goEnv());
      opts.log('kube-sandbox CRDs collected', { crdFiles: crdCount });
    },
  });
  return { binary: join(dir, BINARY), crdDirs: [join(dir, 'crds')], key, built };
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
