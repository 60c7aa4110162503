/**
 * n8n glue for chat models: the node parameters that choose where a node's model comes from (a
 * connected Chat Model sub-node, n8n's built-in OpenAI credential, or none), the `inputs` declaration
 * that shows the Chat Model input only when it is used, and resolving the model at run time. The LLM
 * calls themselves are n8n-free (nodes/domain/llm).
 *
 * A node using it declares:
 *
 *   inputs: chatModelInputs({ defaultSource: 'none' }),          // an expression string, see below
 *   credentials: [openAiCredentialDescription()],
 *   properties: [...chatModelProperties({ defaultSource: 'none' }), …],
 *
 * (with the same defaultSource in both; a node whose model is used only in some modes passes
 * `alsoWhen: { mode: … }` to chatModelInputs and `displayOptions: { show: { mode: … } }` to the other two)
 *
 * and in execute():
 *
 *   const chat = await getChatModel(this, itemIndex);            // undefined when the source is 'none'
 *   const answer = await invokeWithTimeout(chat.model, messages, chat.invokeOptions);
 */
import {
	NodeConnectionTypes,
	NodeOperationError,
	type ExpressionString,
	type ICredentialDataDecryptedObject,
	type ICredentialsDisplayOptions,
	type IExecuteFunctions,
	type INodeCredentialDescription,
	type INodeInputConfiguration,
	type INodeProperties,
	type NodeConnectionType,
} from 'n8n-workflow';

import {
	configuredModelName,
	createOpenAiCompatibleModel,
	DEFAULT_LLM_TIMEOUT_MS,
	type ChatModelLike,
	type InvokeOptions,
} from '../domain/llm';

/** n8n's own OpenAI credential (n8n-nodes-base): API key, Base URL, organization, custom header. */
export const OPENAI_CREDENTIAL_TYPE = 'openAiApi';

export type ModelSource = 'input' | 'credential' | 'none';

export const MODEL_PARAMETERS = {
	source: 'modelSource',
	name: 'modelName',
	temperature: 'modelTemperature',
	timeoutMs: 'modelTimeoutMs',
} as const;

export const DEFAULT_MODEL_NAME = 'gpt-4.1-mini';
export const DEFAULT_MODEL_TEMPERATURE = 0.2;

const CHAT_MODEL_INPUT_NAME = 'Chat Model';

export interface ChatModelPropertyOptions {
	/** The source a new node starts with; default 'none' when allowed, else 'input'. */
	defaultSource?: ModelSource;
	/** Offer 'None'; default true. */
	allowNone?: boolean;
	/** Name of the 'none' option, e.g. 'None (Embedded Classifier)'; default 'None (Embedded)'. */
	noneName?: string;
	noneDescription?: string;
	/** Show all model settings (and ask for the credential) only under this condition too, e.g. { show: { mode: ['llm', 'cascade'] } }. */
	displayOptions?: ICredentialsDisplayOptions;
	defaultModelName?: string;
	defaultTemperature?: number;
	defaultTimeoutMs?: number;
}

function defaultSourceOf(options: ChatModelPropertyOptions): ModelSource {
	return options.defaultSource ?? (options.allowNone === false ? 'input' : 'none');
}

/** `displayOptions` that need both the node's own condition and the given Model Source values. */
function shownFor(sources: ModelSource[] | undefined, outer: ICredentialsDisplayOptions | undefined): ICredentialsDisplayOptions | undefined {
	if (!sources && !outer) return undefined;
	const show = { ...(outer?.show ?? {}), ...(sources ? { [MODEL_PARAMETERS.source]: sources } : {}) };
	return { ...(outer ?? {}), show };
}

