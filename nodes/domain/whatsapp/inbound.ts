import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';

import { backoffCeiling } from '../backoff';
import { CHARGEABLE_STATUSES } from '../costs/whatsapp-pricing';
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
	/**
	 * Whether the workflow has a node that confirms delivery leases (Consent Gate, Human Handoff, Window
	 * Check): then each new message gets a lease token in `delivery`, and redeliveries are judged by whether
	 * an execution confirmed it (see DELIVERY_LEASES). Without such a node, only time decides (REDELIVERY_TIMING).
	 */
	deliveryLeases?: boolean;
	/** How long a copy of a message whose lease is not yet confirmed waits for the confirmation (default 2 s). */
	confirmationWaitMs?: number;
	/** A new lease token; for tests. */
	newToken?: () => string;
	/**
	 * Which new statuses are handed on (all are stored): `all`, or `charges`: per message only the first
	 * status that carries its charge (delivered, read or played), and every `failed`. Each status handed on
	 * starts an execution, and a reply brings two or three statuses, so `charges` saves most of that work.
	 * `failures`: only every `failed` is handed on; the charge is recorded here by `recordCharge`, so that a
	 * reply starts no execution at all for its statuses.
	 */
	statuses?: 'all' | 'charges' | 'failures';
	/**
	 * With `statuses: 'failures'`: records the charge a status carries (delivered, read or played), as a Cost
	 * Logger on the Statuses output would. Called before the status is claimed, so a failure leaves nothing
	 * claimed and the redelivery tries again; it must be idempotent (the cost row is keyed per message).
	 */
	recordCharge?: (event: StatusEvent) => Promise<void>;
}

