/** Runs drain1.ts in a child process (one fleetpilot per process) and reads its samples. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { median } from './common.ts';

/** Alert → the one store route written, on the demo fleet. */
export interface Drain1Figures {
  samples: number[];
  p50Ms: number;
}

/** How long the child may take (its sandbox, the demo fleet and six drills take about a minute idle). */
const CHILD_LIMIT_MS = 15 * 60_000;

/** Spawns the child with tsx; forwards its progress lines. */
export async function runDrain1(repoRoot: string, progress: (line: string) => void): Promise<Drain1Figures> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'test', 'bench', 'scale', 'drain1.ts')], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let samples: number[] | undefined;
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('{')) samples = (JSON.parse(line) as { samples: number[] }).samples;
    else progress(line.replace(/^\d\d:\d\d:\d\d {2}/, ''));
  });
  // A child that makes no progress is stopped (SIGINT: its sandbox stops what it started).
  const limit = setTimeout(() => {
    stderr += `\nno result after ${CHILD_LIMIT_MS / 60_000} minutes; stopped`;
    child.kill('SIGINT');
  }, CHILD_LIMIT_MS);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(limit);
  if (code !== 0 || !samples) throw new Error(`drain1 child exited ${code}: ${stderr}`);
  return { samples, p50Ms: median(samples) };
}
