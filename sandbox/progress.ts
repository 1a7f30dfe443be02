/** Progress reporting for long sandbox steps: what runs, how long it took. */
import type { Logger } from '../shared/core/logger.ts';

/** Runs `step`, logging its start and its duration (or its failure). */
export async function timed<T>(log: Logger, what: string, step: () => Promise<T>): Promise<T> {
  const started = performance.now();
  log.info('starting', { step: what });
  try {
    const result = await step();
    log.info('done', { step: what, elapsedMs: Math.round(performance.now() - started) });
    return result;
  } catch (error) {
    log.error('failed', { step: what, elapsedMs: Math.round(performance.now() - started), error });
    throw error;
  }
}
