// Proves test/helpers/workflow-runner.ts: real n8n-core WorkflowExecute runs with n8n-nodes-base nodes,
// plus small inline node types registered per run.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type {
	ICredentialType,
	IConnections,
	IExecuteFunctions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	ISupplyDataFunctions,
	ITriggerFunctions,
	ITriggerResponse,
	IWebhookFunctions,
	IWebhookResponseData,
	SupplyData,
} from 'n8n-workflow';

import { loadWorkflowFile, runWorkflow, type WorkflowInput } from '../helpers/workflow-runner';

let nodeCounter = 0;

function node(
	name: string,
	type: string,
	typeVersion: number,
	parameters: INode['parameters'] = {},
	extra: Partial<INode> = {},
): INode {
	nodeCounter += 1;
	const position: [number, number] = [nodeCounter * 200, 0];
	return { id: `node-${nodeCounter}`, name, type, typeVersion, position, parameters, ...extra };
}

/** `chain('A', 'B', 'C')`: A → B → C on main output 0 / input 0. */
function chain(...names: string[]): IConnections {
	const connections: IConnections = {};
	for (let i = 0; i < names.length - 1; i++) {
		connections[names[i]] = { main: [[{ node: names[i + 1], type: 'main', index: 0 }]] };
	}
	return connections;
}

const manualTrigger = (name = 'Manual Trigger') => node(name, 'n8n-nodes-base.manualTrigger', 1);
const noOp = (name: string) => node(name, 'n8n-nodes-base.noOp', 1);

const setNode = node('Set', 'n8n-nodes-base.set', 3.4, {
	assignments: {
		assignments: [
			{ id: 'a-score', name: 'score', value: '={{ $json.n * 10 }}', type: 'number' },
			{ id: 'a-label', name: 'label', value: '=item-{{ $json.n }}', type: 'string' },
		],
	},
	includeOtherFields: true,
	options: {},
});

const ifNode = node('IF', 'n8n-nodes-base.if', 2.2, {
	conditions: {
		options: { caseSensitive: true, leftValue: '', typeValidation: 'strict', version: 2 },
		conditions: [
			{
				id: 'c-score',
				leftValue: '={{ $json.score }}',
				rightValue: 20,
				operator: { type: 'number', operation: 'gte' },
			},
		],
		combinator: 'and',
	},
	options: {},
});

const branchingWorkflow: WorkflowInput = {
	nodes: [manualTrigger(), setNode, ifNode, noOp('High'), noOp('Low')],
	connections: {
		...chain('Manual Trigger', 'Set', 'IF'),
		IF: {
			main: [
				[{ node: 'High', type: 'main', index: 0 }],
				[{ node: 'Low', type: 'main', index: 0 }],
			],
		},
	},
	settings: { executionOrder: 'v1' },
};

const numbers = (...values: number[]): INodeExecutionData[] => values.map((n) => ({ json: { n } }));

function failingWorkflow(onError?: INode['onError']): WorkflowInput {
	const stop = node(
		'Fail Here',
		'n8n-nodes-base.stopAndError',
		1,
		{ errorMessage: 'Boom from the test' },
		onError ? { onError } : {},
	);
	return {
		nodes: [manualTrigger(), stop, noOp('After')],
		connections: chain('Manual Trigger', 'Fail Here', 'After'),
		settings: { executionOrder: 'v1' },
	};
}

function description(
	overrides: Partial<INodeTypeDescription> & Pick<INodeTypeDescription, 'name'>,
): INodeTypeDescription {
	return {
		displayName: overrides.name,
		group: ['transform'],
		version: 1,
		description: 'test node',
		defaults: { name: overrides.name },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
		...overrides,
	};
}

