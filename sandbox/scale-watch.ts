/**
 * Watches a collection of objects on one API server and tells when a condition over all of them
 * first held: benchmarks learn the moment a write landed from the server's own watch stream,
 * without polling the API servers they measure.
 */
import { Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { createKubeAdapter } from '../shared/adapters/kube.ts';

/** A live view of one collection. */
export interface ObjectWatch<T extends KubernetesObject> {
  /** The objects as last seen, by `namespace/name`. */
  objects(): ReadonlyMap<string, T>;
  /**
   * Resolves with the time (epoch ms) at which `condition` first held from now on: at once when it
   * holds already, else at the watch event that made it hold. Rejects after `timeoutMs`.
   */
  until(condition: (objects: ReadonlyMap<string, T>) => boolean, timeoutMs: number, what: string): Promise<number>;
  /** Calls `listener` after every change; returns a function that unsubscribes. */
  onChange(listener: (objects: ReadonlyMap<string, T>, at: number) => void): () => void;
  stop(): void;
}

/** What to watch: the collection's path (e.g. `/apis/gateway.networking.k8s.io/v1/httproutes`) and its type for the first list. */
export interface WatchTarget {
  path: string;
  apiVersion: string;
  kind: string;
}

/** Starts watching `target` in every namespace; resolves once the first list arrived. */
export async function watchObjects<T extends KubernetesObject>(kc: KubeConfig, target: WatchTarget): Promise<ObjectWatch<T>> {
  const reader = createKubeAdapter(kc, 'bench-watch');
  const objects = new Map<string, T>();
  const listeners = new Set<(objects: ReadonlyMap<string, T>, at: number) => void>();
  let stopped = false;
  let abort: AbortController | undefined;
  const key = (o: T) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  const start = async (): Promise<void> => {
    const initial = await reader.list<T>(target.apiVersion, target.kind);
    objects.clear();
    for (const o of initial) objects.set(key(o), o);
    // Without a resourceVersion the watch starts with the current state (ADDED events), so nothing between the list and it is lost.
    abort = await new Watch(kc).watch(
      target.path,
      { allowWatchBookmarks: true },
      (type: string, obj: T) => {
        if (type === 'ADDED' || type === 'MODIFIED') objects.set(key(obj), obj);
        else if (type === 'DELETED') objects.delete(key(obj));
        else return;
        const at = Date.now();
        for (const listener of listeners) listener(objects, at);
      },
      // The server ends watches after a while; start again from a fresh list.
      () => {
        if (!stopped) setTimeout(() => void start().catch(() => undefined), 100);
      },
    );
  };
  await start();
  return {
    objects: () => objects,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    until(condition, timeoutMs, what) {
      if (condition(objects)) return Promise.resolve(Date.now());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`));
        }, timeoutMs);
        const listener = (current: ReadonlyMap<string, T>, at: number) => {
          if (!condition(current)) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve(at);
        };
        listeners.add(listener);
      });
    },
    stop() {
      stopped = true;
      abort?.abort();
    },
  };
}
