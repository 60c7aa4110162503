// A sandbox of the WhatsApp Cloud (Graph) API on 127.0.0.1, for tests and the `npm start` demo.
//
// Endpoints (all under /{version} with version like v24.0, all bearer-checked):
//   GET    /{version}/{phone-number-id}            phone number info (?fields= supported)
//   POST   /{version}/{phone-number-id}/messages   send, mark as read, typing indicator
//   POST   /{version}/{phone-number-id}/media      multipart upload → { id }
//   GET    /{version}/{media-id}                   media info with a short-lived download URL
//   DELETE /{version}/{media-id}                   → { success: true }
//   GET    /whatsapp_business/attachments/?mid=…   the download URL itself (bearer-checked, 5 min)
// Control endpoints for a standalone sandbox (no auth; the server only listens on loopback):
//   GET /__sandbox/health, GET /__sandbox/sent, POST /__sandbox/fail-next, POST /__sandbox/window,
//   POST /__sandbox/reset
//
// Order of checks on a Graph request: bearer token (401/190) → version and path (2500) → known
// object id (100/33) → body parsing (Content-Type JSON) → scripted failures (failNext) → Meta's
// body rules (100) → customer service window (131047) → accepted.

import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
	accessTokenError,
	type GraphErrorResponse,
	invalidParameter,
	newTraceId,
	nonexistingField,
	unknownObject,
	unknownPath,
	whatsappError,
	whatsappErrorInfo,
} from './graph-errors';
import { businessScopedUserIdPattern, type SendRequest, validateMessagesRequest } from './message-validation';
import { boundaryOf, parseMultipart } from './multipart';
import { postSignedWebhook, type StatusName, type StatusPricing, statusWebhook, type WhatsAppWebhookPayload } from './webhook-signer';

export interface SandboxPhoneNumber {
	id: string;
	/** As Meta shows it, e.g. '+1 555-000-0001'; webhooks carry the digits only. */
	displayPhoneNumber: string;
	verifiedName: string;
	qualityRating?: 'GREEN' | 'YELLOW' | 'RED' | 'UNKNOWN';
}

export type TemplateCategory = 'marketing' | 'utility' | 'authentication';

export interface SandboxTemplate {
	name: string;
	category: TemplateCategory;
	/** Languages the template exists in; any language when omitted. */
	languages?: string[];
}

export interface GraphSandboxOptions {
	/** 0 (default) picks a free port. */
	port?: number;
	host?: '127.0.0.1';
	/** Accepted bearer tokens; default ['sandbox-token']. */
	accessTokens?: string[];
	phoneNumbers?: SandboxPhoneNumber[];
	/** WhatsApp Business Account id used as entry[].id in status webhooks. */
	businessAccountId?: string;
	/** Template categories for pricing; unknown templates count as 'utility' unless rejectUnknownTemplates. */
	templates?: SandboxTemplate[];
	/** Answer Meta's 132001 (HTTP 404) for templates that are not registered. */
	rejectUnknownTemplates?: boolean;
	/** Cap on each recorded list (requests, sent messages, …) so a long-running demo stays bounded; stored media are capped at a tenth of it. Default 5000. */
	maxRecorded?: number;
	/** Largest accepted request body; default 101 MiB (documents may be 100 MB). */
	maxBodyBytes?: number;
	/** How long a media download URL stays valid; Meta: 5 minutes. */
	mediaUrlTtlMs?: number;
	/** Called after every request is answered (already redacted). */
	onRequest?: (request: RecordedRequest) => void;
	/** Called after every status-webhook delivery attempt. */
	onWebhookDelivery?: (delivery: WebhookDelivery) => void;
}

export interface RecordedRequest {
	seq: number;
	method: string;
	path: string;
	/** Query parameters; access_token is redacted. */
	query: Record<string, string>;
	/** Lower-cased headers; Authorization is recorded as 'Bearer ***'. */
	headers: Record<string, string>;
	/** Parsed JSON, a multipart summary, raw text, or undefined. */
	body: unknown;
	response: { status: number; body: unknown };
	timestamp: string;
	durationMs: number;
}

export interface SentMessage {
	/** The wamid the sandbox assigned. */
	id: string;
	phoneNumberId: string;
	to?: string;
	recipient?: string;
	/** Digits of `to`, as returned in contacts[].wa_id. */
	waId?: string;
	type: string;
	templateName?: string;
	category: TemplateCategory | 'service';
	pricing: StatusPricing;
	bizOpaqueCallbackData?: string;
	/** The request body as received. */
	body: Record<string, unknown>;
	timestamp: string;
}

export interface ReadReceipt {
	phoneNumberId: string;
	messageId: string;
	typingIndicator: boolean;
	timestamp: string;
}

export type RequestKind = 'message' | 'read' | 'media-upload' | 'media-info' | 'media-delete' | 'media-download' | 'phone-number' | 'other';

/** What a failNext `when` predicate sees. */
export interface SandboxRequest {
	kind: RequestKind;
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string>;
	body: unknown;
	phoneNumberId?: string;
	/** For sends: digits of `to`, or the `recipient` BSUID. */
	to?: string;
	/** For sends: the message type (default 'text'). */
	type?: string;
}

