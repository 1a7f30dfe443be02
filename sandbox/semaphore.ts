/** A counting semaphore for the sandbox's stand-ins of platform limits (request slots, instances). */

/** Returns a runner that lets at most `limit` calls run at once; the others wait in arrival order. */
export function semaphore(limit: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else active++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
