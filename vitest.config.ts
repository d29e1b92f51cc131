import path from 'node:path';
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, 'migrations'));
  return {
    plugins: [
      cloudflareTest({
        // Local bindings only: no Cloudflare account, no network.
        remoteBindings: false,
        wrangler: { configPath: './wrangler.jsonc' },
        // WEBHOOK_DELIVERY=off: queued webhook deliveries are not sent (there is no network here);
        // test/webhooks calls the consumer itself with a fake fetch.
        miniflare: { bindings: { TEST_MIGRATIONS: migrations, WEBHOOK_DELIVERY: 'off' } },
      }),
    ],
    test: {
      include: ['test/**/*.test.ts'],
      // Node-side tests with other people's clients: vitest.clients.config.ts runs them.
      exclude: ['test/clients/**', '**/node_modules/**'],
      setupFiles: ['./test/apply-migrations.ts'],
      reporters: ['default', 'json'],
      outputFile: { json: 'test-results/vitest.json' },
      testTimeout: 30_000,
      // One workerd per worker thread for all files instead of one per file: the suite went from
      // ~505 s to ~135 s here. Tests already work in organizations of their own and never assume
      // an empty database.
      isolate: false,
    },
  };
});
