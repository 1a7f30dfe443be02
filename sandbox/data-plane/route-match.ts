/**
 * Hostname and path matching with Gateway API semantics, for the data plane's route table:
 * exact hostnames beat wildcards (`*.example.com` matches one or more leading labels, never
 * `example.com` itself), and a PathPrefix matches whole path segments.
 */

/** Lower-cases a Host header and strips its port (IPv6 literals keep their brackets). */
export function normalizeHost(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return (colon >= 0 ? lower.slice(0, colon) : lower).replace(/\.$/, '');
}

/**
 * How specifically a route's `hostnames` match `host`: `[2, length]` for an exact name, `[1, length
 * of the wildcard's suffix]` for a wildcard, `[0, 0]` for a route without hostnames, `undefined`
 * when none match. Larger compares as more specific.
 */
export function hostClass(hostnames: readonly string[], host: string): [number, number] | undefined {
  if (hostnames.length === 0) return [0, 0];
  let best: [number, number] | undefined;
  for (const name of hostnames) {
    if (name === host) return [2, name.length];
    if (name.startsWith('*.')) {
      const suffix = name.slice(1);
      if (host.length > suffix.length && host.endsWith(suffix) && (!best || suffix.length > best[1])) best = [1, suffix.length];
    }
  }
  return best;
}

/** A PathPrefix value without its trailing slash (`/tokyo/` is `/tokyo`; `/` stays `/`). */
export function normalizePrefix(value: string): string {
  const trimmed = value.replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed;
}

/** Whether `path` matches an Exact path or a (normalised) PathPrefix by whole segments. */
export function pathMatches(match: { type: 'Exact' | 'PathPrefix'; value: string }, path: string): boolean {
  if (match.type === 'Exact') return path === match.value;
  if (match.value === '/') return true;
  return path === match.value || path.startsWith(match.value + '/');
}
