/**
 * Chats analytics over the support store: turns (what the pipeline made of each customer message),
 * per-conversation costs, metrics over a date range, chat lists and exports. Plain SQL on `store.driver`
 * (one PostgreSQL dialect for PGlite and PostgreSQL); every count is done by the database.
 *
 * Definitions (README, "Cost Logger → Metrics"):
 * - chat: a conversation with at least one customer message in the range;
 * - turn: the customer messages between two replies (bot or agent); it starts at the first of them
 *   (`askedAt`) and is answered by the next bot or agent message (`repliedAt`), even after the range;
 * - response rate: answered turns / turns; response time: repliedAt − askedAt (average, and p90 as the
 *   nearest-rank 90th percentile);
 * - automated chat: every turn answered, all answers by the bot, no agent message and no handoff opened
 *   in the range; automation rate: automated chats / chats; handoff rate: chats with a handoff opened in
 *   the range / chats;
 * - contact: a customer's messages after a silence of more than 24 h (or their first ever) up to the
 *   next such message; resolved on first contact: every turn of it answered, no handoff opened during
 *   it, and no new contact from the customer within 7 days of their last message in it. First-contact
 *   resolution: resolved contacts / contacts started in the range.
 */
import type { SupportStore } from './support-store';

export interface ChatFilters {
	/** Range start (inclusive). */
	from: Date;
	/** Range end (exclusive). */
	to: Date;
	/** Conversation channels: whatsapp, web, test. Empty or undefined: all. */
	channels?: string[];
	/** Assistant name or workflow id recorded on the conversation's turns in the range. */
	assistant?: string;
	/** Part of the customer's name, number, WhatsApp id or user id (case-insensitive). */
	customer?: string;
}

export interface MetricsOptions {
	/** Currency for cost per chat; default: the currency most costs were logged in, else USD. */
	currency?: string;
	/** Silence that starts a new contact (hours); default 24, WhatsApp's service window. */
	contactGapHours?: number;
	/** A new contact within this many days of the last one means it was not resolved; default 7. */
	reopenDays?: number;
	/** How many intents to list; default 10. */
	topIntents?: number;
	/** IANA time zone for the daily series; default UTC. */
	timeZone?: string;
}

export class MetricsError extends Error {
	constructor(
		message: string,
		readonly hint: string,
	) {
		super(message);
		this.name = 'MetricsError';
	}
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

class Params {
	readonly values: unknown[] = [];

