import { createHash, createHmac, randomBytes } from 'node:crypto';

import { conversationIdOf, customerKeyOf, type ConversationRef } from '../envelope';
import { DashboardAccess } from './access';
import { ChatAnalytics } from './analytics';
import { ChatBots } from './chat-bots';
import { insertTurn, type TurnInput } from './analytics/turns';
import { correctGuestProfile, mergeGuestProfile, selectGuestProfile, type GuestProfile, type GuestProfileField, type GuestProfileUpdate } from './profiles';
import type { SqlDriver } from './driver';
import { nameWords, numberDigits, PLAIN_FIELDS, type FieldCodec } from './field-cipher';
import { rotateEncryptionKey, type KeyRotationOptions, type KeyRotationResult } from './key-rotation';
import { SurveyStore } from './surveys';
import type {
	ConsentAction,
	ConsentEventRecord,
	ConversationFormInput,
	ConversationFormRecord,
	ConversationRecord,
	CostInput,
	HandoffRecord,
	MessageAuthor,
	MessageRecord,
} from './types';

/** snake_case row → camelCase record; dates as ISO strings, int8 as numbers. */
function toRecord<T>(row: Record<string, unknown>): T {
	const record: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(row)) {
		const name = key.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
		if (value instanceof Date) record[name] = value.toISOString();
		else if (typeof value === 'bigint') record[name] = Number(value);
		else record[name] = value;
	}
	return record as T;
}

function formRecord(row: Record<string, unknown>, fields: FieldCodec): ConversationFormRecord {
	const { fieldValues, valueSources, ...rest } = toRecord<Record<string, unknown>>(row);
	return { ...rest, values: fields.openJson(fieldValues), sources: valueSources, version: Number(rest.version) } as ConversationFormRecord;
}

/** A conversation row as a record: name and number readable, their keyed hashes left out. */
function conversationRecord(row: Record<string, unknown>, fields: FieldCodec): ConversationRecord {
	const { waIdHmac: _number, customerNameHmacs: _name, ...record } = toRecord<ConversationRecord & { waIdHmac?: unknown; customerNameHmacs?: unknown }>(row);
	return { ...record, waId: fields.open(record.waId), customerName: fields.open(record.customerName) };
}

function messageRecord(row: Record<string, unknown>, fields: FieldCodec): MessageRecord {
	const record = toRecord<MessageRecord>(row);
	return { ...record, text: fields.open(record.text), payload: fields.openJson(record.payload) };
}

function handoffRecord(row: Record<string, unknown>, fields: FieldCodec): HandoffRecord {
	const record = toRecord<HandoffRecord>(row);
	return { ...record, summary: fields.open(record.summary), context: fields.openJson(record.context) };
}

function toRecords<T>(rows: Array<Record<string, unknown>>): T[] {
	return rows.map((row) => toRecord<T>(row));
}

/**
 * Every column of `messages`, for a statement that returns a message beside another row. A test compares
 * such a message with `getMessageByWaId`'s, so a column added by a migration and missing here fails it.
 */
const MESSAGE_COLUMNS = [
	'id',
	'conversation_id',
	'wa_message_id',
	'direction',
	'author',
	'type',
	'text',
	'payload',
	'status',
	'status_at',
	'callback_data',
	'sent_at',
	'created_at',
	'reaction',
	'reacted_at',
];

const STATUS_ORDER = `ARRAY['accepted', 'sent', 'delivered', 'read', 'played', 'failed']::text[]`;

function json(value: unknown): string | null {
	return value === undefined ? null : JSON.stringify(value);
}

/**
 * Erasure leaves consent rows under this key: a keyed HMAC of the customer key, so the number cannot
 * be recovered from it by hashing every possible number (which an unkeyed hash allowed).
 */
export function erasureTombstoneKey(customerKey: string, secret: string): string {
	return `erased:h1:${createHmac('sha256', secret).update(customerKey).digest('hex')}`;
}

/** The unkeyed tombstone of erasures made before migration 8; still read, never written. */
export function legacyErasureTombstoneKey(customerKey: string): string {
	return `erased:${createHash('sha256').update(customerKey).digest('hex')}`;
}

export interface SupportStoreOptions {
	/** The erasure tombstone's HMAC key (WHATSAPP_SUPPORT_HMAC_KEY); without one the store makes its own. */
	hmacKey?: string;
	/** Encryption at rest of personal fields (see field-cipher.ts); plain without a key. */
	fields?: FieldCodec;
}

export interface PurgeCounts {
	messages: number;
	handoffs: number;
	costs: number;
	turns: number;
	processedEvents: number;
	/** Conversation forms past their idle time (no longer active, but holding what the guest gave). */
	forms: number;
	conversations: number;
	guestProfiles: number;
	/** Satisfaction surveys sent before the analytics retention. */
	surveys: number;
	/** Survey comments (the guest's own words) older than the message retention, emptied; the score stays. */
	surveyComments: number;
	/** Access log rows older than 90 days (the log's own retention, whatever `analyticsDays` says). */
	accessLog: number;
	anonymised: boolean;
}

export interface ErasureCounts {
	conversations: number;
	messages: number;
	handoffs: number;
	costs: number;
	turns: number;
	consentEvents: number;
	guestProfiles: number;
}

export interface CustomerExport {
	customerKey: string;
	exportedAt: string;
	conversations: ConversationRecord[];
	messages: MessageRecord[];
	handoffs: HandoffRecord[];
	costs: Array<Record<string, unknown>>;
	turns: Array<Record<string, unknown>>;
	/** The active Conversation Form, with the values the guest gave so far. */
	forms: ConversationFormRecord[];
	/** Satisfaction surveys sent to them, with their scores and comments. */
	surveys: Array<Record<string, unknown>>;
	consentEvents: ConsentEventRecord[];
	guestProfile: GuestProfile | null;
}

