/** Limits on configuration text read from a file or a pushed commit: size and nesting are refused with a clear reason. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_CONFIG_BYTES, MAX_YAML_FLOW_DEPTH, parseFleetConfigYaml } from '../../shared/config/config-file.ts';
import { TerminalError } from '../../shared/core/errors.ts';

const EXAMPLE = readFileSync(new URL('../../examples/fleet.yaml', import.meta.url), 'utf8');

function refusal(text: string): string {
  try {
    parseFleetConfigYaml(text, 'fleet.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(TerminalError);
    return (error as Error).message;
  }
  throw new Error('accepted');
}

describe('configuration text limits', () => {
  it.each([
    [
      'a configuration over the size limit',
      `${EXAMPLE}\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`,
      /fleet\.yaml is \d+ bytes; at most 262144 are accepted/,
    ],
    ['5,000 nested flow sequences', `a: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /collections nested more than 64 deep/],
    [
      'nested flow mappings past the limit',
      `a: ${'{b: '.repeat(MAX_YAML_FLOW_DEPTH + 1)}1${'}'.repeat(MAX_YAML_FLOW_DEPTH + 1)}\n`,
      /nested more than 64 deep/,
    ],
  ])('refuses %s before parsing', (_, text, reason) => {
    expect(refusal(text)).toMatch(reason);
  });

  it('accepts the example, brackets inside quotes and comments included', () => {
    expect(parseFleetConfigYaml(`${EXAMPLE}\n# ${'['.repeat(100)}\n`, 'fleet.yaml').fleet.project).toBe('fleetpilot-sandbox');
    expect(() => parseFleetConfigYaml(`${EXAMPLE}\nx: "${'['.repeat(100)}"\n`, 'fleet.yaml')).not.toThrow(/nested/);
  });
});
