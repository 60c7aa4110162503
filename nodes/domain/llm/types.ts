/**
 * The little we need from a chat model. A LangChain `BaseChatModel` (ours from @langchain/openai, or
 * any n8n chat model sub-node) satisfies it; so does a LangChain text LLM, whose `invoke` returns a string.
 */

export type LlmRole = 'system' | 'user' | 'assistant';

/**
 * A prompt message as a plain object. LangChain turns `{ role, content }` into its own message classes,
 * so the same messages work with a model built from another copy of @langchain/core (an n8n sub-node).
 */
// A type alias, not an interface: LangChain's `BaseMessageLike` needs the implicit index signature.
export type LlmMessage = {
	role: LlmRole;
	content: string;
};

/** Token counts as LangChain reports them on `AIMessage.usage_metadata`. */
export interface UsageMetadataLike {
	input_tokens?: number;
	output_tokens?: number;
	total_tokens?: number;
}

/** What `invoke` resolves to: an AIMessage-like object, or plain text from a (non-chat) LLM. */
export type ModelReply =
	| string
	| {
			/** A string, or content blocks such as `{ type: 'text', text }`, `{ type: 'thinking', … }`. */
			content: string | readonly unknown[];
			usage_metadata?: UsageMetadataLike;
			response_metadata?: Record<string, unknown>;
	  };

export interface ChatModelCallOptions {
	signal?: AbortSignal;
}

export interface ChatModelLike {
	invoke(input: LlmMessage[], options?: ChatModelCallOptions): Promise<ModelReply>;
}

export interface TokenUsage {
	inputTokens: number;
	outputTokens: number;
	/** The model that answered, as the provider names it; else the configured name; else 'unknown'. */
	model: string;
	/** True when the provider reported no usage and the counts are a characters / 4 estimate. */
	estimated: boolean;
}

export interface LlmResult {
	text: string;
	usage: TokenUsage;
	latencyMs: number;
	/** The reply as the model returned it (tool calls included). */
	reply?: ModelReply;
}
