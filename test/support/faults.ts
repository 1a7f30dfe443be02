/**
 * Faults and interleavings for the in-memory adapters: make a method fail (a few times or until
 * healed), or run something just before its next call (another event arriving mid-flow).
 */

/** What every in-memory adapter offers besides its interface. */
export interface Faulty<M extends string> {
  /** The next `times` calls of `method` (all of them by default) reject with `error`. */
  fail(method: M, error: unknown, times?: number): void;
  /** Runs `hook` before the next call of `method` (once), then lets the call proceed. */
  before(method: M, hook: () => Promise<unknown>): void;
  /** Removes every fault and hook. */
  heal(): void;
}

/** Method names of an adapter interface. */
export type MethodOf<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T] & string;

/** Wraps the async methods `methods` of `target` with {@link Faulty} behaviour. */
export function withFaults<T extends object, M extends MethodOf<T>>(target: T, methods: readonly M[]): T & Faulty<M> {
  const faults = new Map<string, { error: unknown; times: number }>();
  const hooks = new Map<string, (() => Promise<unknown>)[]>();
  const wrapped = target as T & Faulty<M>;
  for (const name of methods) {
    const original = (target as Record<string, unknown>)[name] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as Record<string, unknown>)[name] = async (...args: unknown[]) => {
      const pending = hooks.get(name)?.shift();
      if (pending) await pending();
      const fault = faults.get(name);
      if (fault) {
        if (--fault.times <= 0) faults.delete(name);
        throw fault.error;
      }
      return original.apply(target, args);
    };
  }
  wrapped.fail = (method, error, times = Number.POSITIVE_INFINITY) => void faults.set(method, { error, times });
  wrapped.before = (method, hook) => void hooks.set(method, [...(hooks.get(method) ?? []), hook]);
  wrapped.heal = () => {
    faults.clear();
    hooks.clear();
  };
  return wrapped;
}

/** An HTTP error as the Google and Kubernetes clients raise it (`status` is what the one classification reads). */
export function httpError(status: number, message: string): Error {
  return Object.assign(new Error(message), { status, code: status });
}

/** A refused connection: transient, like a cluster or API that cannot be reached. */
export function connectionRefused(what: string): Error {
  return Object.assign(new Error(`connect ECONNREFUSED (${what})`), { code: 'ECONNREFUSED' });
}
