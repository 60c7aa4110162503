import axios, { type AxiosInstance } from 'axios';

import { backoffDelay, type BackoffPolicy } from '../backoff';
import { GraphApiError } from './graph-errors';

export const DEFAULT_GRAPH_BASE_URL = 'https://graph.facebook.com';
export const DEFAULT_GRAPH_VERSION = 'v24.0';

export interface RetryPolicy extends BackoffPolicy {
	/** Retries after the first attempt (0 = no retry). */
	maxRetries: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 4, baseDelayMs: 500, maxDelayMs: 8000 };

export interface GraphClientConfig {
	accessToken: string;
	phoneNumberId: string;
	apiVersion?: string;
	baseUrl?: string;
	timeoutMs?: number;
	retry?: Partial<RetryPolicy>;
	/** Injected in tests to observe backoff without waiting. */
	sleep?: (ms: number) => Promise<void>;
}

export interface SendResult {
	messageId: string;
	waId?: string;
	messageStatus?: string;
	/** Attempts made, 1 when the first one succeeded. */
	attempts: number;
}

export interface PhoneNumberInfo {
	id: string;
	display_phone_number?: string;
	verified_name?: string;
	quality_rating?: string;
	[key: string]: unknown;
}

const defaultSleep = async (ms: number) => await new Promise<void>((resolve) => setTimeout(resolve, ms));

export function normaliseGraphVersion(version: string | undefined): string {
	const value = (version || DEFAULT_GRAPH_VERSION).trim();
	const withPrefix = value.startsWith('v') ? value : `v${value}`;
	if (!/^v\d+\.\d+$/.test(withPrefix)) {
		throw new GraphApiError(`Invalid Graph API version "${version}": use the form v24.0`);
	}
	return withPrefix;
}

/**
 * A keep-alive connection the server had already closed when the request went out on it: Node reports
 * ECONNRESET with `reusedSocket` set before any response, and the request never reached the server.
 * Node's documentation recommends retrying exactly this case; any other reset may have been delivered.
 */
function resetOnReusedSocket(error: unknown): boolean {
	const { code, request } = error as { code?: string; request?: { reusedSocket?: boolean; _currentRequest?: { reusedSocket?: boolean } } };
	// axios hands over follow-redirects' wrapper, which keeps Node's ClientRequest as `_currentRequest`.
	return code === 'ECONNRESET' && (request?.reusedSocket ?? request?._currentRequest?.reusedSocket) === true;
}

/** The one WhatsApp Cloud API client: axios, bounded retries, Meta errors as GraphApiError. */
export class GraphClient {
	private readonly http: AxiosInstance;
	private readonly retry: RetryPolicy;
	private readonly sleep: (ms: number) => Promise<void>;
	readonly apiVersion: string;

	constructor(private readonly config: GraphClientConfig) {
		if (!config.accessToken) throw new GraphApiError('The WhatsApp access token is empty');
		if (!config.phoneNumberId) throw new GraphApiError('The WhatsApp phone number id is empty');
		this.apiVersion = normaliseGraphVersion(config.apiVersion);
		this.retry = { ...DEFAULT_RETRY, ...config.retry };
		this.sleep = config.sleep ?? defaultSleep;
		this.http = axios.create({
			baseURL: `${(config.baseUrl || DEFAULT_GRAPH_BASE_URL).replace(/\/+$/, '')}/${this.apiVersion}`,
			timeout: config.timeoutMs ?? 20_000,
			headers: { Authorization: `Bearer ${config.accessToken}`, 'Content-Type': 'application/json' },
			validateStatus: () => true,
			// No proxy discovery from env: the base URL is what the credential says.
			proxy: false,
		});
	}

	private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ data: T; attempts: number }> {
		for (let attempt = 1; ; attempt++) {
			let error: GraphApiError;
			try {
				const response = await this.http.request({ method, url: path, data: body });
				if (response.status >= 200 && response.status < 300) return { data: response.data as T, attempts: attempt };
				error = GraphApiError.fromResponse(response.status, response.data);
			} catch (transportError) {
				// Only the message: axios errors carry the request config, including the Authorization header.
				// A timeout or reset may come after Meta got the message: only retry when it surely did not.
				const code = (transportError as { code?: string }).code;
				error = new GraphApiError(`Could not reach the Graph API: ${code ?? (transportError as Error).message}`, {
					neverDelivered: code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || resetOnReusedSocket(transportError),
				});
			}
			if (!error.retryable || attempt > this.retry.maxRetries) {
				Object.assign(error, { attempts: attempt });
				throw error;
			}
			await this.sleep(backoffDelay(attempt, this.retry));
		}
	}

	/** POST /{phone-number-id}/messages with a complete Cloud API message object. */
	async sendMessage(payload: Record<string, unknown>): Promise<SendResult> {
		const { data, attempts } = await this.request<{
			contacts?: Array<{ wa_id?: string }>;
			messages?: Array<{ id?: string; message_status?: string }>;
		}>('POST', `/${encodeURIComponent(this.config.phoneNumberId)}/messages`, payload);
		const messageId = data?.messages?.[0]?.id;
		if (!messageId) throw new GraphApiError('The Graph API accepted the message but returned no message id');
		return { messageId, waId: data.contacts?.[0]?.wa_id, messageStatus: data.messages?.[0]?.message_status, attempts };
	}

	/** Marks an inbound message as read; with `typing`, also shows the typing indicator (up to 25 s). */
	async markAsRead(messageId: string, typing = false): Promise<void> {
		const payload: Record<string, unknown> = { messaging_product: 'whatsapp', status: 'read', message_id: messageId };
		if (typing) payload.typing_indicator = { type: 'text' };
		await this.request('POST', `/${encodeURIComponent(this.config.phoneNumberId)}/messages`, payload);
	}

	async getPhoneNumber(): Promise<PhoneNumberInfo> {
		const { data } = await this.request<PhoneNumberInfo>('GET', `/${encodeURIComponent(this.config.phoneNumberId)}`);
		return data;
	}
}
