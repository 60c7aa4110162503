/**
 * Satisfaction surveys in the support store, reached as `store.surveys`. A survey is claimed (one row) before
 * it is sent: the unique (conversation, end) key stops a second send for the same end, and a per-guest
 * advisory lock around the "none in the last N days" check keeps two concurrent runs from both sending.
 */
import type { SqlDriver } from './driver';
import { PLAIN_FIELDS, type FieldCodec } from './field-cipher';

export type SurveyKind = 'csat' | 'nps';
export type SurveyReason = 'bot_idle' | 'handoff_released';
export type SurveyRoute = 'bot' | 'person';
export type SurveyStatus = 'sent' | 'answered' | 'follow_up' | 'commented';

export interface SurveyCandidate {
	conversationId: string;
	channel: string;
	phoneNumberId: string;
	customerKey: string;
	waId: string | null;
	userId: string | null;
	customerName: string | null;
	language: string | null;
	reason: SurveyReason;
	route: SurveyRoute;
	intent: string | null;
	startedAt: string | null;
	endedAt: string;
	lastInboundAt: string;
}

export interface SurveyRecord {
	id: number;
	conversationId: string;
	customerKey: string;
	kind: SurveyKind;
	reason: SurveyReason;
	route: SurveyRoute;
	intent: string | null;
	language: string;
	conversationStartedAt: string | null;
	conversationEndedAt: string;
	sentAt: string;
	waMessageId: string | null;
	status: SurveyStatus;
	score: number | null;
	answeredAt: string | null;
	followUpAskedAt: string | null;
	comment: string | null;
	commentedAt: string | null;
}

export interface DueSurveyOptions {
	now: Date;
	/** The guest wrote nothing for this long after the bot's last answer. */
	idleMinutes: number;
	/** Only while the 24 h service window is open for at least this much longer. */
	windowMarginMinutes: number;
	limit: number;
	/** Only conversations on this business number (the one the WhatsApp credential sends from). */
	phoneNumberId?: string;
	/** Staff numbers or user ids (normalised) never surveyed, besides conversations marked internal. */
	internalNumbers?: string[];
}

const iso = (value: unknown): string | null => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());

function surveyRecord(row: Record<string, unknown>, fields: FieldCodec): SurveyRecord {
	return {
		id: Number(row.id),
		conversationId: String(row.conversation_id),
		customerKey: String(row.customer_key),
		kind: row.kind as SurveyKind,
		reason: row.reason as SurveyReason,
		route: row.route as SurveyRoute,
		intent: (row.intent as string | null) ?? null,
		language: String(row.language),
		conversationStartedAt: iso(row.conversation_started_at),
		conversationEndedAt: iso(row.conversation_ended_at) as string,
		sentAt: iso(row.sent_at) as string,
		waMessageId: (row.wa_message_id as string | null) ?? null,
		status: row.status as SurveyStatus,
		score: row.score === null || row.score === undefined ? null : Number(row.score),
		answeredAt: iso(row.answered_at),
		followUpAskedAt: iso(row.follow_up_asked_at),
		comment: fields.open(row.comment),
		commentedAt: iso(row.commented_at),
	};
}

export class SurveyStore {
	constructor(
		private readonly driver: SqlDriver,
		private readonly fields: FieldCodec = PLAIN_FIELDS,
	) {}

