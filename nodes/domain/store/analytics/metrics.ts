/**
 * Chat metrics over a date range and the dashboard's daily series. Plain SQL (one PostgreSQL dialect
 * for PGlite and PostgreSQL), reached through `store.analytics`; every count is done by the database.
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
import type { SqlExecutor } from '../driver';
import { MetricsError, narrowed, num, optionalNumber, iso, Params, ratio, roundMoney, scopeCte, TURNS_CTE, type ChatFilters } from './sql';

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
export async function resolveDateRange(db: SqlExecutor, input: DateRangeInput = {}): Promise<ResolvedRange> {
	const timeZone = input.timeZone?.trim() || 'UTC';
	for (const [name, value] of [['From', input.from], ['To', input.to]] as const) {
		if (value && !DATE.test(value.trim()) && Number.isNaN(Date.parse(value))) {
			throw new MetricsError(`${name} date "${value}" is not a date`, 'Use YYYY-MM-DD, e.g. 2026-11-01, or leave it empty.');
		}
	}
	try {
		const rows = await db.query<{ start_at: Date | string; end_at: Date | string; from_day: string; to_day: string }>(
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

export async function computeMetrics(db: SqlExecutor, filters: ChatFilters, options: MetricsOptions = {}): Promise<ChatMetrics> {
	const gapHours = options.contactGapHours ?? 24;
	const reopenDays = options.reopenDays ?? 7;

	// Chats and messages.
	let params = new Params();
	let scope = scopeCte(filters, params);
	const [volume] = await db.query<Record<string, unknown>>(
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
	const [turnRow] = await db.query<Record<string, unknown>>(
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
	const [contactRow] = await db.query<Record<string, unknown>>(
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
	const costRows = await db.query<Record<string, unknown>>(
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
	const intentRows = await db.query<Record<string, unknown>>(
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
export async function dailySeries(db: SqlExecutor, filters: ChatFilters, options: { timeZone?: string; currency: string }): Promise<DailyPoint[]> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const zone = params.add(options.timeZone || 'UTC');
	const currency = params.add(options.currency.toUpperCase());
	const withoutConversation = narrowed(filters) ? '' : ' OR k.conversation_id IS NULL';
	const rows = await db.query<Record<string, unknown>>(
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