export function modelSourceProperty(options: ChatModelPropertyOptions = {}): INodeProperties {
	const choices: NonNullable<INodeProperties['options']> = [
		{
			name: 'Connected Chat Model',
			value: 'input',
			description: 'Any n8n chat model sub-node connected to the Chat Model input (OpenAI, Anthropic, Gemini, Ollama, …)',
		},
		{
			name: 'OpenAI-Compatible Credential',
			value: 'credential',
			description: 'The OpenAI credential built into n8n; its Base URL can point at Ollama, vLLM, LM Studio or a gateway',
		},
	];
	if (options.allowNone !== false) {
		choices.push({
			name: options.noneName ?? 'None (Embedded)',
			value: 'none',
			description: options.noneDescription ?? 'No LLM: works offline, with no API key',
		});
	}
	return {
		displayName: 'Model Source',
		name: MODEL_PARAMETERS.source,
		type: 'options',
		noDataExpression: true,
		options: choices,
		default: defaultSourceOf(options),
		description: 'Where the chat model comes from',
		displayOptions: shownFor(undefined, options.displayOptions),
	};
}

const modelNameBase: INodeProperties = {
	displayName: 'Model',
	name: MODEL_PARAMETERS.name,
	type: 'string',
	required: true,
	default: DEFAULT_MODEL_NAME,
	placeholder: 'e.g. gpt-4.1-mini, llama3.1:8b, qwen2.5:7b-instruct',
	description: 'Model name as the server knows it (for Ollama, as in `ollama list`)',
};

const modelTemperatureBase: INodeProperties = {
	displayName: 'Temperature',
	name: MODEL_PARAMETERS.temperature,
	type: 'number',
	typeOptions: { minValue: 0, maxValue: 2, numberPrecision: 1 },
	default: DEFAULT_MODEL_TEMPERATURE,
	description: 'Lower is more predictable. Reasoning models (gpt-5, o-series) accept only their default and ignore it.',
};

const modelTimeoutBase: INodeProperties = {
	displayName: 'Model Timeout (Ms)',
	name: MODEL_PARAMETERS.timeoutMs,
	type: 'number',
	typeOptions: { minValue: 1000 },
	default: DEFAULT_LLM_TIMEOUT_MS,
	description: 'How long to wait for the model before giving up on it (retries included)',
};

export function modelNameProperty(options: ChatModelPropertyOptions = {}): INodeProperties {
	return { ...modelNameBase, default: options.defaultModelName ?? DEFAULT_MODEL_NAME, displayOptions: shownFor(['credential'], options.displayOptions) };
}

export function modelTemperatureProperty(options: ChatModelPropertyOptions = {}): INodeProperties {
	return {
		...modelTemperatureBase,
		default: options.defaultTemperature ?? DEFAULT_MODEL_TEMPERATURE,
		displayOptions: shownFor(['credential'], options.displayOptions),
	};
}

export function modelTimeoutProperty(options: ChatModelPropertyOptions = {}): INodeProperties {
	return {
		...modelTimeoutBase,
		default: options.defaultTimeoutMs ?? DEFAULT_LLM_TIMEOUT_MS,
		displayOptions: shownFor(['input', 'credential'], options.displayOptions),
	};
}

/** Model Source, then model name and temperature (credential only) and timeout (input and credential). */
export function chatModelProperties(options: ChatModelPropertyOptions = {}): INodeProperties[] {
	return [modelSourceProperty(options), modelNameProperty(options), modelTemperatureProperty(options), modelTimeoutProperty(options)];
}

/** For the node's `credentials`: the OpenAI credential, asked for only when the source is 'credential'. */
export function openAiCredentialDescription(options: Pick<ChatModelPropertyOptions, 'displayOptions'> = {}): INodeCredentialDescription {
	return { name: OPENAI_CREDENTIAL_TYPE, required: true, displayOptions: shownFor(['credential'], options.displayOptions) };
}

export interface ChatModelInputOptions {
	/** Must equal the Model Source property's default (a parameter at its default may be missing). */
	defaultSource?: ModelSource;
	/** Other parameters that must match as well, with their defaults, e.g. { mode: { values: ['llm', 'cascade'], default: 'embedded' } }. */
	alsoWhen?: Record<string, { values: string[]; default: string }>;
	/** Named main inputs, when the node has more than one (default: one plain main input). */
	mainInputs?: Array<{ displayName: string; required?: boolean }>;
	/** More sub-node inputs (Tool, Memory …), shown with the Chat Model input, i.e. only while a model is used. */
	withModelInputs?: Array<{ type: NodeConnectionType; displayName: string; maxConnections?: number }>;
}

