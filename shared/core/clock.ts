/** Time and identity, injected so that tests control them. */

/** A source of the current time. */
export interface Clock {
  now(): Date;
}

/** Waits for a number of milliseconds; injected so tests can make waiting instant. */
export type Sleep = (ms: number) => Promise<void>;

/** Generates unique ids (operation ids, instance ids). */
export type IdGenerator = () => string;

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A real timer-based sleep. */
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Random UUIDs. */
export const randomIds: IdGenerator = () => crypto.randomUUID();
