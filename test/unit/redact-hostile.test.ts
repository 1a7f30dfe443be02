/**
 * Redaction of hostile text (issue 13): private keys are found by a forward scan (a header without
 * its footer is cut to the end, never left in place), secrets in URLs and query strings are cut,
 * and inputs built to make backtracking patterns quadratic come out right. How long they take is
 * measured by test/bench/redact.ts.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/core/logger.ts';
import { REDACTED, redactString } from '../../shared/core/redact.ts';

const KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
const fill = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

describe('redactString on hostile text', () => {
  it.each([
    ['a key cut short (no footer) is cut to the end', `config: ${KEY.slice(0, 50)}`, `config: ${REDACTED}`],
    [
      'two keys and the text between them',
      `a ${KEY} b ${KEY.replace(/PRIVATE KEY/g, 'RSA PRIVATE KEY')} c`,
      `a ${REDACTED} b ${REDACTED} c`,
    ],
    ['a footer without a header is left', 'x -----END PRIVATE KEY----- y', 'x -----END PRIVATE KEY----- y'],
    [
      'a certificate is not a secret',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
      '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    ],
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

describe('secrets in URLs and query strings', () => {
  it.each([
    [
      '?token=',
      'GET https://api.example.com/v1/things?token=abc123&page=2 failed',
      `GET https://api.example.com/v1/things?token=${REDACTED}&page=2 failed`,
    ],
    [
      'access_token=',
      'redirect to https://app.example.com/cb#access_token=Zm9vYmFy&expires_in=3600',
      `redirect to https://app.example.com/cb#access_token=${REDACTED}&expires_in=3600`,
    ],
    [
      'key=',
      'https://maps.googleapis.com/maps/api/geocode/json?address=x&key=AIzaSyA-not-a-real-key',
      `https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${REDACTED}`,
    ],
    [
      'a signed URL',
      'https://storage.googleapis.com/b/o?X-Goog-Credential=sa%40p.iam&X-Goog-Signature=0badc0ffee',
      `https://storage.googleapis.com/b/o?X-Goog-Credential=${REDACTED}&X-Goog-Signature=${REDACTED}`,
    ],
    [
      'sig=, password= and api_key= in a form body',
      'user=ops&password=hunter2&api_key=k-123&sig=abc',
      `user=ops&password=${REDACTED}&api_key=${REDACTED}&sig=${REDACTED}`,
    ],
    ['a quoted URL in JSON text', '{"url":"https://x.test/hook?secret=s3cr3t"}', `{"url":"https://x.test/hook?secret=${REDACTED}"}`],
  ])('%s', (_name, input, expected) => {
    expect(redactString(input)).toBe(expected);
  });

  it.each([
    'GET /v1/operations?kind=manual-drain&pageSize=20',
    'grpc status code=14 (unavailable)',
    'keyboard=yes monkey=1 turkey=2',
    'weights asia-northeast1=50 asia-northeast2=50',
  ])('leaves ordinary pairs alone: %s', (text) => {
    expect(redactString(text)).toBe(text);
  });

  it('never lets a token in a URL reach a log line', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (line) => void lines.push(line) });
    log.error('request failed', {
      url: 'https://api.example.com/x?access_token=s3cr3t-value',
      error: new Error('GET https://api.example.com/x?token=s3cr3t-value answered 500'),
    });
    expect(lines.join('\n')).not.toContain('s3cr3t-value');
  });

  it('a 540 KB run of names without a value comes out unchanged', () => {
    const text = fill('access_token_', 540 * 1024);
    expect(redactString(text)).toBe(text);
  });
});
