import { createHash, timingSafeEqual } from 'node:crypto';

import type { SupportStore } from '../store';
import { verifySignature } from './signature';
import {
	parseWebhookBody,
	statusEventKey,
	WebhookPayloadError,
	type InboundMessageEvent,
	type StatusEvent,
	type WebhookErrorEvent,
} from './webhook';

export interface InboundWebhookConfig {
	appSecret: string;
	/** Only events for these phone number ids are processed; others are acknowledged and ignored. */
	phoneNumberIds?: string[];
	/** See REDELIVERY_TIMING; for tests. */
	redelivery?: Partial<RedeliveryTiming>;
	/** The current time in ms; for tests. */
	now?: () => number;
}

export interface RedeliveryTiming {
	/** Copies of a stored message younger than this are plain duplicates (Meta's at-least-once copies). */
	graceMs: number;
	/** A stored message still without a reply after this long is started again by its next redelivery. */
	leaseMs: number;
}

/**
 * What a redelivery of an already stored message gets.
 *
 * Meta delivers a message again when it did not get a 2xx. Usually the first delivery was stored and its
 * execution answers the customer, and the copy is a duplicate. But n8n can fail to start the execution after
 * the trigger has stored the message (its own database timed out, the process stopped before the response):
 * then the copy is the only chance left to answer. So a copy of a message that has no reply yet (nothing was
 * sent in its conversation since, and no person has the chat) is a duplicate while younger than `graceMs`,
 * is answered 503 (come back later: the first run may still be busy) until `leaseMs`, and after that is
 * started again, once.
 */
export const REDELIVERY_TIMING: RedeliveryTiming = { graceMs: 10_000, leaseMs: 120_000 };

export type InboundOutcome =
	| { accepted: false; statusCode: 400 | 401 | 500; message: string }
	| {
			accepted: true;
			/**
			 * New messages, stored once. A redelivered message is not here, unless it was stored long ago and never
			 * answered: then it is started again, once (see REDELIVERY_TIMING).
			 */
			messages: InboundMessageEvent[];
			/** New statuses (message id + status never seen before). */
			statuses: StatusEvent[];
			errors: WebhookErrorEvent[];
			duplicates: number;
			/** Events for phone numbers this trigger does not serve. */
			ignored: number;
			/**
			 * Set when the store failed part-way through the POST. The events listed above were stored before the
			 * failure and must still be processed; the rest were not stored. Answer 5xx so that Meta delivers the
			 * POST again: the stored events are then duplicates, and the rest get their turn.
			 */
			storeError?: Error;
			/**
			 * Copies of stored messages that have no reply yet and may still be in progress (see REDELIVERY_TIMING):
			 * answer 503 so that Meta delivers them again later.
			 */
			inProgress: number;
	  };

/**
 * Everything the trigger does with a POST before n8n starts an execution: check Meta's signature over the
 * raw bytes, parse, drop other numbers' events, and let the store decide (unique keys) which events are
 * new. Storing the message also moves the customer's last-inbound time, the window's source of truth.
 */
