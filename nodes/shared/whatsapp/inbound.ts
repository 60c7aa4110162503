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
}

export type InboundOutcome =
	| { accepted: false; statusCode: 400 | 401 | 500; message: string }
	| {
			accepted: true;
			/** New messages, stored once; a redelivered message is not here. */
			messages: InboundMessageEvent[];
			/** New statuses (message id + status never seen before). */
			statuses: StatusEvent[];
			errors: WebhookErrorEvent[];
			duplicates: number;
			/** Events for phone numbers this trigger does not serve. */
			ignored: number;
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
	const messages: InboundMessageEvent[] = [];
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
		if (inserted) messages.push(event);
		else duplicates++;
	}

	const statuses: StatusEvent[] = [];
	for (const event of parsed.statuses) {
		if (!serves(event.conversation.phoneNumberId)) {
			ignored++;
			continue;
		}
		if (!(await store.claimEvent(`status:${statusEventKey(event)}`, 'status'))) {
			duplicates++;
			continue;
		}
		const { messageId, status, timestamp, errors } = event.status;
		await store.applyMessageStatus(messageId, status, new Date(timestamp), errors?.length ? { errors } : undefined);
		statuses.push(event);
	}

	const errors = parsed.errors.filter((error) => serves(error.phoneNumberId));
	return { accepted: true, messages, statuses, errors, duplicates, ignored };
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