/**
 * The node's `inputs` as an n8n expression: Main, plus a Chat Model input (`ai_languageModel`, one
 * connection, required) only while the Model Source is 'input'. n8n evaluates it in the editor and at
 * run time (NodeHelpers.getNodeInputs), as it does for its own Agent and Ollama nodes. The expression is
 * plain text, not a compiled function: it runs in n8n's expression sandbox, where our imports do not exist.
 */
export function chatModelInputs(options: ChatModelInputOptions = {}): ExpressionString {
	const source = `(parameters.${MODEL_PARAMETERS.source} ?? ${JSON.stringify(options.defaultSource ?? 'none')})`;
	const conditions = [`${source} === 'input'`];
	const modelUsed = [`${source} !== 'none'`];
	for (const [name, rule] of Object.entries(options.alsoWhen ?? {})) {
		if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`chatModelInputs: "${name}" is not a plain parameter name`);
		conditions.push(`${JSON.stringify(rule.values)}.includes(parameters.${name} ?? ${JSON.stringify(rule.default)})`);
		modelUsed.push(conditions[conditions.length - 1]);
	}
	const modelInput = JSON.stringify({ type: NodeConnectionTypes.AiLanguageModel, displayName: CHAT_MODEL_INPUT_NAME, maxConnections: 1, required: true });
	const main = options.mainInputs?.length
		? options.mainInputs.map((input) => JSON.stringify({ type: NodeConnectionTypes.Main, displayName: input.displayName, required: input.required ?? false })).join(', ')
		: '"main"';
	const modelCondition = conditions.join(' && ');
	if (!options.withModelInputs?.length) return `={{ ((parameters) => (${modelCondition}) ? [${main}, ${modelInput}] : [${main}])($parameter) }}`;
	// Tools and memory work with the credential's model too, so they follow "a model is used", not "connected".
	const others = options.withModelInputs.map((input) => JSON.stringify({ required: false, ...input })).join(', ');
	return `={{ ((parameters) => [${main}].concat((${modelCondition}) ? [${modelInput}] : [], (${modelUsed.join(' && ')}) ? [${others}] : []))($parameter) }}`;
}

/**
 * The simpler alternative to chatModelInputs(): the Chat Model input is always there, optional. The
 * canvas then always shows the plug, even when the node uses the credential or no model.
 */
export const chatModelInputsAlways: Array<NodeConnectionType | INodeInputConfiguration> = [
	NodeConnectionTypes.Main,
	{ type: NodeConnectionTypes.AiLanguageModel, displayName: CHAT_MODEL_INPUT_NAME, maxConnections: 1, required: false },
];

export interface ChatModelSelection {
	model: ChatModelLike;
	source: 'input' | 'credential';
	/** The configured model name, or what a connected model calls itself, or 'unknown'. */
	modelName: string;
	timeoutMs: number;
	/** For invokeWithTimeout / invokeStructured: the timeout, the execution's cancel signal and the model name. */
	invokeOptions: InvokeOptions;
}

export interface GetChatModelOptions {
	/** Default: the node's Model Source parameter. */
	source?: ModelSource;
}

const CONNECT_HINT =
	"Connect a chat model sub-node (e.g. OpenAI Chat Model, Ollama Chat Model) to the node's Chat Model input, or change Model Source.";
const CREDENTIAL_HINT =
	"Select an OpenAI credential on the node (its Base URL may point at any OpenAI-compatible server, e.g. http://localhost:11434/v1 for Ollama), or change Model Source.";

function isChatModel(value: unknown): value is ChatModelLike {
	return value !== null && typeof value === 'object' && typeof (value as { invoke?: unknown }).invoke === 'function';
}

function timeoutParameter(context: IExecuteFunctions, itemIndex: number): number {
	const value = Number(context.getNodeParameter(MODEL_PARAMETERS.timeoutMs, itemIndex, DEFAULT_LLM_TIMEOUT_MS));
	return Number.isFinite(value) && value > 0 ? value : DEFAULT_LLM_TIMEOUT_MS;
}

