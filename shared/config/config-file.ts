/**
 * Loads the fleet configuration from a YAML file. Problems name the file, the path in the document
 * and, where the YAML parser knows it, the line.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { TerminalError } from '../core/errors.ts';
import { parseFleetConfig, type FleetConfig } from './fleet-config.ts';

/**
 * Most alias expansions allowed (the yaml library's `maxAliasCount`: the uses of an anchor times
 * the aliases inside it): a configuration may reuse values with a few anchors, while an alias bomb
 * (aliases of aliases, growing exponentially) is refused as invalid before it is expanded.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/**
 * The largest configuration accepted, in UTF-8 bytes: far above any real fleet's, and small enough
 * that the text fits in the Firestore revision document that keeps it (1 MiB at most).
 */
export const MAX_CONFIG_BYTES = 256 * 1024;
/** The deepest nesting of flow collections (`[`, `{`) accepted; the parser recurses once per level. */
export const MAX_YAML_FLOW_DEPTH = 64;

/** The deepest nesting of `[` and `{` outside quotes and comments (a bound, not a parse). */
function flowDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote: string | undefined;
  let comment = false;
  for (const ch of text) {
    if (comment) comment = ch !== '\n';
    else if (quote) quote = ch === quote ? undefined : quote;
    else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#') comment = true;
    else if (ch === '[' || ch === '{') max = Math.max(max, ++depth);
    else if (ch === ']' || ch === '}') depth = Math.max(0, depth - 1);
  }
  return max;
}

/** Parses YAML text into a validated configuration, or throws one error listing every problem. */
export function parseFleetConfigYaml(text: string, file: string): FleetConfig {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES)
    throw new TerminalError(`invalid fleet configuration: ${file} is ${bytes} bytes; at most ${MAX_CONFIG_BYTES} are accepted`);
  if (flowDepth(text) > MAX_YAML_FLOW_DEPTH)
    throw new TerminalError(`invalid fleet configuration YAML:\n  - ${file}: collections nested more than ${MAX_YAML_FLOW_DEPTH} deep`);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `${file}:${lineCounter.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
    throw new TerminalError(`invalid fleet configuration YAML:\n  - ${lines.join('\n  - ')}`);
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (error) {
    // The yaml library refuses excessive alias expansion with a ReferenceError.
    if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error;
    throw new TerminalError(
      `invalid fleet configuration YAML:\n  - ${file}: aliases expand more than ${MAX_YAML_ALIAS_COUNT} times (an alias bomb is refused)`,
    );
  }
  const result = parseFleetConfig(data);
  if (result.ok) return result.config;
  const lines = result.problems.map((problem) => {
    const path = problem
      .slice(0, problem.indexOf(':'))
      .split('.')
      .filter(Boolean)
      .map((k) => (/^\d+$/.test(k) ? Number(k) : k));
    const node = path.length > 0 ? doc.getIn(path, true) : undefined;
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range ? `${file}:${lineCounter.linePos(range[0]).line}: ${problem}` : `${file}: ${problem}`;
  });
  throw new TerminalError(`invalid fleet configuration:\n  - ${lines.join('\n  - ')}`);
}

/** Reads and validates the configuration file. */
export async function loadFleetConfigFile(file: string): Promise<FleetConfig> {
  return parseFleetConfigYaml(await readFile(file, 'utf8'), file);
}