export interface InboundMessageInput {
	conversation: ConversationRef;
	waMessageId: string;
	type: string;
	text?: string;
	payload?: unknown;
	sentAt: Date;
	/** Click-to-WhatsApp ad / CTA referral: opens the 72 h free entry-point window. */
	referral?: unknown;
	/** The delivery lease's token for the execution about to start (see `confirmInboundDelivery`). */
	deliveryToken?: string;
}

/** The delivery lease of an inbound message (migration 4). */
export interface InboundDelivery {
	/** Null for messages stored without a lease (a workflow with no confirming node, or before migration 4). */
	token: string | null;
	startedAt: string | null;
	confirmedAt: string | null;
}

export type DeliveryConfirmation = 'confirmed' | 'superseded' | 'unknown';

export interface OutboundMessageInput {
	conversationId: string;
	waMessageId?: string;
	author: Exclude<MessageAuthor, 'customer'>;
	type: string;
	text?: string;
	payload?: unknown;
	callbackData?: string;
	sentAt?: Date;
}

export interface ConsentEventInput {
	customerKey: string;
	conversationId?: string;
	scope: string;
	action: ConsentAction;
	source: string;
	evidence?: unknown;
	occurredAt?: Date;
}

export interface HandoffInput {
	reason?: string;
	summary?: string;
	context?: unknown;
}

/**
 * The one API over the support state: conversations, messages, webhook dedupe, service-window
 * timestamps, consent log, handoffs and costs. Correctness is the database's job: unique keys and
 * `ON CONFLICT` for dedupe, conditional updates for state changes.
 */
export class SupportStore {
	/** Metrics, exports and the chat timeline over this store. */
	readonly analytics: ChatAnalytics;
	/** Satisfaction surveys: due conversations, claims, scores and comments. */
	readonly surveys: SurveyStore;

	/** Dashboard users, sessions, login throttle and the access log. */
	readonly access: DashboardAccess;

	/** The bots the dashboard's test chat can talk to (registered by Web Chat Triggers). */
	readonly chatBots: ChatBots;

	private hmacKey?: Promise<string>;

	/** How personal fields are written and read: encrypted with a key, plain without. */
	readonly fields: FieldCodec;

	constructor(
		private readonly driver: SqlDriver,
		readonly schema: string,
		private readonly options: SupportStoreOptions = {},
	) {
		this.fields = options.fields ?? PLAIN_FIELDS;
		this.analytics = new ChatAnalytics(driver, this.fields);
		this.surveys = new SurveyStore(driver, this.fields);
		this.access = new DashboardAccess(driver);
		this.chatBots = new ChatBots(driver);
	}

	/** Whether personal fields are encrypted at rest (a key is configured). */
	get encrypted(): boolean {
		return this.fields.encrypting;
	}

	/**
	 * Re-encrypts, in batches, every personal field not sealed with the current key (older keys, plain rows).
	 * Resumable: a run that stopped (limit, crash) is simply run again.
	 */
	async rotateEncryptionKey(options: KeyRotationOptions = {}): Promise<KeyRotationResult> {
		return await rotateEncryptionKey(this.driver, this.fields, options);
	}

	/**
	 * The key of the store's keyed hashes (erasure tombstones): the configured one, else a random key
	 * the store made once and keeps in `store_secrets` (then a copy of the database holds it too, which
	 * the README warns about).
	 */
	async keyedHashSecret(): Promise<string> {
		if (this.options.hmacKey) return this.options.hmacKey;
		this.hmacKey ??= (async () => {
			await this.driver.query(`INSERT INTO store_secrets (name, secret) VALUES ('keyed-hash', $1) ON CONFLICT (name) DO NOTHING`, [randomBytes(32).toString('base64')]);
			const rows = await this.driver.query<{ secret: string }>(`SELECT secret FROM store_secrets WHERE name = 'keyed-hash'`);
			return rows[0].secret;
		})();
		this.hmacKey.catch(() => (this.hmacKey = undefined));
		return await this.hmacKey;
	}

	/** The erasure tombstone of a customer key under this store's key. */
	async tombstoneKeyOf(customerKey: string): Promise<string> {
		return erasureTombstoneKey(customerKey, await this.keyedHashSecret());
	}

	get backend(): SqlDriver['kind'] {
		return this.driver.kind;
	}

	/** The upsert of a conversation row (parameters $1–$11 of `upsertParams`), returning the row. */
	private static readonly UPSERT_CONVERSATION = `INSERT INTO conversations AS c
				(id, channel, phone_number_id, customer_key, wa_id, user_id, customer_name,
				 last_inbound_at, entry_point_at, referral, wa_id_hmac, customer_name_hmacs)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz,
				CASE WHEN $9::jsonb IS NULL THEN NULL ELSE $8::timestamptz END, $9::jsonb, $10, $11::text[])
			ON CONFLICT (id) DO UPDATE SET
				wa_id = coalesce(EXCLUDED.wa_id, c.wa_id),
				wa_id_hmac = CASE WHEN EXCLUDED.wa_id IS NULL THEN c.wa_id_hmac ELSE EXCLUDED.wa_id_hmac END,
				user_id = coalesce(EXCLUDED.user_id, c.user_id),
				customer_name = coalesce(EXCLUDED.customer_name, c.customer_name),
				customer_name_hmacs = CASE WHEN EXCLUDED.customer_name IS NULL THEN c.customer_name_hmacs ELSE EXCLUDED.customer_name_hmacs END,
				last_inbound_at = greatest(c.last_inbound_at, EXCLUDED.last_inbound_at),
				entry_point_at = greatest(c.entry_point_at, EXCLUDED.entry_point_at),
				referral = coalesce(EXCLUDED.referral, c.referral),
				updated_at = now()
			RETURNING *`;

