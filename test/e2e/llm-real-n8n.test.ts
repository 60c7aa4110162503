// The LLM glue in a real n8n 2.39 server (not in-process): a throw-away community package whose one
// node uses nodes/glue/llm.ts from dist/ (dynamic `inputs` expression, openAiApi credential,
// getChatModel) is loaded from the community-node folder. One webhook execution asks
// 1. the model of n8n's own OpenAI Chat Model sub-node on the Chat Model input, and
// 2. a model built from n8n's openAiApi credential,
// both pointing at the local OpenAI-compatible server, which records what each model saw.
// Needs a build (`npx tsc -p tsconfig.json`); starts n8n, so it takes about half a minute.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
	createTempUserFolder,
	importCredentials,
	importWorkflows,
	repoRoot,
	startN8n,
	type N8nServer,
	type WorkflowJson,
} from '../../scripts/lib/n8n-server';
import { startOpenAiServer, type OpenAiServer } from '../../sandbox/openai-server';

const SUITE_TIMEOUT_MS = 180_000;
const PACKAGE_NAME = 'n8n-nodes-llm-probe';
const API_KEY = 'sk-real-n8n-0123456789';
const WEBHOOK_PATH = 'llm-probe';
const CREDENTIAL_ID = 'llmProbeOpenAi01';

const distLlm = path.join(repoRoot, 'dist', 'nodes', 'glue', 'llm.js');
const distShared = path.join(repoRoot, 'dist', 'nodes', 'domain', 'llm', 'index.js');

/** The probe node as plain JavaScript: it requires our compiled glue by absolute path. */
function probeNodeSource(): string {
	return `'use strict';
const { NodeConnectionTypes, NodeOperationError } = require(${JSON.stringify(require.resolve('n8n-workflow'))});
const llm = require(${JSON.stringify(distLlm)});
const { invokeWithTimeout } = require(${JSON.stringify(distShared)});

class LlmProbe {
	constructor() {
		this.description = {
			displayName: 'LLM Probe',
			name: 'llmProbe',
			group: ['transform'],
			version: 1,
			description: 'Asks the configured model one question per item',
			defaults: { name: 'LLM Probe' },
			inputs: llm.chatModelInputs({ defaultSource: 'none' }),
			outputs: [NodeConnectionTypes.Main],
			credentials: [llm.openAiCredentialDescription()],
			properties: [
				...llm.chatModelProperties({ defaultSource: 'none' }),
				{ displayName: 'Question', name: 'question', type: 'string', default: '' },
			],
		};
	}

	async execute() {
		const items = this.getInputData();
		const output = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const chat = await llm.getChatModel(this, itemIndex);
				const question = this.getNodeParameter('question', itemIndex);
				const answer = await invokeWithTimeout(chat.model, [{ role: 'user', content: question }], chat.invokeOptions);
				const results = [...(items[itemIndex].json.results || []), { source: chat.source, modelName: chat.modelName, text: answer.text, usage: answer.usage }];
				output.push({ json: { ...items[itemIndex].json, results }, pairedItem: { item: itemIndex } });
			} catch (error) {
				throw new NodeOperationError(this.getNode(), error.message, { itemIndex, description: error.hint || error.description });
			}
		}
		return [output];
	}
}
module.exports = { LlmProbe };
`;
}