export interface FailureRule {
	/** A Meta error code (131047, 130429, 131056, 131026, 131049, 131050, 100, 190, …) or 500 / 503 for server errors. */
	code: number;
	/** How many matching requests fail; default 1. Infinity keeps failing until reset(). */
	times?: number;
	/** Which requests fail; default: message sends (not read receipts). A `when` that throws answers that request with HTTP 500. */
	when?: (request: SandboxRequest) => boolean;
	/** Override error_data.details. */
	details?: string;
	/** Override the HTTP status Meta would use for this code. */
	httpStatus?: number;
	/**
	 * 'response' (default): the Graph call fails. 'webhook': the send is accepted (it appears in
	 * sentMessages()) and a `failed` status webhook carries the error instead of sent/delivered, as
	 * Meta does for many delivery errors (131026, 131049, 131050).
	 */
	delivery?: 'response' | 'webhook';
	/** Wait this long before answering (for client timeout tests). */
	delayMs?: number;
	/** Answer with this raw text instead of Meta's JSON (e.g. an HTML error page from a proxy). */
	rawBody?: string;
}

export interface WebhookConfig {
	url: string;
	appSecret: string;
	/** Statuses to post after each accepted send, in this order; default ['sent', 'delivered']. */
	statuses?: Array<'sent' | 'delivered' | 'read'>;
	/** Wait before each status; default 0. */
	delayMs?: number;
	/** Post each status this many times, as Meta's at-least-once retries do; default 1. */
	duplicates?: number;
	/** Per-POST timeout; default 5000. */
	timeoutMs?: number;
	/**
	 * Deliver a status again when n8n did not answer 2xx, as Meta does "with decreasing frequency": after
	 * `firstPauseMs` (default 5000), then twice as long each time (±20 %), while the next try is within
	 * `forMs` of the first; pauses stop growing at `maxPauseMs` (default: no limit). Default: no redelivery.
	 */
	redeliver?: { forMs: number; firstPauseMs?: number; maxPauseMs?: number };
}

export interface WebhookDelivery {
	url: string;
	messageId: string;
	status: StatusName;
	/** 1 for the first POST of a status, 2… for duplicates. */
	copy: number;
	/** 0 for the first try of a copy, 1… for redeliveries after a refusal (`WebhookConfig.redeliver`). */
	redelivery?: number;
	ok: boolean;
	httpStatus?: number;
	error?: string;
	payload: WhatsAppWebhookPayload;
	timestamp: string;
}

export interface SandboxMedia {
	id: string;
	mimeType: string;
	sha256: string;
	fileSize: number;
	filename?: string;
}

export interface GraphSandbox {
	readonly baseUrl: string;
	readonly port: number;
	/** Every request answered so far (live array, oldest first). */
	readonly requests: readonly RecordedRequest[];
	sentMessages(): SentMessage[];
	readReceipts(): ReadReceipt[];
	webhookDeliveries(): WebhookDelivery[];
	failNext(rule: FailureRule): void;
	/** Close or open the customer service window of a recipient (phone number or BSUID); '*' sets the default for everyone. */
	setWindow(recipient: string, open: boolean, kind?: 'service' | 'entry_point'): void;
	registerTemplate(template: SandboxTemplate): void;
	/** Stores media as if a customer had sent it, so GET /{media-id} and the download URL work. */
	addMedia(media: { bytes: Buffer | string; mimeType: string; id?: string; filename?: string }): SandboxMedia;
	configureWebhook(config: WebhookConfig | null): void;
	/** Resolves when every scheduled status webhook has been attempted. */
	waitForWebhooks(): Promise<void>;
	/** Resolves with the sent messages once there are at least `count`. */
	waitForSentMessages(count: number, timeoutMs?: number): Promise<SentMessage[]>;
	/** Clears recorded traffic, scripted failures, windows, media and the webhook; keeps the start options. */
	reset(): void;
	close(): Promise<void>;
}

const defaultPhoneNumbers: SandboxPhoneNumber[] = [{ id: '1065000000001', displayPhoneNumber: '+1 555-000-0001', verifiedName: 'Sandbox Hotel' }];
const versionPattern = /^v\d+\.\d+$/;
const statusOrder: Record<string, number> = { sent: 0, delivered: 1, read: 2 };
const phoneNumberFields = [
	'id',
	'display_phone_number',
	'verified_name',
	'quality_rating',
	'code_verification_status',
	'platform_type',
	'throughput',
	'name_status',
	'messaging_limit_tier',
	'is_official_business_account',
	'account_mode',
	'status',
] as const;
const defaultPhoneNumberFields = ['verified_name', 'code_verification_status', 'display_phone_number', 'quality_rating', 'platform_type', 'throughput', 'id'];

