// The LLM glue (nodes/glue/llm.ts) inside in-process n8n: a tiny test-only node that calls
// getChatModel() gets its model from a sub-node on the `ai_languageModel` input (our fake model, and
// n8n's own OpenAI Chat Model node), or from n8n's `openAiApi` credential pointing at the local
// OpenAI-compatible server, or no model at all.
import {
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	type IExecuteFunctions,
	type INode,
	type INodeExecutionData,
	type INodeInputConfiguration,
	type INodeParameters,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';

import { toNodeError } from '../../nodes/glue/errors';
import {
	chatModelInputs,
	chatModelInputsAlways,
	chatModelProperties,
	getChatModel,
	type ChatModelPropertyOptions,
	OPENAI_CREDENTIAL_TYPE,
	openAiCredentialDescription,
} from '../../nodes/glue/llm';
import { invokeWithTimeout } from '../../nodes/domain/llm';
import { TestNodeTypes, getTypeRegistry } from '../helpers/node-types';
import { node, workflow } from '../helpers/workflow-builder';
import { runWorkflow, type WorkflowInput } from '../helpers/workflow-runner';
import { clearFakeChatScripts, FAKE_CHAT_MODEL_TYPE, fakeChatModelNodeTypes, registerFakeChatScript } from '../llm/fake-chat-model';
import { startOpenAiServer, type OpenAiServer } from '../../sandbox/openai-server';

const PROBE_TYPE = 'test.llmProbe';
const PROBE_ALWAYS_TYPE = 'test.llmProbeAlways';
const PROBE_LIST_TYPE = 'test.llmProbeList';
const API_KEY = 'sk-probe-0123456789abcdef';

/** A node as the real ones will be: Model Source properties, dynamic inputs, getChatModel, invokeWithTimeout. */
class LlmProbe implements INodeType {
	description: INodeTypeDescription;

	constructor(
		inputs: INodeTypeDescription['inputs'] = chatModelInputs({ defaultSource: 'none' }),
		propertyOptions: ChatModelPropertyOptions = { defaultSource: 'none' },
		extraProperties: INodeProperties[] = [],
	) {
		this.description = {
			displayName: 'LLM Probe',
			name: 'llmProbe',
			group: ['transform'],
			version: 1,
			description: 'Asks the configured model one question per item',
			defaults: { name: 'LLM Probe' },
			inputs,
			outputs: [NodeConnectionTypes.Main],
			credentials: [openAiCredentialDescription()],
			properties: [
				...extraProperties,
				...chatModelProperties(propertyOptions),
				{ displayName: 'Question', name: 'question', type: 'string', default: '' },
			],
		};
	}

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const output: INodeExecutionData[] = [];
		for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
			try {
				const chat = await getChatModel(this, itemIndex);
				if (!chat) {
					output.push({ json: { source: 'none' }, pairedItem: { item: itemIndex } });
					continue;
				}
				const question = this.getNodeParameter('question', itemIndex) as string;
				const answer = await invokeWithTimeout(
					chat.model,
					[
						{ role: 'system', content: 'You are the front desk.' },
						{ role: 'user', content: question },
					],
					chat.invokeOptions,
				);
				output.push({
					json: { source: chat.source, modelName: chat.modelName, timeoutMs: chat.timeoutMs, text: answer.text, usage: { ...answer.usage } },
					pairedItem: { item: itemIndex },
				});
			} catch (error) {
				if (this.continueOnFail()) {
					output.push({ json: { error: (error as Error).message, hint: (error as { hint?: string }).hint ?? null }, pairedItem: { item: itemIndex } });
					continue;
				}
				throw toNodeError(this.getNode(), error as Error, itemIndex);
			}
		}
		return [output];
	}
}

const extraNodeTypes = () => ({
	...fakeChatModelNodeTypes(),
	[PROBE_TYPE]: new LlmProbe(),
	[PROBE_ALWAYS_TYPE]: new LlmProbe(chatModelInputsAlways),
	// Without maxConnections, n8n hands over a list of models instead of one.
	[PROBE_LIST_TYPE]: new LlmProbe([NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiLanguageModel, required: false }]),
});

