/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		// Type-checking of tests is done once by `npm run typecheck`; jest only transpiles (much faster).
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'test/tsconfig.json' }],
	},
	moduleFileExtensions: ['ts', 'js', 'json'],
	// PostgreSQL and Redis: the ones that answer, or throwaway servers started for this run.
	globalSetup: '<rootDir>/test/global-setup.ts',
	globalTeardown: '<rootDir>/test/global-teardown.ts',
	// End-to-end suites start real n8n servers; they set their own longer timeouts.
	testTimeout: 60_000,
	verbose: false,
};
