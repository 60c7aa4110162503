/** WhatsApp Cloud API error codes we act on (docs/ARCHITECTURE.md §6). */
export const GraphErrorCode = {
	accessTokenInvalid: 190,
	invalidParameter: 100,
	outsideWindow: 131047,
	undeliverable: 131026,
	heldByMeta: 131049,
	marketingOptOut: 131050,
	pairRateLimit: 131056,
	throughputLimit: 130429,
} as const;

const HINTS: Record<number, string> = {
	190: 'The access token is invalid or expired. Create a permanent System User token in Meta Business Settings and update the WhatsApp Cloud API credential.',
	100: 'Meta rejected a parameter. Check the message fields named in the details.',
	131047: 'More than 24 hours have passed since the customer last wrote: only an approved template may be sent. Set a fallback template on the node, or route through the WhatsApp Window Check node.',
	131026: 'The message could not be delivered (the number may not be on WhatsApp, or the customer has not accepted the latest terms).',
	131049: 'Meta held the message back to keep engagement healthy (marketing frequency cap). Try later or send fewer marketing templates.',
	131050: 'The customer stopped marketing messages from this business. Do not send marketing templates to them; the opt-out is recorded in the consent log.',
	131056: 'Too many messages to the same customer in a short time (pair rate limit). The node retries with backoff; send fewer consecutive messages.',
	130429: 'The phone number reached its throughput limit. The node retries with backoff; spread sends over time.',
};

export interface GraphErrorBody {
	message?: string;
	type?: string;
	code?: number;
	error_subcode?: number;
	error_user_title?: string;
	error_user_msg?: string;
	error_data?: { messaging_product?: string; details?: string };
	fbtrace_id?: string;
}

/** An error answered by the Graph API (or a transport failure on the way to it). Never carries the token. */
export class GraphApiError extends Error {
	readonly code?: number;
	readonly subcode?: number;
	readonly details?: string;
	readonly fbtraceId?: string;
	readonly httpStatus?: number;
	/** A transport failure where the request surely never reached Meta, so resending cannot duplicate. */
	readonly neverDelivered: boolean;

	constructor(
		message: string,
		options: {
			code?: number;
			subcode?: number;
			details?: string;
			fbtraceId?: string;
			httpStatus?: number;
			neverDelivered?: boolean;
		} = {},
	) {
		super(message);
		this.name = 'GraphApiError';
		this.code = options.code;
		this.subcode = options.subcode;
		this.details = options.details;
		this.fbtraceId = options.fbtraceId;
		this.httpStatus = options.httpStatus;
		this.neverDelivered = options.neverDelivered ?? false;
	}

	static fromResponse(httpStatus: number, body: unknown): GraphApiError {
		const error = (body as { error?: GraphErrorBody } | undefined)?.error;
		if (!error || typeof error !== 'object') {
			return new GraphApiError(`Graph API answered HTTP ${httpStatus}`, { httpStatus });
		}
		return new GraphApiError(error.message || error.error_user_msg || `Graph API answered HTTP ${httpStatus}`, {
			code: typeof error.code === 'number' ? error.code : undefined,
			subcode: typeof error.error_subcode === 'number' ? error.error_subcode : undefined,
			details: error.error_data?.details,
			fbtraceId: error.fbtrace_id,
			httpStatus,
		});
	}

	/** Throughput, pair-rate and server errors are worth retrying with backoff. */
	get retryable(): boolean {
		if (this.code === GraphErrorCode.throughputLimit || this.code === GraphErrorCode.pairRateLimit) return true;
		if (this.httpStatus !== undefined && this.httpStatus >= 500) return true;
		return this.neverDelivered;
	}

	get hint(): string | undefined {
		return this.code === undefined ? undefined : HINTS[this.code];
	}
}
