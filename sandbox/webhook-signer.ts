// Signs and POSTs webhooks the way Meta does, and builds realistic WhatsApp Cloud API webhook
// payloads (object "whatsapp_business_account", entry[].changes[].value with field "messages").
//
// Meta signs the raw request body: X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body, app secret)>.
// Receivers must verify over the exact bytes received, which is why postSignedWebhook can send a
// pre-serialised string (e.g. with unusual spacing or non-ASCII characters) untouched.

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';

/** Defaults shared with the Graph sandbox so webhooks and sends talk about the same number. */
export const sandboxBusiness = {
	phoneNumberId: '1065000000001',
	displayPhoneNumber: '15550000001',
	businessAccountId: '1065000000000',
} as const;

export function signWebhookBody(body: string | Buffer, appSecret: string): string {
	return `sha256=${createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** Constant-time check of an X-Hub-Signature-256 header against the raw body (for test receivers). */
export function verifyWebhookSignature(body: string | Buffer, signatureHeader: string | undefined, appSecret: string): boolean {
	if (typeof signatureHeader !== 'string') return false;
	const expected = Buffer.from(signWebhookBody(body, appSecret));
	const received = Buffer.from(signatureHeader);
	return expected.length === received.length && timingSafeEqual(expected, received);
}

export interface PostSignedWebhookOptions {
	/** undefined: sign correctly; a string: send this header value instead (forged); null: omit the header. */
	signature?: string | null;
	headers?: Record<string, string>;
	timeoutMs?: number;
	signal?: AbortSignal;
}

export interface PostSignedWebhookResult {
	status: number;
	body: string;
	headers: http.IncomingHttpHeaders;
}

/** POSTs a payload (objects are JSON-serialised; strings and Buffers are sent byte for byte) with Meta's signature header. */
export function postSignedWebhook(
	url: string,
	payload: unknown,
	appSecret: string,
	options: PostSignedWebhookOptions = {},
): Promise<PostSignedWebhookResult> {
	const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload), 'utf8');
	const headers: Record<string, string> = {
		'content-type': 'application/json',
		'content-length': String(body.length),
		'user-agent': 'facebookexternalua',
	};
	if (options.signature === undefined) headers['x-hub-signature-256'] = signWebhookBody(body, appSecret);
	else if (options.signature !== null) headers['x-hub-signature-256'] = options.signature;
	for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;

	const target = new URL(url);
	const transport = target.protocol === 'https:' ? https : http;
	return new Promise((resolve, reject) => {
		const request = transport.request(
			target,
			// agent: false → one connection per POST, closed afterwards, so receivers can shut down cleanly.
			{ method: 'POST', headers, timeout: options.timeoutMs ?? 10_000, agent: false, signal: options.signal },
			(response) => {
				const chunks: Buffer[] = [];
				response.on('data', (chunk: Buffer) => chunks.push(chunk));
				response.on('error', reject);
				response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: response.headers }));
			},
		);
		request.on('timeout', () => request.destroy(new Error(`webhook POST to ${target.origin}${target.pathname} timed out`)));
		request.on('error', reject);
		request.end(body);
	});
}

// ---------------------------------------------------------------------------------------------
// Payload builders

export interface WebhookChangeValue {
	messaging_product: 'whatsapp';
	metadata: { display_phone_number: string; phone_number_id: string };
	[key: string]: unknown;
}

export interface WhatsAppWebhookPayload {
	object: 'whatsapp_business_account';
	entry: Array<{ id: string; changes: Array<{ value: WebhookChangeValue; field: string }> }>;
}

export interface BusinessOptions {
	phoneNumberId?: string;
	/** Digits only, as in webhook metadata (e.g. 15550000001). */
	displayPhoneNumber?: string;
	businessAccountId?: string;
}

/** Wraps one change value in Meta's envelope; pass several values to batch changes in one POST. */
export function webhookEnvelope(values: WebhookChangeValue | WebhookChangeValue[], options: { businessAccountId?: string; field?: string } = {}): WhatsAppWebhookPayload {
	const list = Array.isArray(values) ? values : [values];
	return {
		object: 'whatsapp_business_account',
		entry: [{ id: options.businessAccountId ?? sandboxBusiness.businessAccountId, changes: list.map((value) => ({ value, field: options.field ?? 'messages' })) }],
	};
}

function metadataOf(options: BusinessOptions): WebhookChangeValue['metadata'] {
	return {
		display_phone_number: (options.displayPhoneNumber ?? sandboxBusiness.displayPhoneNumber).replace(/\D/g, ''),
		phone_number_id: options.phoneNumberId ?? sandboxBusiness.phoneNumberId,
	};
}

/** Unix seconds as the decimal string Meta uses. */
export function webhookTimestamp(value: number | Date | undefined = undefined): string {
	if (value instanceof Date) return String(Math.floor(value.getTime() / 1000));
	if (typeof value === 'number') return String(value > 1e12 ? Math.floor(value / 1000) : Math.floor(value));
	return String(Math.floor(Date.now() / 1000));
}

/** A new id shaped like Meta's: "wamid." followed by base64 text. */
export function newInboundMessageId(): string {
	return `wamid.${randomBytes(27).toString('base64')}`;
}

export interface InboundOptions extends BusinessOptions {
	/** Sender's phone number (wa_id). May be omitted for a 2026 username user known only by userId. */
	from?: string;
	/** Profile name. */
	name?: string;
	/** Business-scoped user id (2026 usernames), e.g. "US.13491208655302741918". */
	userId?: string;
	username?: string;
	messageId?: string;
	timestamp?: number | Date;
	/** The business message this one replies to (quoted reply, or the message whose button was tapped). */
	context?: { id: string; from?: string };
	/** Click-to-WhatsApp ad / CTA referral (opens the 72 h free entry-point window). */
	referral?: Record<string, unknown>;
}

/** Any inbound message: `message` holds the type and its type-specific object. */
export function inboundMessageWebhook(options: InboundOptions & { message: { type: string } & Record<string, unknown> }): WhatsAppWebhookPayload {
	if (options.from === undefined && options.userId === undefined) throw new Error('inbound webhook needs `from` (phone number) or `userId` (BSUID)');
	const metadata = metadataOf(options);
	const profile: Record<string, string> = { name: options.name ?? 'Sandbox Customer' };
	if (options.username !== undefined) profile.username = options.username;
	const contact: Record<string, unknown> = { profile };
	if (options.from !== undefined) contact.wa_id = options.from.replace(/\D/g, '');
	if (options.userId !== undefined) contact.user_id = options.userId;

	const message: Record<string, unknown> = {};
	if (options.context) message.context = { from: options.context.from ?? metadata.display_phone_number, id: options.context.id };
	if (options.from !== undefined) message.from = options.from.replace(/\D/g, '');
	if (options.userId !== undefined) message.from_user_id = options.userId;
	message.id = options.messageId ?? newInboundMessageId();
	message.timestamp = webhookTimestamp(options.timestamp);
	if (options.referral) message.referral = options.referral;
	Object.assign(message, options.message);

	return webhookEnvelope(
		{ messaging_product: 'whatsapp', metadata, contacts: [contact], messages: [message] },
		{ businessAccountId: options.businessAccountId },
	);
}

export function inboundTextWebhook(options: InboundOptions & { text: string }): WhatsAppWebhookPayload {
	return inboundMessageWebhook({ ...options, message: { type: 'text', text: { body: options.text } } });
}

/** The customer tapped an interactive reply button (sent by us with type "button"). */
export function inboundButtonReplyWebhook(options: InboundOptions & { buttonId: string; title: string }): WhatsAppWebhookPayload {
	return inboundMessageWebhook({
		...options,
		message: { type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: options.buttonId, title: options.title } } },
	});
}

/** The customer picked a row of an interactive list. */
export function inboundListReplyWebhook(options: InboundOptions & { rowId: string; title: string; description?: string }): WhatsAppWebhookPayload {
	const listReply: Record<string, string> = { id: options.rowId, title: options.title };
	if (options.description !== undefined) listReply.description = options.description;
	return inboundMessageWebhook({ ...options, message: { type: 'interactive', interactive: { type: 'list_reply', list_reply: listReply } } });
}

/** The customer tapped a quick-reply button of a template (type "button", not "interactive"). */
export function inboundTemplateButtonWebhook(options: InboundOptions & { payload: string; text: string }): WhatsAppWebhookPayload {
	return inboundMessageWebhook({ ...options, message: { type: 'button', button: { payload: options.payload, text: options.text } } });
}

export function inboundMediaWebhook(
	options: InboundOptions & {
		mediaType: 'image' | 'audio' | 'video' | 'document' | 'sticker';
		mediaId: string;
		mimeType: string;
		sha256?: string;
		caption?: string;
		filename?: string;
		/** Audio recorded as a voice note. */
		voice?: boolean;
	},
): WhatsAppWebhookPayload {
	const media: Record<string, unknown> = { id: options.mediaId, mime_type: options.mimeType };
	if (options.sha256 !== undefined) media.sha256 = options.sha256;
	if (options.caption !== undefined) media.caption = options.caption;
	if (options.filename !== undefined) media.filename = options.filename;
	if (options.voice !== undefined) media.voice = options.voice;
	return inboundMessageWebhook({ ...options, message: { type: options.mediaType, [options.mediaType]: media } });
}

export function inboundLocationWebhook(options: InboundOptions & { latitude: number; longitude: number; locationName?: string; address?: string }): WhatsAppWebhookPayload {
	const location: Record<string, unknown> = { latitude: options.latitude, longitude: options.longitude };
	if (options.locationName !== undefined) location.name = options.locationName;
	if (options.address !== undefined) location.address = options.address;
	return inboundMessageWebhook({ ...options, message: { type: 'location', location } });
}

export function inboundReactionWebhook(options: InboundOptions & { reactedMessageId: string; emoji: string }): WhatsAppWebhookPayload {
	return inboundMessageWebhook({ ...options, message: { type: 'reaction', reaction: { message_id: options.reactedMessageId, emoji: options.emoji } } });
}

export type StatusName = 'sent' | 'delivered' | 'read' | 'failed' | 'played';

export interface StatusPricing {
	billable: boolean;
	pricing_model: 'PMP';
	category: string;
	type: 'regular' | 'free_customer_service' | 'free_entry_point';
}

export interface StatusError {
	code: number;
	title: string;
	message?: string;
	details?: string;
}

export interface StatusWebhookOptions extends BusinessOptions {
	messageId: string;
	status: StatusName;
	/** Phone number the message was sent to (wa_id); omitted for a send by BSUID only. */
	recipientId?: string;
	recipientUserId?: string;
	timestamp?: number | Date;
	pricing?: StatusPricing;
	bizOpaqueCallbackData?: string;
	/** For status "failed". */
	errors?: StatusError[];
}

/** One status of an outbound message (sent / delivered / read / failed / played). */
export function statusWebhook(options: StatusWebhookOptions): WhatsAppWebhookPayload {
	const status: Record<string, unknown> = {
		id: options.messageId,
		status: options.status,
		timestamp: webhookTimestamp(options.timestamp),
	};
	if (options.recipientId !== undefined) status.recipient_id = options.recipientId.replace(/\D/g, '');
	if (options.recipientUserId !== undefined) status.recipient_user_id = options.recipientUserId;
	if (options.bizOpaqueCallbackData !== undefined) status.biz_opaque_callback_data = options.bizOpaqueCallbackData;
	if (options.pricing) status.pricing = options.pricing;
	if (options.errors) {
		status.errors = options.errors.map((error) => ({
			code: error.code,
			title: error.title,
			message: error.message ?? error.title,
			error_data: { details: error.details ?? error.title },
			href: 'https://developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes',
		}));
	}
	const value: WebhookChangeValue = { messaging_product: 'whatsapp', metadata: metadataOf(options), statuses: [status] };
	// Since the 2026 username rollout, sent/delivered/read statuses carry the recipient's ids in contacts[]
	// (failed statuses do not); the sandbox only knows a user id when the send used one.
	if (options.status !== 'failed' && options.recipientUserId !== undefined) {
		const contact: Record<string, string> = { user_id: options.recipientUserId };
		if (options.recipientId !== undefined) contact.wa_id = options.recipientId.replace(/\D/g, '');
		value.contacts = [contact];
	}
	return webhookEnvelope(value, { businessAccountId: options.businessAccountId });
}