async function connectedModel(context: IExecuteFunctions, itemIndex: number): Promise<ChatModelLike> {
	let connected: unknown;
	try {
		connected = await context.getInputConnectionData(NodeConnectionTypes.AiLanguageModel, itemIndex);
	} catch (error) {
		// n8n's own messages when the input is declared but empty, or not declared at all.
		if (/must be connected|does not have input of type/i.test(String((error as Error).message))) {
			throw new NodeOperationError(context.getNode(), 'No chat model is connected', { itemIndex, description: CONNECT_HINT });
		}
		throw error;
	}
	// One model when the input allows one connection; a list otherwise.
	const model = Array.isArray(connected) ? connected[0] : connected;
	if (model === undefined || model === null) {
		throw new NodeOperationError(context.getNode(), 'No chat model is connected', { itemIndex, description: CONNECT_HINT });
	}
	if (!isChatModel(model)) {
		throw new NodeOperationError(context.getNode(), 'The sub-node on the Chat Model input is not a chat model', { itemIndex, description: CONNECT_HINT });
	}
	return model;
}

/** The custom header n8n's OpenAI credential may add (Azure-style gateways use one for the key). */
function credentialHeaders(credentials: ICredentialDataDecryptedObject): Record<string, string> {
	const name = typeof credentials.headerName === 'string' ? credentials.headerName.trim() : '';
	if (credentials.header !== true || !name || typeof credentials.headerValue !== 'string') return {};
	return { [name]: credentials.headerValue };
}

async function credentialModel(context: IExecuteFunctions, itemIndex: number, timeoutMs: number): Promise<{ model: ChatModelLike; modelName: string }> {
	let credentials: ICredentialDataDecryptedObject;
	try {
		credentials = await context.getCredentials(OPENAI_CREDENTIAL_TYPE, itemIndex);
	} catch (error) {
		throw new NodeOperationError(context.getNode(), `No usable OpenAI credential: ${(error as Error).message}`, { itemIndex, description: CREDENTIAL_HINT });
	}
	const modelName = String(context.getNodeParameter(MODEL_PARAMETERS.name, itemIndex, '') ?? '').trim();
	if (!modelName) {
		throw new NodeOperationError(context.getNode(), 'No model name is set', {
			itemIndex,
			description: 'Enter the model name as the server knows it, e.g. gpt-4.1-mini, or llama3.1:8b for Ollama.',
		});
	}
	const temperature = Number(context.getNodeParameter(MODEL_PARAMETERS.temperature, itemIndex, DEFAULT_MODEL_TEMPERATURE));
	const model = createOpenAiCompatibleModel({
		apiKey: typeof credentials.apiKey === 'string' ? credentials.apiKey : '',
		baseUrl: typeof credentials.url === 'string' ? credentials.url : undefined,
		organizationId: typeof credentials.organizationId === 'string' ? credentials.organizationId : undefined,
		headers: credentialHeaders(credentials),
		model: modelName,
		temperature: Number.isFinite(temperature) ? temperature : undefined,
		timeoutMs,
	});
	return { model, modelName };
}

/**
 * The chat model a node is configured to use for one item: the connected sub-node's model, or one built
 * from the OpenAI credential; undefined for 'none'. Missing pieces become NodeOperationErrors that say
 * what to fix.
 */
export async function getChatModel(context: IExecuteFunctions, itemIndex: number, options: GetChatModelOptions = {}): Promise<ChatModelSelection | undefined> {
	const source = options.source ?? (context.getNodeParameter(MODEL_PARAMETERS.source, itemIndex, 'none') as ModelSource);
	if (source === 'none') return undefined;
	if (source !== 'input' && source !== 'credential') {
		throw new NodeOperationError(context.getNode(), `Unknown model source "${String(source)}"`, {
			itemIndex,
			description: "Choose 'Connected Chat Model', 'OpenAI-Compatible Credential' or 'None'.",
		});
	}
	const timeoutMs = timeoutParameter(context, itemIndex);
	let model: ChatModelLike;
	let modelName: string;
	if (source === 'input') {
		model = await connectedModel(context, itemIndex);
		modelName = configuredModelName(model) ?? 'unknown';
	} else {
		({ model, modelName } = await credentialModel(context, itemIndex, timeoutMs));
	}
	return {
		model,
		source,
		modelName,
		timeoutMs,
		invokeOptions: { timeoutMs, modelName, signal: context.getExecutionCancelSignal() },
	};
}
