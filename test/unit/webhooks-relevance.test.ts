import { describe, expect, it } from 'vitest';
import { isZeroSha, normalizePath, pushRelevance, type PushSummary, type Relevance } from '../../services/webhooks/relevance.ts';

const filter = { repository: 'Acme/Fleet-Config', branch: 'main', configPath: 'fleet.yaml' };
const HEAD = 'a'.repeat(40);
const push = (over: Partial<PushSummary> = {}): PushSummary => ({
  repository: 'acme/fleet-config',
  ref: 'refs/heads/main',
  after: HEAD,
  commits: [{ added: [], modified: ['fleet.yaml'], removed: [] }],
  truncated: false,
  ...over,
});

describe('pushRelevance', () => {
  const cases: Array<[string, PushSummary, Relevance]> = [
    ['modifies the config on the branch', push(), { relevant: true, basis: 'files' }],
    ['repository compared case-insensitively', push({ repository: 'ACME/FLEET-CONFIG' }), { relevant: true, basis: 'files' }],
    ['adds the config', push({ commits: [{ added: ['fleet.yaml'] }] }), { relevant: true, basis: 'files' }],
    ['removes the config', push({ commits: [{ removed: ['fleet.yaml'] }] }), { relevant: true, basis: 'files' }],
    [
      'config touched by a later commit',
      push({ commits: [{ modified: ['README.md'] }, { modified: ['./fleet.yaml'] }] }),
      { relevant: true, basis: 'files' },
    ],
    ['other repository', push({ repository: 'acme/other' }), { relevant: false, reason: 'repository acme/other is not Acme/Fleet-Config' }],
    ['other branch', push({ ref: 'refs/heads/dev' }), { relevant: false, reason: 'ref refs/heads/dev is not refs/heads/main' }],
    ['tag with the branch name', push({ ref: 'refs/tags/main' }), { relevant: false, reason: 'ref refs/tags/main is not refs/heads/main' }],
    ['branch name prefix', push({ ref: 'refs/heads/main-2' }), { relevant: false, reason: 'ref refs/heads/main-2 is not refs/heads/main' }],
    [
      'files not touching the config',
      push({ commits: [{ added: ['docs/fleet.yaml'], modified: ['fleet.yml'], removed: [] }] }),
      { relevant: false, reason: 'no commit touches fleet.yaml' },
    ],
    ['no commits at all', push({ commits: [] }), { relevant: false, reason: 'no commit touches fleet.yaml' }],
    ['branch deletion (zero sha)', push({ after: '0'.repeat(40), commits: [] }), { relevant: false, reason: 'branch main was deleted' }],
    ['branch deletion (flag)', push({ deleted: true }), { relevant: false, reason: 'branch main was deleted' }],
    [
      'deletion wins over truncation',
      push({ after: '0'.repeat(40), truncated: true }),
      { relevant: false, reason: 'branch main was deleted' },
    ],
    [
      'truncated list without the config',
      push({ commits: [{ modified: ['x'] }], truncated: true }),
      { relevant: true, basis: 'unknown-files' },
    ],
    ['commit list missing', push({ commits: undefined }), { relevant: true, basis: 'unknown-files' }],
    ['a commit without file lists', push({ commits: [{ modified: ['x'] }, {}] }), { relevant: true, basis: 'unknown-files' }],
    [
      'truncation does not rescue another branch',
      push({ ref: 'refs/heads/dev', truncated: true }),
      { relevant: false, reason: 'ref refs/heads/dev is not refs/heads/main' },
    ],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(pushRelevance(input, filter)).toEqual(expected);
  });

  it('follows a config path in a folder, however it is written', () => {
    const nested = { ...filter, configPath: './clusters/fleet.yaml' };
    expect(pushRelevance(push({ commits: [{ modified: ['clusters/fleet.yaml'] }] }), nested)).toEqual({ relevant: true, basis: 'files' });
    expect(pushRelevance(push({ commits: [{ modified: ['fleet.yaml'] }] }), nested)).toEqual({
      relevant: false,
      reason: 'no commit touches clusters/fleet.yaml',
    });
  });
});

describe('helpers', () => {
  it.each([
    ['0'.repeat(40), true],
    ['0'.repeat(64), true],
    [HEAD, false],
    ['', false],
  ])('isZeroSha(%s) = %s', (sha, expected) => expect(isZeroSha(sha)).toBe(expected));

  it.each([
    ['fleet.yaml', 'fleet.yaml'],
    ['./fleet.yaml', 'fleet.yaml'],
    ['/a/fleet.yaml', 'a/fleet.yaml'],
    [' ./a/b.yaml ', 'a/b.yaml'],
  ])('normalizePath(%s) = %s', (path, expected) => expect(normalizePath(path)).toBe(expected));
});