/** Upload limits from Meta's supported-media table (bytes). */
function mediaSizeLimit(mimeType: string): number | undefined {
	if (mimeType === 'image/webp') return 500 * 1024;
	if (mimeType === 'image/jpeg' || mimeType === 'image/png') return 5 * 1024 * 1024;
	if (/^(audio\/(aac|amr|mpeg|mp4|ogg)|video\/(mp4|3gpp))$/.test(mimeType)) return 16 * 1024 * 1024;
	if (
		mimeType === 'text/plain' ||
		mimeType === 'application/pdf' ||
		mimeType === 'application/msword' ||
		mimeType.startsWith('application/vnd.ms-') ||
		mimeType.startsWith('application/vnd.openxmlformats-officedocument.')
	) {
		return 100 * 1024 * 1024;
	}
	return undefined;
}

function digitsOf(value: string): string {
	return value.replace(/\D/g, '');
}

function windowKey(recipient: string): string {
	return businessScopedUserIdPattern.test(recipient) ? recipient : digitsOf(recipient);
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function digest(value: string): Buffer {
	return createHash('sha256').update(value).digest();
}

function redactHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(raw)) {
		if (value === undefined) continue;
		const text = Array.isArray(value) ? value.join(', ') : value;
		if (name === 'authorization' || name === 'proxy-authorization') headers[name] = /^bearer\s/i.test(text) ? 'Bearer ***' : '***';
		else if (name === 'cookie') headers[name] = '***';
		else headers[name] = text;
	}
	return headers;
}

function queryOf(url: URL): Record<string, string> {
	const query: Record<string, string> = {};
	for (const [key, value] of url.searchParams) query[key] = key === 'access_token' ? '***' : value;
	return query;
}

class BodyTooLarge extends Error {}

function readBody(request: http.IncomingMessage, maxBytes: number): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		request.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > maxBytes) {
				request.removeAllListeners('data');
				request.resume();
				reject(new BodyTooLarge());
				return;
			}
			chunks.push(chunk);
		});
		request.on('end', () => resolve(Buffer.concat(chunks)));
		request.on('error', reject);
	});
}

interface Reply {
	status: number;
	body: unknown;
	headers?: Record<string, string>;
	/** Raw bytes instead of JSON (media download, scripted raw bodies). */
	raw?: { data: Buffer; contentType: string };
	delayMs?: number;
	/** Runs after the reply is written (status webhooks). */
	after?: () => void;
}

function fromError(error: GraphErrorResponse): Reply {
	return { status: error.status, body: error.body, headers: error.headers };
}