	add(value: unknown): string {
		this.values.push(value);
		return `$${this.values.length}`;
	}
}

function num(value: unknown): number {
	if (value === null || value === undefined) return 0;
	const parsed = typeof value === 'number' ? value : Number(value);
	return Number.isFinite(parsed) ? parsed : 0;
}

function optionalNumber(value: unknown): number | null {
	return value === null || value === undefined ? null : num(value);
}

function iso(value: unknown): string | null {
	if (value === null || value === undefined) return null;
	return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

function text(value: unknown): string | null {
	return value === null || value === undefined ? null : String(value);
}

/** Rounds money to 6 decimals (the costs table's scale), avoiding float noise such as 0.30000000000000004. */
export function roundMoney(amount: number): number {
	return Math.round(amount * 1e6) / 1e6;
}

function ratio(part: number, whole: number): number | null {
	return whole > 0 ? part / whole : null;
}

function likePattern(value: string): string {
	return `%${value.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
}

/** The conversations the filters select, as a CTE body; the range is given as parameters too. */
function scopeCte(filters: ChatFilters, params: Params): { sql: string; from: string; to: string } {
	const from = params.add(filters.from);
	const to = params.add(filters.to);
	const conditions: string[] = [];
	const channels = (filters.channels ?? []).map((channel) => channel.trim()).filter(Boolean);
	if (channels.length) conditions.push(`c.channel = ANY(${params.add(channels)}::text[])`);
	const customer = filters.customer?.trim();
	if (customer) {
		const pattern = params.add(likePattern(customer));
		conditions.push(
			`(c.customer_key ILIKE ${pattern} OR coalesce(c.wa_id, '') ILIKE ${pattern} OR coalesce(c.user_id, '') ILIKE ${pattern} OR coalesce(c.customer_name, '') ILIKE ${pattern})`,
		);
	}
	const assistant = filters.assistant?.trim();
	if (assistant) {
		const value = params.add(assistant);
		conditions.push(
			`EXISTS (SELECT 1 FROM turns t WHERE t.conversation_id = c.id AND (t.assistant = ${value} OR t.workflow_id = ${value}) AND t.asked_at >= ${from} AND t.asked_at < ${to})`,
		);
	}
	const where = conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';
	return {
		sql: `scope AS (SELECT c.* FROM conversations c ${where}),
			in_range AS (
				SELECT m.* FROM messages m JOIN scope s ON s.id = m.conversation_id
				WHERE m.sent_at >= ${from}::timestamptz AND m.sent_at < ${to}::timestamptz
			)`,
		from: `${from}::timestamptz`,
		to: `${to}::timestamptz`,
	};
}

/** Whether the filters narrow the conversations (costs without a conversation then no longer count). */
function narrowed(filters: ChatFilters): boolean {
	return Boolean((filters.channels ?? []).filter(Boolean).length || filters.customer?.trim() || filters.assistant?.trim());
}

/** Every customer turn of the scoped conversations (all time), with its first reply. */
const TURNS_CTE = `
	ordered AS (
		SELECT m.conversation_id, m.author, m.sent_at,
			count(*) FILTER (WHERE m.author IN ('bot', 'agent')) OVER (
				PARTITION BY m.conversation_id ORDER BY m.sent_at, m.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
			) AS segment
		FROM messages m JOIN scope s ON s.id = m.conversation_id
	),
	all_turns AS (
		SELECT q.conversation_id, q.asked_at, r.sent_at AS replied_at, r.author AS replied_by
		FROM (
			SELECT conversation_id, segment, min(sent_at) AS asked_at FROM ordered WHERE author = 'customer' GROUP BY conversation_id, segment
		) q
		LEFT JOIN ordered r ON r.conversation_id = q.conversation_id AND r.segment = q.segment AND r.author IN ('bot', 'agent')
	)`;

// ---------------------------------------------------------------------------------------------
// Date ranges
// ---------------------------------------------------------------------------------------------

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface DateRangeInput {
	/** First day, YYYY-MM-DD (or an ISO timestamp); default: 29 days before `to`. */
	from?: string;
	/** Last day, inclusive, YYYY-MM-DD (or an ISO timestamp, exclusive); default: today. */
	to?: string;
	timeZone?: string;
}

export interface ResolvedRange {
	from: Date;
	to: Date;
	/** The days shown, YYYY-MM-DD in the time zone. */
	fromDay: string;
	toDay: string;
	timeZone: string;
}

/** Whole days in a time zone → [start, end) timestamps, using the database's time zone rules. */
export async function resolveDateRange(store: SupportStore, input: DateRangeInput = {}): Promise<ResolvedRange> {
	const timeZone = input.timeZone?.trim() || 'UTC';
	for (const [name, value] of [['From', input.from], ['To', input.to]] as const) {
		if (value && !DATE.test(value.trim()) && Number.isNaN(Date.parse(value))) {
			throw new MetricsError(`${name} date "${value}" is not a date`, 'Use YYYY-MM-DD, e.g. 2026-11-01, or leave it empty.');
		}
	}
	try {
		const rows = await store.driver.query<{ start_at: Date | string; end_at: Date | string; from_day: string; to_day: string }>(
			`WITH bounds AS (
				SELECT
					CASE WHEN $2::text IS NULL THEN (now() AT TIME ZONE $3)::date
						WHEN $2 ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN $2::date
						ELSE (($2::timestamptz - interval '1 microsecond') AT TIME ZONE $3)::date END AS last_day,
					CASE WHEN $1::text IS NULL THEN NULL
						WHEN $1 ~ '^\\d{4}-\\d{2}-\\d{2}$' THEN $1::date
						ELSE ($1::timestamptz AT TIME ZONE $3)::date END AS first_day
			)
			SELECT (coalesce(first_day, last_day - 29)::timestamp AT TIME ZONE $3) AS start_at,
				((last_day + 1)::timestamp AT TIME ZONE $3) AS end_at,
				to_char(coalesce(first_day, last_day - 29), 'YYYY-MM-DD') AS from_day,
				to_char(last_day, 'YYYY-MM-DD') AS to_day
			FROM bounds`,
			[input.from?.trim() || null, input.to?.trim() || null, timeZone],
		);
		const row = rows[0];
		const from = new Date(iso(row.start_at) as string);
		const to = new Date(iso(row.end_at) as string);
		if (from >= to) throw new MetricsError(`The range ${row.from_day} – ${row.to_day} is empty`, 'Pick a From date on or before the To date.');
		return { from, to, fromDay: row.from_day, toDay: row.to_day, timeZone };
	} catch (error) {
		if (error instanceof MetricsError) throw error;
		const message = (error as Error).message;
		if (/time zone/i.test(message)) {
			throw new MetricsError(`Unknown time zone "${timeZone}"`, 'Use an IANA time zone name, e.g. Europe/Amsterdam or UTC.');
		}
		if (/out of range|invalid input syntax/i.test(message)) {
			throw new MetricsError(`"${input.from ?? ''}" – "${input.to ?? ''}" is not a date range`, 'Use YYYY-MM-DD, e.g. 2026-11-01, or leave it empty.');
		}
		throw error;
	}
}

// ---------------------------------------------------------------------------------------------
// Turns
// ---------------------------------------------------------------------------------------------

export interface ToolCallRecord {
	name: string;
	input?: unknown;
	output?: unknown;
}

export interface TurnInput {
	conversationId: string;
	/** The customer message this turn is about (its WhatsApp id, or the envelope's message id). */
	messageId: string;
	askedAt: Date;
	workflowId?: string;
	workflowName?: string;
	assistant?: string;
	intent?: string;
	confidence?: number;
	route?: string;
	replySource?: string;
	answered?: boolean;
	human?: boolean;
	language?: string;
	sentiment?: string;
	toolCalls?: ToolCallRecord[];
	details?: unknown;
}

export interface TurnRecord extends Omit<TurnInput, 'askedAt'> {
	askedAt: string;
	recordedAt: string;
}

function json(value: unknown): string | null {
	return value === undefined ? null : JSON.stringify(value);
}

/**
 * Records (or completes) what the pipeline made of one customer message. A second call for the same
 * message fills in what the first left empty and updates the rest, so a re-run never duplicates it.
 */
export async function recordTurn(store: SupportStore, input: TurnInput): Promise<{ inserted: boolean }> {
	const rows = await store.driver.query<{ inserted: boolean }>(
		`INSERT INTO turns AS t (conversation_id, message_id, asked_at, workflow_id, workflow_name, assistant, intent, confidence,
			route, reply_source, answered, human, language, sentiment, tool_calls, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::jsonb, $16::jsonb)
		ON CONFLICT (conversation_id, message_id) DO UPDATE SET
			workflow_id = coalesce(EXCLUDED.workflow_id, t.workflow_id),
			workflow_name = coalesce(EXCLUDED.workflow_name, t.workflow_name),
			assistant = coalesce(EXCLUDED.assistant, t.assistant),
			intent = coalesce(EXCLUDED.intent, t.intent),
			confidence = coalesce(EXCLUDED.confidence, t.confidence),
			route = coalesce(EXCLUDED.route, t.route),
			reply_source = coalesce(EXCLUDED.reply_source, t.reply_source),
			answered = coalesce(EXCLUDED.answered, t.answered),
			human = coalesce(EXCLUDED.human, t.human),
			language = coalesce(EXCLUDED.language, t.language),
			sentiment = coalesce(EXCLUDED.sentiment, t.sentiment),
			tool_calls = coalesce(EXCLUDED.tool_calls, t.tool_calls),
			details = coalesce(EXCLUDED.details, t.details),
			recorded_at = now()
		RETURNING (xmax = 0) AS inserted`,
		[
			input.conversationId,
			input.messageId,
			input.askedAt,
			input.workflowId ?? null,
			input.workflowName ?? null,
			input.assistant ?? null,
			input.intent ?? null,
			input.confidence ?? null,
			input.route ?? null,
			input.replySource ?? null,
			input.answered ?? null,
			input.human ?? null,
			input.language ?? null,
			input.sentiment ?? null,
			input.toolCalls?.length ? json(input.toolCalls) : null,
			json(input.details),
		],
	);
	return { inserted: rows[0]?.inserted === true };
}

function toTurnRecord(row: Record<string, unknown>): TurnRecord {
	return {
		conversationId: String(row.conversation_id),
		messageId: String(row.message_id),
		askedAt: iso(row.asked_at) as string,
		recordedAt: iso(row.recorded_at) as string,
		workflowId: text(row.workflow_id) ?? undefined,
		workflowName: text(row.workflow_name) ?? undefined,
		assistant: text(row.assistant) ?? undefined,
		intent: text(row.intent) ?? undefined,
		confidence: row.confidence === null ? undefined : num(row.confidence),
		route: text(row.route) ?? undefined,
		replySource: text(row.reply_source) ?? undefined,
		answered: row.answered === null ? undefined : Boolean(row.answered),
		human: row.human === null ? undefined : Boolean(row.human),
		language: text(row.language) ?? undefined,
		sentiment: text(row.sentiment) ?? undefined,
		toolCalls: (row.tool_calls as ToolCallRecord[] | null) ?? undefined,
		details: row.details ?? undefined,
	};
}

/** Assistant names (and workflow names) seen on turns, for filter lists. */
export async function listAssistants(store: SupportStore): Promise<string[]> {
	const rows = await store.driver.query<{ assistant: string }>(
		`SELECT DISTINCT coalesce(assistant, workflow_name, workflow_id) AS assistant FROM turns
		WHERE coalesce(assistant, workflow_name, workflow_id) IS NOT NULL ORDER BY 1 LIMIT 200`,
	);
	return rows.map((row) => row.assistant);
}

// ---------------------------------------------------------------------------------------------
// Costs of one conversation
// ---------------------------------------------------------------------------------------------

export interface ConversationCosts {
	conversationId: string;
	/** Totals per currency. */
	totals: Array<{ currency: string; total: number; whatsapp: number; llm: number }>;
	whatsapp: {
		/** Per category and pricing type (regular, free_customer_service, free_entry_point). */
		byCategory: Array<{ category: string | null; pricingType: string | null; currency: string; messages: number; amount: number }>;
		messages: number;
		chargedMessages: number;
	};
	llm: {
		byModel: Array<{ model: string | null; currency: string; calls: number; inputTokens: number; outputTokens: number; amount: number }>;
		calls: number;
	};
}

export async function conversationCosts(store: SupportStore, conversationId: string): Promise<ConversationCosts> {
	const whatsappRows = await store.driver.query<Record<string, unknown>>(
		`SELECT category, pricing_type, currency, count(*)::int AS messages, sum(amount)::float8 AS amount
		FROM costs WHERE conversation_id = $1 AND kind = 'whatsapp'
		GROUP BY category, pricing_type, currency ORDER BY category NULLS LAST, pricing_type NULLS LAST, currency`,
		[conversationId],
	);
	const llmRows = await store.driver.query<Record<string, unknown>>(
		`SELECT model, currency, count(*)::int AS calls, coalesce(sum(input_tokens), 0)::int AS input_tokens,
			coalesce(sum(output_tokens), 0)::int AS output_tokens, sum(amount)::float8 AS amount
		FROM costs WHERE conversation_id = $1 AND kind = 'llm'
		GROUP BY model, currency ORDER BY model NULLS LAST, currency`,
		[conversationId],
	);
	const byCategory = whatsappRows.map((row) => ({
		category: text(row.category),
		pricingType: text(row.pricing_type),
		currency: String(row.currency),
		messages: num(row.messages),
		amount: roundMoney(num(row.amount)),
	}));
	const byModel = llmRows.map((row) => ({
		model: text(row.model),
		currency: String(row.currency),
		calls: num(row.calls),
		inputTokens: num(row.input_tokens),
		outputTokens: num(row.output_tokens),
		amount: roundMoney(num(row.amount)),
	}));
	const totals = new Map<string, { currency: string; total: number; whatsapp: number; llm: number }>();
	const totalFor = (currency: string) => totals.get(currency) ?? totals.set(currency, { currency, total: 0, whatsapp: 0, llm: 0 }).get(currency)!;
	for (const row of byCategory) totalFor(row.currency).whatsapp += row.amount;
	for (const row of byModel) totalFor(row.currency).llm += row.amount;
	return {
		conversationId,
		totals: [...totals.values()].map((each) => ({
			currency: each.currency,
			whatsapp: roundMoney(each.whatsapp),
			llm: roundMoney(each.llm),
			total: roundMoney(each.whatsapp + each.llm),
		})),
		whatsapp: {
			byCategory,
			messages: byCategory.reduce((sum, row) => sum + row.messages, 0),
			chargedMessages: byCategory.filter((row) => row.amount > 0).reduce((sum, row) => sum + row.messages, 0),
		},
		llm: { byModel, calls: byModel.reduce((sum, row) => sum + row.calls, 0) },
	};
}

// ---------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------

export interface ChatMetrics {
	range: { from: string; to: string };
	chats: number;
	messages: number;
	messagesPerChat: number | null;
	messagesByAuthor: { customer: number; bot: number; agent: number; system: number };
	turns: number;
	answeredTurns: number;
	answeredByBot: number;
	answeredByAgent: number;
	responseRate: number | null;
	/** Seconds from a customer's turn to the first reply. */
	responseTimeAvgSeconds: number | null;
	responseTimeP90Seconds: number | null;
	automatedChats: number;
	automationRate: number | null;
	handoffChats: number;
	handoffs: number;
	handoffRate: number | null;
	contacts: number;
	resolvedFirstContacts: number;
	firstContactResolution: number | null;
	cost: {
		currency: string;
		total: number;
		whatsapp: number;
		llm: number;
		perChat: number | null;
		/** Every currency costs were logged in, with its totals (only `currency` counts towards perChat). */
		byCurrency: Array<{ currency: string; whatsapp: number; llm: number; total: number }>;
	};
	topIntents: Array<{ intent: string; turns: number; share: number; human: number }>;
	definitions: { contactGapHours: number; reopenDays: number };
}

export async function computeMetrics(store: SupportStore, filters: ChatFilters, options: MetricsOptions = {}): Promise<ChatMetrics> {
	const gapHours = options.contactGapHours ?? 24;
	const reopenDays = options.reopenDays ?? 7;

	// Chats and messages.
	let params = new Params();
	let scope = scopeCte(filters, params);
	const [volume] = await store.driver.query<Record<string, unknown>>(
		`WITH ${scope.sql},
			chats AS (SELECT DISTINCT conversation_id FROM in_range WHERE author = 'customer'),
			chat_messages AS (SELECT r.* FROM in_range r JOIN chats ch ON ch.conversation_id = r.conversation_id)
		SELECT (SELECT count(*) FROM chats)::int AS chats,
			count(*)::int AS messages,
			count(*) FILTER (WHERE author = 'customer')::int AS customer,
			count(*) FILTER (WHERE author = 'bot')::int AS bot,
			count(*) FILTER (WHERE author = 'agent')::int AS agent,
			count(*) FILTER (WHERE author = 'system')::int AS system
		FROM chat_messages`,
		params.values,
	);
	const chats = num(volume.chats);

	// Turns, response times, automation and handoffs per chat.
	params = new Params();
	scope = scopeCte(filters, params);
	const [turnRow] = await store.driver.query<Record<string, unknown>>(
		`WITH ${scope.sql}, ${TURNS_CTE},
			turns_in AS (
				SELECT *, extract(epoch FROM (replied_at - asked_at))::float8 AS seconds FROM all_turns
				WHERE asked_at >= ${scope.from} AND asked_at < ${scope.to}
			),
			chats AS (SELECT DISTINCT conversation_id FROM in_range WHERE author = 'customer'),
			chat_flags AS (
				SELECT ch.conversation_id,
					EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = ch.conversation_id AND h.opened_at >= ${scope.from} AND h.opened_at < ${scope.to}) AS handed_off,
					EXISTS (SELECT 1 FROM in_range r WHERE r.conversation_id = ch.conversation_id AND r.author = 'agent') AS agent_wrote,
					(SELECT count(*) FROM turns_in t WHERE t.conversation_id = ch.conversation_id AND t.replied_at IS NULL) AS unanswered,
					(SELECT count(*) FROM turns_in t WHERE t.conversation_id = ch.conversation_id AND t.replied_by = 'bot') AS bot_answers
				FROM chats ch
			)
		SELECT
			(SELECT count(*) FROM turns_in)::int AS turns,
			(SELECT count(*) FROM turns_in WHERE replied_at IS NOT NULL)::int AS answered,
			(SELECT count(*) FROM turns_in WHERE replied_by = 'bot')::int AS by_bot,
			(SELECT count(*) FROM turns_in WHERE replied_by = 'agent')::int AS by_agent,
			(SELECT avg(seconds) FROM turns_in WHERE replied_at IS NOT NULL)::float8 AS avg_seconds,
			(SELECT percentile_disc(0.9) WITHIN GROUP (ORDER BY seconds) FROM turns_in WHERE replied_at IS NOT NULL)::float8 AS p90_seconds,
			(SELECT count(*) FROM chat_flags WHERE handed_off)::int AS handoff_chats,
			(SELECT count(*) FROM chat_flags WHERE NOT handed_off AND NOT agent_wrote AND unanswered = 0 AND bot_answers > 0)::int AS automated_chats,
			(SELECT count(*) FROM handoffs h JOIN scope s ON s.id = h.conversation_id WHERE h.opened_at >= ${scope.from} AND h.opened_at < ${scope.to})::int AS handoffs`,
		params.values,
	);

	// Contacts and first-contact resolution.
	params = new Params();
	scope = scopeCte(filters, params);
	const gap = params.add(gapHours);
	const reopen = params.add(reopenDays);
	const [contactRow] = await store.driver.query<Record<string, unknown>>(
		`WITH ${scope.sql}, ${TURNS_CTE},
			customer_messages AS (
				SELECT m.conversation_id, m.sent_at,
					lag(m.sent_at) OVER (PARTITION BY m.conversation_id ORDER BY m.sent_at, m.id) AS previous_at
				FROM messages m JOIN scope s ON s.id = m.conversation_id WHERE m.author = 'customer'
			),
			starts AS (
				SELECT conversation_id, sent_at AS started_at FROM customer_messages
				WHERE previous_at IS NULL OR sent_at - previous_at > make_interval(hours => ${gap}::int)
			),
			contacts AS (
				SELECT conversation_id, started_at,
					lead(started_at) OVER (PARTITION BY conversation_id ORDER BY started_at) AS next_started_at
				FROM starts
			),
			contact_stats AS (
				SELECT c.*,
					(SELECT max(cm.sent_at) FROM customer_messages cm WHERE cm.conversation_id = c.conversation_id
						AND cm.sent_at >= c.started_at AND (c.next_started_at IS NULL OR cm.sent_at < c.next_started_at)) AS last_customer_at,
					(SELECT count(*) FROM all_turns t WHERE t.conversation_id = c.conversation_id
						AND t.asked_at >= c.started_at AND (c.next_started_at IS NULL OR t.asked_at < c.next_started_at)) AS turns,
					(SELECT count(*) FROM all_turns t WHERE t.conversation_id = c.conversation_id AND t.replied_at IS NULL
						AND t.asked_at >= c.started_at AND (c.next_started_at IS NULL OR t.asked_at < c.next_started_at)) AS unanswered,
					EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = c.conversation_id
						AND h.opened_at >= c.started_at AND (c.next_started_at IS NULL OR h.opened_at < c.next_started_at)) AS handed_off
				FROM contacts c
				WHERE c.started_at >= ${scope.from} AND c.started_at < ${scope.to}
			)
		SELECT count(*)::int AS contacts,
			count(*) FILTER (WHERE turns > 0 AND unanswered = 0 AND NOT handed_off
				AND (next_started_at IS NULL OR next_started_at > last_customer_at + make_interval(days => ${reopen}::int)))::int AS resolved
		FROM contact_stats`,
		params.values,
	);

	// Costs.
	params = new Params();
	scope = scopeCte(filters, params);
	const withoutConversation = narrowed(filters) ? '' : ' OR k.conversation_id IS NULL';
	const costRows = await store.driver.query<Record<string, unknown>>(
		`WITH ${scope.sql}
		SELECT k.currency, k.kind, sum(k.amount)::float8 AS amount, count(*)::int AS rows
		FROM costs k
		WHERE k.occurred_at >= ${scope.from} AND k.occurred_at < ${scope.to}
			AND (k.conversation_id IN (SELECT id FROM scope)${withoutConversation})
		GROUP BY k.currency, k.kind`,
		params.values,
	);
	const byCurrency = new Map<string, { currency: string; whatsapp: number; llm: number; total: number; rows: number }>();
	for (const row of costRows) {
		const currency = String(row.currency);
		const entry = byCurrency.get(currency) ?? { currency, whatsapp: 0, llm: 0, total: 0, rows: 0 };
		const amount = num(row.amount);
		if (row.kind === 'whatsapp') entry.whatsapp += amount;
		else entry.llm += amount;
		entry.total += amount;
		entry.rows += num(row.rows);
		byCurrency.set(currency, entry);
	}
	const currency =
		options.currency?.toUpperCase() || [...byCurrency.values()].sort((a, b) => b.rows - a.rows || a.currency.localeCompare(b.currency))[0]?.currency || 'USD';
	const main = byCurrency.get(currency) ?? { currency, whatsapp: 0, llm: 0, total: 0, rows: 0 };

	// Top intents.
	params = new Params();
	scope = scopeCte(filters, params);
	const limit = params.add(options.topIntents ?? 10);
	const intentRows = await store.driver.query<Record<string, unknown>>(
		`WITH ${scope.sql}
		SELECT t.intent, count(*)::int AS turns, count(*) FILTER (WHERE t.human)::int AS human,
			sum(count(*)) OVER ()::int AS all_turns
		FROM turns t JOIN scope s ON s.id = t.conversation_id
		WHERE t.asked_at >= ${scope.from} AND t.asked_at < ${scope.to} AND t.intent IS NOT NULL
		GROUP BY t.intent ORDER BY count(*) DESC, t.intent LIMIT ${limit}`,
		params.values,
	);

	const turns = num(turnRow.turns);
	const answered = num(turnRow.answered);
	const contacts = num(contactRow.contacts);
	const resolved = num(contactRow.resolved);
	const handoffChats = num(turnRow.handoff_chats);
	const automatedChats = num(turnRow.automated_chats);
	return {
		range: { from: filters.from.toISOString(), to: filters.to.toISOString() },
		chats,
		messages: num(volume.messages),
		messagesPerChat: ratio(num(volume.messages), chats),
		messagesByAuthor: { customer: num(volume.customer), bot: num(volume.bot), agent: num(volume.agent), system: num(volume.system) },
		turns,
		answeredTurns: answered,
		answeredByBot: num(turnRow.by_bot),
		answeredByAgent: num(turnRow.by_agent),
		responseRate: ratio(answered, turns),
		responseTimeAvgSeconds: optionalNumber(turnRow.avg_seconds),
		responseTimeP90Seconds: optionalNumber(turnRow.p90_seconds),
		automatedChats,
		automationRate: ratio(automatedChats, chats),
		handoffChats,
		handoffs: num(turnRow.handoffs),
		handoffRate: ratio(handoffChats, chats),
		contacts,
		resolvedFirstContacts: resolved,
		firstContactResolution: ratio(resolved, contacts),
		cost: {
			currency,
			total: roundMoney(main.total),
			whatsapp: roundMoney(main.whatsapp),
			llm: roundMoney(main.llm),
			perChat: chats > 0 ? roundMoney(main.total / chats) : null,
			byCurrency: [...byCurrency.values()]
				.sort((a, b) => a.currency.localeCompare(b.currency))
				.map((each) => ({ currency: each.currency, whatsapp: roundMoney(each.whatsapp), llm: roundMoney(each.llm), total: roundMoney(each.total) })),
		},
		topIntents: intentRows.map((row) => ({
			intent: String(row.intent),
			turns: num(row.turns),
			share: num(row.turns) / Math.max(1, num(row.all_turns)),
			human: num(row.human),
		})),
		definitions: { contactGapHours: gapHours, reopenDays },
	};
}

// ---------------------------------------------------------------------------------------------
// Daily series
// ---------------------------------------------------------------------------------------------

export interface DailyPoint {
	day: string;
	chats: number;
	customerMessages: number;
	botMessages: number;
	agentMessages: number;
	handoffs: number;
	cost: number;
}

/** One point per day of the range (in the time zone), for the dashboard's chart. */
export async function dailySeries(store: SupportStore, filters: ChatFilters, options: { timeZone?: string; currency: string }): Promise<DailyPoint[]> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const zone = params.add(options.timeZone || 'UTC');
	const currency = params.add(options.currency.toUpperCase());
	const withoutConversation = narrowed(filters) ? '' : ' OR k.conversation_id IS NULL';
	const rows = await store.driver.query<Record<string, unknown>>(
		`WITH ${scope.sql},
			days AS (
				SELECT to_char(day, 'YYYY-MM-DD') AS day FROM generate_series(
					(${scope.from} AT TIME ZONE ${zone})::date,
					((${scope.to} - interval '1 microsecond') AT TIME ZONE ${zone})::date,
					interval '1 day') AS day
			),
			message_days AS (
				SELECT to_char((sent_at AT TIME ZONE ${zone})::date, 'YYYY-MM-DD') AS day,
					count(DISTINCT conversation_id) FILTER (WHERE author = 'customer')::int AS chats,
					count(*) FILTER (WHERE author = 'customer')::int AS customer,
					count(*) FILTER (WHERE author = 'bot')::int AS bot,
					count(*) FILTER (WHERE author = 'agent')::int AS agent
				FROM in_range GROUP BY 1
			),
			handoff_days AS (
				SELECT to_char((h.opened_at AT TIME ZONE ${zone})::date, 'YYYY-MM-DD') AS day, count(*)::int AS handoffs
				FROM handoffs h JOIN scope s ON s.id = h.conversation_id
				WHERE h.opened_at >= ${scope.from} AND h.opened_at < ${scope.to} GROUP BY 1
			),
			cost_days AS (
				SELECT to_char((k.occurred_at AT TIME ZONE ${zone})::date, 'YYYY-MM-DD') AS day, sum(k.amount)::float8 AS cost
				FROM costs k
				WHERE k.occurred_at >= ${scope.from} AND k.occurred_at < ${scope.to} AND k.currency = ${currency}
					AND (k.conversation_id IN (SELECT id FROM scope)${withoutConversation})
				GROUP BY 1
			)
		SELECT d.day, m.chats, m.customer, m.bot, m.agent, h.handoffs, c.cost
		FROM days d
		LEFT JOIN message_days m ON m.day = d.day
		LEFT JOIN handoff_days h ON h.day = d.day
		LEFT JOIN cost_days c ON c.day = d.day
		ORDER BY d.day`,
		params.values,
	);
	return rows.map((row) => ({
		day: String(row.day),
		chats: num(row.chats),
		customerMessages: num(row.customer),
		botMessages: num(row.bot),
		agentMessages: num(row.agent),
		handoffs: num(row.handoffs),
		cost: roundMoney(num(row.cost)),
	}));
}

// ---------------------------------------------------------------------------------------------
// Chat list and exports
// ---------------------------------------------------------------------------------------------

export interface ChatRow {
	conversationId: string;
	channel: string;
	customerKey: string;
	customerName: string | null;
	waId: string | null;
	userId: string | null;
	state: string;
	firstMessageAt: string;
	lastMessageAt: string;
	lastText: string | null;
	messages: number;
	customerMessages: number;
	botMessages: number;
	agentMessages: number;
	handoffs: number;
	intents: string | null;
	assistants: string | null;
	currency: string;
	whatsappCost: number;
	llmCost: number;
	totalCost: number;
}

export const CHAT_EXPORT_COLUMNS: Array<keyof ChatRow & string> = [
	'conversationId',
	'channel',
	'customerKey',
	'customerName',
	'state',
	'firstMessageAt',
	'lastMessageAt',
	'messages',
	'customerMessages',
	'botMessages',
	'agentMessages',
	'handoffs',
	'intents',
	'assistants',
	'currency',
	'whatsappCost',
	'llmCost',
	'totalCost',
];

/** Conversations with any message in the range (newest activity first), with counts and costs in `currency`. */
export async function listChats(
	store: SupportStore,
	filters: ChatFilters,
	options: { currency: string; limit?: number; offset?: number },
): Promise<{ total: number; chats: ChatRow[] }> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const currency = params.add(options.currency.toUpperCase());
	const limit = params.add(Math.max(1, Math.min(options.limit ?? 50, 100_000)));
	const offset = params.add(Math.max(0, options.offset ?? 0));
	const rows = await store.driver.query<Record<string, unknown>>(
		`WITH ${scope.sql},
			active AS (
				SELECT conversation_id, min(sent_at) AS first_at, max(sent_at) AS last_at, count(*)::int AS messages,
					count(*) FILTER (WHERE author = 'customer')::int AS customer_messages,
					count(*) FILTER (WHERE author = 'bot')::int AS bot_messages,
					count(*) FILTER (WHERE author = 'agent')::int AS agent_messages
				FROM in_range GROUP BY conversation_id
			)
		SELECT c.id, c.channel, c.customer_key, c.customer_name, c.wa_id, c.user_id, c.state, a.*,
			count(*) OVER ()::int AS total,
			(SELECT r.text FROM in_range r WHERE r.conversation_id = c.id ORDER BY r.sent_at DESC, r.id DESC LIMIT 1) AS last_text,
			(SELECT count(*) FROM handoffs h WHERE h.conversation_id = c.id AND h.opened_at >= ${scope.from} AND h.opened_at < ${scope.to})::int AS handoffs,
			(SELECT string_agg(DISTINCT t.intent, ', ') FROM turns t WHERE t.conversation_id = c.id AND t.asked_at >= ${scope.from} AND t.asked_at < ${scope.to}) AS intents,
			(SELECT string_agg(DISTINCT coalesce(t.assistant, t.workflow_name, t.workflow_id), ', ') FROM turns t
				WHERE t.conversation_id = c.id AND t.asked_at >= ${scope.from} AND t.asked_at < ${scope.to}) AS assistants,
			(SELECT coalesce(sum(k.amount) FILTER (WHERE k.kind = 'whatsapp'), 0)::float8 FROM costs k
				WHERE k.conversation_id = c.id AND k.currency = ${currency} AND k.occurred_at >= ${scope.from} AND k.occurred_at < ${scope.to}) AS whatsapp_cost,
			(SELECT coalesce(sum(k.amount) FILTER (WHERE k.kind = 'llm'), 0)::float8 FROM costs k
				WHERE k.conversation_id = c.id AND k.currency = ${currency} AND k.occurred_at >= ${scope.from} AND k.occurred_at < ${scope.to}) AS llm_cost
		FROM active a JOIN conversations c ON c.id = a.conversation_id
		ORDER BY a.last_at DESC, c.id
		LIMIT ${limit} OFFSET ${offset}`,
		params.values,
	);
	let total = num(rows[0]?.total);
	if (!rows.length && (options.offset ?? 0) > 0) {
		total = (await listChats(store, filters, { ...options, offset: 0, limit: 1 })).total;
	}
	return {
		total,
		chats: rows.map((row) => {
			const whatsappCost = roundMoney(num(row.whatsapp_cost));
			const llmCost = roundMoney(num(row.llm_cost));
			return {
				conversationId: String(row.id),
				channel: String(row.channel),
				customerKey: String(row.customer_key),
				customerName: text(row.customer_name),
				waId: text(row.wa_id),
				userId: text(row.user_id),
				state: String(row.state),
				firstMessageAt: iso(row.first_at) as string,
				lastMessageAt: iso(row.last_at) as string,
				lastText: text(row.last_text),
				messages: num(row.messages),
				customerMessages: num(row.customer_messages),
				botMessages: num(row.bot_messages),
				agentMessages: num(row.agent_messages),
				handoffs: num(row.handoffs),
				intents: text(row.intents),
				assistants: text(row.assistants),
				currency: options.currency.toUpperCase(),
				whatsappCost,
				llmCost,
				totalCost: roundMoney(whatsappCost + llmCost),
			};
		}),
	};
}

export interface MessageExportRow {
	conversationId: string;
	channel: string;
	customerKey: string;
	customerName: string | null;
	messageId: string | null;
	sentAt: string;
	direction: string;
	author: string;
	type: string;
	text: string | null;
	status: string | null;
	intent: string | null;
	route: string | null;
}

export const MESSAGE_EXPORT_COLUMNS: Array<keyof MessageExportRow & string> = [
	'conversationId',
	'channel',
	'customerKey',
	'customerName',
	'messageId',
	'sentAt',
	'direction',
	'author',
	'type',
	'text',
	'status',
	'intent',
	'route',
];

/** Every message in the range of the filtered conversations (or one conversation), oldest first per chat. */
export async function exportMessages(
	store: SupportStore,
	filters: ChatFilters,
	options: { conversationId?: string; limit?: number } = {},
): Promise<MessageExportRow[]> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const only = options.conversationId ? `WHERE r.conversation_id = ${params.add(options.conversationId)}` : '';
	const limit = params.add(Math.max(1, Math.min(options.limit ?? 100_000, 1_000_000)));
	const rows = await store.driver.query<Record<string, unknown>>(
		`WITH ${scope.sql}
		SELECT r.conversation_id, s.channel, s.customer_key, s.customer_name, r.wa_message_id, r.sent_at, r.direction, r.author,
			r.type, r.text, r.status, t.intent, t.route
		FROM in_range r JOIN scope s ON s.id = r.conversation_id
		LEFT JOIN turns t ON t.conversation_id = r.conversation_id AND t.message_id = r.wa_message_id
		${only}
		ORDER BY r.conversation_id, r.sent_at, r.id
		LIMIT ${limit}`,
		params.values,
	);
	return rows.map((row) => ({
		conversationId: String(row.conversation_id),
		channel: String(row.channel),
		customerKey: String(row.customer_key),
		customerName: text(row.customer_name),
		messageId: text(row.wa_message_id),
		sentAt: iso(row.sent_at) as string,
		direction: String(row.direction),
		author: String(row.author),
		type: String(row.type),
		text: text(row.text),
		status: text(row.status),
		intent: text(row.intent),
		route: text(row.route),
	}));
}

// ---------------------------------------------------------------------------------------------
// One conversation, in full
// ---------------------------------------------------------------------------------------------

export interface TimelineMessage {
	id: number;
	waMessageId: string | null;
	direction: string;
	author: string;
	type: string;
	text: string | null;
	status: string | null;
	sentAt: string;
	payload: unknown;
}

export interface TimelineHandoff {
	id: number;
	status: string;
	reason: string | null;
	summary: string | null;
	openedAt: string;
	releasedAt: string | null;
	releasedBy: string | null;
}

export interface ConversationDetail {
	conversation: {
		id: string;
		channel: string;
		customerKey: string;
		customerName: string | null;
		waId: string | null;
		userId: string | null;
		state: string;
		createdAt: string;
	};
	messages: TimelineMessage[];
	/** True when older messages were left out (only the newest `limit` are returned). */
	truncated: boolean;
	turns: TurnRecord[];
	handoffs: TimelineHandoff[];
	costs: ConversationCosts;
}

export async function conversationDetail(store: SupportStore, conversationId: string, options: { limit?: number } = {}): Promise<ConversationDetail | undefined> {
	const [conversation] = await store.driver.query<Record<string, unknown>>('SELECT * FROM conversations WHERE id = $1', [conversationId]);
	if (!conversation) return undefined;
	const limit = Math.max(1, options.limit ?? 500);
	const messages = await store.driver.query<Record<string, unknown>>(
		`SELECT * FROM (SELECT * FROM messages WHERE conversation_id = $1 ORDER BY sent_at DESC, id DESC LIMIT $2) recent ORDER BY sent_at, id`,
		[conversationId, limit + 1],
	);
	const truncated = messages.length > limit;
	if (truncated) messages.shift();
	const turns = await store.driver.query<Record<string, unknown>>('SELECT * FROM turns WHERE conversation_id = $1 ORDER BY asked_at, id', [conversationId]);
	const handoffs = await store.driver.query<Record<string, unknown>>('SELECT * FROM handoffs WHERE conversation_id = $1 ORDER BY opened_at, id', [
		conversationId,
	]);
	return {
		conversation: {
			id: String(conversation.id),
			channel: String(conversation.channel),
			customerKey: String(conversation.customer_key),
			customerName: text(conversation.customer_name),
			waId: text(conversation.wa_id),
			userId: text(conversation.user_id),
			state: String(conversation.state),
			createdAt: iso(conversation.created_at) as string,
		},
		messages: messages.map((row) => ({
			id: num(row.id),
			waMessageId: text(row.wa_message_id),
			direction: String(row.direction),
			author: String(row.author),
			type: String(row.type),
			text: text(row.text),
			status: text(row.status),
			sentAt: iso(row.sent_at) as string,
			payload: row.payload ?? null,
		})),
		truncated,
		turns: turns.map(toTurnRecord),
		handoffs: handoffs.map((row) => ({
			id: num(row.id),
			status: String(row.status),
			reason: text(row.reason),
			summary: text(row.summary),
			openedAt: iso(row.opened_at) as string,
			releasedAt: iso(row.released_at),
			releasedBy: text(row.released_by),
		})),
		costs: await conversationCosts(store, conversationId),
	};
}
