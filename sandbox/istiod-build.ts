/**
 * Builds (once per source version) istiod — `pilot-discovery` from the `istio.io/istio` Go module
 * that `sandbox/istiod/go.mod` pins — and the sandbox's `xds-probe`, an xDS client that connects to
 * istiod as a sidecar would and prints the endpoints it is sent.
 *
 * The result lives in `<repoRoot>/.cache/istiod/<key>/`; the key hashes go.mod, go.sum (the module
 * sums), the probe's sources and the Go version. The first build takes several minutes and prints
 * progress; later calls reuse it. Run directly (`tsx sandbox/istiod-build.ts`) it builds and prints
 * where the binaries are.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildOnce, goSources, hashKey, requireGo, run, runWithProgress, goEnv, type BuildLog } from './go-build.ts';

/** The Go module folder, relative to the repository root. */
export const ISTIOD_MODULE_DIR = join('sandbox', 'istiod');
const PILOT_PACKAGE = 'istio.io/istio/pilot/cmd/pilot-discovery';
const PILOT = 'pilot-discovery';
const PROBE = 'xds-probe';
/** Built copies kept besides the current one (pilot-discovery is ~190 MB). */
const KEEP_OLD_BUILDS = 1;

/** What {@link ensureIstiod} hands back. */
export interface IstiodBinaries {
  /** Absolute path of istiod's `pilot-discovery`. */
  pilotDiscovery: string;
  /** Absolute path of the xDS probe. */
  xdsProbe: string;
  /** The istio.io/istio version built. */
  istioVersion: string;
  key: string;
  built: boolean;
}

/**
 * Returns istiod and the xDS probe, building them first when the cache has no complete copy for
 * the module sums and Go version.
 *
 * @throws Error naming what to install when Go is missing, or with the tail of the build output.
 */
export async function ensureIstiod(opts: { repoRoot: string; cacheDir?: string; log: BuildLog }): Promise<IstiodBinaries> {
  const moduleDir = join(opts.repoRoot, ISTIOD_MODULE_DIR);
  const cacheDir = opts.cacheDir ?? join(opts.repoRoot, '.cache', 'istiod');
  const goVersion = await requireGo(moduleDir, 'the sandbox builds istiod from the istio.io/istio Go module');
  const key = await hashKey(await goSources(moduleDir, [PROBE]), `toolchain\0${goVersion}`);
  const { dir, built } = await buildOnce({
    cacheDir,
    key,
    outputs: [PILOT, PROBE],
    keepOld: KEEP_OLD_BUILDS,
    log: opts.log,
    what: 'istiod',
    build: async (tmpDir) => {
      const started = Date.now();
      opts.log('downloading Go modules for istiod', { key, goVersion });
      await runWithProgress('go', ['mod', 'download'], moduleDir, opts.log, 'downloading Go modules for istiod', started);
      opts.log('building istiod (pilot-discovery) from istio.io/istio (first time only, about 7 minutes on 2 cores)', { key });
      const build = (out: string, pkg: string) => ['build', '-trimpath', '-ldflags', '-s -w', '-o', join(tmpDir, out), pkg];
      await runWithProgress('go', build(PILOT, PILOT_PACKAGE), moduleDir, opts.log, 'building istiod (first time only) …', started);
      await runWithProgress('go', build(PROBE, `./${PROBE}`), moduleDir, opts.log, 'building the xDS probe …', started);
    },
  });
  return { pilotDiscovery: join(dir, PILOT), xdsProbe: join(dir, PROBE), istioVersion: await istioVersion(moduleDir), key, built };
}

async function istioVersion(moduleDir: string): Promise<string> {
  return (await run('go', ['list', '-m', '-f', '{{.Version}}', 'istio.io/istio'], moduleDir, goEnv())).trim();
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const started = Date.now();
  const log: BuildLog = (msg, fields) => process.stdout.write(`[istiod-build] ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}\n`);
  ensureIstiod({ repoRoot: resolve(import.meta.dirname, '..'), log }).then(
    (b) => {
      const took = ((Date.now() - started) / 1000).toFixed(1);
      log(`${b.built ? 'built' : 'cached'} istio ${b.istioVersion} in ${took} s: ${b.pilotDiscovery}, ${b.xdsProbe}`);
    },
    (err: unknown) => {
      process.stderr.write(`[istiod-build] ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
