/**
 * Redaction of hostile text (issue 13): private keys are found by a forward scan (a header without
 * its footer is cut to the end, never left in place), and inputs built to make backtracking
 * patterns quadratic come out right. How long they take is measured by test/bench/redact.ts.
 */
import { describe, expect, it } from 'vitest';
import { REDACTED, redactString } from '../../shared/core/redact.ts';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

describe('redactString on hostile text', () => {
  it.each([
    ['a key cut short (no footer) is cut to the end', `config: ${KEY.slice(0, 50)}`, `config: ${REDACTED}`],
    ['two keys and the text between them', `a ${KEY} b ${KEY.replace(/PRIVATE KEY/g, 'RSA PRIVATE KEY')} c`, `a ${REDACTED} b ${REDACTED} c`],
    ['a footer without a header is left', 'x -----END PRIVATE KEY----- y', 'x -----END PRIVATE KEY----- y'],
    ['a certificate is not a secret', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----'],
  ])('%s', (_name, input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it('540 KB of private-key headers without a footer: one cut from the first header', () => {
    const text = 'prefix ' + fill('-----BEGIN PRIVATE KEY-----\n', 540 * 1024);
    expect(redactString(text)).toBe(`prefix ${REDACTED}`);
  });

  it('runs of JWT-like prefixes are not tokens and come out unchanged', () => {
    const text = fill('eyJ-', 20 * 1024);
    expect(redactString(text)).toBe(text);
  });

  it('a JWT after a delimiter is still cut', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJlbWFpbCI6ImFAYi5jIn0.c2lnbmF0dXJlLWJ5dGVz';
    for (const before of [' ', '"', '=', ':', '/', '(']) expect(redactString(`id${before}${jwt} end`)).toBe(`id${before}${REDACTED} end`);
  });
});