/** Starts the sandbox; resolves once it listens. */
export async function startGraphSandbox(options: GraphSandboxOptions = {}): Promise<GraphSandbox> {
	const tokenDigests = (options.accessTokens ?? ['sandbox-token']).map(digest);
	const phoneNumbers = new Map((options.phoneNumbers ?? defaultPhoneNumbers).map((phone) => [phone.id, phone]));
	const businessAccountId = options.businessAccountId ?? '1065000000000';
	const maxRecorded = options.maxRecorded ?? 5000;
	const maxBodyBytes = options.maxBodyBytes ?? 101 * 1024 * 1024;
	const mediaUrlTtlMs = options.mediaUrlTtlMs ?? 5 * 60_000;
	const mediaUrlKey = randomBytes(32);
	const templates = new Map<string, SandboxTemplate>();
	for (const template of options.templates ?? []) templates.set(template.name, template);

	const requests: RecordedRequest[] = [];
	const sent: SentMessage[] = [];
	const reads: ReadReceipt[] = [];
	const deliveries: WebhookDelivery[] = [];
	const media = new Map<string, SandboxMedia & { bytes: Buffer }>();
	const windows = new Map<string, { open: boolean; kind: 'service' | 'entry_point' }>();
	let defaultWindow: { open: boolean; kind: 'service' | 'entry_point' } = { open: true, kind: 'service' };
	let rules: Array<FailureRule & { remaining: number }> = [];
	let webhook: WebhookConfig | null = null;
	let sequence = 0;
	let idCounter = 0;
	let closed = false;
	const pendingWebhooks = new Set<Promise<void>>();
	const timers = new Map<NodeJS.Timeout, () => void>();
	// One signal stops every status webhook in flight (reset, close); under load hundreds listen to it at once.
	const newAbortController = () => {
		const controller = new AbortController();
		setMaxListeners(0, controller.signal);
		return controller;
	};
	let abort = newAbortController();

	function push<T>(list: T[], item: T): void {
		list.push(item);
		if (list.length > maxRecorded) list.splice(0, list.length - maxRecorded);
	}

	/** A timer that close() can cut short (it then resolves early; callers check `closed`). */
	function sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				timers.delete(timer);
				resolve();
			}, ms);
			timers.set(timer, resolve);
		});
	}

	function newMessageId(): string {
		idCounter += 1;
		return `wamid.SANDBOX${Date.now().toString(36).toUpperCase()}${idCounter.toString(36).toUpperCase().padStart(4, '0')}${randomBytes(6).toString('hex').toUpperCase()}`;
	}

	function newMediaId(): string {
		for (;;) {
			const id = `9${Array.from(randomBytes(15), (byte) => byte % 10).join('')}`;
			if (!media.has(id) && !phoneNumbers.has(id)) return id;
		}
	}

	function isAcceptedToken(token: string): boolean {
		const candidate = digest(token);
		return tokenDigests.some((accepted) => timingSafeEqual(accepted, candidate));
	}

	function authenticate(request: http.IncomingMessage, url: URL): GraphErrorResponse | undefined {
		const header = request.headers.authorization;
		let token: string | undefined;
		if (typeof header === 'string') {
			const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
			if (!match) return accessTokenError('invalid');
			token = match[1];
		} else {
			token = url.searchParams.get('access_token') ?? undefined;
		}
		if (!token) return accessTokenError('missing');
		return isAcceptedToken(token) ? undefined : accessTokenError('invalid');
	}

	function windowOf(recipient: string): { open: boolean; kind: 'service' | 'entry_point' } {
		return windows.get(windowKey(recipient)) ?? defaultWindow;
	}

	/** Meta's per-message pricing (PMP, since 2025-07-01). */
	function pricingOf(category: TemplateCategory | 'service', isTemplate: boolean, window: { open: boolean; kind: 'service' | 'entry_point' }): StatusPricing {
		if (window.open && window.kind === 'entry_point') return { billable: false, pricing_model: 'PMP', category, type: 'free_entry_point' };
		if (!isTemplate || (category === 'utility' && window.open)) return { billable: false, pricing_model: 'PMP', category, type: 'free_customer_service' };
		return { billable: true, pricing_model: 'PMP', category, type: 'regular' };
	}

	function takeRule(request: SandboxRequest, delivery: 'response' | 'webhook'): FailureRule | undefined {
		const index = rules.findIndex((rule) => {
			const ruleDelivery = rule.delivery === 'webhook' && request.kind === 'message' ? 'webhook' : 'response';
			if (ruleDelivery !== delivery) return false;
			return rule.when ? rule.when(request) : request.kind === 'message';
		});
		if (index < 0) return undefined;
		const rule = rules[index];
		rule.remaining -= 1;
		if (rule.remaining <= 0) rules.splice(index, 1);
		return rule;
	}

	function scriptedReply(rule: FailureRule): Reply {
		if (rule.rawBody !== undefined) {
			return { status: rule.httpStatus ?? (rule.code >= 500 && rule.code < 600 ? rule.code : 500), body: rule.rawBody, raw: { data: Buffer.from(rule.rawBody), contentType: 'text/html; charset=utf-8' }, delayMs: rule.delayMs };
		}
		let error: GraphErrorResponse;
		if (rule.code === 190) error = accessTokenError('expired');
		else if (rule.code === 500) error = whatsappError(131000, { httpStatus: 500, details: rule.details });
		else if (rule.code === 503) error = whatsappError(131016, { httpStatus: 503, details: rule.details });
		else error = whatsappError(rule.code, { details: rule.details });
		if (rule.httpStatus !== undefined) error.status = rule.httpStatus;
		return { ...fromError(error), delayMs: rule.delayMs };
	}

	/** The pause before redelivery number `done + 1`: first pause × 2^done up to maxPauseMs, ±20 %. */
	function redeliveryPause(redeliver: NonNullable<WebhookConfig['redeliver']>, done: number): number {
		const pause = Math.min((redeliver.firstPauseMs ?? 5000) * 2 ** done, redeliver.maxPauseMs ?? Number.POSITIVE_INFINITY);
		return pause * (0.8 + 0.4 * Math.random());
	}

	function scheduleStatuses(message: SentMessage, failure: FailureRule | undefined): void {
		const config = webhook;
		if (!config || closed) return;
		const phone = phoneNumbers.get(message.phoneNumberId);
		const business = { phoneNumberId: message.phoneNumberId, displayPhoneNumber: phone ? digitsOf(phone.displayPhoneNumber) : undefined, businessAccountId };
		const statuses: StatusName[] = failure ? ['failed'] : [...(config.statuses ?? ['sent', 'delivered'])].sort((a, b) => statusOrder[a] - statusOrder[b]);
		const copies = Math.max(1, Math.floor(config.duplicates ?? 1));
		const signal = abort.signal;
		const chain = (async () => {
			for (const status of statuses) {
				await sleep(config.delayMs ?? 0);
				if (closed || signal.aborted) return;
				let errors;
				if (failure) {
					const info = whatsappErrorInfo(failure.code);
					errors = [{ code: failure.code, title: info.title, details: failure.details ?? info.details }];
				}
				const payload = statusWebhook({
					...business,
					messageId: message.id,
					status,
					recipientId: message.waId,
					recipientUserId: message.waId === undefined ? message.recipient : undefined,
					bizOpaqueCallbackData: message.bizOpaqueCallbackData,
					pricing: status === 'sent' || status === 'delivered' ? message.pricing : undefined,
					errors,
				});
				for (let copy = 1; copy <= copies; copy++) {
					const firstTry = Date.now();
					for (let redelivery = 0; ; redelivery++) {
						if (closed || signal.aborted) return;
						const record: WebhookDelivery = { url: config.url, messageId: message.id, status, copy, ok: false, payload, timestamp: new Date().toISOString() };
						if (redelivery > 0) record.redelivery = redelivery;
						try {
							const response = await postSignedWebhook(config.url, payload, config.appSecret, { timeoutMs: config.timeoutMs ?? 5000, signal });
							record.httpStatus = response.status;
							record.ok = response.status >= 200 && response.status < 300;
						} catch (error) {
							record.error = error instanceof Error ? error.message : String(error);
						}
						// reset() or close() aborted this chain: its records belong to the old state.
						if (closed || signal.aborted) return;
						push(deliveries, record);
						try {
							options.onWebhookDelivery?.(record);
						} catch {
							// A logging callback must never break delivery.
						}
						const redeliver = config.redeliver;
						if (record.ok || !redeliver) break;
						const pause = redeliveryPause(redeliver, redelivery);
						if (Date.now() + pause - firstTry > redeliver.forMs) break;
						await sleep(pause);
					}
				}
			}
		})().catch(() => undefined);
		pendingWebhooks.add(chain);
		void chain.finally(() => pendingWebhooks.delete(chain));
	}

	// ------------------------------------------------------------------------------------------
	// Handlers

	function phoneNumberInfo(phone: SandboxPhoneNumber, url: URL): Reply {
		const values: Record<string, unknown> = {
			id: phone.id,
			display_phone_number: phone.displayPhoneNumber,
			verified_name: phone.verifiedName,
			quality_rating: phone.qualityRating ?? 'GREEN',
			code_verification_status: 'VERIFIED',
			platform_type: 'CLOUD_API',
			throughput: { level: 'STANDARD' },
			name_status: 'APPROVED',
			messaging_limit_tier: 'TIER_1K',
			is_official_business_account: false,
			account_mode: 'LIVE',
			status: 'CONNECTED',
		};
		const requested = url.searchParams.get('fields');
		const fields = requested ? requested.split(',').map((field) => field.trim()).filter(Boolean) : defaultPhoneNumberFields;
		const body: Record<string, unknown> = {};
		for (const field of fields) {
			if (!(phoneNumberFields as readonly string[]).includes(field)) return fromError(nonexistingField(field, 'WhatsAppBusinessPhoneNumber'));
			body[field] = values[field];
		}
		body.id = phone.id;
		return { status: 200, body };
	}

	function mediaUrl(baseUrl: string, id: string): string {
		const expires = String(Math.floor((Date.now() + mediaUrlTtlMs) / 1000));
		const hash = createHmac('sha256', mediaUrlKey).update(`${id}:${expires}`).digest('hex');
		return `${baseUrl}/whatsapp_business/attachments/?mid=${id}&ext=${expires}&hash=${hash}`;
	}

	function mediaDownload(url: URL): Reply {
		const id = url.searchParams.get('mid') ?? '';
		const expires = url.searchParams.get('ext') ?? '';
		const hash = url.searchParams.get('hash') ?? '';
		const expected = createHmac('sha256', mediaUrlKey).update(`${id}:${expires}`).digest('hex');
		const item = media.get(id);
		const valid = hash.length === expected.length && timingSafeEqual(Buffer.from(hash), Buffer.from(expected));
		if (!item || !valid || Number(expires) * 1000 < Date.now()) {
			return { status: 404, body: 'URL signature expired or media not found', raw: { data: Buffer.from('URL signature expired or media not found'), contentType: 'text/plain' } };
		}
		return { status: 200, body: { bytes: item.fileSize, mimeType: item.mimeType }, raw: { data: item.bytes, contentType: item.mimeType } };
	}

	function storeMedia(bytes: Buffer, mimeType: string, id: string | undefined, filename: string | undefined): SandboxMedia {
		const item = { id: id ?? newMediaId(), mimeType, sha256: createHash('sha256').update(bytes).digest('hex'), fileSize: bytes.length, filename, bytes };
		media.delete(item.id);
		media.set(item.id, item);
		while (media.size > Math.max(1, Math.floor(maxRecorded / 10))) media.delete(media.keys().next().value as string);
		const { bytes: _bytes, ...info } = item;
		return info;
	}

	type UploadCheck = { summary: unknown; error?: GraphErrorResponse; file?: { data: Buffer; mimeType: string; filename?: string } };

	function checkUpload(request: http.IncomingMessage, raw: Buffer): UploadCheck {
		const boundary = boundaryOf(request.headers['content-type']);
		if (!boundary) return { summary: undefined, error: invalidParameter('The media upload must be multipart/form-data with the parameters messaging_product, file and type.') };
		const parts = parseMultipart(raw, boundary);
		if (!parts) return { summary: undefined, error: invalidParameter('The multipart body could not be parsed.') };
		const fields: Record<string, string> = {};
		const files = parts.filter((part) => part.filename !== undefined || part.name === 'file');
		for (const part of parts) if (!files.includes(part)) fields[part.name] = part.data.toString('utf8');
		const summary = { fields, files: files.map((file) => ({ name: file.name, filename: file.filename, contentType: file.contentType, size: file.data.length })) };
		if (fields.messaging_product === undefined) return { summary, error: invalidParameter('The parameter messaging_product is required.') };
		if (fields.messaging_product !== 'whatsapp') return { summary, error: invalidParameter("Param messaging_product must be 'whatsapp'.") };
		const file = files.find((part) => part.name === 'file');
		if (!file) return { summary, error: invalidParameter('The parameter file is required.') };
		const mimeType = (fields.type ?? file.contentType ?? '').split(';')[0].trim().toLowerCase();
		const limit = mediaSizeLimit(mimeType);
		if (limit === undefined) return { summary, error: whatsappError(131053, { details: `Unsupported media type: ${mimeType || '(none)'}` }) };
		if (file.data.length === 0) return { summary, error: whatsappError(131053, { details: 'The uploaded file is empty.' }) };
		if (file.data.length > limit) return { summary, error: whatsappError(131053, { details: `The ${mimeType} file is ${file.data.length} bytes; the limit is ${limit}.` }) };
		return { summary, file: { data: file.data, mimeType, filename: file.filename } };
	}

	function acceptSend(phoneNumberId: string, send: SendRequest, body: Record<string, unknown>, sandboxRequest: SandboxRequest): Reply {
		const phone = phoneNumbers.get(phoneNumberId) as SandboxPhoneNumber;
		const recipientKey = send.to ?? (send.recipient as string);
		const isTemplate = send.type === 'template';
		let category: TemplateCategory | 'service' = 'service';
		if (isTemplate) {
			const template = templates.get(send.templateName as string);
			const language = send.templateLanguage as string;
			if (options.rejectUnknownTemplates && (!template || (template.languages && !template.languages.includes(language)))) {
				return fromError(whatsappError(132001, { details: `template name (${send.templateName}) does not exist in ${language}` }));
			}
			category = template?.category ?? 'utility';
		}
		if (send.to === undefined && isTemplate && category === 'authentication') return fromError(whatsappError(131062));
		if (send.to !== undefined && send.recipientType === 'individual' && digitsOf(send.to) === digitsOf(phone.displayPhoneNumber)) return fromError(whatsappError(131021));
		const window = send.recipientType === 'group' ? { open: true, kind: 'service' as const } : windowOf(recipientKey);
		if (!isTemplate && !window.open) return fromError(whatsappError(131047));

		const message: SentMessage = {
			id: newMessageId(),
			phoneNumberId,
			to: send.to,
			recipient: send.to === undefined ? send.recipient : undefined,
			waId: send.to !== undefined && send.recipientType === 'individual' ? digitsOf(send.to) : undefined,
			type: send.type,
			templateName: send.templateName,
			category,
			pricing: pricingOf(category, isTemplate, window),
			bizOpaqueCallbackData: send.bizOpaqueCallbackData,
			body,
			timestamp: new Date().toISOString(),
		};
		const asyncFailure = takeRule(sandboxRequest, 'webhook');
		push(sent, message);
		const contact: Record<string, string> = { input: send.to ?? (send.recipient as string) };
		if (message.waId !== undefined) contact.wa_id = message.waId;
		if (message.recipient !== undefined) contact.user_id = message.recipient;
		const entry: Record<string, string> = { id: message.id };
		if (isTemplate) entry.message_status = 'accepted';
		return {
			status: 200,
			body: { messaging_product: 'whatsapp', contacts: [contact], messages: [entry] },
			after: () => scheduleStatuses(message, asyncFailure),
		};
	}

	function messages(request: http.IncomingMessage, raw: Buffer, phoneNumberId: string, base: Omit<SandboxRequest, 'kind' | 'body'>): { reply: Reply; body: unknown } {
		const contentType = request.headers['content-type'] ?? '';
		const text = raw.toString('utf8');
		if (!/^application\/json\b/i.test(contentType)) {
			return { reply: fromError(invalidParameter(`The request body must be JSON with Content-Type: application/json (got '${contentType || 'none'}').`)), body: text || undefined };
		}
		let body: unknown;
		try {
			body = JSON.parse(text);
		} catch (error) {
			return { reply: fromError(invalidParameter(`The request body is not valid JSON: ${(error as Error).message}`)), body: text };
		}
		const isRead = isObject(body) && (body.status !== undefined || body.typing_indicator !== undefined);
		const sandboxRequest: SandboxRequest = { ...base, kind: isRead ? 'read' : 'message', body };
		if (!isRead && isObject(body)) {
			sandboxRequest.type = typeof body.type === 'string' ? body.type : 'text';
			if (typeof body.to === 'string') sandboxRequest.to = digitsOf(body.to);
			else if (typeof body.recipient === 'string') sandboxRequest.to = body.recipient;
		}
		const rule = takeRule(sandboxRequest, 'response');
		if (rule) return { reply: scriptedReply(rule), body };
		const result = validateMessagesRequest(body);
		if (!result.ok) return { reply: fromError(invalidParameter(result.details)), body };
		if (result.request.kind === 'read') {
			push(reads, { phoneNumberId, messageId: result.request.messageId, typingIndicator: result.request.typingIndicator, timestamp: new Date().toISOString() });
			return { reply: { status: 200, body: { success: true } }, body };
		}
		return { reply: acceptSend(phoneNumberId, result.request, body as Record<string, unknown>, sandboxRequest), body };
	}

	function control(method: string, path: string, raw: Buffer): Reply {
		let body: Record<string, unknown> = {};
		if (raw.length > 0) {
			try {
				const parsed: unknown = JSON.parse(raw.toString('utf8'));
				if (isObject(parsed)) body = parsed;
			} catch {
				return { status: 400, body: { error: 'control endpoints take a JSON object' } };
			}
		}
		if (method === 'GET' && path === '/__sandbox/health') return { status: 200, body: { ok: true, phoneNumberIds: [...phoneNumbers.keys()] } };
		if (method === 'GET' && path === '/__sandbox/sent') return { status: 200, body: { messages: sent, reads } };
		if (method === 'POST' && path === '/__sandbox/reset') {
			sandbox.reset();
			return { status: 200, body: { ok: true } };
		}
		if (method === 'POST' && path === '/__sandbox/fail-next' && typeof body.code === 'number') {
			sandbox.failNext({
				code: body.code,
				times: typeof body.times === 'number' ? body.times : undefined,
				details: typeof body.details === 'string' ? body.details : undefined,
				delivery: body.delivery === 'webhook' ? 'webhook' : undefined,
			});
			return { status: 200, body: { ok: true } };
		}
		if (method === 'POST' && path === '/__sandbox/window' && typeof body.recipient === 'string' && typeof body.open === 'boolean') {
			sandbox.setWindow(body.recipient, body.open, body.kind === 'entry_point' ? 'entry_point' : 'service');
			return { status: 200, body: { ok: true } };
		}
		return { status: 404, body: { error: `unknown sandbox control ${method} ${path}` } };
	}

	async function route(request: http.IncomingMessage, url: URL, raw: Buffer, record: RecordedRequest, baseUrl: string): Promise<Reply> {
		const method = request.method ?? 'GET';
		const path = url.pathname;
		if (path.startsWith('/__sandbox/')) return control(method, path, raw);

		const authError = authenticate(request, url);
		if (authError) return fromError(authError);

		const segments = path.split('/').filter(Boolean);
		const base = { method, path, query: record.query, headers: record.headers };
		if (path === '/whatsapp_business/attachments/' || path === '/whatsapp_business/attachments') {
			const rule = takeRule({ ...base, kind: 'media-download', body: undefined }, 'response');
			if (rule) return scriptedReply(rule);
			return method === 'GET' ? mediaDownload(url) : fromError(unknownPath(path));
		}
		if (segments.length < 2 || !versionPattern.test(segments[0])) return fromError(unknownPath(path));
		const [, objectId, edge, ...rest] = segments;
		if (rest.length > 0) return fromError(unknownPath(`/${[edge, ...rest].join('/')}`));
		const phone = phoneNumbers.get(objectId);
		const item = media.get(objectId);

		if (edge === undefined) {
			if (method === 'GET' && phone) {
				const rule = takeRule({ ...base, kind: 'phone-number', phoneNumberId: objectId, body: undefined }, 'response');
				return rule ? scriptedReply(rule) : phoneNumberInfo(phone, url);
			}
			if ((method === 'GET' || method === 'DELETE') && item) {
				const kind = method === 'GET' ? 'media-info' : 'media-delete';
				const rule = takeRule({ ...base, kind, body: undefined }, 'response');
				if (rule) return scriptedReply(rule);
				if (method === 'DELETE') {
					media.delete(objectId);
					return { status: 200, body: { success: true } };
				}
				return {
					status: 200,
					body: { url: mediaUrl(baseUrl, item.id), mime_type: item.mimeType, sha256: item.sha256, file_size: item.fileSize, id: item.id, messaging_product: 'whatsapp' },
				};
			}
			return fromError(unknownObject(method, objectId));
		}
		if (!phone || method !== 'POST') return fromError(phone ? unknownPath(`/${edge}`) : unknownObject(method, objectId));
		if (edge === 'messages') {
			const { reply, body } = messages(request, raw, objectId, { ...base, phoneNumberId: objectId });
			record.body = body;
			return reply;
		}
		if (edge === 'media') {
			const upload = checkUpload(request, raw);
			record.body = upload.summary;
			const rule = takeRule({ ...base, kind: 'media-upload', phoneNumberId: objectId, body: upload.summary }, 'response');
			if (rule) return scriptedReply(rule);
			if (upload.error || !upload.file) return fromError(upload.error ?? invalidParameter('The parameter file is required.'));
			return { status: 200, body: { id: storeMedia(upload.file.data, upload.file.mimeType, undefined, upload.file.filename).id } };
		}
		return fromError(unknownPath(`/${edge}`));
	}

	function write(response: http.ServerResponse, reply: Reply): void {
		const headers: Record<string, string> = { 'x-fb-trace-id': newTraceId(), ...(reply.headers ?? {}) };
		if (reply.raw) {
			response.writeHead(reply.status, { ...headers, 'content-type': reply.raw.contentType, 'content-length': String(reply.raw.data.length) });
			response.end(reply.raw.data);
			return;
		}
		const text = JSON.stringify(reply.body);
		response.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(text)) });
		response.end(text);
	}

	async function handle(request: http.IncomingMessage, response: http.ServerResponse, baseUrl: string): Promise<void> {
		const started = Date.now();
		const url = new URL(request.url ?? '/', 'http://127.0.0.1');
		sequence += 1;
		const record: RecordedRequest = {
			seq: sequence,
			method: request.method ?? 'GET',
			path: url.pathname,
			query: queryOf(url),
			headers: redactHeaders(request.headers),
			body: undefined,
			response: { status: 0, body: undefined },
			timestamp: new Date(started).toISOString(),
			durationMs: 0,
		};
		let reply: Reply;
		try {
			const raw = await readBody(request, maxBodyBytes);
			if (raw.length > 0 && record.body === undefined && !/^multipart\//i.test(request.headers['content-type'] ?? '')) {
				const text = raw.toString('utf8');
				try {
					record.body = JSON.parse(text);
				} catch {
					record.body = text;
				}
			}
			reply = await route(request, url, raw, record, baseUrl);
		} catch (error) {
			if (error instanceof BodyTooLarge) {
				reply = fromError(whatsappError(100, { httpStatus: 413, details: `The request body is larger than ${maxBodyBytes} bytes.` }));
				response.setHeader('connection', 'close');
			} else {
				reply = { status: 500, body: { error: { message: 'An unknown error occurred', type: 'OAuthException', code: 1, fbtrace_id: newTraceId() } } };
			}
		}
		if (reply.delayMs) await sleep(reply.delayMs);
		if (response.destroyed || closed) return;
		record.response = { status: reply.status, body: reply.body };
		record.durationMs = Date.now() - started;
		push(requests, record);
		write(response, reply);
		reply.after?.();
		try {
			options.onRequest?.(record);
		} catch {
			// Logging must never break the sandbox.
		}
	}

	const server = http.createServer();
	server.on('clientError', (_error, socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
		else socket.destroy();
	});
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	const port = (server.address() as AddressInfo).port;
	const baseUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
	server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
		handle(request, response, baseUrl).catch(() => {
			if (!response.headersSent) {
				response.writeHead(500);
				response.end();
			}
		});
	});

	const sandbox: GraphSandbox = {
		baseUrl,
		port,
		requests,
		sentMessages: () => [...sent],
		readReceipts: () => [...reads],
		webhookDeliveries: () => [...deliveries],
		failNext(rule) {
			const times = rule.times ?? 1;
			if (!(times >= 1)) throw new Error('failNext: times must be at least 1');
			rules.push({ ...rule, remaining: times });
		},
		setWindow(recipient, open, kind = 'service') {
			if (recipient === '*') defaultWindow = { open, kind };
			else windows.set(windowKey(recipient), { open, kind });
		},
		registerTemplate(template) {
			templates.set(template.name, template);
		},
		addMedia(input) {
			const bytes = typeof input.bytes === 'string' ? Buffer.from(input.bytes) : input.bytes;
			return storeMedia(bytes, input.mimeType, input.id, input.filename);
		},
		configureWebhook(config) {
			if (config) {
				const url = new URL(config.url);
				if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('configureWebhook: url must be http(s)');
				if (!config.appSecret) throw new Error('configureWebhook: appSecret is required');
				if (config.redeliver && !(config.redeliver.forMs >= 0 && (config.redeliver.firstPauseMs ?? 5000) > 0)) {
					throw new Error('configureWebhook: redeliver needs forMs >= 0 and firstPauseMs > 0');
				}
			}
			webhook = config ? { ...config } : null;
		},
		async waitForWebhooks() {
			while (pendingWebhooks.size > 0) await Promise.allSettled([...pendingWebhooks]);
		},
		async waitForSentMessages(count, timeoutMs = 5000) {
			const deadline = Date.now() + timeoutMs;
			while (sent.length < count) {
				if (Date.now() > deadline) throw new Error(`waited ${timeoutMs} ms for ${count} sent messages, have ${sent.length}`);
				await sleep(10);
			}
			return [...sent];
		},
		reset() {
			abort.abort();
			abort = newAbortController();
			requests.length = 0;
			sent.length = 0;
			reads.length = 0;
			deliveries.length = 0;
			media.clear();
			windows.clear();
			defaultWindow = { open: true, kind: 'service' };
			rules = [];
			webhook = null;
			templates.clear();
			for (const template of options.templates ?? []) templates.set(template.name, template);
		},
		async close() {
			if (closed) return;
			closed = true;
			abort.abort();
			for (const [timer, resolve] of timers) {
				clearTimeout(timer);
				resolve();
			}
			timers.clear();
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			await Promise.allSettled([...pendingWebhooks]);
		},
	};
	return sandbox;
}