/** Multiplies `json.n` by its `factor` parameter. */
class Multiplier implements INodeType {
	description = description({
		name: 'multiplier',
		properties: [{ displayName: 'Factor', name: 'factor', type: 'number', default: 2 }],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		return [
			items.map((item, i) => ({
				json: { n: (item.json.n as number) * (this.getNodeParameter('factor', i) as number) },
			})),
		];
	}
}

/** Fails items whose `n` is negative; with continue-on-fail it emits `{ error }` items instead, as our nodes do. */
class PositiveOnly implements INodeType {
	description = description({ name: 'positiveOnly' });

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const out: INodeExecutionData[] = [];
		for (const [i, item] of this.getInputData().entries()) {
			if ((item.json.n as number) >= 0) {
				out.push({ json: item.json, pairedItem: { item: i } });
				continue;
			}
			const error = new NodeOperationError(this.getNode(), `negative: ${item.json.n}`, {
				itemIndex: i,
			});
			if (!this.continueOnFail()) throw error;
			out.push({ json: { error: error.message }, pairedItem: { item: i } });
		}
		return [out];
	}
}

/** A webhook trigger whose webhook() must never be called by the runner. */
class ExplodingWebhookTrigger implements INodeType {
	description = description({
		name: 'explodingWebhook',
		group: ['trigger'],
		inputs: [],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'hook' }],
	});

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		throw new Error('webhook() must not be called');
	}
}

/** A polling-style trigger whose trigger() must never be called by the runner. */
class ExplodingTrigger implements INodeType {
	description = description({ name: 'explodingTrigger', group: ['trigger'], inputs: [] });

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		throw new Error('trigger() must not be called');
	}
}

class FakeModel implements INodeType {
	description = description({
		name: 'fakeModel',
		inputs: [],
		outputs: [NodeConnectionTypes.AiLanguageModel],
		properties: [{ displayName: 'Model Name', name: 'modelName', type: 'string', default: 'fake-1' }],
	});

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const modelName = this.getNodeParameter('modelName', itemIndex) as string;
		return { response: { modelName, invoke: (prompt: string) => `${modelName} says: ${prompt}` } };
	}
}

class AskModel implements INodeType {
	description = description({
		name: 'askModel',
		inputs: [
			NodeConnectionTypes.Main,
			{ type: NodeConnectionTypes.AiLanguageModel, displayName: 'Model', required: true, maxConnections: 1 },
		],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const model = (await this.getInputConnectionData(NodeConnectionTypes.AiLanguageModel, 0)) as {
			modelName: string;
			invoke: (prompt: string) => string;
		};
		const answers = this.getInputData().map((item) => ({
			json: { answer: model.invoke(item.json.prompt as string) },
		}));
		return [answers];
	}
}

const testTokenApi: ICredentialType = {
	name: 'testTokenApi',
	displayName: 'Test Token API',
	properties: [
		{ displayName: 'Token', name: 'token', type: 'string', typeOptions: { password: true }, default: '' },
		{ displayName: 'Base URL', name: 'baseUrl', type: 'string', default: 'http://127.0.0.1:1' },
		{ displayName: 'Client', name: 'client', type: 'string', default: 'default-client' },
	],
	authenticate: {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.token}}',
				'X-Client': '={{$credentials.client}}',
			},
		},
	},
};

/** GETs `<baseUrl>/ping` with the credential's authentication applied. */
class CallApi implements INodeType {
	description = description({
		name: 'callApi',
		credentials: [{ name: 'testTokenApi', required: true }],
	});

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const credentials = await this.getCredentials<{ baseUrl: string }>('testTokenApi');
		const body = (await this.helpers.httpRequestWithAuthentication.call(this, 'testTokenApi', {
			method: 'GET',
			url: `${credentials.baseUrl}/ping`,
			json: true,
		})) as { pong: boolean };
		return [[{ json: { pong: body.pong } }]];
	}
}

