import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests, and contract/end-to-end tests that run against the local sandbox
// (emulators, real kube-apiservers, the Google API double), started once by the global setup.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Contract files share one fleet: they run one after another so each sees the fleet the last left.
    fileParallelism: false,
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 30_000 },
      },
      {
        test: {
          name: 'contract',
          include: ['test/contract/**/*.test.ts'],
          globalSetup: ['test/contract/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