	private upsertParams(ref: ConversationRef, inbound?: { at: Date; referral?: unknown }): unknown[] {
		return [
			conversationIdOf(ref),
			ref.channel,
			ref.phoneNumberId,
			customerKeyOf(ref.customer),
			this.fields.seal(ref.customer.waId || null),
			ref.customer.userId || null,
			this.fields.seal(ref.customer.name || null),
			inbound?.at ?? null,
			json(inbound?.referral),
			this.fields.lookupHash(numberDigits(ref.customer.waId) || null),
			this.fields.encrypting && ref.customer.name ? nameWords(ref.customer.name).map((word) => this.fields.lookupHash(word)) : null,
		];
	}

	/** Creates the conversation or refreshes the customer's details; returns the stored row. */
	async upsertConversation(ref: ConversationRef): Promise<ConversationRecord> {
		const rows = await this.driver.query<Record<string, unknown>>(SupportStore.UPSERT_CONVERSATION, this.upsertParams(ref));
		return conversationRecord(rows[0], this.fields);
	}

	/** Marks a staff conversation (duty manager, agent) so customer metrics and surveys leave it out. */
	async markConversationInternal(conversationId: string, role: string): Promise<boolean> {
		const rows = await this.driver.query('UPDATE conversations SET internal_role = $2 WHERE id = $1 AND internal_role IS DISTINCT FROM $2 RETURNING id', [
			conversationId,
			role,
		]);
		return rows.length > 0;
	}

	/**
	 * Marks every conversation with one of these staff numbers or user ids (already normalised, see
	 * `parseInternalNumbers`) internal with `role`, unless it has a role already; returns how many it marked.
	 */
	async markNumbersInternal(numbers: string[], role: string): Promise<number> {
		if (!numbers.length) return 0;
		const rows = await this.driver.query(
			`UPDATE conversations SET internal_role = $2
			WHERE internal_role IS NULL AND (customer_key = ANY($1::text[]) OR coalesce(wa_id, '') = ANY($1::text[]) OR coalesce(user_id, '') = ANY($1::text[]))
			RETURNING id`,
			[numbers, role],
		);
		return rows.length;
	}

