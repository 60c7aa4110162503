// ESLint 9 flat config: typescript-eslint for all TypeScript, plus eslint-plugin-n8n-nodes-base's
// community (package.json), nodes and credentials rule sets, each applied to the files it is for.
import n8nNodesBase from 'eslint-plugin-n8n-nodes-base';
import * as jsoncParser from 'jsonc-eslint-parser';
import tseslint from 'typescript-eslint';

const n8nRules = (setName) => n8nNodesBase.configs[setName].rules;

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', '.n8n-dev/**', 'test-artifacts/**', 'coverage/**'] },
	{
		files: ['**/*.ts'],
		extends: [tseslint.configs.recommended],
		rules: {
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
	{
		files: ['package.json'],
		languageOptions: { parser: jsoncParser },
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: n8nRules('community'),
	},
	{
		files: ['credentials/**/*.ts'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nRules('credentials'),
			// The rule says itself it is "only applicable to nodes in the main repository" (camelCase doc
			// slugs); community credentials link to a full URL.
			'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		},
	},
	{
		files: ['nodes/**/*.ts'],
		ignores: ['nodes/domain/**'],
		plugins: { 'n8n-nodes-base': n8nNodesBase },
		rules: {
			...n8nRules('nodes'),
			// These two predate NodeConnectionTypes (n8n's current API, used by every modern n8n node) and
			// would also collapse our multi-output routers to one output.
			'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
			'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		},
	},
	{
		// Domain modules must not know n8n (docs/ARCHITECTURE.md §1).
		files: ['nodes/domain/**/*.ts'],
		rules: {
			'no-restricted-imports': [
				'error',
				{ patterns: [{ group: ['n8n-workflow', 'n8n-core', '../../*/*.node'], message: 'nodes/domain is n8n-free: keep n8n types in node files and nodes/glue.' }] },
			],
		},
	},
);