export async function handleInboundWebhook(
	rawBody: Buffer,
	signatureHeader: string | undefined,
	config: InboundWebhookConfig,
	store: SupportStore,
): Promise<InboundOutcome> {
	if (!config.appSecret) {
		return {
			accepted: false,
			statusCode: 500,
			message: 'The WhatsApp Cloud API credential has no App Secret, so webhooks cannot be verified',
		};
	}
	const signature = verifySignature(rawBody, signatureHeader, config.appSecret);
	if (!signature.valid) {
		const why = { missing: 'is missing', malformed: 'is malformed', mismatch: 'does not match' }[signature.reason ?? 'mismatch'];
		return { accepted: false, statusCode: 401, message: `X-Hub-Signature-256 ${why}` };
	}

	let parsed;
	try {
		parsed = parseWebhookBody(rawBody);
	} catch (error) {
		if (error instanceof WebhookPayloadError) return { accepted: false, statusCode: 400, message: error.message };
		throw error;
	}

	const serves = (phoneNumberId: string) => !config.phoneNumberIds?.length || config.phoneNumberIds.includes(phoneNumberId);
	let ignored = 0;
	let duplicates = 0;
	let inProgress = 0;
	const timing = { ...REDELIVERY_TIMING, ...config.redelivery };
	const now = config.now ?? Date.now;
	const messages: InboundMessageEvent[] = [];
	const statuses: StatusEvent[] = [];
	const errors = parsed.errors.filter((error) => serves(error.phoneNumberId));
	try {
		for (const event of parsed.messages) {
			if (!serves(event.conversation.phoneNumberId)) {
				ignored++;
				continue;
			}
			const { inserted } = await store.recordInboundMessage({
				conversation: event.conversation,
				waMessageId: event.message.id,
				type: event.message.type,
				text: event.message.text,
				payload: event.message,
				sentAt: new Date(event.message.timestamp),
				referral: event.message.referral,
			});
			if (inserted) {
				messages.push(event);
				continue;
			}
			const redelivery = await judgeRedelivery(store, event.message.id, timing, now());
			if (redelivery === 'start-again') messages.push(event);
			else if (redelivery === 'in-progress') inProgress++;
			else duplicates++;
		}

		for (const event of parsed.statuses) {
			if (!serves(event.conversation.phoneNumberId)) {
				ignored++;
				continue;
			}
			// Apply first (it only ever moves a status forward, so applying twice is harmless), claim second:
			// a claim that succeeded for a status that was never applied could not be redone by a redelivery.
			const { messageId, status, timestamp, errors: statusErrors } = event.status;
			await store.applyMessageStatus(messageId, status, new Date(timestamp), statusErrors?.length ? { errors: statusErrors } : undefined);
			if (await store.claimEvent(`status:${statusEventKey(event)}`, 'status')) statuses.push(event);
			else duplicates++;
		}
	} catch (error) {
		// What is stored so far must still run (a redelivery would see it as a duplicate); the caller answers 5xx.
		return {
			accepted: true,
			messages,
			statuses,
			errors,
			duplicates,
			ignored,
			storeError: error instanceof Error ? error : new Error(String(error)),
			inProgress,
		};
	}

	return { accepted: true, messages, statuses, errors, duplicates, ignored, inProgress };
}

/** Duplicate, still in progress, or to be started again: see REDELIVERY_TIMING. */
async function judgeRedelivery(
	store: SupportStore,
	waMessageId: string,
	timing: RedeliveryTiming,
	now: number,
): Promise<'duplicate' | 'in-progress' | 'start-again'> {
	const stored = await store.getMessageByWaId(waMessageId);
	if (!stored || stored.direction !== 'inbound') return 'duplicate';
	const age = now - Date.parse(stored.createdAt);
	if (!(age >= timing.graceMs)) return 'duplicate';
	if (await store.getOpenHandoff(stored.conversationId)) return 'duplicate';
	const recent = await store.listMessages(stored.conversationId, 100);
	if (recent.some((message) => message.direction === 'outbound' && message.id > stored.id)) return 'duplicate';
	if (age < timing.leaseMs) return 'in-progress';
	// However many copies arrive at once, exactly one starts the message again, and only once.
	return (await store.claimEvent(`message-restart:${waMessageId}`, 'message')) ? 'start-again' : 'duplicate';
}

/**
 * The 4xx answer for a request body the server could not read: over its size limit (raw-body's 413), a
 * gzip or deflate stream that is not one (zlib's Z_* codes), or an upload aborted half-way.
 */
export function describeUnreadableBody(error: unknown): { statusCode: 400 | 413; message: string } {
	const { status, statusCode, type, code } = (error ?? {}) as { status?: unknown; statusCode?: unknown; type?: unknown; code?: unknown };
	if (status === 413 || statusCode === 413 || type === 'entity.too.large') {
		return { statusCode: 413, message: 'The webhook body is larger than this n8n accepts (N8N_PAYLOAD_SIZE_MAX)' };
	}
	const reason = typeof code === 'string' && code.startsWith('Z_') ? 'its Content-Encoding does not match the bytes' : 'it could not be read';
	return { statusCode: 400, message: `The webhook body was refused: ${reason}` };
}

/** Meta's subscription handshake: answer the challenge only for the right verify token. */
export function answerVerification(
	query: Record<string, unknown>,
	verifyToken: string,
): { statusCode: 200 | 403; body: string } {
	const mode = query['hub.mode'];
	const token = query['hub.verify_token'];
	const challenge = query['hub.challenge'];
	if (!verifyToken || mode !== 'subscribe' || typeof token !== 'string' || typeof challenge !== 'string') {
		return { statusCode: 403, body: 'Forbidden' };
	}
	return tokensEqual(token, verifyToken) ? { statusCode: 200, body: challenge } : { statusCode: 403, body: 'Forbidden' };
}

function tokensEqual(given: string, expected: string): boolean {
	// Hash both sides so the comparison takes the same time whatever the lengths.
	const digest = (value: string) => createHash('sha256').update(value).digest();
	return timingSafeEqual(digest(given), digest(expected));
}
