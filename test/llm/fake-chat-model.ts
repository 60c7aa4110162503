// Test doubles for chat models:
// - ScriptedChatModel: a LangChain chat model (a real BaseChatModel) that answers from a script and
//   records every prompt, with usage_metadata on its replies.
// - FakeChatModel: an n8n sub-node type (output `ai_languageModel`) whose supplyData returns a
//   ScriptedChatModel, so a workflow can wire it into a node's Chat Model input. Register it with
//   `runWorkflow(…, { extraNodeTypes: fakeChatModelNodeTypes() })` and add a node of type
//   'test.fakeChatModel' whose `scriptKey` parameter names a script registered with registerFakeChatScript:
//   the test and the sub-node then share the script (queued replies in, recorded prompts out).
import { BaseChatModel, type BaseChatModelParams, type BindToolsInput } from '@langchain/core/language_models/chat_models';
import { AIMessage, type BaseMessage } from '@langchain/core/messages';
import type { ChatResult } from '@langchain/core/outputs';
import {
	NodeConnectionTypes,
	NodeOperationError,
	type INodeType,
	type INodeTypeDescription,
	type ISupplyDataFunctions,
	type SupplyData,
} from 'n8n-workflow';

export const FAKE_CHAT_MODEL_TYPE = 'test.fakeChatModel';

export interface FakeMessageReply {
	/** A string, or content blocks such as [{ type: 'text', text: '…' }]. */
	content: string | Array<Record<string, unknown>>;
	/** Reported as usage_metadata; default characters / 4. `null` reports no usage at all. */
	usage?: { inputTokens: number; outputTokens: number } | null;
	/** Replaces the default response_metadata ({ model_name }). */
	responseMetadata?: Record<string, unknown>;
	/** Wait before answering (an abort signal cuts it short with an AbortError). */
	delayMs?: number;
	/** Tool calls on the reply (as a provider's parsed `tool_calls`); the id defaults to call_<n>. */
	toolCalls?: Array<{ name: string; args: Record<string, unknown>; id?: string }>;
	/** Tool calls whose arguments the provider could not parse (`invalid_tool_calls`). */
	invalidToolCalls?: Array<{ name: string; args: string; id?: string; error?: string }>;
}

/** Throws: an Error as given, or one with this message (and `status`, like an HTTP client error). */
export interface FakeErrorReply {
	error: Error | string;
	status?: number;
}

/** Never answers; only the abort signal (e.g. invokeWithTimeout's timer) ends the call. */
export interface FakeHangReply {
	hang: true;
}

export type FakeReply = string | FakeMessageReply | FakeErrorReply | FakeHangReply;

export interface FakeCall {
	/** The prompt as plain messages (role: system / user / assistant / tool). */
	messages: Array<{ role: string; content: string }>;
	/** The LangChain messages as the model received them. */
	raw: BaseMessage[];
	/** Whether the caller passed an abort signal. */
	hadSignal: boolean;
	/** Names of the tools bound with bindTools (empty without). */
	tools: string[];
}

export type FakeResponder = (call: FakeCall, callIndex: number) => FakeReply | Promise<FakeReply>;

export interface FakeChatScriptInit {
	replies?: FakeReply[];
	responder?: FakeResponder;
	/** Used when the queue is empty and there is no responder. */
	defaultReply?: FakeReply;
	/** What the replies' response_metadata.model_name says; default 'fake-chat-model'. */
	modelName?: string;
}

/** The shared state of a fake model: replies in, recorded calls out. */
export class FakeChatScript {
	readonly calls: FakeCall[] = [];
	/** How many times an n8n sub-node handed out a model for this script. */
	supplied = 0;
	modelName: string;
	private queue: FakeReply[];
	private responder?: FakeResponder;
	private defaultReply?: FakeReply;

	constructor(init: FakeChatScriptInit = {}) {
		this.queue = [...(init.replies ?? [])];
		this.responder = init.responder;
		this.defaultReply = init.defaultReply;
		this.modelName = init.modelName ?? 'fake-chat-model';
	}

	enqueue(...replies: FakeReply[]): this {
		this.queue.push(...replies);
		return this;
	}

	setResponder(responder: FakeResponder | undefined): this {
		this.responder = responder;
		return this;
	}

	setDefaultReply(reply: FakeReply | undefined): this {
		this.defaultReply = reply;
		return this;
	}

	/** The user messages' text of every call, in order: handy for "the model saw X" assertions. */
	prompts(): string[] {
		return this.calls.map((call) => call.messages.map((message) => `${message.role}: ${message.content}`).join('\n'));
	}

	async next(call: FakeCall): Promise<FakeReply> {
		const index = this.calls.length - 1;
		if (this.queue.length > 0) return this.queue.shift()!;
		if (this.responder) return await this.responder(call, index);
		if (this.defaultReply !== undefined) return this.defaultReply;
		throw new Error(`FakeChatScript: no scripted reply for call ${index + 1} (enqueue one, or set a responder or default reply)`);
	}
}

const ROLES: Record<string, string> = { human: 'user', ai: 'assistant', system: 'system', tool: 'tool', generic: 'user' };

function textOf(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	return content.map((block) => (block && typeof block === 'object' && typeof (block as { text?: unknown }).text === 'string' ? (block as { text: string }).text : '')).join('');
}

