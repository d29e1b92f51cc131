// Tests with clients other people wrote (test/clients/*.client.test.ts), run in Node against one
// `wrangler dev --local` registry that test/clients/global-setup.ts starts: these prove a real
// MLflow, OpenTelemetry or webhook client works unchanged, which requests we shaped cannot.
// Usage: npm run test:clients   (npm test runs it after the workerd suite)
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/clients/**/*.client.test.ts'],
    environment: 'node',
    globalSetup: ['./test/clients/global-setup.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/clients.json' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
