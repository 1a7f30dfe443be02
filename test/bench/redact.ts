/**
 * Redaction benchmark (`npx tsx test/bench/redact.ts`): times `redactString` on 540 KB inputs
 * built to make backtracking patterns quadratic (repeated private-key headers without an end,
 * token prefixes, URL credentials and query strings without their terminators), on a realistic
 * log line, and on 4× the adversarial size (linear time takes about 4× as long). Prints the median
 * and maximum of several runs per input; asserts nothing.
 *
 *   npx tsx test/bench/redact.ts          5 runs per input
 *   RUNS=11 npx tsx test/bench/redact.ts
 */
import { redactString } from '../../shared/core/redact.ts';

const SIZE = 540 * 1024;
const runs = Number(process.env.RUNS ?? 5);
const out = (line: string) => process.stdout.write(line + '\n');

const fill = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

const inputs: Array<[string, (size: number) => string]> = [
  ['private-key headers, no end', (n) => fill('-----BEGIN PRIVATE KEY-----\n', n)],
  ['private-key header, long label', (n) => '-----BEGIN ' + fill('A', n)],
  ['JWT prefixes', (n) => fill('eyJ-', n)],
  ['JWT segments, no third', (n) => fill('eyJabcdefghij.abcdefghij-', n)],
  ['bearer words', (n) => fill('Bearer \t', n)],
  ['URL credentials, no @', (n) => fill('//user:', n)],
  ['query secrets, no value end', (n) => fill('?token=', n)],
  ['key names, no =', (n) => fill('access_token_', n)],
  [
    'realistic log line',
    (n) => fill('GET https://example.com/api?page=2&access_token=abc123 Authorization: Bearer ya29.a0AfH6SMB-token ', n),
  ],
];

function time(text: string): number {
  const started = performance.now();
  redactString(text);
  return performance.now() - started;
}

out(`redactString: ${runs} run(s) per input`);
for (const [name, build] of inputs) {
  for (const size of [SIZE, 4 * SIZE]) {
    const text = build(size);
    const times = Array.from({ length: runs }, () => time(text)).sort((a, b) => a - b);
    out(
      `  ${name.padEnd(32)} ${String(Math.round(size / 1024)).padStart(5)} KB  median ${times[times.length >> 1]!.toFixed(1).padStart(8)} ms  max ${times.at(-1)!.toFixed(1).padStart(8)} ms`,
    );
  }
}
