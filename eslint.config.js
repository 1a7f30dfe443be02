// Lint: the recommended JS and type-aware TypeScript rules, plus the habits the style guide asks for.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', 'dist/**', 'coverage/**', 'eslint.config.js', 'scripts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      // Handlers implement async interfaces; an async function without await is not a bug here.
      '@typescript-eslint/require-await': 'off',
      'no-restricted-syntax': ['error', { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' }],
    },
  },
  {
    // A flow folder's index.ts is its public surface: siblings never reach into its files.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '../routing/*',
                '!../routing/index.ts',
                '../failover/*',
                '!../failover/index.ts',
                // The manual drain is a flow of its own, used by other flows (drills) as a whole.
                '!../failover/manual-drain.ts',
                '../drills/*',
                '!../drills/index.ts',
                '../approvals/*',
                '!../approvals/index.ts',
                '../mesh/*',
                '!../mesh/index.ts',
                '../onboarding/*',
                '!../onboarding/index.ts',
                '../gitops/*',
                '!../gitops/index.ts',
                '../ops/*',
                '!../ops/index.ts',
              ],
              message: 'Import a sibling flow through its index.ts, not its internals.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