function probeWorkflow(): WorkflowJson {
	const probe = (name: string, x: number, parameters: Record<string, unknown>, credentials?: Record<string, { id: string; name: string }>) => ({
		id: name.toLowerCase().replace(/\W+/g, '-'),
		name,
		type: `${PACKAGE_NAME}.llmProbe`,
		typeVersion: 1,
		position: [x, 0] as [number, number],
		parameters,
		...(credentials ? { credentials } : {}),
	});
	const credential = { openAiApi: { id: CREDENTIAL_ID, name: 'Local OpenAI-compatible' } };
	return {
		name: 'LLM probe',
		nodes: [
			{
				id: 'webhook',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: 'c0ffee00-1111-4222-8333-944445555666',
				parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'lastNode', options: {} },
			},
			probe('Via Sub-node', 250, { modelSource: 'input', question: '={{ $json.body.question }}' }),
			{
				id: 'openai-chat-model',
				name: 'OpenAI Chat Model',
				type: '@n8n/n8n-nodes-langchain.lmChatOpenAi',
				typeVersion: 1.3,
				position: [250, 200],
				parameters: { model: { __rl: true, mode: 'id', value: 'llama3.1:8b' }, responsesApiEnabled: false, options: { temperature: 0.1 } },
				credentials: credential,
			},
			probe('Via Credential', 500, { modelSource: 'credential', modelName: 'gpt-4.1-mini', modelTemperature: 0.4, question: "={{ 'Again: ' + $('Webhook').item.json.body.question }}" }, credential),
		],
		connections: {
			Webhook: { main: [[{ node: 'Via Sub-node', type: 'main', index: 0 }]] },
			'Via Sub-node': { main: [[{ node: 'Via Credential', type: 'main', index: 0 }]] },
			'OpenAI Chat Model': { ai_languageModel: [[{ node: 'Via Sub-node', type: 'ai_languageModel', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	};
}

describe('LLM glue in a real n8n server', () => {
	let models: OpenAiServer;
	let server: N8nServer;
	let packageDir: string;

	beforeAll(async () => {
		if (!existsSync(distLlm) || !existsSync(distShared)) throw new Error('dist/ is missing nodes/glue/llm.js: run `npx tsc -p tsconfig.json` first');
		models = await startOpenAiServer({ apiKeys: [API_KEY], models: ['llama3.1:8b', 'gpt-4.1-mini'] });
		packageDir = mkdtempSync(path.join(tmpdir(), 'n8n-llm-probe-package-'));
		mkdirSync(path.join(packageDir, 'dist'));
		writeFileSync(path.join(packageDir, 'dist', 'LlmProbe.node.js'), probeNodeSource());
		writeFileSync(
			path.join(packageDir, 'package.json'),
			JSON.stringify({ name: PACKAGE_NAME, version: '0.0.1', keywords: ['n8n-community-node-package'], n8n: { n8nNodesApiVersion: 1, nodes: ['dist/LlmProbe.node.js'] } }),
		);
		const userFolder = createTempUserFolder('n8n-llm-probe-');
		await importCredentials(userFolder, [
			{ id: CREDENTIAL_ID, name: 'Local OpenAI-compatible', type: 'openAiApi', data: { apiKey: API_KEY, url: models.baseUrl, organizationId: '', header: false } },
		], { packageDir });
		const [{ id }] = await importWorkflows(userFolder, [probeWorkflow()], { packageDir });
		server = await startN8n({ userFolder, packageDir, removeUserFolderOnStop: true });
		await server.rest.ensureOwner();
		await server.rest.activateWorkflow(id);
	}, SUITE_TIMEOUT_MS);

	afterAll(async () => {
		await server?.stop();
		await models?.close();
		if (packageDir) rmSync(packageDir, { recursive: true, force: true });
	}, 60_000);

	it('serves the node with the Chat Model input as an expression n8n evaluates', async () => {
		const types = await server.rest.nodeTypes();
		const probe = types.find((type) => type.name === `${PACKAGE_NAME}.llmProbe`);
		expect(probe).toBeDefined();
		expect(typeof probe!.inputs).toBe('string');
		expect(probe!.inputs as string).toMatch(/^=\{\{ \(\(parameters\) => /);
		expect(probe!.credentials).toEqual([expect.objectContaining({ name: 'openAiApi', required: true })]);
	});

	it('answers through the sub-node’s model and through the credential’s model, both reaching the local server', async () => {
		models.setResponder((request) => ({
			content: `(${request.model}) answer to: ${request.messages.at(-1)?.content}`,
			usage: { promptTokens: 10, completionTokens: 4 },
		}));
		const response = await fetch(`${server.baseUrl}/webhook/${WEBHOOK_PATH}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ question: 'Do you have a gym?' }),
		});
		const text = await response.text();
		expect({ status: response.status, text }).toMatchObject({ status: 200 });
		const body = JSON.parse(text) as { results: Array<Record<string, unknown>> };
		expect(body.results).toEqual([
			{
				source: 'input',
				modelName: 'llama3.1:8b',
				text: '(llama3.1:8b) answer to: Do you have a gym?',
				usage: { inputTokens: 10, outputTokens: 4, model: 'llama3.1:8b', estimated: false },
			},
			{
				source: 'credential',
				modelName: 'gpt-4.1-mini',
				text: '(gpt-4.1-mini) answer to: Again: Do you have a gym?',
				usage: { inputTokens: 10, outputTokens: 4, model: 'gpt-4.1-mini', estimated: false },
			},
		]);
		const [viaSubNode, viaCredential] = models.chatRequests();
		expect(viaSubNode).toMatchObject({ api: 'chat.completions', model: 'llama3.1:8b', temperature: 0.1 });
		expect(viaCredential).toMatchObject({ api: 'chat.completions', model: 'gpt-4.1-mini', temperature: 0.4 });
		expect(viaCredential.messages).toEqual([{ role: 'user', content: 'Again: Do you have a gym?' }]);
		expect(models.chatRequests()).toHaveLength(2);
	});
});
