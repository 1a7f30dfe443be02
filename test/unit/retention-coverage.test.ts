/**
 * The retention table covers everything: every collection the product's code writes (found by
 * reading the source for store and transaction writes) has a row in shared/state/retention.ts, and
 * the README's "Data and retention" table says what that table says, row for row.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MARKERS } from '../../shared/adapters/firestore.ts';
import { RETENTION_TABLE } from '../../shared/state/retention.ts';

const ROOTS = ['shared', 'services', 'functions', 'sandbox'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every collection written in the product's code, with the files that write it. */
function writtenCollections(): Map<string, string[]> {
  const files = ROOTS.flatMap(sources).map((path) => ({ path, text: readFileSync(path, 'utf8') }));
  const constants = new Map<string, string>();
  for (const { text } of files) for (const m of text.matchAll(/\bconst ([A-Z][A-Z0-9_]*) = '([^']+)';/g)) constants.set(m[1]!, m[2]!);
  const written = new Map<string, string[]>();
  const note = (collection: string, path: string) => written.set(collection, [...(written.get(collection) ?? []), path]);
  for (const { path, text } of files) {
    // `store.set(COLLECTION, …)`, `tx.create(COLLECTION, …)`, `deps.store.createIfAbsent('name', …)`.
    for (const m of text.matchAll(/\b(?:store|tx)\s*\.\s*(?:set|create|createIfAbsent)\(\s*([A-Z][A-Z0-9_]*|'[^']+')\s*,/g)) {
      const arg = m[1]!;
      note(arg.startsWith("'") ? arg.slice(1, -1) : (constants.get(arg) ?? `unresolved constant ${arg}`), path);
    }
    if (/\.markOnce\(/.test(text)) note(MARKERS, path);
  }
  return written;
}

/** The rows of the README's "Data and retention" table. */
function readmeRows(): string[] {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.split(/^## Data and retention$/m)[1]?.split(/^## /m)[0] ?? '';
  return section.split('\n').filter((line) => line.startsWith('| `'));
}

describe('retention coverage', () => {
  it('every collection the code writes has a lifetime in the retention table', () => {
    const written = writtenCollections();
    const known = new Set(RETENTION_TABLE.map((c) => c.collection));
    // The scan finds the writers it should (a broken pattern would find nothing and pass).
    expect([...written.keys()]).toEqual(expect.arrayContaining(['operations', 'clusters', 'leases', 'idempotencyKeys', MARKERS]));
    const missing = [...written].filter(([collection]) => !known.has(collection)).map(([c, paths]) => `${c} (${paths.join(', ')})`);
    expect(missing, 'collections written without a row in shared/state/retention.ts').toEqual([]);
  });

  it("the README's table says what the retention table says", () => {
    const expected = RETENTION_TABLE.map(
      (c) => `| \`${c.collection}\` | ${c.holds} | ${c.lifetime} | ${c.ttlField ? `\`${c.ttlField}\`` : '—'} |`,
    );
    expect(readmeRows()).toEqual(expected);
  });
});
