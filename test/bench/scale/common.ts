/** Shared helpers of the scale benchmark: progress lines, percentiles, phases with their duration. */

/** Writes one line to stdout, prefixed with the wall-clock time. */
export function progress(line: string): void {
  process.stdout.write(`${new Date().toISOString().slice(11, 19)}  ${line}\n`);
}

/** The value at fraction `p` (0..1) of the sorted samples (nearest rank). */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** The median (lower middle for an even count). */
export function median(samples: readonly number[]): number {
  return percentile(samples, 0.5);
}

/** Runs a named phase, printing its start and how long it took. */
export async function phase<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  progress(`▶ ${name}`);
  try {
    const result = await fn();
    progress(`✓ ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  } catch (error) {
    progress(
      `✗ ${name} failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw error;
  }
}

/** Milliseconds, rounded. */
export function ms(value: number): number {
  return Math.round(value);
}

/** Sleeps. */
export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
