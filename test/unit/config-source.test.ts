import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyByHistory, createConfigLoader, readAppliedConfig } from '../../shared/gitops/index.ts';
import { rampAt } from '../../shared/failover/ramp.ts';
import type { RampPolicy } from '../../shared/failover/drain-state.ts';
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

describe('a ramp turned on by a push', () => {
  const withRamp = example.replace('safety:\n', 'safety:\n  ramp: { steps: [10, 50, 100], stepSeconds: 60 }\n');
  const push = (store: ReturnType<typeof memoryStore>, commit: string, yaml: string, receivedAt: string) =>
    applyByHistory(store, { commit, author: 'sre', committedAt: receivedAt, receivedAt, path: 'fleet.yaml', yaml }, async () => ({
      verdict: 'apply',
      reason: 'fast-forward',
    }));

  it('ramps only what began after the ramp was first in force, through later pushes, until it is removed', async () => {
    expect(withRamp).not.toBe(example);
    const store = memoryStore();
    const load = createConfigLoader({ store });
    await push(store, 'a'.repeat(40), example, '2025-01-01T10:00:00.000Z');
    expect((await load()).safety.ramp).toBeUndefined();
    await push(store, 'b'.repeat(40), withRamp, '2025-01-01T11:00:00.000Z');
    const ramp = (await load()).safety.ramp as RampPolicy;
    expect(ramp.inForceSince).toBe('2025-01-01T11:00:00.000Z');
    // A region restored at 10:59 already had its whole weight: turning the ramp on leaves it whole.
    expect(rampAt(Date.parse('2025-01-01T10:59:00.000Z'), Date.parse('2025-01-01T11:00:30.000Z'), ramp)).toBeUndefined();
    expect(rampAt(Date.parse('2025-01-01T11:00:10.000Z'), Date.parse('2025-01-01T11:00:30.000Z'), ramp)).toMatchObject({ percent: 10 });
    // Another change keeps the ramp's time; removing the ramp and adding it again starts a new one.
    await push(store, 'c'.repeat(40), withRamp.replace('holdDownSeconds: 8', 'holdDownSeconds: 9'), '2025-01-01T12:00:00.000Z');
    expect(((await load()).safety.ramp as RampPolicy).inForceSince).toBe('2025-01-01T11:00:00.000Z');
    await push(store, 'd'.repeat(40), example, '2025-01-01T13:00:00.000Z');
    expect((await readAppliedConfig(store))?.rampInForceSince).toBeUndefined();
    await push(store, 'e'.repeat(40), withRamp, '2025-01-01T14:00:00.000Z');
    expect(((await load()).safety.ramp as RampPolicy).inForceSince).toBe('2025-01-01T14:00:00.000Z');
  });
});
