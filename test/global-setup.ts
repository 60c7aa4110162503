// Jest global set-up: once per run, before any suite. Uses the PostgreSQL and Redis that answer where
// TEST_PG_* / TEST_REDIS_* say (default 127.0.0.1:5432 and :6379), or starts throwaway ones and points
// those variables at them for every suite and child process (test/helpers/test-services.ts).
import { ensureTestServices, type TestServices } from './helpers/test-services';

export const TEST_SERVICES_KEY = Symbol.for('wa-support.test-services');

export default async function globalSetup(): Promise<void> {
	const services = await ensureTestServices();
	(globalThis as Record<symbol, TestServices | undefined>)[TEST_SERVICES_KEY] = services;
	process.stderr.write(`\n${services.notes.map((note) => `test services: ${note}`).join('\n')}\n`);
}
