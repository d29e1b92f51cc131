// One throwaway registry for every client test file (bench/lib/seeded-dev.ts: migrations applied,
// an organization with an admin token). Files share it, so each works in names of its own.
import type { TestProject } from 'vitest/node';
import { type SeededDev, startSeededDev } from '../../bench/lib/seeded-dev.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The registry's origin, e.g. http://127.0.0.1:8787 (no trailing slash). */
    registryUrl: string;
    /** An ADMIN token of the seeded organization. */
    registryToken: string;
  }
}

let dev: SeededDev | null = null;

export async function setup(project: TestProject): Promise<void> {
  dev = await startSeededDev('client-tests');
  project.provide('registryUrl', `http://127.0.0.1:${dev.server.port}`);
  project.provide('registryToken', dev.token);
}

export async function teardown(): Promise<void> {
  await dev?.close();
}
