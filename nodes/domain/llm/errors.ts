import type { TokenUsage } from './types';

export type LlmErrorKind = 'timeout' | 'http' | 'invalid_output' | 'other';

/** Finer reasons a node may act on; `kind` stays the coarse one. */
export type LlmErrorCode =
	| 'cancelled'
	| 'connection'
	| 'authentication'
	| 'rate_limit'
	| 'model_not_found'
	| 'context_overflow'
	| 'server'
	| 'bad_request'
	| 'no_json'
	| 'schema_mismatch';

export interface LlmErrorDetails {
	status?: number;
	code?: LlmErrorCode;
	/** What the model answered (invalid_output), for logs and for the Unanswered output. */
	raw?: string;
	/** Tokens spent before the failure, so cost is still counted. */
	usage?: TokenUsage;
	attempts?: number;
	/** Tells the user the fix; nodes/glue/errors.ts turns it into the node error's description. */
	hint?: string;
}

/** A failed LLM call. Its message never contains the API key or an Authorization header. */
export class LlmError extends Error {
	readonly kind: LlmErrorKind;
	readonly status?: number;
	readonly code?: LlmErrorCode;
	readonly raw?: string;
	readonly usage?: TokenUsage;
	readonly attempts?: number;
	readonly hint?: string;

	constructor(kind: LlmErrorKind, message: string, details: LlmErrorDetails = {}) {
		super(message);
		this.name = 'LlmError';
		this.kind = kind;
		this.status = details.status;
		this.code = details.code;
		this.raw = details.raw;
		this.usage = details.usage;
		this.attempts = details.attempts;
		this.hint = details.hint;
	}
}

const MIN_SECRET_LENGTH = 4;

/** Removes secrets from text: the given values, bearer tokens and OpenAI-style keys. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
	let result = text;
	for (const secret of secrets) {
		if (secret && secret.length >= MIN_SECRET_LENGTH) result = result.split(secret).join('***');
	}
	return result
		.replace(/\b(Bearer|Basic)\s+[^\s"',;]+/gi, '$1 ***')
		.replace(/\b(sk|rk|pk)-[A-Za-z0-9_*-]{6,}/g, '$1-***')
		.replace(/([?&](?:api[-_]?key|key|access_token|token)=)[^&\s"']+/gi, '$1***');
}

function statusOf(error: Record<string, unknown>): number | undefined {
	const response = error.response as { status?: unknown } | undefined;
	for (const candidate of [error.status, error.statusCode, response?.status, error.httpCode]) {
		const status = typeof candidate === 'string' ? Number(candidate) : candidate;
		if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status < 600) return status;
	}
	return undefined;
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

function isConnectionError(error: Record<string, unknown>): boolean {
	const cause = error.cause as Record<string, unknown> | undefined;
	const codes = [error.code, cause?.code, (cause?.cause as Record<string, unknown> | undefined)?.code];
	if (codes.some((code) => typeof code === 'string' && CONNECTION_CODES.has(code))) return true;
	const name = String(error.name ?? '');
	return name === 'APIConnectionError' || /^(connection error|fetch failed)/i.test(String(error.message ?? ''));
}

function cleanMessage(message: string, secrets: readonly string[]): string {
	// LangChain appends a troubleshooting link to some errors; the first paragraph says what happened.
	const firstPart = message.split(/\n\s*\n?Troubleshooting URL:/)[0].trim();
	const redacted = redactSecrets(firstPart, secrets);
	return redacted.length > 500 ? `${redacted.slice(0, 500)}…` : redacted;
}

function httpDetails(status: number, text: string): { code: LlmErrorCode; hint: string } {
	if (status === 400 && /context_length_exceeded|maximum context length|context window/i.test(text)) {
		return { code: 'context_overflow', hint: 'The prompt is too long for this model: send less history or fewer knowledge-base entries, or use a model with a larger context.' };
	}
	if (status === 401 || status === 403) {
		return { code: 'authentication', hint: 'Check the API key in the credential (and the organization ID, if set).' };
	}
	if (status === 404) {
		return { code: 'model_not_found', hint: 'Check the model name, and that the base URL points at the API root (for most servers it ends in /v1).' };
	}
	if (status === 429) {
		return { code: 'rate_limit', hint: 'The provider is rate limiting or the quota is used up. Retry later, lower the request rate, or check the account billing.' };
	}
	if (status >= 500) {
		return { code: 'server', hint: 'The model server had a problem. Retry later, or check the server (Ollama, vLLM, gateway) logs.' };
	}
	return { code: 'bad_request', hint: 'The model server rejected the request. Check the model name and the options the server supports.' };
}

export function timeoutError(timeoutMs?: number, details: LlmErrorDetails = {}): LlmError {
	const after = timeoutMs ? ` after ${timeoutMs} ms` : '';
	return new LlmError('timeout', `The model did not answer in time${after}`, {
		hint: 'Raise the timeout, use a faster model, or check that the model server is not overloaded.',
		...details,
	});
}

/** Maps anything a model call threw to an LlmError. */
export function toLlmError(error: unknown, options: { secrets?: readonly string[]; timeoutMs?: number } = {}): LlmError {
	if (error instanceof LlmError) return error;
	const secrets = options.secrets ?? [];
	const fields = (error !== null && typeof error === 'object' ? error : { message: String(error) }) as Record<string, unknown>;
	const rawMessage = typeof fields.message === 'string' && fields.message ? fields.message : String(error);
	const message = cleanMessage(rawMessage, secrets);
	const name = String(fields.name ?? '');

	const status = statusOf(fields);
	const timedOut = name === 'TimeoutError' || name === 'APIConnectionTimeoutError' || (status === undefined && /\btimed? ?out\b/i.test(rawMessage));
	if (timedOut) return timeoutError(options.timeoutMs);
	if (status !== undefined) {
		const { code, hint } = httpDetails(status, rawMessage);
		const text = message.startsWith(String(status)) ? message : `${status} ${message}`;
		return new LlmError('http', `The model server answered HTTP ${text.replace(/^(\d{3})\s*/, '$1: ')}`, { status, code, hint });
	}
	if (isConnectionError(fields)) {
		return new LlmError('http', `Could not reach the model server: ${message}`, {
			code: 'connection',
			hint: 'Check the base URL in the credential and that the server is running and reachable from n8n.',
		});
	}
	if (name === 'AbortError' || name === 'APIUserAbortError') {
		return new LlmError('other', 'The model call was cancelled', { code: 'cancelled' });
	}
	return new LlmError('other', `The model call failed: ${message}`);
}