	/**
	 * Conversations that ended and may get a survey now: on WhatsApp, not internal (marked, or a number in
	 * `internalNumbers`), with the bot in charge,
	 * our reply after the guest's last message, and either a handoff released since that message or the guest
	 * silent for `idleMinutes`; the service window still open for `windowMarginMinutes`; no survey yet for this
	 * end. Consent and the once-per-N-days rule are checked by the caller and by `claim`.
	 */
	async findDue(options: DueSurveyOptions): Promise<SurveyCandidate[]> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`WITH last_customer AS (
				SELECT conversation_id, max(sent_at) AS at FROM messages WHERE author = 'customer' GROUP BY conversation_id
			),
			last_reply AS (
				SELECT conversation_id, max(sent_at) AS at FROM messages WHERE author IN ('bot', 'agent') GROUP BY conversation_id
			),
			candidates AS (
				SELECT c.*, lc.at AS last_customer_at, lr.at AS last_reply_at,
					(SELECT max(h.released_at) FROM handoffs h WHERE h.conversation_id = c.id AND h.status = 'released' AND h.released_at >= lc.at) AS released_at
				FROM conversations c
				JOIN last_customer lc ON lc.conversation_id = c.id
				JOIN last_reply lr ON lr.conversation_id = c.id
				WHERE c.channel = 'whatsapp' AND c.internal_role IS NULL AND c.state = 'bot' AND c.wa_id IS NOT NULL
					AND c.last_inbound_at + interval '24 hours' > $1::timestamptz + make_interval(mins => $3::int)
					AND lr.at > lc.at
					AND NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.id AND h.status = 'open')
					AND ($5::text IS NULL OR c.phone_number_id = $5)
					AND NOT (c.customer_key = ANY($6::text[]) OR c.wa_id = ANY($6::text[]) OR coalesce(c.user_id, '') = ANY($6::text[]) OR coalesce(c.wa_id_hmac, '') = ANY($7::text[]))
			)
			SELECT k.*,
				coalesce(k.released_at, k.last_reply_at) AS ended_at,
				EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = k.id AND h.opened_at >= k.last_inbound_at - interval '24 hours')
					OR EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = k.id AND m.author = 'agent' AND m.sent_at >= k.last_inbound_at - interval '24 hours') AS by_person,
				(SELECT t.intent FROM turns t WHERE t.conversation_id = k.id AND t.intent IS NOT NULL ORDER BY t.asked_at DESC LIMIT 1) AS intent,
				(SELECT min(m.sent_at) FROM messages m WHERE m.conversation_id = k.id AND m.author = 'customer'
					AND m.sent_at >= k.last_inbound_at - interval '24 hours') AS started_at
			FROM candidates k
			WHERE (k.released_at IS NOT NULL OR k.last_reply_at <= $1::timestamptz - make_interval(mins => $2::int))
				AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.conversation_id = k.id AND s.sent_at >= k.last_customer_at - interval '24 hours')
			ORDER BY ended_at
			LIMIT $4`,
			[options.now, options.idleMinutes, options.windowMarginMinutes, options.limit, options.phoneNumberId ?? null, options.internalNumbers ?? [],
				// Encrypted numbers: through their keyed hash.
				(options.internalNumbers ?? []).filter((key) => /^\d+$/.test(key)).flatMap((digits) => this.fields.lookupHashes(digits))],
		);
		return rows.map((row) => ({
			conversationId: String(row.id),
			channel: String(row.channel),
			phoneNumberId: String(row.phone_number_id),
			customerKey: String(row.customer_key),
			waId: this.fields.open(row.wa_id),
			userId: (row.user_id as string | null) ?? null,
			customerName: this.fields.open(row.customer_name),
			language: (row.language as string | null) ?? null,
			reason: row.released_at ? 'handoff_released' : 'bot_idle',
			route: row.released_at || row.by_person ? 'person' : 'bot',
			intent: (row.intent as string | null) ?? null,
			startedAt: iso(row.started_at),
			endedAt: iso(row.ended_at) as string,
			lastInboundAt: iso(row.last_inbound_at) as string,
		}));
	}

	/**
	 * Claims the survey for this conversation end: `undefined` when one exists for it already, or the guest
	 * had a survey within `everyDays` days (on any of our numbers).
	 */
	async claim(candidate: SurveyCandidate, input: { kind: SurveyKind; language: string; everyDays: number; now: Date }): Promise<SurveyRecord | undefined> {
		return await this.driver.transaction(async (tx) => {
			await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`survey:${candidate.customerKey}`]);
			const rows = await tx.query<Record<string, unknown>>(
				`INSERT INTO surveys (conversation_id, customer_key, kind, reason, route, intent, language, conversation_started_at, conversation_ended_at, sent_at)
				SELECT $1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $9::timestamptz, $10::timestamptz
				WHERE NOT EXISTS (
					SELECT 1 FROM surveys s WHERE s.customer_key = $2 AND s.sent_at > $10::timestamptz - make_interval(days => $11::int)
				)
				ON CONFLICT (conversation_id, conversation_ended_at) DO NOTHING
				RETURNING *`,
				[
					candidate.conversationId,
					candidate.customerKey,
					input.kind,
					candidate.reason,
					candidate.route,
					candidate.intent,
					input.language,
					candidate.startedAt,
					candidate.endedAt,
					input.now,
					input.everyDays,
				],
			);
			return rows[0] ? surveyRecord(rows[0], this.fields) : undefined;
		});
	}

	/** The sent message's id, once WhatsApp accepted it. */
	async attachMessage(surveyId: number, waMessageId: string): Promise<void> {
		await this.driver.query('UPDATE surveys SET wa_message_id = $2 WHERE id = $1', [surveyId, waMessageId]);
	}

	/** Gives a claim back when the survey could not be sent (e.g. the window closed meanwhile). */
	async withdraw(surveyId: number): Promise<void> {
		await this.driver.query(`DELETE FROM surveys WHERE id = $1 AND status = 'sent' AND wa_message_id IS NULL`, [surveyId]);
	}

	async get(surveyId: number): Promise<SurveyRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>('SELECT * FROM surveys WHERE id = $1', [surveyId]);
		return rows[0] ? surveyRecord(rows[0], this.fields) : undefined;
	}

	/** The conversation's latest survey still waiting for a score or a comment, if any. */
	async awaiting(conversationId: string): Promise<SurveyRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`SELECT * FROM surveys WHERE conversation_id = $1 AND status IN ('sent', 'follow_up') ORDER BY sent_at DESC, id DESC LIMIT 1`,
			[conversationId],
		);
		return rows[0] ? surveyRecord(rows[0], this.fields) : undefined;
	}

	/** Whether the survey is still the last message we sent in its conversation (a typed number then answers it). */
	async isLastSent(surveyId: number): Promise<boolean> {
		const rows = await this.driver.query<{ last: boolean | null }>(
			`SELECT s.wa_message_id IS NOT NULL AND s.wa_message_id = (
				SELECT m.wa_message_id FROM messages m WHERE m.conversation_id = s.conversation_id AND m.direction = 'outbound'
				ORDER BY m.sent_at DESC, m.id DESC LIMIT 1) AS last
			FROM surveys s WHERE s.id = $1`,
			[surveyId],
		);
		return rows[0]?.last === true;
	}

	async listForConversation(conversationId: string): Promise<SurveyRecord[]> {
		const rows = await this.driver.query<Record<string, unknown>>('SELECT * FROM surveys WHERE conversation_id = $1 ORDER BY sent_at, id', [conversationId]);
		return rows.map((row) => surveyRecord(row, this.fields));
	}

	/** Stores the score once (a second tap on the list changes nothing); `followUp` asks for a comment next. */
	async recordScore(surveyId: number, score: number, at: Date, followUp: boolean): Promise<SurveyRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`UPDATE surveys SET score = $2, answered_at = $3::timestamptz,
				status = CASE WHEN $4::boolean THEN 'follow_up' ELSE 'answered' END,
				follow_up_asked_at = CASE WHEN $4::boolean THEN $3::timestamptz ELSE NULL END
			WHERE id = $1 AND status = 'sent' RETURNING *`,
			[surveyId, score, at, followUp],
		);
		return rows[0] ? surveyRecord(rows[0], this.fields) : undefined;
	}

	async recordComment(surveyId: number, comment: string, at: Date): Promise<SurveyRecord | undefined> {
		const rows = await this.driver.query<Record<string, unknown>>(
			`UPDATE surveys SET comment = $2, commented_at = $3::timestamptz, status = 'commented' WHERE id = $1 AND status = 'follow_up' RETURNING *`,
			[surveyId, this.fields.seal(comment), at],
		);
		return rows[0] ? surveyRecord(rows[0], this.fields) : undefined;
	}

	/** Stops waiting for a comment (the guest wrote about something else). */
	async closeFollowUp(surveyId: number): Promise<void> {
		await this.driver.query(`UPDATE surveys SET status = 'answered' WHERE id = $1 AND status = 'follow_up'`, [surveyId]);
	}
}
