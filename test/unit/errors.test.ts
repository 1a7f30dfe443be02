import { describe, expect, it } from 'vitest';
import { TerminalError, TransientError, isAlreadyExists, isNotFound, isRetryable } from '../../shared/core/errors.ts';

describe('error classification', () => {
  it.each([
    ['HTTP 503 (gaxios response)', { response: { status: 503 } }, true],
    ['HTTP 500 status field', { status: 500 }, true],
    ['HTTP 429', { code: 429 }, true],
    ['HTTP 409 conflict', { code: 409 }, true],
    ['HTTP 408', { statusCode: 408 }, true],
    ['HTTP 404', { code: 404 }, false],
    ['HTTP 400', { response: { status: 400 } }, false],
    ['HTTP 403', { status: 403 }, false],
    ['connection refused', Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), true],
    ['socket reset', Object.assign(new Error('x'), { code: 'ECONNRESET' }), true],
    ['gRPC UNAVAILABLE', { code: 14 }, true],
    ['gRPC DEADLINE_EXCEEDED', { code: 4 }, true],
    ['gRPC INVALID_ARGUMENT', { code: 3 }, false],
    ['gRPC NOT_FOUND', { code: 5 }, false],
    ['TransientError', new TransientError('later'), true],
    ['TerminalError', new TerminalError('never'), false],
    ['network error as cause', new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ETIMEDOUT' }) }), true],
    ['plain error', new Error('bad payload'), false],
    ['a string', 'boom', false],
  ])('%s → retryable=%s', (_name, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  it.each([
    [{ code: 404 }, true],
    [{ response: { status: 404 } }, true],
    [{ code: 5 }, true],
    [{ code: 500 }, false],
    [null, false],
  ])('isNotFound(%j) = %s', (error, expected) => expect(isNotFound(error)).toBe(expected));

  it.each([
    [{ code: 409 }, true],
    [{ code: 6 }, true],
    [{ code: 404 }, false],
  ])('isAlreadyExists(%j) = %s', (error, expected) => expect(isAlreadyExists(error)).toBe(expected));
});
