/**
 * fleetpilot's deployable artifact (`dist/`, from `npm run build`) run the way Google runs it: each
 * Cloud Function in a process of its own under the real functions-framework CLI, which loads
 * package.json's `main` and serves the `--target`; the Cloud Run service as `npm start` runs it
 * (`node dist/services/main.js`, listening on `PORT`). Only the given environment reaches them,
 * as only a deployment's configured variables reach it, plus what stands in for the platform: PATH,
 * HOME and METADATA_SERVER_DETECTION (there is no metadata server here). They run on the Node that
 * runs this module (Node 22 under `node scripts/node22.mjs`). The one addition is a watch on stdin,
 * a pipe from this process: they exit when this process dies, even by SIGKILL, as the sandbox's Go
 * children do.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.ts';

/** The repository root: package.json, whose `main` the functions-framework loads, and dist/. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The functions-framework CLI (its package's `bin`), as `npx functions-framework` runs it. */
export const FUNCTIONS_FRAMEWORK_CLI = join(REPO_ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');
/** The variables of this process that stand in for the platform's. */
const PLATFORM_ENV = ['PATH', 'HOME', 'METADATA_SERVER_DETECTION'];
/** Preloaded into each process: exit when the pipe from the parent closes (without keeping the process alive). */
const EXIT_WITH_PARENT = `data:text/javascript,${encodeURIComponent("process.stdin.on('end', () => process.exit(0)).resume().unref();")}`;
/** What `npm start` runs. */
export const SERVICES_ENTRY = join(REPO_ROOT, 'dist', 'services', 'main.js');

/** Builds dist/ unless it is newer than every source and build setting (`scripts/build.mjs --if-stale`). */
export async function ensureBuilt(): Promise<void> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs'), '--if-stale'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`npm run build failed (exit ${code}):\n${output}`);
}

/** A process of the artifact, serving HTTP. */
export interface ArtifactProcess {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The last 64 KiB it wrote to stdout and stderr, for failure messages. */
  output(): string;
  /** Its exit code once it exited (a signal counts as null). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it exited. */
  stop(): Promise<void>;
}

/** Options for {@link startBuiltFunction} and {@link startBuiltServices}. */
export interface ArtifactOptions {
  /** The deployment's environment variables. */
  env: Record<string, string>;
  /** Also write its output to this process's stdout and stderr (the sandbox's terminal); default false. */
  echo?: boolean;
  /** The port to listen on; any free loopback port when omitted or 0. */
  port?: number;
  /** How long to wait for it to listen; default 120 s (a loaded machine takes its time loading the Google client libraries). */
  readyTimeoutMs?: number;
}

/** Serves one function of the built artifact: `functions-framework --target=TARGET` in the repository root. */
export async function startBuiltFunction(target: string, opts: ArtifactOptions): Promise<ArtifactProcess> {
  const port = opts.port || (await freePort());
  const args = [FUNCTIONS_FRAMEWORK_CLI, `--target=${target}`, `--port=${port}`, `--source=${REPO_ROOT}`];
  return startArtifactProcess(`function ${target}`, args, port, opts);
}

/** Serves the built Cloud Run service: `node dist/services/main.js` with `PORT` set. */
export async function startBuiltServices(opts: ArtifactOptions): Promise<ArtifactProcess> {
  const port = opts.port || (await freePort());
  return startArtifactProcess('services', [SERVICES_ENTRY], port, { ...opts, env: { ...opts.env, PORT: String(port) } });
}

async function startArtifactProcess(what: string, args: string[], port: number, opts: ArtifactOptions): Promise<ArtifactProcess> {
  const platform = Object.fromEntries(PLATFORM_ENV.flatMap((key) => (process.env[key] ? [[key, process.env[key]]] : [])));
  const child = spawn(process.execPath, ['--import', EXIT_WITH_PARENT, ...args], {
    cwd: REPO_ROOT,
    env: { ...platform, ...opts.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer, echo: NodeJS.WriteStream) => {
    output = (output + chunk.toString()).slice(-65_536);
    if (opts.echo) echo.write(chunk);
  };
  child.stdout.on('data', (chunk: Buffer) => keep(chunk, process.stdout));
  child.stderr.on('data', (chunk: Buffer) => keep(chunk, process.stderr));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const handle: ArtifactProcess = {
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const grace = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(grace);
    },
  };
  try {
    await untilListening(port, exited, opts.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await handle.stop();
    throw new Error(
      `${what} (${args.map((a) => a.replace(REPO_ROOT + '/', '')).join(' ')}) did not start: ${(error as Error).message}\n${output}`,
    );
  }
  return handle;
}

/**
 * Resolves once something accepts TCP connections on the loopback port; rejects when the process
 * exits first or time runs out. No HTTP probe: a CloudEvent function takes any POST for an event,
 * and a GET without a body makes the framework log an error.
 */
async function untilListening(port: number, exited: Promise<number | null>, timeoutMs: number): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`it exited (code ${exitCode})`);
    const listening = await new Promise<boolean>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (listening) return;
    if (Date.now() > deadline) throw new Error(`nothing listening on 127.0.0.1:${port} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
