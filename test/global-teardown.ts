// Jest global tear-down: stops the servers test/global-setup.ts started and deletes their folders.
import type { TestServices } from './helpers/test-services';
import { TEST_SERVICES_KEY } from './global-setup';

export default async function globalTeardown(): Promise<void> {
	const registry = globalThis as Record<symbol, TestServices | undefined>;
	await registry[TEST_SERVICES_KEY]?.stop();
	registry[TEST_SERVICES_KEY] = undefined;
}