	async getConversation(conversationId: string): Promise<ConversationRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>('SELECT * FROM conversations WHERE id = $1', [
			conversationId,
		]);
		return rows[0] ? conversationRecord(rows[0], this.fields) : undefined;
	}

	/** The first of `ids` (in their order) that names a stored conversation; one index look-up, no row read. */
	async firstExistingConversation(ids: Array<string | undefined>): Promise<string | undefined> {
		const wanted = ids.filter((id): id is string => Boolean(id));
		if (!wanted.length) return undefined;
		const rows = await this.driver.query<{ id: string }>('SELECT id FROM conversations WHERE id = ANY($1::text[])', [wanted]);
		const found = new Set(rows.map((row) => row.id));
		return wanted.find((id) => found.has(id));
	}

	/**
	 * Stores an inbound message once (unique WhatsApp message id) and moves the customer's
	 * last-inbound time forward, which is the service window's source of truth.
	 */
	async recordInboundMessage(
		input: InboundMessageInput,
	): Promise<{ inserted: boolean; conversation: ConversationRecord; message?: MessageRecord }> {
		// One statement, so one commit on PGlite (it was five calls: BEGIN, three statements, COMMIT). The
		// dedupe claim is written only with the message it claims, and both with the conversation's new times.
		const rows = await this.driver.write<Record<string, unknown>>(
			`WITH conversation AS (${SupportStore.UPSERT_CONVERSATION}
			), message AS (
				INSERT INTO messages (conversation_id, wa_message_id, direction, author, type, text, payload, sent_at)
				SELECT id, $12, 'inbound', 'customer', $13, $14, $15::jsonb, $16 FROM conversation
				ON CONFLICT (wa_message_id) DO NOTHING
				RETURNING *
			), claim AS (
				INSERT INTO processed_events (event_key, kind, lease_token, lease_started_at)
				SELECT $17, 'message', $18::text, CASE WHEN $18::text IS NULL THEN NULL ELSE now() END FROM message
				ON CONFLICT (event_key) DO NOTHING
			)
			SELECT conversation.*, ${MESSAGE_COLUMNS.map((column) => `message.${column} AS message__${column}`).join(', ')}
			FROM conversation LEFT JOIN message ON true`,
			[
				...this.upsertParams(input.conversation, { at: input.sentAt, referral: input.referral }),
				input.waMessageId,
				input.type,
				this.fields.seal(input.text),
				this.fields.sealJson(input.payload),
				input.sentAt,
				`message:${input.waMessageId}`,
				input.deliveryToken ?? null,
			],
		);
		const conversationRow: Record<string, unknown> = {};
		const messageRow: Record<string, unknown> = {};
		for (const [key, value] of Object.entries(rows[0])) {
			if (key.startsWith('message__')) messageRow[key.slice('message__'.length)] = value;
			else conversationRow[key] = value;
		}
		const inserted = messageRow.id !== null && messageRow.id !== undefined;
		return {
			inserted,
			conversation: conversationRecord(conversationRow, this.fields),
			message: inserted ? messageRecord(messageRow, this.fields) : undefined,
		};
	}

	/** Stores a message we sent (bot, agent or system). A repeated WhatsApp message id is ignored. */
	async recordOutboundMessage(input: OutboundMessageInput): Promise<MessageRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`INSERT INTO messages
				(conversation_id, wa_message_id, direction, author, type, text, payload, callback_data, sent_at)
			VALUES ($1, $2, 'outbound', $3, $4, $5, $6::jsonb, $7, $8)
			ON CONFLICT (wa_message_id) DO NOTHING
			RETURNING *`,
			[
				input.conversationId,
				input.waMessageId ?? null,
				input.author,
				input.type,
				this.fields.seal(input.text),
				this.fields.sealJson(input.payload),
				input.callbackData ?? null,
				input.sentAt ?? new Date(),
			],
		);
		return rows[0] ? messageRecord(rows[0], this.fields) : undefined;
	}

	/**
	 * Moves an outbound message's delivery status forward (sent → delivered → read → played; failed
	 * wins). Statuses arrive out of order, so a late "delivered" never overwrites "read".
	 */
	async applyMessageStatus(waMessageId: string, status: string, at: Date, details?: unknown): Promise<boolean> {
		const rows = await this.driver.query(
			`UPDATE messages SET status = $2, status_at = $3,
				payload = CASE WHEN $4::jsonb IS NULL THEN payload ELSE coalesce(payload, '{}'::jsonb) || jsonb_build_object('statusDetails', $4::jsonb) END
			WHERE wa_message_id = $1
				AND coalesce(array_position(${STATUS_ORDER}, status), 0) < coalesce(array_position(${STATUS_ORDER}, $2::text), 0)
			RETURNING id`,
			[waMessageId, status, at, json(details)],
		);
		return rows.length === 1;
	}

	/**
	 * One status webhook event in one statement (one commit, which matters most on PGlite): moves the
	 * message's status forward as `applyMessageStatus` does, claims the event (`eventKey`), and, when
	 * `chargeKey` is given and the event was new, claims the message's charge too. All or nothing, so a
	 * claim can never be stored for a status that was not applied.
	 */
	async recordStatus(input: {
		waMessageId: string;
		status: string;
		at: Date;
		details?: unknown;
		eventKey: string;
		chargeKey?: string;
	}): Promise<{ claimed: boolean; charged: boolean }> {
		const rows = await this.driver.query<{ claimed: boolean; charged: boolean }>(
			`WITH applied AS (
				UPDATE messages SET status = $2, status_at = $3,
					payload = CASE WHEN $4::jsonb IS NULL THEN payload ELSE coalesce(payload, '{}'::jsonb) || jsonb_build_object('statusDetails', $4::jsonb) END
				WHERE wa_message_id = $1
					AND coalesce(array_position(${STATUS_ORDER}, status), 0) < coalesce(array_position(${STATUS_ORDER}, $2::text), 0)
				RETURNING id
			), claimed AS (
				INSERT INTO processed_events (event_key, kind) VALUES ($5, 'status') ON CONFLICT (event_key) DO NOTHING RETURNING event_key
			), charged AS (
				INSERT INTO processed_events (event_key, kind)
				SELECT $6::text, 'status' WHERE $6::text IS NOT NULL AND EXISTS (SELECT 1 FROM claimed)
				ON CONFLICT (event_key) DO NOTHING RETURNING event_key
			)
			SELECT EXISTS (SELECT 1 FROM claimed) AS claimed, EXISTS (SELECT 1 FROM charged) AS charged`,
			[input.waMessageId, input.status, input.at, json(input.details), input.eventKey, input.chargeKey ?? null],
		);
		return { claimed: rows[0]?.claimed === true, charged: rows[0]?.charged === true };
	}

	async getMessageByWaId(waMessageId: string): Promise<MessageRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>('SELECT * FROM messages WHERE wa_message_id = $1', [
			waMessageId,
		]);
		return rows[0] ? messageRecord(rows[0], this.fields) : undefined;
	}

	/** The last `limit` messages of a conversation, oldest first. */
	async listMessages(conversationId: string, limit = 50): Promise<MessageRecord[]> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`SELECT * FROM (
				SELECT * FROM messages WHERE conversation_id = $1 ORDER BY sent_at DESC, id DESC LIMIT $2
			) AS recent ORDER BY sent_at ASC, id ASC`,
			[conversationId, limit],
		);
		return rows.map((row) => messageRecord(row, this.fields));
	}

	/** Messages of a conversation stored after message `afterId` (the store's own id), oldest first: the web chat's live feed. */
	async listMessagesAfter(conversationId: string, afterId: number, limit = 100): Promise<MessageRecord[]> {
		const rows = await this.driver.query<Record<string, unknown>>(
			'SELECT * FROM messages WHERE conversation_id = $1 AND id > $2 ORDER BY id ASC LIMIT $3',
			[conversationId, afterId, limit],
		);
		return rows.map((row) => messageRecord(row, this.fields));
	}

	/**
	 * Claims a webhook event (message id, or message id + status) for processing. Exactly one caller
	 * gets `true`, however many deliveries of the same event arrive and however concurrently.
	 */
	async claimEvent(eventKey: string, kind: string): Promise<boolean> {
		const rows = await this.driver.query(
			'INSERT INTO processed_events (event_key, kind) VALUES ($1, $2) ON CONFLICT (event_key) DO NOTHING RETURNING event_key',
			[eventKey, kind],
		);
		return rows.length === 1;
	}

	/** The delivery lease of a stored inbound message, or undefined when the message is unknown. */
	async getInboundDelivery(waMessageId: string): Promise<InboundDelivery | undefined> {
		const rows = await this.driver.query<{ lease_token: string | null; lease_started_at: unknown; confirmed_at: unknown }>(
			'SELECT lease_token, lease_started_at, confirmed_at FROM processed_events WHERE event_key = $1',
			[`message:${waMessageId}`],
		);
		if (!rows[0]) return undefined;
		const iso = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string).toISOString());
		return { token: rows[0].lease_token, startedAt: iso(rows[0].lease_started_at), confirmedAt: iso(rows[0].confirmed_at) };
	}

	/**
	 * Hands the delivery lease of an inbound message to a new execution (`token`), unconfirmed, if it is
	 * still held by `currentToken`. Of several redeliveries that try at once, exactly one gets `true`.
	 */
	async takeOverInboundDelivery(waMessageId: string, currentToken: string | null, token: string): Promise<boolean> {
		const rows = await this.driver.query(
			`UPDATE processed_events SET lease_token = $3, lease_started_at = now(), confirmed_at = NULL, lease_takeovers = lease_takeovers + 1
			WHERE event_key = $1 AND lease_token IS NOT DISTINCT FROM $2::text RETURNING event_key`,
			[`message:${waMessageId}`, currentToken, token],
		);
		return rows.length === 1;
	}

	/**
	 * Called by the first pack node of an execution: `confirmed` when `token` holds the lease (again, for a
	 * re-run of the same execution), `superseded` when a redelivery has handed it to another execution (this
	 * one must stop), `unknown` when the message has no lease (stored without one, or purged since).
	 */
	async confirmInboundDelivery(waMessageId: string, token: string): Promise<DeliveryConfirmation> {
		const rows = await this.driver.query<{ lease_token: string | null; confirmed: boolean }>(
			`WITH confirmed AS (
				UPDATE processed_events SET confirmed_at = coalesce(confirmed_at, now())
				WHERE event_key = $1 AND lease_token = $2 RETURNING event_key
			)
			SELECT lease_token, EXISTS (SELECT 1 FROM confirmed) AS confirmed FROM processed_events WHERE event_key = $1`,
			[`message:${waMessageId}`, token],
		);
		const row = rows[0];
		if (row?.confirmed === true || (row && row.lease_token === token)) return 'confirmed';
		if (row?.lease_token) return 'superseded';
		return 'unknown';
	}

	/** Appends to the consent log. The log has no update: the current status is derived from it. */
	async appendConsentEvent(input: ConsentEventInput): Promise<ConsentEventRecord> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`INSERT INTO consent_events (customer_key, conversation_id, scope, action, source, evidence, occurred_at)
			VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
			RETURNING *`,
			[
				input.customerKey,
				input.conversationId ?? null,
				input.scope,
				input.action,
				input.source,
				json(input.evidence),
				input.occurredAt ?? new Date(),
			],
		);
		return toRecord<ConsentEventRecord>(rows[0]);
	}

	/** The customer's consent log, including the tombstone left by an erasure of the same customer. */
	async listConsentEvents(customerKey: string): Promise<ConsentEventRecord[]> {
		const rows = await this.driver.query<Record<string, unknown>>(
			'SELECT * FROM consent_events WHERE customer_key = ANY($1::text[]) ORDER BY occurred_at ASC, id ASC',
			[[customerKey, await this.tombstoneKeyOf(customerKey), legacyErasureTombstoneKey(customerKey)]],
		);
		return toRecords<ConsentEventRecord>(rows);
	}

	/**
	 * Opens a handoff and marks the conversation "with human". Idempotent: while one is open, further
	 * calls (even concurrent ones) return that same handoff with `created: false`.
	 */
	async openHandoff(
		conversationId: string,
		input: HandoffInput = {},
	): Promise<{ handoff: HandoffRecord; created: boolean }> {
		return await this.driver.transaction(async (tx) => {
			const inserted = await tx.query<Record<string, unknown>>(
				`INSERT INTO handoffs (conversation_id, status, reason, summary, context)
				VALUES ($1, 'open', $2, $3, $4::jsonb)
				ON CONFLICT (conversation_id) WHERE status = 'open' DO NOTHING
				RETURNING *`,
				[conversationId, input.reason ?? null, this.fields.seal(input.summary), this.fields.sealJson(input.context)],
			);
			await tx.query(`UPDATE conversations SET state = 'human', updated_at = now() WHERE id = $1`, [
				conversationId,
			]);
			if (inserted[0]) return { handoff: handoffRecord(inserted[0], this.fields), created: true };
			const existing = await tx.query<Record<string, unknown>>(
				`SELECT * FROM handoffs WHERE conversation_id = $1 AND status = 'open'`,
				[conversationId],
			);
			return { handoff: handoffRecord(existing[0], this.fields), created: false };
		});
	}

	async getOpenHandoff(conversationId: string): Promise<HandoffRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`SELECT * FROM handoffs WHERE conversation_id = $1 AND status = 'open'`,
			[conversationId],
		);
		return rows[0] ? handoffRecord(rows[0], this.fields) : undefined;
	}

	/** Counts turns the bot could not answer in a row (reset by an answer); returns the new streak. */
	async recordAnswerOutcome(conversationId: string, answered: boolean): Promise<number> {
		// An answer in a conversation with no streak changes nothing, so it writes nothing (most answers: no
		// row version, no commit to flush).
		const rows = await this.driver.query<{ unanswered_streak: number }>(
			`UPDATE conversations SET unanswered_streak = CASE WHEN $2 THEN 0 ELSE unanswered_streak + 1 END, updated_at = now()
			WHERE id = $1 AND NOT ($2 AND unanswered_streak = 0) RETURNING unanswered_streak`,
			[conversationId, answered],
		);
		return Number(rows[0]?.unanswered_streak ?? 0);
	}

	/** Keeps the language the customer last wrote in, for messages too short to tell ("ok", "👍"). */
	async rememberLanguage(conversationId: string, language: string): Promise<void> {
		await this.driver.query(
			`UPDATE conversations SET language = $2, updated_at = now() WHERE id = $1 AND language IS DISTINCT FROM $2`,
			[conversationId, language],
		);
	}

	/**
	 * Counts voice notes, photos and documents without a caption in a row: `true` adds one, `false` (a
	 * message with text) starts again from 0. Returns the new count.
	 */
	async recordMediaWithoutText(conversationId: string, withoutText: boolean): Promise<number> {
		if (!withoutText) {
			await this.driver.query(
				`UPDATE conversations SET media_without_text_streak = 0 WHERE id = $1 AND media_without_text_streak <> 0`,
				[conversationId],
			);
			return 0;
		}
		const rows = await this.driver.query<{ media_without_text_streak: number }>(
			`UPDATE conversations SET media_without_text_streak = media_without_text_streak + 1, updated_at = now()
			WHERE id = $1 RETURNING media_without_text_streak`,
			[conversationId],
		);
		return Number(rows[0]?.media_without_text_streak ?? 0);
	}

	/**
	 * Records the customer's reaction on the message it reacts to (an empty emoji removes it). Only a
	 * message of the same conversation is changed; returns whether it was found.
	 */
	async recordReaction(conversationId: string, waMessageId: string, emoji: string | undefined, at: Date = new Date()): Promise<boolean> {
		const rows = await this.driver.query(
			`UPDATE messages SET reaction = $3, reacted_at = $4 WHERE wa_message_id = $2 AND conversation_id = $1 RETURNING id`,
			[conversationId, waMessageId, emoji || null, at],
		);
		return rows.length === 1;
	}

	/** Notes agent or customer activity on an open handoff (the inactivity timeout counts from it). */
	async touchHandoff(conversationId: string, at: Date = new Date()): Promise<void> {
		await this.driver.query(
			`UPDATE handoffs SET last_activity_at = greatest(last_activity_at, $2) WHERE conversation_id = $1 AND status = 'open'`,
			[conversationId, at],
		);
	}

	async listOpenHandoffs(): Promise<HandoffRecord[]> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`SELECT * FROM handoffs WHERE status = 'open' ORDER BY opened_at ASC`,
		);
		return rows.map((row) => handoffRecord(row, this.fields));
	}

	/** Releases handoffs with no activity since `before`; returns the released ones. */
	async releaseInactiveHandoffs(before: Date, releasedBy = 'timeout'): Promise<HandoffRecord[]> {
		return await this.driver.transaction(async (tx) => {
			const rows = await tx.query<Record<string, unknown>>(
				`UPDATE handoffs SET status = 'released', released_at = now(), released_by = $2
				WHERE status = 'open' AND last_activity_at < $1
				RETURNING *`,
				[before, releasedBy],
			);
			const ids = rows.map((row) => row.conversation_id as string);
			if (ids.length) {
				await tx.query(`UPDATE conversations SET state = 'bot', updated_at = now() WHERE id = ANY($1::text[])`, [ids]);
			}
			return rows.map((row) => handoffRecord(row, this.fields));
		});
	}

	/** Hands the conversation back to the bot. Returns the released handoff, or undefined if none was open. */
	async releaseHandoff(conversationId: string, releasedBy: string): Promise<HandoffRecord | undefined> {
		return await this.driver.transaction(async (tx) => {
			const rows = await tx.query<Record<string, unknown>>(
				`UPDATE handoffs SET status = 'released', released_at = now(), released_by = $2
				WHERE conversation_id = $1 AND status = 'open'
				RETURNING *`,
				[conversationId, releasedBy],
			);
			await tx.query(`UPDATE conversations SET state = 'bot', updated_at = now() WHERE id = $1`, [
				conversationId,
			]);
			return rows[0] ? handoffRecord(rows[0], this.fields) : undefined;
		});
	}

	/** Records a cost once per (kind, sourceKey); returns false when it was already recorded. */
	async recordCost(input: CostInput): Promise<boolean> {
		const rows = await this.driver.query(
			`INSERT INTO costs (conversation_id, kind, source_key, category, pricing_type, country, model,
				input_tokens, output_tokens, amount, currency, details, occurred_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13)
			ON CONFLICT (kind, source_key) DO NOTHING
			RETURNING id`,
			[
				input.conversationId ?? null,
				input.kind,
				input.sourceKey,
				input.category ?? null,
				input.pricingType ?? null,
				input.country ?? null,
				input.model ?? null,
				input.inputTokens ?? null,
				input.outputTokens ?? null,
				input.amount,
				input.currency,
				json(input.details),
				input.occurredAt ?? new Date(),
			],
		);
		return rows.length === 1;
	}

	/**
	 * Records (or completes) what the pipeline made of one customer message. A second call for the same
	 * message fills in what the first left empty and updates the rest, so a re-run never duplicates it.
	 */
	async recordTurn(input: TurnInput): Promise<{ inserted: boolean }> {
		return await insertTurn(this.driver, input);
	}

	/**
	 * Retention: deletes messages older than `messagesDays` and cost/analytics rows (turns, surveys) older than
	 * `analyticsDays` (survey comments go with the messages), released handoffs with the messages, dedupe keys after a week, and conversations
	 * with nothing left. With `anonymise`, old messages keep their row (for counts) but lose text and
	 * payload. The consent log is never purged: it is the proof of consent the law asks for.
	 */
	async purgeExpired(options: { messagesDays: number; analyticsDays: number; anonymise?: boolean; now?: Date }): Promise<PurgeCounts> {
		const now = options.now ?? new Date();
		const messagesBefore = new Date(now.getTime() - options.messagesDays * 86_400_000);
		const analyticsBefore = new Date(now.getTime() - options.analyticsDays * 86_400_000);
		const dedupeBefore = new Date(now.getTime() - Math.min(options.messagesDays, 7) * 86_400_000);
		const { accessLog } = await this.access.purge({ now });
		return await this.driver.transaction(async (tx) => {
			const count = async (sql: string, params: unknown[]) => (await tx.query(sql, params)).length;
			const messages = options.anonymise
				? await count(
						`UPDATE messages SET text = NULL, payload = NULL WHERE sent_at < $1 AND (text IS NOT NULL OR payload IS NOT NULL) RETURNING id`,
						[messagesBefore],
					)
				: await count('DELETE FROM messages WHERE sent_at < $1 RETURNING id', [messagesBefore]);
			const handoffs = await count(
				`DELETE FROM handoffs WHERE status = 'released' AND coalesce(released_at, opened_at) < $1 RETURNING id`,
				[messagesBefore],
			);
			const costs = await count('DELETE FROM costs WHERE occurred_at < $1 RETURNING id', [analyticsBefore]);
			const turns = await count('DELETE FROM turns WHERE asked_at < $1 RETURNING id', [analyticsBefore]);
			const processedEvents = await count('DELETE FROM processed_events WHERE processed_at < $1 RETURNING event_key', [dedupeBefore]);
			const forms = await count('DELETE FROM conversation_forms WHERE expires_at < $1 RETURNING conversation_id', [now]);
			const surveys = await count('DELETE FROM surveys WHERE sent_at < $1 RETURNING id', [analyticsBefore]);
			const surveyComments = await count(
				'UPDATE surveys SET comment = NULL WHERE comment IS NOT NULL AND coalesce(commented_at, sent_at) < $1 RETURNING id',
				[messagesBefore],
			);
			const conversations = await count(
				`DELETE FROM conversations c WHERE c.updated_at < $1
					AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id)
					AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id)
					AND NOT EXISTS (SELECT 1 FROM costs k WHERE k.conversation_id = c.id)
					AND NOT EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id)
				RETURNING id`,
				[messagesBefore],
			);
			// A profile nobody added to within the message retention goes with the messages it came from.
			const guestProfiles = await count('DELETE FROM guest_profiles WHERE updated_at < $1 RETURNING customer_key', [messagesBefore]);
			return { messages, handoffs, costs, turns, processedEvents, forms, conversations, guestProfiles, surveys, surveyComments, accessLog, anonymised: Boolean(options.anonymise) };
		});
	}

	/** Everything stored about one customer (data-subject access request). */
	async exportCustomer(customerKey: string): Promise<CustomerExport> {
		const conversations = (
			await this.driver.query<Record<string, unknown>>('SELECT * FROM conversations WHERE customer_key = $1 ORDER BY created_at', [customerKey])
		).map((row) => conversationRecord(row, this.fields));
		const ids = conversations.map((conversation) => conversation.id);
		const byConversation = async <T>(table: string, order: string) =>
			toRecords<T>(await this.driver.query<Record<string, unknown>>(`SELECT * FROM ${table} WHERE conversation_id = ANY($1::text[]) ORDER BY ${order}`, [ids]));
		return {
			customerKey,
			exportedAt: new Date().toISOString(),
			conversations,
			messages: (await byConversation<Record<string, unknown>>('messages', 'sent_at, id')).map((record) => ({
				...record,
				text: this.fields.open(record.text),
				payload: this.fields.openJson(record.payload),
			})) as unknown as MessageRecord[],
			handoffs: (await byConversation<Record<string, unknown>>('handoffs', 'opened_at, id')).map((record) => ({
				...record,
				summary: this.fields.open(record.summary),
				context: this.fields.openJson(record.context),
			})) as unknown as HandoffRecord[],
			costs: await byConversation<Record<string, unknown>>('costs', 'occurred_at, id'),
			turns: await byConversation<Record<string, unknown>>('turns', 'asked_at, id'),
			forms: (await this.driver.query<Record<string, unknown>>('SELECT * FROM conversation_forms WHERE conversation_id = ANY($1::text[]) ORDER BY started_at', [ids])).map((row) => formRecord(row, this.fields)),
			surveys: (await byConversation<Record<string, unknown>>('surveys', 'sent_at, id')).map((record) => ({ ...record, comment: this.fields.open(record.comment) })),
			consentEvents: await this.listConsentEvents(customerKey),
			guestProfile: (await this.getGuestProfile(customerKey)) ?? null,
		};
	}

	/**
	 * Erases a customer (right to erasure): conversations, messages, handoffs, costs and consent rows go;
	 * a tombstone keyed on an HMAC of the customer key stays, recording that they were erased and which
	 * scopes were revoked, so an opt-out is still honoured if they write again.
	 */
	async eraseCustomer(customerKey: string, source = 'dsar'): Promise<ErasureCounts> {
		const tombstone = await this.tombstoneKeyOf(customerKey);
		return await this.driver.transaction(async (tx) => {
			const ids = (await tx.query<{ id: string }>('SELECT id FROM conversations WHERE customer_key = $1', [customerKey])).map((row) => row.id);
			const count = async (sql: string) => (await tx.query(sql, [ids])).length;
			const messages = await count('DELETE FROM messages WHERE conversation_id = ANY($1::text[]) RETURNING id');
			const handoffs = await count('DELETE FROM handoffs WHERE conversation_id = ANY($1::text[]) RETURNING id');
			const costs = await count('DELETE FROM costs WHERE conversation_id = ANY($1::text[]) RETURNING id');
			const turns = await count('DELETE FROM turns WHERE conversation_id = ANY($1::text[]) RETURNING id');
			const conversations = await count('DELETE FROM conversations WHERE id = ANY($1::text[]) RETURNING id');
			const guestProfiles = (await tx.query('DELETE FROM guest_profiles WHERE customer_key = $1 RETURNING customer_key', [customerKey])).length;
			const revoked = (
				await tx.query<{ scope: string }>(
					`SELECT DISTINCT ON (scope) scope, action FROM consent_events WHERE customer_key = $1 ORDER BY scope, occurred_at DESC, id DESC`,
					[customerKey],
				)
			)
				.filter((row) => (row as { action?: string }).action === 'opt_out')
				.map((row) => row.scope);
			await tx.query(`SELECT set_config('whatsapp_support.consent_erasure', 'on', true)`);
			const consentEvents = (await tx.query('DELETE FROM consent_events WHERE customer_key = $1 RETURNING id', [customerKey])).length;
			await tx.query(`SELECT set_config('whatsapp_support.consent_erasure', 'off', true)`);
			await tx.query(
				`INSERT INTO consent_events (customer_key, scope, action, source, evidence) VALUES ($1, '*', 'erased', $2, $3::jsonb)`,
				[tombstone, source, JSON.stringify({ revokedScopes: revoked })],
			);
			for (const scope of revoked) {
				await tx.query(
					`INSERT INTO consent_events (customer_key, scope, action, source, evidence) VALUES ($1, $2, 'opt_out', 'erasure_tombstone', NULL)`,
					[tombstone, scope],
				);
			}
			return { conversations, messages, handoffs, costs, turns, consentEvents, guestProfiles };
		});
	}

	/**
	 * The stored form of a conversation, also when it has expired (compare `expiresAt` with the clock):
	 * a new form replaces an expired one by saving with its version.
	 */
	async loadConversationForm(conversationId: string): Promise<ConversationFormRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>('SELECT * FROM conversation_forms WHERE conversation_id = $1', [conversationId]);
		return rows[0] ? formRecord(rows[0], this.fields) : undefined;
	}

	/**
	 * Saves the conversation's form if nobody else has since `expectedVersion` (the version that was read;
	 * null when none was stored). Returns the saved row with its new version, or undefined when another
	 * writer came first: then read again and re-apply the message.
	 */
	async saveConversationForm(input: ConversationFormInput, expectedVersion: number | null): Promise<ConversationFormRecord | undefined> {
		const params = [
			input.conversationId,
			input.formName,
			input.status,
			this.fields.sealJson(input.values),
			JSON.stringify(input.sources),
			JSON.stringify(input.attempts),
			input.askedField,
			input.language,
			input.startedAt,
			input.lastActiveAt,
			input.expiresAt,
			input.resumePending,
			json(input.partialRange ?? undefined),
		];
		const rows =
			expectedVersion === null
				? await this.driver.query<Record<string, unknown>>(
						`INSERT INTO conversation_forms (conversation_id, form_name, status, field_values, value_sources, attempts, asked_field,
							language, started_at, last_active_at, expires_at, resume_pending, partial_range, version)
						VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11, $12, $13::jsonb, 1)
						ON CONFLICT (conversation_id) DO NOTHING
						RETURNING *`,
						params,
					)
				: await this.driver.query<Record<string, unknown>>(
						`UPDATE conversation_forms SET form_name = $2, status = $3, field_values = $4::jsonb, value_sources = $5::jsonb,
							attempts = $6::jsonb, asked_field = $7, language = $8, started_at = $9, last_active_at = $10, expires_at = $11,
							resume_pending = $12, partial_range = $13::jsonb, version = version + 1
						WHERE conversation_id = $1 AND version = $14
						RETURNING *`,
						[...params, expectedVersion],
					);
		return rows[0] ? formRecord(rows[0], this.fields) : undefined;
	}

	/** Ends the conversation's form (at `expectedVersion` when given); false when it had changed or was gone. */
	async clearConversationForm(conversationId: string, expectedVersion?: number): Promise<boolean> {
		const rows = await this.driver.query(
			'DELETE FROM conversation_forms WHERE conversation_id = $1 AND ($2::int IS NULL OR version = $2::int) RETURNING conversation_id',
			[conversationId, expectedVersion ?? null],
		);
		return rows.length === 1;
	}

	/** What a guest told us about themselves (see profiles.ts). */
	async getGuestProfile(customerKey: string): Promise<GuestProfile | undefined> {
		return await selectGuestProfile(this.driver, this.fields, customerKey);
	}

	async updateGuestProfile(customerKey: string, update: GuestProfileUpdate): Promise<GuestProfile> {
		return await this.driver.transaction(async (tx) => await mergeGuestProfile(tx, this.fields, customerKey, update));
	}

	/** Staff correction of one profile field; undefined when the guest has no profile. */
	async correctGuestProfile(customerKey: string, field: GuestProfileField, change: { value?: string | string[] | null; remove?: string }): Promise<GuestProfile | undefined> {
		return await this.driver.transaction(async (tx) => await correctGuestProfile(tx, this.fields, customerKey, field, change));
	}

	/** Row counts per table; used by health checks and tests. */
	async countRows(table: 'conversations' | 'messages' | 'processed_events' | 'consent_events' | 'handoffs' | 'costs' | 'conversation_forms') {
		const rows = await this.driver.query<{ count: number | string }>(`SELECT count(*)::int AS count FROM ${table}`);
		return Number(rows[0].count);
	}

	async close(): Promise<void> {
		await this.driver.close();
	}
}
