import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createConfigLoader } from '../../shared/gitops/index.ts';
import { memoryStore } from '../support/memory-store.ts';

const example = readFileSync(join(import.meta.dirname, '../../examples/fleet.yaml'), 'utf8');

describe('the configuration loader with a fallback file', () => {
  it('reads the file on every call and follows each change, parsing only changed text', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'fleetpilot-config-')), 'fleet.yaml');
    writeFileSync(file, example);
    const load = createConfigLoader({ store: memoryStore(), fallbackFile: file });
    const first = await load();
    expect(first.safety.holdDownSeconds).toBe(8);
    // Unchanged text: the same parsed configuration.
    expect(await load()).toBe(first);

    writeFileSync(file, example.replace('holdDownSeconds: 8', 'holdDownSeconds: 30'));
    expect((await load()).safety.holdDownSeconds).toBe(30);

    writeFileSync(file, example.replace('holdDownSeconds: 8', 'holdDownSeconds: -1'));
    await expect(load()).rejects.toThrow(/holdDownSeconds/);
    // An invalid edit is refused on every call, never answered from the last good parse.
    await expect(load()).rejects.toThrow(/holdDownSeconds/);

    writeFileSync(file, example);
    expect((await load()).safety.holdDownSeconds).toBe(8);
  });
});
