export { messageText, replyText } from './content';
export { LlmError, redactSecrets, timeoutError, toLlmError, type LlmErrorCode, type LlmErrorDetails, type LlmErrorKind } from './errors';
export { configuredModelName, DEFAULT_LLM_TIMEOUT_MS, invokeWithTimeout, registerModelSecrets, type InvokeOptions } from './invoke';
export { createOpenAiCompatibleModel, isReasoningModelName, NO_API_KEY, OPENAI_DEFAULT_BASE_URL, type OpenAiCompatibleConfig } from './openai-compatible';
export {
	extractJsonObject,
	invokeStructured,
	jsonInstructionFor,
	repairMessage,
	type JsonExtraction,
	type SchemaLike,
	type StructuredOptions,
	type StructuredResult,
} from './structured';
export type { ChatModelCallOptions, ChatModelLike, LlmMessage, LlmResult, LlmRole, ModelReply, TokenUsage, UsageMetadataLike } from './types';
export { estimateTokens, extractTokenUsage, reportedModelName, sumTokenUsage, type UsageContext } from './usage';
