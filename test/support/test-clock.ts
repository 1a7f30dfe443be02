/** Time, identity and logging for unit tests: a clock tests move by hand, sequential ids, kept log lines. */
import type { Clock, IdGenerator, Sleep } from '../../shared/core/clock.ts';
import { createLogger, type Logger } from '../../shared/core/logger.ts';

/** Where the clock of every test fleet starts unless told otherwise. */
export const START = new Date('2025-05-01T12:00:00Z');

/** A clock tests move by hand. */
export interface TestClock extends Clock {
  advance(ms: number): void;
  set(at: Date): void;
}

/** A clock standing at `start` until moved. */
export function testClock(start: Date = START): TestClock {
  let at = start.getTime();
  return { now: () => new Date(at), advance: (ms) => void (at += ms), set: (d) => void (at = d.getTime()) };
}

/** A sleep that only moves `clock` forward: waiting in a test takes no real time. */
export function clockSleep(clock: TestClock): Sleep {
  return async (ms) => clock.advance(ms);
}

/** `op-0001`, `op-0002`, …: zero-padded, so string order is creation order (the store orders by id on ties). */
export function sequentialIds(prefix = 'op'): IdGenerator {
  let n = 0;
  return () => `${prefix}-${String(++n).padStart(4, '0')}`;
}

/** A logger whose JSON lines are kept, stamped with `clock`. */
export function keptLogger(clock: Clock): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: createLogger({ level: 'DEBUG', now: () => clock.now(), write: (line) => void lines.push(line) }), lines };
}
