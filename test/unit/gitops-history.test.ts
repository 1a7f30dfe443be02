/** The small pure pieces of placing commits: merge bases read as ancestry, commit ids, branch names. */
import { describe, expect, it } from 'vitest';
import { ancestryFromMergeBase, isBranchName, sameCommit } from '../../shared/gitops/index.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const M = 'c'.repeat(40);

describe('ancestryFromMergeBase', () => {
  it.each([
    { base: A, head: A, mergeBase: A, expected: 'identical' },
    { base: A, head: B, mergeBase: A, expected: 'ahead' },
    { base: A, head: B, mergeBase: B, expected: 'behind' },
    { base: A, head: B, mergeBase: M, expected: 'diverged' },
    { base: A.slice(0, 7), head: B, mergeBase: A, expected: 'ahead' },
  ])('base $base, head $head, merge base $mergeBase → $expected', ({ base, head, mergeBase, expected }) => {
    expect(ancestryFromMergeBase(base, head, mergeBase)).toBe(expected);
  });
});

describe('sameCommit', () => {
  it.each([
    [A, A, true],
    [A.slice(0, 12), A, true],
    [A, A.toUpperCase(), true],
    [A, B, false],
    ['abcdef1', 'abcdef2' + 'a'.repeat(33), false],
  ])('%s and %s → %s', (a, b, expected) => expect(sameCommit(a, b)).toBe(expected));
});

describe('isBranchName', () => {
  it.each([
    ['main', true],
    ['release/2025', true],
    ['feature/x+y', true],
    ['-x', false],
    ['--upload-pack=evil', false],
    ['a..b', false],
    ['a b', false],
    ['x.lock', false],
    ['a//b', false],
    ['/main', false],
    ['main/', false],
    ['a\\b', false],
    ['a@{1}', false],
    ['a:b', false],
    ['', false],
  ])('%s → %s', (branch, expected) => expect(isBranchName(branch)).toBe(expected));
});