const questions = (...texts: string[]) => texts.map((text) => ({ json: { text } }));

/** Start → Probe, plus optional sub-nodes wired to the probe's ai_languageModel input. */
function probeWorkflow(parameters: INodeParameters, options: { type?: string; models?: INode[]; extra?: Partial<INode> } = {}): WorkflowInput {
	const probe = node('Probe', options.type ?? PROBE_TYPE, { question: '={{ $json.text }}', ...parameters }, options.extra);
	const models = options.models ?? [];
	return workflow(
		[node('Start', 'n8n-nodes-base.manualTrigger'), probe, ...models],
		[['Start', 'Probe'], ...models.map((model) => [model.name, 'Probe', 0, NodeConnectionTypes.AiLanguageModel] as [string, string, number, string])],
	);
}

const fakeModelNode = (scriptKey: string, name = 'Fake Chat Model') => node(name, FAKE_CHAT_MODEL_TYPE, { scriptKey });

const openAiCredentialRef = { credentials: { [OPENAI_CREDENTIAL_TYPE]: { id: 'openai-1', name: 'Local OpenAI-compatible' } } };

describe('LLM plumbing in in-process n8n', () => {
	let server: OpenAiServer;

	beforeAll(async () => {
		server = await startOpenAiServer({ apiKeys: [API_KEY], models: ['gpt-4.1-mini', 'llama3.1:8b'] });
	});

	afterEach(() => {
		server.reset();
		clearFakeChatScripts();
	});

	afterAll(async () => {
		await server.close();
	});

	describe('Connected Chat Model (ai_languageModel input)', () => {
		it('resolves the fake model from the sub-node; the model sees each item’s prompt', async () => {
			const script = registerFakeChatScript('front-desk', {
				modelName: 'fake-front-desk',
				responder: (call) => ({ content: `Answer to: ${call.messages.at(-1)?.content}`, usage: { inputTokens: 21, outputTokens: 5 } }),
			});
			const result = await runWorkflow(probeWorkflow({ modelSource: 'input' }, { models: [fakeModelNode('front-desk')] }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('When is breakfast?', 'Is there parking?'),
			});
			expect(result.status).toBe('success');
			expect(result.json('Probe')).toEqual([
				{
					source: 'input',
					modelName: 'fake-front-desk',
					timeoutMs: 30_000,
					text: 'Answer to: When is breakfast?',
					usage: { inputTokens: 21, outputTokens: 5, model: 'fake-front-desk', estimated: false },
				},
				expect.objectContaining({ text: 'Answer to: Is there parking?' }),
			]);
			expect(script.calls.map((call) => call.messages)).toEqual([
				[
					{ role: 'system', content: 'You are the front desk.' },
					{ role: 'user', content: 'When is breakfast?' },
				],
				[
					{ role: 'system', content: 'You are the front desk.' },
					{ role: 'user', content: 'Is there parking?' },
				],
			]);
			// n8n called the sub-node's supplyData once per item (getChatModel passes the item index).
			expect(script.supplied).toBe(2);
			expect(result.output('Probe')[1].pairedItem).toEqual({ item: 1 });
			// No credential was needed and no HTTP model was called.
			expect(result.credentialRequests).toEqual([]);
			expect(server.chatRequests()).toHaveLength(0);
		});

		it('fails with a fix hint when the source is "input" but nothing is connected', async () => {
			const result = await runWorkflow(probeWorkflow({ modelSource: 'input' }), { extraNodeTypes: extraNodeTypes(), triggerItems: questions('Hi') });
			expect(result.status).toBe('error');
			const error = result.nodeError('Probe');
			expect(error?.message).toBe('No chat model is connected');
			expect(error?.description).toMatch(/Connect a chat model sub-node/);
		});

		it('reports a timeout of the connected model as a node error, or as an item with continue-on-fail', async () => {
			registerFakeChatScript('slow', { defaultReply: { hang: true } });
			const parameters = { modelSource: 'input', modelTimeoutMs: 1000 };
			const started = Date.now();
			const failed = await runWorkflow(probeWorkflow(parameters, { models: [fakeModelNode('slow')] }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('Hi'),
			});
			expect(Date.now() - started).toBeLessThan(5000);
			expect(failed.status).toBe('error');
			expect(failed.nodeError('Probe')?.message).toBe('The model did not answer in time after 1000 ms');
			expect(failed.nodeError('Probe')?.description).toMatch(/Raise the timeout/);

			const tolerant = await runWorkflow(
				probeWorkflow(parameters, { models: [fakeModelNode('slow')], extra: { onError: 'continueRegularOutput' } }),
				{ extraNodeTypes: extraNodeTypes(), triggerItems: questions('Hi') },
			);
			expect(tolerant.status).toBe('success');
			expect(tolerant.json('Probe')[0]).toMatchObject({ error: 'The model did not answer in time after 1000 ms' });
		});

		// n8n's OpenAI Chat Model node (v1.3) talks to the Responses API by default; with "Use Responses API"
		// off (as for Ollama or vLLM) it uses Chat Completions. Both reach our server through openAiApi.
		it.each([
			['the Responses API (the node’s default)', {}, 'responses'],
			['Chat Completions (Use Responses API off)', { responsesApiEnabled: false }, 'chat.completions'],
		])('uses n8n’s own OpenAI Chat Model sub-node over %s', async (_label, extraParameters, api) => {
			server.enqueue({ content: 'Breakfast is from 7 to 10.', usage: { promptTokens: 30, completionTokens: 8 } });
			const openAiChatModel = node(
				'OpenAI Chat Model',
				'@n8n/n8n-nodes-langchain.lmChatOpenAi',
				{ model: { __rl: true, mode: 'id', value: 'llama3.1:8b' }, options: { temperature: 0.1 }, ...extraParameters },
				{ typeVersion: 1.3, ...openAiCredentialRef },
			);
			const result = await runWorkflow(probeWorkflow({ modelSource: 'input' }, { models: [openAiChatModel] }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('When is breakfast?'),
				credentials: { [OPENAI_CREDENTIAL_TYPE]: { apiKey: API_KEY, url: server.baseUrl, organizationId: '' } },
			});
			expect(result.status).toBe('success');
			expect(result.json('Probe')[0]).toMatchObject({
				source: 'input',
				modelName: 'llama3.1:8b',
				text: 'Breakfast is from 7 to 10.',
				usage: { inputTokens: 30, outputTokens: 8, model: 'llama3.1:8b', estimated: false },
			});
			const request = server.lastChatRequest()!;
			expect(request.api).toBe(api);
			expect(request.model).toBe('llama3.1:8b');
			expect(request.temperature).toBe(0.1);
			expect(request.messages.map((message) => message.content)).toEqual(['You are the front desk.', 'When is breakfast?']);
			expect(result.credentialRequests.map((entry) => entry.type)).toEqual([OPENAI_CREDENTIAL_TYPE]);
		});
	});

	describe('OpenAI-Compatible Credential (openAiApi)', () => {
		it('builds the model from the credential’s Base URL, key and organization plus the node’s model and temperature', async () => {
			server.enqueue({ content: 'Check-out is at 11:00.', usage: { promptTokens: 44, completionTokens: 9 }, model: 'gpt-4.1-mini-2025-04-14' });
			const result = await runWorkflow(
				probeWorkflow({ modelSource: 'credential', modelName: 'gpt-4.1-mini', modelTemperature: 0.3, modelTimeoutMs: 8000 }, { extra: openAiCredentialRef }),
				{
					extraNodeTypes: extraNodeTypes(),
					triggerItems: questions('When is check-out?'),
					credentials: { [OPENAI_CREDENTIAL_TYPE]: { apiKey: API_KEY, url: server.baseUrl, organizationId: 'org-hotel' } },
				},
			);
			expect(result.status).toBe('success');
			expect(result.json('Probe')).toEqual([
				{
					source: 'credential',
					modelName: 'gpt-4.1-mini',
					timeoutMs: 8000,
					text: 'Check-out is at 11:00.',
					usage: { inputTokens: 44, outputTokens: 9, model: 'gpt-4.1-mini-2025-04-14', estimated: false },
				},
			]);
			expect(server.requests).toHaveLength(1);
			const [request] = server.requests;
			expect(request.path).toBe('/v1/chat/completions');
			expect(request.chat).toMatchObject({
				model: 'gpt-4.1-mini',
				temperature: 0.3,
				messages: [
					{ role: 'system', content: 'You are the front desk.' },
					{ role: 'user', content: 'When is check-out?' },
				],
			});
			expect(request.headers['openai-organization']).toBe('org-hotel');
			expect(request.headers.authorization).toBe('Bearer ***');
			expect(result.credentialRequests.map((entry) => entry.type)).toEqual([OPENAI_CREDENTIAL_TYPE]);
		});

		it('sends the credential’s custom header (Azure-style gateways)', async () => {
			server.enqueue('ok');
			const result = await runWorkflow(probeWorkflow({ modelSource: 'credential', modelName: 'gpt-4.1-mini' }, { extra: openAiCredentialRef }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('Hi'),
				credentials: {
					[OPENAI_CREDENTIAL_TYPE]: { apiKey: API_KEY, url: server.baseUrl, header: true, headerName: 'x-gateway-tenant', headerValue: 'hotel-7' },
				},
			});
			expect(result.status).toBe('success');
			expect(server.lastChatRequest()?.headers['x-gateway-tenant']).toBe('hotel-7');
		});

		it('ignores a connected sub-node when the source is the credential', async () => {
			const script = registerFakeChatScript('unused', { defaultReply: 'from the fake' });
			server.enqueue('from the server');
			const result = await runWorkflow(
				probeWorkflow({ modelSource: 'credential', modelName: 'gpt-4.1-mini' }, { models: [fakeModelNode('unused')], extra: openAiCredentialRef }),
				{
					extraNodeTypes: extraNodeTypes(),
					triggerItems: questions('Hi'),
					credentials: { [OPENAI_CREDENTIAL_TYPE]: { apiKey: API_KEY, url: server.baseUrl } },
				},
			);
			expect(result.json('Probe')[0].text).toBe('from the server');
			expect(script.supplied).toBe(0);
		});

		it('fails with a fix hint when no credential is selected, and maps the server’s 401', async () => {
			const missing = await runWorkflow(probeWorkflow({ modelSource: 'credential', modelName: 'gpt-4.1-mini' }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('Hi'),
			});
			expect(missing.status).toBe('error');
			expect(missing.nodeError('Probe')?.message).toMatch(/^No usable OpenAI credential/);
			expect(missing.nodeError('Probe')?.description).toMatch(/Select an OpenAI credential/);
			expect(server.requests).toHaveLength(0);

			const wrongKey = await runWorkflow(probeWorkflow({ modelSource: 'credential', modelName: 'gpt-4.1-mini' }, { extra: openAiCredentialRef }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('Hi'),
				credentials: { [OPENAI_CREDENTIAL_TYPE]: { apiKey: 'sk-wrong-000000000000', url: server.baseUrl } },
			});
			expect(wrongKey.status).toBe('error');
			const error = wrongKey.nodeError('Probe');
			expect(error?.message).toMatch(/^The model server answered HTTP 401/);
			expect(error?.message).not.toContain('sk-wrong-000000000000');
			expect(error?.description).toMatch(/Check the API key/);
		});
	});

	describe('None (embedded)', () => {
		it('returns no model and asks for no credential (the default source)', async () => {
			registerFakeChatScript('unused', { defaultReply: 'x' });
			const result = await runWorkflow(probeWorkflow({}, { models: [fakeModelNode('unused')] }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('Hi'),
			});
			expect(result.status).toBe('success');
			expect(result.json('Probe')).toEqual([{ source: 'none' }]);
			expect(result.credentialRequests).toEqual([]);
			expect(server.requests).toHaveLength(0);
		});
	});

	describe('Chat Model input declaration', () => {
		function inputsOf(parameters: INodeParameters, type: INodeType = new LlmProbe()) {
			const probe = node('Probe', PROBE_TYPE, parameters);
			const nodeTypes = new TestNodeTypes(getTypeRegistry(), { [PROBE_TYPE]: type });
			const instance = new Workflow({ nodes: [probe], connections: {}, active: false, nodeTypes });
			return NodeHelpers.getNodeInputs(instance, instance.getNode('Probe')!, type.description);
		}

		const chatModelInput: INodeInputConfiguration = { type: 'ai_languageModel', displayName: 'Chat Model', maxConnections: 1, required: true };

		it('shows the required Chat Model input only while Model Source is "input"', () => {
			expect(inputsOf({ modelSource: 'input' })).toEqual(['main', chatModelInput]);
			expect(inputsOf({ modelSource: 'credential' })).toEqual(['main']);
			expect(inputsOf({ modelSource: 'none' })).toEqual(['main']);
			// A parameter at its default may be missing from a saved workflow: the default ('none') applies.
			expect(inputsOf({})).toEqual(['main']);
		});

		it('can depend on another parameter too, with its default', () => {
			// Like the intent classifier: a Mode parameter, and the model settings only for LLM and Cascade.
			const modeProperty: INodeProperties = {
				displayName: 'Mode',
				name: 'mode',
				type: 'options',
				options: ['embedded', 'llm', 'cascade'].map((value) => ({ name: value, value })),
				default: 'embedded',
			};
			const classifier = new LlmProbe(
				chatModelInputs({ defaultSource: 'input', alsoWhen: { mode: { values: ['llm', 'cascade'], default: 'embedded' } } }),
				{ defaultSource: 'input', allowNone: false, displayOptions: { show: { mode: ['llm', 'cascade'] } } },
				[modeProperty],
			);
			expect(inputsOf({ mode: 'llm' }, classifier)).toEqual(['main', chatModelInput]);
			expect(inputsOf({ mode: 'cascade', modelSource: 'input' }, classifier)).toEqual(['main', chatModelInput]);
			expect(inputsOf({ mode: 'cascade', modelSource: 'credential' }, classifier)).toEqual(['main']);
			expect(inputsOf({}, classifier)).toEqual(['main']);
			expect(() => chatModelInputs({ alsoWhen: { 'bad name': { values: [], default: '' } } })).toThrow(/not a plain parameter name/);
		});

		it('takes one model when n8n hands over a list (an input declared without maxConnections)', async () => {
			const first = registerFakeChatScript('first', { defaultReply: 'from the first model' });
			const second = registerFakeChatScript('second', { defaultReply: 'from the second model' });
			const result = await runWorkflow(
				probeWorkflow({ modelSource: 'input' }, { type: PROBE_LIST_TYPE, models: [fakeModelNode('first', 'First Model'), fakeModelNode('second', 'Second Model')] }),
				{ extraNodeTypes: extraNodeTypes(), triggerItems: questions('Hi') },
			);
			expect(result.status).toBe('success');
			// n8n supplies every connected model (in its own order); exactly one of them is asked.
			expect([first.supplied, second.supplied]).toEqual([1, 1]);
			expect(first.calls.length + second.calls.length).toBe(1);
			expect(['from the first model', 'from the second model']).toContain(result.json('Probe')[0].text);
		});

		it('the always-declared optional input works too, with the same error when nothing is connected', async () => {
			registerFakeChatScript('always', { defaultReply: 'via the optional input' });
			const connected = await runWorkflow(probeWorkflow({ modelSource: 'input' }, { type: PROBE_ALWAYS_TYPE, models: [fakeModelNode('always')] }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('Hi'),
			});
			expect(connected.json('Probe')[0].text).toBe('via the optional input');

			const empty = await runWorkflow(probeWorkflow({ modelSource: 'input' }, { type: PROBE_ALWAYS_TYPE }), {
				extraNodeTypes: extraNodeTypes(),
				triggerItems: questions('Hi'),
			});
			expect(empty.status).toBe('error');
			expect(empty.nodeError('Probe')?.message).toBe('No chat model is connected');
		});
	});
});