function abortError(): Error {
	const error = new Error('Aborted');
	error.name = 'AbortError';
	return error;
}

function wait(ms: number | undefined, signal: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(abortError());
		const onAbort = () => {
			if (timer) clearTimeout(timer);
			reject(abortError());
		};
		const timer = ms === undefined ? undefined : setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}

/** A LangChain chat model answering from a FakeChatScript. */
export class ScriptedChatModel extends BaseChatModel {
	readonly script: FakeChatScript;

	/** Mirrors ChatOpenAI's field, so code reading the configured model name finds it. */
	readonly model: string;

	constructor(script: FakeChatScript | FakeChatScriptInit = {}, fields: BaseChatModelParams = {}) {
		super(fields);
		this.script = script instanceof FakeChatScript ? script : new FakeChatScript(script);
		this.model = this.script.modelName;
	}

	get calls(): FakeCall[] {
		return this.script.calls;
	}

	_llmType(): string {
		return 'fake-chat-model';
	}

	/** Like a provider's bindTools: the tools travel as a call option, and each call records their names. */
	override bindTools(tools: BindToolsInput[]) {
		return this.withConfig({ tools } as Partial<this['ParsedCallOptions']>);
	}

	async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
		const call: FakeCall = {
			messages: messages.map((message) => ({ role: ROLES[message.getType()] ?? message.getType(), content: textOf(message.content) })),
			raw: messages,
			hadSignal: options.signal !== undefined,
			tools: ((options as { tools?: Array<{ name?: string; function?: { name?: string } }> }).tools ?? []).map(
				(tool) => tool.name ?? tool.function?.name ?? '?',
			),
		};
		this.script.calls.push(call);
		const reply = await this.script.next(call);
		if (typeof reply === 'object' && 'hang' in reply) {
			await wait(undefined, options.signal);
			throw abortError();
		}
		if (typeof reply === 'object' && 'error' in reply) {
			const error = reply.error instanceof Error ? reply.error : new Error(reply.error);
			if (reply.status !== undefined) Object.assign(error, { status: reply.status });
			throw error;
		}
		const message = typeof reply === 'string' ? { content: reply } : reply;
		if (message.delayMs) await wait(message.delayMs, options.signal);
		const text = textOf(message.content);
		const promptText = call.messages.map((each) => each.content).join('');
		const usage =
			message.usage === null
				? undefined
				: message.usage ?? { inputTokens: Math.ceil(promptText.length / 4), outputTokens: Math.ceil(text.length / 4) };
		let callNumber = 0;
		const nextId = () => `call_${this.script.calls.length}_${++callNumber}`;
		const aiMessage = new AIMessage({
			content: message.content as AIMessage['content'],
			tool_calls: (message.toolCalls ?? []).map((tool) => ({ id: tool.id ?? nextId(), name: tool.name, args: tool.args, type: 'tool_call' as const })),
			invalid_tool_calls: (message.invalidToolCalls ?? []).map((tool) => ({
				id: tool.id ?? nextId(),
				name: tool.name,
				args: tool.args,
				error: tool.error ?? 'Malformed args.',
				type: 'invalid_tool_call' as const,
			})),
			response_metadata: message.responseMetadata ?? { model_name: this.script.modelName },
			usage_metadata: usage
				? { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens }
				: undefined,
		});
		return { generations: [{ text, message: aiMessage }] };
	}
}

const scripts = new Map<string, FakeChatScript>();

/** Makes a script available to FakeChatModel sub-nodes whose `scriptKey` parameter is `key`. */
export function registerFakeChatScript(key: string, script: FakeChatScript | FakeChatScriptInit = {}): FakeChatScript {
	const registered = script instanceof FakeChatScript ? script : new FakeChatScript(script);
	scripts.set(key, registered);
	return registered;
}

export function getFakeChatScript(key: string): FakeChatScript | undefined {
	return scripts.get(key);
}

export function clearFakeChatScripts(): void {
	scripts.clear();
}

/** An n8n chat model sub-node for tests: supplies a ScriptedChatModel for the script named by `scriptKey`. */
export class FakeChatModel implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Fake Chat Model (test)',
		name: 'fakeChatModel',
		group: ['transform'],
		version: 1,
		description: 'A scripted chat model for tests',
		defaults: { name: 'Fake Chat Model' },
		inputs: [],
		outputs: [NodeConnectionTypes.AiLanguageModel],
		outputNames: ['Model'],
		properties: [
			{
				displayName: 'Script Key',
				name: 'scriptKey',
				type: 'string',
				default: 'default',
				description: 'Name given to registerFakeChatScript in the test',
			},
		],
	};

	async supplyData(this: ISupplyDataFunctions, itemIndex: number): Promise<SupplyData> {
		const key = this.getNodeParameter('scriptKey', itemIndex, 'default') as string;
		const script = scripts.get(key);
		if (!script) {
			throw new NodeOperationError(this.getNode(), `No fake chat script is registered under "${key}"`, {
				description: `Call registerFakeChatScript('${key}', …) in the test before running the workflow.`,
			});
		}
		script.supplied++;
		return { response: new ScriptedChatModel(script) };
	}
}

/** For runWorkflow's `extraNodeTypes`. */
export function fakeChatModelNodeTypes(): Record<string, INodeType> {
	return { [FAKE_CHAT_MODEL_TYPE]: new FakeChatModel() };
}
