import { ChatOpenAI } from '@langchain/openai';

import { registerModelSecrets } from './invoke';

export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/** Sent when no key is set: local servers (Ollama, vLLM) ignore it; OPENAI_API_KEY from the host is never used. */
export const NO_API_KEY = 'no-key';

export interface OpenAiCompatibleConfig {
	/** Empty for servers that need none. */
	apiKey?: string;
	/** The API root, usually ending in /v1 (e.g. http://localhost:11434/v1 for Ollama). Default OpenAI's. */
	baseUrl?: string;
	model: string;
	/** Not sent to reasoning models (see isReasoningModelName), which accept only their default. */
	temperature?: number;
	/** Per HTTP request; invokeWithTimeout bounds the whole call on top of this. */
	timeoutMs?: number;
	/** LangChain's own retries on 429 / 5xx / network errors (never on other 4xx); default 2. */
	maxRetries?: number;
	organizationId?: string;
	/** Extra headers, e.g. `api-key` for Azure-style gateways. Their values are kept out of error messages. */
	headers?: Record<string, string>;
	maxTokens?: number;
}

/** OpenAI's reasoning models (o1/o3/o4…, gpt-5 except gpt-5-chat) reject any temperature but their default. */
export function isReasoningModelName(model: string): boolean {
	const name = model.trim().toLowerCase().split('/').pop() ?? '';
	return /^o\d/.test(name) || (name.startsWith('gpt-5') && !name.startsWith('gpt-5-chat'));
}

/**
 * A LangChain chat model for any OpenAI-compatible /chat/completions endpoint: OpenAI, Ollama, vLLM,
 * LM Studio, gateways, or our local test server. It never streams and never reads OPENAI_API_KEY /
 * OPENAI_BASE_URL from the environment.
 */
export function createOpenAiCompatibleModel(config: OpenAiCompatibleConfig): ChatOpenAI {
	const apiKey = config.apiKey?.trim() || NO_API_KEY;
	// An explicit base URL also keeps OPENAI_BASE_URL of the n8n host out of it.
	const baseURL = (config.baseUrl?.trim() || OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '');
	const headers = Object.fromEntries(Object.entries(config.headers ?? {}).filter(([name, value]) => name.trim() && typeof value === 'string'));
	const model = new ChatOpenAI({
		apiKey,
		model: config.model,
		temperature: isReasoningModelName(config.model) ? undefined : config.temperature,
		maxTokens: config.maxTokens,
		timeout: config.timeoutMs,
		maxRetries: config.maxRetries ?? 2,
		// Never stream: ChatOpenAI's streamed _generate counts tokens with tiktoken, whose encodings it
		// downloads from the internet (with retries) on first use, which stalls an offline n8n.
		streaming: false,
		configuration: {
			baseURL,
			organization: config.organizationId?.trim() || null,
			defaultHeaders: headers,
		},
	});
	registerModelSecrets(model, [config.apiKey ?? '', ...Object.values(headers)]);
	return model;
}