/** What the trigger puts in `delivery` of a message item when the workflow confirms leases. */
export interface DeliveryLease {
	token: string;
	/** Set by the node that confirmed the lease, so that later pack nodes need not ask the store again. */
	confirmed?: boolean;
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

/**
 * Delivery leases close the gap REDELIVERY_TIMING leaves open: the trigger stores a message before n8n has
 * created (in queue mode: queued) the execution that answers it, so when n8n fails at that point (its
 * database timed out, Redis was away), a copy arriving within `graceMs` was taken for a duplicate and the
 * message was never answered. With leases, the stored message carries the token of the execution meant to
 * answer it, and the first pack node of that execution confirms it. A copy of a message whose lease is
 * not confirmed waits briefly for the confirmation, then is answered 503 (come back later) while the lease is
 * younger than `graceMs`, and takes the lease over once it is older: a new execution starts with a new
 * token. Should the first execution still run after all (it sat in a long queue), its token is outdated
 * and it stops at the confirming node, so exactly one execution goes past it. A confirmed lease is
 * judged as before (REDELIVERY_TIMING), except that a restart also takes the lease over.
 */
export const DELIVERY_LEASES = { confirmationWaitMs: 2_000, firstPollMs: 50, maxPollMs: 500 };

export type InboundOutcome =
	| { accepted: false; statusCode: 400 | 401 | 500; message: string }
	| {
			accepted: true;
			/**
			 * New messages, stored once. A redelivered message is not here, unless it was stored long ago and never
			 * answered: then it is started again, once (see REDELIVERY_TIMING), or its lease was never confirmed
			 * (see DELIVERY_LEASES). With leases, each carries its token in `delivery`.
			 */
			messages: Array<InboundMessageEvent & { delivery?: DeliveryLease }>;
			/** New statuses (message id + status never seen before), as far as `statuses` hands them on. */
			statuses: StatusEvent[];
			/** New statuses stored but not handed on (`statuses: 'charges'` or `'failures'`). */
			filtered: number;
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
	let filtered = 0;
	const timing = { ...REDELIVERY_TIMING, ...config.redelivery };
	const now = config.now ?? Date.now;
	const messages: Array<InboundMessageEvent & { delivery?: DeliveryLease }> = [];
	const newToken = config.newToken ?? randomUUID;
	const statuses: StatusEvent[] = [];
	const errors = parsed.errors.filter((error) => serves(error.phoneNumberId));
	try {
		for (const event of parsed.messages) {
			if (!serves(event.conversation.phoneNumberId)) {
				ignored++;
				continue;
			}
			const token = config.deliveryLeases ? newToken() : undefined;
			const { inserted } = await store.recordInboundMessage({
				conversation: event.conversation,
				waMessageId: event.message.id,
				type: event.message.type,
				text: event.message.text,
				payload: event.message,
				sentAt: new Date(event.message.timestamp),
				referral: event.message.referral,
				deliveryToken: token,
			});
			if (inserted) {
				messages.push(token ? { ...event, delivery: { token } } : event);
				continue;
			}
			const redelivery = config.deliveryLeases
				? await judgeLeasedRedelivery(store, event.message.id, { ...timing, confirmationWaitMs: config.confirmationWaitMs }, now, newToken)
				: await judgeRedelivery(store, event.message.id, timing, now());
			if (redelivery === 'in-progress') inProgress++;
			else if (redelivery === 'duplicate') duplicates++;
			else if (redelivery === 'start-again') messages.push(event);
			else messages.push({ ...event, delivery: { token: redelivery.token } });
		}

		for (const event of parsed.statuses) {
			if (!serves(event.conversation.phoneNumberId)) {
				ignored++;
				continue;
			}
			// Apply, claim and (for Charges and Failures) claim the charge in one statement: a claim is never
			// stored for a status that was not applied, so a failure here is redone by the redelivery.
			const { messageId, status, timestamp, errors: statusErrors } = event.status;
			const chargesOnly = config.statuses === 'charges';
			const failuresOnly = config.statuses === 'failures';
			if (failuresOnly && config.recordCharge && CHARGEABLE_STATUSES.includes(status)) await config.recordCharge(event);
			const { claimed, charged } = await store.recordStatus({
				waMessageId: messageId,
				status,
				at: new Date(timestamp),
				details: statusErrors?.length ? { errors: statusErrors } : undefined,
				eventKey: `status:${statusEventKey(event)}`,
				chargeKey: chargesOnly && status !== 'failed' && CHARGEABLE_STATUSES.includes(status) ? `charge:${messageId}` : undefined,
			});
			if (!claimed) duplicates++;
			// Charges and Failures: every failure, and per message the first status that carries its charge.
			else if (status === 'failed' || (!failuresOnly && (!chargesOnly || charged))) statuses.push(event);
			else filtered++;
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
			filtered,
		};
	}

	return { accepted: true, messages, statuses, errors, duplicates, ignored, inProgress, filtered };
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
	if (await isAnswered(store, stored)) return 'duplicate';
	if (age < timing.leaseMs) return 'in-progress';
	return (await claimRestart(store, waMessageId)) ? 'start-again' : 'duplicate';
}

/** Duplicate, still in progress, or to be started again under a new lease token: see DELIVERY_LEASES. */
async function judgeLeasedRedelivery(
	store: SupportStore,
	waMessageId: string,
	timing: RedeliveryTiming & { confirmationWaitMs?: number },
	now: () => number,
	newToken: () => string,
): Promise<'duplicate' | 'in-progress' | { token: string }> {
	const stored = await store.getMessageByWaId(waMessageId);
	if (!stored || stored.direction !== 'inbound') return 'duplicate';
	let lease = await store.getInboundDelivery(waMessageId);
	// A copy that arrives together with the first delivery usually finds the execution just starting.
	// Real time, also where tests fake `now`.
	const waitUntil = Date.now() + (timing.confirmationWaitMs ?? DELIVERY_LEASES.confirmationWaitMs);
	// Asking with growing pauses (50 ms, 100 ms, … 500 ms): a handful of queries per copy, also under load.
	const polling = { baseDelayMs: DELIVERY_LEASES.firstPollMs, maxDelayMs: DELIVERY_LEASES.maxPollMs };
	for (let poll = 1; lease?.token && !lease.confirmedAt && Date.now() < waitUntil; poll++) {
		const pause = backoffCeiling(poll, polling);
		await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, waitUntil - Date.now()))));
		lease = await store.getInboundDelivery(waMessageId);
	}
	if (!lease?.token) {
		// Stored without a lease (before the workflow had a confirming node): judged by time alone.
		const verdict = await judgeRedelivery(store, waMessageId, timing, now());
		return verdict === 'start-again' ? { token: await restartToken(store, waMessageId, null, newToken) } : verdict;
	}
	if (!lease.confirmedAt) {
		if (await isAnswered(store, stored)) return 'duplicate';
		if (now() - Date.parse(lease.startedAt ?? stored.createdAt) < timing.graceMs) return 'in-progress';
		const token = newToken();
		// Of several copies at once, one takes the lease over; the others come back later.
		return (await store.takeOverInboundDelivery(waMessageId, lease.token, token)) ? { token } : 'in-progress';
	}
	// Confirmed: an execution is answering it (or has). Only a message left without an answer for longer
	// than `leaseMs` starts again, once, and the new execution gets the lease.
	const age = now() - Date.parse(lease.confirmedAt);
	if (age < timing.graceMs || (await isAnswered(store, stored))) return 'duplicate';
	if (age < timing.leaseMs) return 'in-progress';
	if (!(await claimRestart(store, waMessageId))) return 'duplicate';
	return { token: await restartToken(store, waMessageId, lease.token, newToken) };
}

/** A reply was sent in the conversation after the message, or a person has the chat. */
async function isAnswered(store: SupportStore, stored: { id: number; conversationId: string }): Promise<boolean> {
	if (await store.getOpenHandoff(stored.conversationId)) return true;
	const recent = await store.listMessages(stored.conversationId, 100);
	return recent.some((message) => message.direction === 'outbound' && message.id > stored.id);
}

/** However many copies arrive at once, exactly one starts the message again, and only once. */
async function claimRestart(store: SupportStore, waMessageId: string): Promise<boolean> {
	return await store.claimEvent(`message-restart:${waMessageId}`, 'message');
}

/** The restart holds the restart claim, so it may take the lease unconditionally. */
async function restartToken(store: SupportStore, waMessageId: string, current: string | null, newToken: () => string): Promise<string> {
	const token = newToken();
	if (!(await store.takeOverInboundDelivery(waMessageId, current, token))) {
		const latest = await store.getInboundDelivery(waMessageId);
		await store.takeOverInboundDelivery(waMessageId, latest?.token ?? null, token);
	}
	return token;
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