describe('workflow runner (n8n-core WorkflowExecute in-process)', () => {
	test('Manual Trigger → Set → IF puts each item on the right branch', async () => {
		const result = await runWorkflow(branchingWorkflow, { triggerItems: numbers(1, 2, 3) });

		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.finished).toBe(true);
		expect(result.mode).toBe('manual');
		expect(result.json('Set')).toEqual([
			{ n: 1, score: 10, label: 'item-1' },
			{ n: 2, score: 20, label: 'item-2' },
			{ n: 3, score: 30, label: 'item-3' },
		]);
		expect(result.json('IF', 0).map((j) => j.n)).toEqual([2, 3]);
		expect(result.json('IF', 1).map((j) => j.n)).toEqual([1]);
		expect(result.json('High').map((j) => j.n)).toEqual([2, 3]);
		expect(result.json('Low').map((j) => j.n)).toEqual([1]);
		expect(result.executionOrder).toEqual(['Manual Trigger', 'Set', 'IF', 'High', 'Low']);
	});

	test('a branch that gets no items leaves its nodes unrun', async () => {
		const result = await runWorkflow(branchingWorkflow, { triggerItems: numbers(5) });

		expect(result.status).toBe('success');
		expect(result.json('IF', 1)).toEqual([]);
		expect(result.runCount('Low')).toBe(0);
		expect(result.executionOrder).not.toContain('Low');
		expect(() => result.json('Low')).toThrow('Node "Low" did not run');
	});

	test('triggerItems are the trigger output and reach the next node unchanged', async () => {
		const triggerItems = [
			{ json: { greeting: 'hi', nested: { a: [1, 2] } } },
			{ json: { greeting: 'yo' } },
		];
		const workflow: WorkflowInput = {
			nodes: [manualTrigger(), noOp('Next')],
			connections: chain('Manual Trigger', 'Next'),
		};

		const result = await runWorkflow(workflow, { triggerItems });

		expect(result.json('Manual Trigger')).toEqual(triggerItems.map((i) => i.json));
		expect(result.json('Next')).toEqual(triggerItems.map((i) => i.json));
		expect(result.executionOrder).toEqual(['Manual Trigger', 'Next']);
		// The caller's items are copied, not mutated by n8n (it adds pairedItem to the items it runs).
		expect(triggerItems[0]).toEqual({ json: { greeting: 'hi', nested: { a: [1, 2] } } });
	});

	test('without triggerItems the trigger emits one empty item', async () => {
		const result = await runWorkflow({
			nodes: [manualTrigger(), noOp('Next')],
			connections: chain('Manual Trigger', 'Next'),
		});

		expect(result.json('Next')).toEqual([{}]);
	});

	test('startNodeName starts at a non-trigger node, which runs on triggerItems', async () => {
		const result = await runWorkflow(branchingWorkflow, {
			startNodeName: 'Set',
			triggerItems: numbers(4),
		});

		expect(result.status).toBe('success');
		expect(result.runCount('Manual Trigger')).toBe(0);
		expect(result.executionOrder).toEqual(['Set', 'IF', 'High']);
		expect(result.json('High')).toEqual([{ n: 4, score: 40, label: 'item-4' }]);
	});

	test('a failing node stops the run with status error and its name', async () => {
		const result = await runWorkflow(failingWorkflow(), { triggerItems: numbers(1) });

		expect(result.status).toBe('error');
		expect(result.finished).toBe(false);
		expect(result.failedNodeName).toBe('Fail Here');
		expect(result.error?.message).toBe('Boom from the test');
		expect(result.nodeError('Fail Here')?.message).toBe('Boom from the test');
		expect(result.executionOrder).toEqual(['Manual Trigger', 'Fail Here']);
		expect(result.runCount('After')).toBe(0);
		expect(() => result.json('Fail Here')).toThrow('it failed: Boom from the test');
	});

	test('onError continueRegularOutput passes the input on and keeps the node error', async () => {
		const result = await runWorkflow(failingWorkflow('continueRegularOutput'), {
			triggerItems: numbers(7),
		});

		expect(result.status).toBe('success');
		expect(result.error).toBeUndefined();
		expect(result.failedNodeName).toBeUndefined();
		expect(result.nodeError('Fail Here')?.message).toBe('Boom from the test');
		expect(result.json('After')).toEqual([{ n: 7 }]);
		expect(result.executionOrder).toEqual(['Manual Trigger', 'Fail Here', 'After']);
	});

	test('a node that honours continueOnFail routes failed items to the error output', async () => {
		const workflow: WorkflowInput = {
			nodes: [
				manualTrigger(),
				node('Check', 'test.positiveOnly', 1, {}, { onError: 'continueErrorOutput' }),
				noOp('Good'),
				noOp('Bad'),
			],
			connections: {
				...chain('Manual Trigger', 'Check'),
				Check: {
					main: [
						[{ node: 'Good', type: 'main', index: 0 }],
						[{ node: 'Bad', type: 'main', index: 0 }],
					],
				},
			},
			settings: { executionOrder: 'v1' },
		};
		const extraNodeTypes = { 'test.positiveOnly': new PositiveOnly() };

		const result = await runWorkflow(workflow, { triggerItems: numbers(3, -1, 5), extraNodeTypes });

		expect(result.status).toBe('success');
		expect(result.json('Good')).toEqual([{ n: 3 }, { n: 5 }]);
		// n8n merges the failed item's input json into what lands on the error output.
		expect(result.json('Bad')).toEqual([{ n: -1, error: 'negative: -1' }]);

		const strict: WorkflowInput = {
			...workflow,
			nodes: workflow.nodes.map((n) => (n.name === 'Check' ? { ...n, onError: undefined } : n)),
		};
		const failed = await runWorkflow(strict, { triggerItems: numbers(3, -1), extraNodeTypes });
		expect(failed.status).toBe('error');
		expect(failed.failedNodeName).toBe('Check');
		expect(failed.error?.message).toBe('negative: -1');
	});

	test('extraNodeTypes registers an inline node type for one run', async () => {
		const workflow: WorkflowInput = {
			nodes: [
				manualTrigger(),
				node('Triple', 'test.multiplier', 1, { factor: 3 }),
				node('Default', 'test.multiplier', 1),
			],
			connections: chain('Manual Trigger', 'Triple', 'Default'),
		};

		const result = await runWorkflow(workflow, {
			triggerItems: numbers(1, 2),
			extraNodeTypes: { 'test.multiplier': new Multiplier() },
		});

		expect(result.json('Triple')).toEqual([{ n: 3 }, { n: 6 }]);
		expect(result.json('Default')).toEqual([{ n: 6 }, { n: 12 }]);
		await expect(runWorkflow(workflow)).rejects.toThrow('Unknown node type "test.multiplier"');
	});

	test('a webhook trigger start node is pinned: webhook() is not called and the mode is webhook', async () => {
		const workflow: WorkflowInput = {
			nodes: [node('Incoming', 'test.explodingWebhook', 1, {}, { webhookId: 'hook-1' }), noOp('Handle')],
			connections: chain('Incoming', 'Handle'),
		};
		const triggerItems = [{ json: { body: { text: 'hello' } } }];

		const result = await runWorkflow(workflow, {
			triggerItems,
			extraNodeTypes: { 'test.explodingWebhook': new ExplodingWebhookTrigger() },
		});

		expect(result.error).toBeUndefined();
		expect(result.status).toBe('success');
		expect(result.mode).toBe('webhook');
		expect(result.json('Handle')).toEqual([{ body: { text: 'hello' } }]);
		expect(result.executionOrder).toEqual(['Incoming', 'Handle']);
	});

	test('a trigger start node is pinned: trigger() is not called, even in manual mode', async () => {
		const workflow: WorkflowInput = {
			nodes: [node('Clock', 'test.explodingTrigger', 1), noOp('Tick')],
			connections: chain('Clock', 'Tick'),
		};
		const extraNodeTypes = { 'test.explodingTrigger': new ExplodingTrigger() };

		const byDefault = await runWorkflow(workflow, { triggerItems: numbers(9), extraNodeTypes });
		const manual = await runWorkflow(workflow, {
			triggerItems: numbers(9),
			extraNodeTypes,
			mode: 'manual',
		});

		expect(byDefault.mode).toBe('trigger');
		expect(manual.mode).toBe('manual');
		for (const result of [byDefault, manual]) {
			expect(result.error).toBeUndefined();
			expect(result.json('Tick')).toEqual([{ n: 9 }]);
		}
	});

	test('a sub-node on ai_languageModel is resolved from extraNodeTypes through supplyData', async () => {
		const workflow: WorkflowInput = {
			nodes: [
				manualTrigger(),
				node('Ask', 'test.askModel', 1),
				node('Model', 'test.fakeModel', 1, { modelName: 'tiny' }),
			],
			connections: {
				...chain('Manual Trigger', 'Ask'),
				Model: { ai_languageModel: [[{ node: 'Ask', type: 'ai_languageModel', index: 0 }]] },
			},
		};
		const extraNodeTypes = { 'test.askModel': new AskModel(), 'test.fakeModel': new FakeModel() };

		const result = await runWorkflow(workflow, {
			triggerItems: [{ json: { prompt: 'hi' } }],
			extraNodeTypes,
		});

		expect(result.error).toBeUndefined();
		expect(result.json('Ask')).toEqual([{ answer: 'tiny says: hi' }]);

		const unplugged = await runWorkflow(
			{ ...workflow, connections: chain('Manual Trigger', 'Ask') },
			{ extraNodeTypes },
		);
		expect(unplugged.status).toBe('error');
		expect(unplugged.error?.message).toContain('sub-node must be connected');
	});

	describe('credentials', () => {
		let server: Server;
		let baseUrl: string;
		const seen: IncomingHttpHeaders[] = [];

		beforeAll(async () => {
			server = createServer((req, res) => {
				seen.push(req.headers);
				res.setHeader('content-type', 'application/json');
				res.end(JSON.stringify({ pong: req.headers.authorization === 'Bearer s3cret' }));
			});
			await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
			baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
		});

		afterAll(async () => {
			await new Promise<void>((resolve, reject) => {
				server.close((error) => (error ? reject(error) : resolve()));
			});
		});

		const apiWorkflow = (): WorkflowInput => ({
			nodes: [
				manualTrigger(),
				node('Call', 'test.callApi', 1, {}, {
					credentials: { testTokenApi: { id: 'cred-1', name: 'Test token' } },
				}),
			],
			connections: chain('Manual Trigger', 'Call'),
		});
		const types = {
			extraNodeTypes: { 'test.callApi': new CallApi() },
			extraCredentialTypes: { testTokenApi },
		};

		test('the credential type authenticates httpRequestWithAuthentication, with defaults filled in', async () => {
			seen.length = 0;
			const result = await runWorkflow(apiWorkflow(), {
				...types,
				credentials: { testTokenApi: { token: 's3cret', baseUrl } },
			});

			expect(result.error).toBeUndefined();
			expect(result.json('Call')).toEqual([{ pong: true }]);
			expect(seen).toHaveLength(1);
			expect(seen[0].authorization).toBe('Bearer s3cret');
			expect(seen[0]['x-client']).toBe('default-client');
			expect(result.credentialRequests.map((r) => r.type)).toContain('testTokenApi');
		});

		test('a credential the test did not give fails the node, naming the type', async () => {
			const result = await runWorkflow(apiWorkflow(), types);

			expect(result.status).toBe('error');
			expect(result.failedNodeName).toBe('Call');
			expect(result.error?.message).toContain('"testTokenApi"');
		});
	});

	test('loadWorkflowFile reads a workflow JSON that runs as given', async () => {
		const dir = mkdtempSync(path.join(tmpdir(), 'workflow-runner-test-'));
		try {
			const file = path.join(dir, 'wf.json');
			writeFileSync(file, JSON.stringify({ name: 'From file', ...branchingWorkflow }));
			const workflow = loadWorkflowFile(file);
			expect(workflow.name).toBe('From file');

			const result = await runWorkflow(workflow, { triggerItems: numbers(1) });
			expect(result.json('Low').map((j) => j.n)).toEqual([1]);

			writeFileSync(file, JSON.stringify({ name: 'not a workflow' }));
			expect(() => loadWorkflowFile(file)).toThrow('is not a workflow JSON');
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
