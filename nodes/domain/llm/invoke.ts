import { replyText } from './content';
import { LlmError, timeoutError, toLlmError } from './errors';
import type { ChatModelLike, LlmMessage, LlmResult, ModelReply } from './types';
import { extractTokenUsage } from './usage';

export const DEFAULT_LLM_TIMEOUT_MS = 30_000;

export interface InvokeOptions {
	/** The call fails with LlmError('timeout') after this long, whatever the model does. Default 30 s. */
	timeoutMs?: number;
	/** Cancels the call (e.g. n8n's execution cancel signal); it then fails with code 'cancelled'. */
	signal?: AbortSignal;
	/** Names the model in `usage` when the reply does not; default: the model object's own `model` field. */
	modelName?: string;
	/** More values to keep out of error messages; keys given to createOpenAiCompatibleModel are known already. */
	secrets?: readonly string[];
}

const secretsByModel = new WeakMap<object, readonly string[]>();

/** Remembers values (an API key, a custom header) that error messages about this model must never show. */
export function registerModelSecrets(model: object, secrets: readonly string[]): void {
	secretsByModel.set(model, secrets.filter((secret) => typeof secret === 'string' && secret.length > 0));
}

/** The model name a LangChain model object was configured with, if it says. */
export function configuredModelName(model: unknown): string | undefined {
	if (model === null || typeof model !== 'object') return undefined;
	const fields = model as { model?: unknown; modelName?: unknown; lc_kwargs?: { model?: unknown; modelName?: unknown } };
	for (const candidate of [fields.model, fields.modelName, fields.lc_kwargs?.model, fields.lc_kwargs?.modelName]) {
		if (typeof candidate === 'string' && candidate.trim()) return candidate.trim();
	}
	return undefined;
}

function effectiveTimeout(timeoutMs: number | undefined): number {
	return typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_LLM_TIMEOUT_MS;
}

function isReply(value: unknown): value is ModelReply {
	return typeof value === 'string' || (value !== null && typeof value === 'object' && 'content' in value);
}

function cancelledError(): LlmError {
	return new LlmError('other', 'The model call was cancelled', { code: 'cancelled' });
}

/**
 * One model call that never hangs: a timer aborts it after `timeoutMs` (and the result no longer waits
 * for the model, even one that ignores the abort signal). Returns the reply's text, token usage and latency.
 */
export async function invokeWithTimeout(model: ChatModelLike, messages: LlmMessage[], options: InvokeOptions = {}): Promise<LlmResult> {
	const timeoutMs = effectiveTimeout(options.timeoutMs);
	const secrets = [...(secretsByModel.get(model) ?? []), ...(options.secrets ?? [])];
	const modelName = options.modelName ?? configuredModelName(model);
	if (options.signal?.aborted) throw cancelledError();

	const controller = new AbortController();
	let outcome = 'pending' as 'pending' | 'timeout' | 'cancelled';
	let timer: NodeJS.Timeout | undefined;
	let onCancel: (() => void) | undefined;
	// Settles only when the timer fires or the caller cancels; the reason is decided before the abort
	// reaches the model, so a model that rejects on abort cannot win the race with a vaguer error.
	const stop = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => {
			outcome = 'timeout';
			reject(timeoutError(timeoutMs));
			controller.abort();
		}, timeoutMs);
		onCancel = () => {
			outcome = 'cancelled';
			reject(cancelledError());
			controller.abort();
		};
		options.signal?.addEventListener('abort', onCancel, { once: true });
	});
	const started = performance.now();
	const call = Promise.resolve().then(() => model.invoke(messages, { signal: controller.signal }));
	// Whichever loses the race must not become an unhandled rejection.
	call.catch(() => undefined);
	stop.catch(() => undefined);

	let reply: unknown;
	try {
		reply = await Promise.race([call, stop]);
	} catch (error) {
		if (outcome === 'timeout') throw timeoutError(timeoutMs);
		if (outcome === 'cancelled') throw cancelledError();
		throw toLlmError(error, { secrets, timeoutMs });
	} finally {
		clearTimeout(timer);
		if (onCancel) options.signal?.removeEventListener('abort', onCancel);
	}
	const latencyMs = Math.round(performance.now() - started);
	if (!isReply(reply)) {
		throw new LlmError('invalid_output', 'The model returned no message', { hint: 'The connected model did not return a chat message; use a chat model.' });
	}
	const text = replyText(reply);
	return { text, usage: extractTokenUsage(reply, { messages, text, modelName }), latencyMs, reply };
}
