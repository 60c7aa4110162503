/**
 * Proving the value: satisfaction (CSAT / NPS), the first meaningful response, agent hours saved, ROI, the
 * baseline against the 30/60/90 days after go-live, per category, and health. Definitions: README,
 * "Chats dashboard → Value"; every count is done by the database, the arithmetic on its results here.
 */
import type { SqlExecutor } from '../driver';
import { computeMetrics } from './metrics';
import { num, optionalNumber, Params, ratio, roundMoney, scopeCte, type ChatFilters } from './sql';

const DAY = 86_400_000;

// ---------------------------------------------------------------------------------------------
// Surveys
// ---------------------------------------------------------------------------------------------

export interface ScoreGroup {
	key: string;
	/** Surveys sent in the group (answered or not). */
	sent: number;
	answered: number;
	/** answered ÷ sent. */
	responseRate: number | null;
	average: number | null;
	/** NPS only: % promoters − % detractors of the group's answers. */
	npsScore: number | null;
}

export interface SurveyKindFigures {
	sent: number;
	answered: number;
	responseRate: number | null;
	average: number | null;
	/** Answers per score (CSAT 1–5, NPS 0–10). */
	distribution: Record<number, number>;
	/** NPS only: % promoters (9–10) − % detractors (0–6), −100 … 100. */
	npsScore: number | null;
	/** Comments left after a low score. */
	comments: number;
	byRoute: ScoreGroup[];
	byIntent: ScoreGroup[];
	/** Per week (Monday, in the time zone) of sending. */
	trend: Array<{ week: string; sent: number; answered: number; average: number | null; npsScore: number | null }>;
}

export interface SurveyFigures {
	csat: SurveyKindFigures;
	nps: SurveyKindFigures;
}

export async function surveyFigures(db: SqlExecutor, filters: ChatFilters, options: { timeZone?: string } = {}): Promise<SurveyFigures> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const zone = params.add(options.timeZone || 'UTC');
	const rows = await db.query<Record<string, unknown>>(
		`WITH ${scope.sql}
		SELECT s.kind, s.route, coalesce(s.intent, 'unknown') AS intent, s.score, s.comment IS NOT NULL AS commented,
			to_char(date_trunc('week', s.sent_at AT TIME ZONE ${zone}), 'YYYY-MM-DD') AS week
		FROM surveys s JOIN scope c ON c.id = s.conversation_id
		WHERE s.sent_at >= ${scope.from} AND s.sent_at < ${scope.to}`,
		params.values,
	);
	const average = (list: number[]) => (list.length ? list.reduce((sum, each) => sum + each, 0) / list.length : null);
	const isAnswered = (row: Record<string, unknown>) => row.score !== null && row.score !== undefined;
	const figures = (kind: 'csat' | 'nps'): SurveyKindFigures => {
		const mine = rows.filter((row) => row.kind === kind);
		const answered = mine.filter(isAnswered);
		const scores = answered.map((row) => num(row.score));
		const npsOf = (list: number[]) =>
			kind === 'nps' && list.length ? ((list.filter((each) => each >= 9).length - list.filter((each) => each <= 6).length) / list.length) * 100 : null;
		const distribution: Record<number, number> = {};
		for (let score = kind === 'csat' ? 1 : 0; score <= (kind === 'csat' ? 5 : 10); score++) distribution[score] = scores.filter((each) => each === score).length;
		/** Sent, answered and scores of the rows with `field` = each value, in the order of `values`. */
		const groups = <T extends Record<string, unknown>>(field: string, values: string[], extra: (key: string) => T) =>
			values.map((value) => {
				const sent = mine.filter((row) => String(row[field]) === value);
				const list = sent.filter(isAnswered).map((row) => num(row.score));
				return { ...extra(value), sent: sent.length, answered: list.length, responseRate: ratio(list.length, sent.length), average: average(list), npsScore: npsOf(list) };
			});
		const keysOf = (field: string) => [...new Set(mine.map((row) => String(row[field])))].sort();
		return {
			sent: mine.length,
			answered: answered.length,
			responseRate: ratio(answered.length, mine.length),
			average: average(scores),
			distribution,
			npsScore: npsOf(scores),
			comments: mine.filter((row) => row.commented).length,
			byRoute: groups('route', keysOf('route'), (key) => ({ key })),
			byIntent: groups('intent', keysOf('intent'), (key) => ({ key })),
			trend: groups('week', keysOf('week'), (week) => ({ week })).map(({ responseRate: _rate, ...week }) => week),
		};
	};
	return { csat: figures('csat'), nps: figures('nps') };
}

// ---------------------------------------------------------------------------------------------
// First meaningful response
// ---------------------------------------------------------------------------------------------

export interface FirstResponseFigures {
	/** Contacts started in the range. */
	contacts: number;
	/** Contacts with a meaningful reply (at any time after). */
	answered: number;
	averageSeconds: number | null;
	medianSeconds: number | null;
	p90Seconds: number | null;
}

/**
 * Per contact (a customer's first message, or the first after more than 24 h of silence), the time to the
 * first meaningful reply: an agent's message, or a bot message sent before any handoff of that contact was
 * opened. Bot messages after the handoff (holding messages) and system messages do not count; read receipts
 * and typing indicators are never stored as messages.
 */
const CONTACTS_CTE = `
	customer_messages AS (
		SELECT m.conversation_id, m.sent_at, lag(m.sent_at) OVER (PARTITION BY m.conversation_id ORDER BY m.sent_at, m.id) AS previous_at
		FROM messages m JOIN scope s ON s.id = m.conversation_id WHERE m.author = 'customer'
	),
	starts AS (
		SELECT conversation_id, sent_at AS started_at FROM customer_messages WHERE previous_at IS NULL OR sent_at - previous_at > interval '24 hours'
	),
	contacts AS (
		SELECT conversation_id, started_at, lead(started_at) OVER (PARTITION BY conversation_id ORDER BY started_at) AS next_started_at FROM starts
	),
	contact_replies AS (
		SELECT c.conversation_id, c.started_at,
			(SELECT min(h.opened_at) FROM handoffs h WHERE h.conversation_id = c.conversation_id AND h.opened_at >= c.started_at
				AND (c.next_started_at IS NULL OR h.opened_at < c.next_started_at)) AS handed_off_at,
			(SELECT min(m.sent_at) FROM messages m WHERE m.conversation_id = c.conversation_id AND m.sent_at >= c.started_at
				AND (c.next_started_at IS NULL OR m.sent_at < c.next_started_at)
				AND (m.author = 'agent' OR (m.author = 'bot' AND NOT EXISTS (
					SELECT 1 FROM handoffs h WHERE h.conversation_id = c.conversation_id AND h.opened_at >= c.started_at AND h.opened_at <= m.sent_at)))) AS replied_at
		FROM contacts c
	)`;

export async function firstMeaningfulResponse(db: SqlExecutor, filters: ChatFilters): Promise<FirstResponseFigures> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const [row] = await db.query<Record<string, unknown>>(
		`WITH ${scope.sql}, ${CONTACTS_CTE},
			timed AS (
				SELECT extract(epoch FROM (replied_at - started_at))::float8 AS seconds FROM contact_replies
				WHERE started_at >= ${scope.from} AND started_at < ${scope.to}
			)
		SELECT count(*)::int AS contacts, count(seconds)::int AS answered, avg(seconds)::float8 AS average,
			percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds)::float8 AS median,
			percentile_disc(0.9) WITHIN GROUP (ORDER BY seconds)::float8 AS p90
		FROM timed`,
		params.values,
	);
	return {
		contacts: num(row.contacts),
		answered: num(row.answered),
		averageSeconds: optionalNumber(row.average),
		medianSeconds: optionalNumber(row.median),
		p90Seconds: optionalNumber(row.p90),
	};
}

// ---------------------------------------------------------------------------------------------
// Hours saved, ROI
// ---------------------------------------------------------------------------------------------

export interface ValueSettings {
	/** Go-live day (YYYY-MM-DD or ISO); the 30/60/90-day windows count from it. */
	goLive?: string;
	agentHourlyCost: number;
	/** Minutes an agent spends on one conversation. */
	handlingMinutes: number;
	/** Hosting, subscriptions and upkeep per month (besides the logged WhatsApp and LLM costs). */
	monthlyRunningCost: number;
	initialInvestment: number;
	/** Days before go-live that form the baseline period; default 30. */
	baselineDays?: number;
	/** Figures entered by hand instead of a measured baseline period. */
	manualBaseline?: { firstResponseSeconds?: number; agentHoursPerMonth?: number; csat?: number };
	currency: string;
}

export interface SavingsFigures {
	days: number;
	/** Chats the bot resolved on its own (the automated chats of the metrics). */
	botResolvedChats: number;
	hoursSaved: number;
	hoursSavedPerMonth: number;
	savingsPerMonth: number;
	savingsPerYear: number;
	/** Logged WhatsApp + LLM costs in the range. */
	loggedCosts: number;
	runningCostsPerMonth: number;
	runningCostsPerYear: number;
	netPerYear: number;
	/** (savingsPerYear − runningCostsPerYear) ÷ initialInvestment × 100; null without an investment. */
	roiPercent: number | null;
	/** Months until the net savings pay back the investment; null when they never do. */
	paybackMonths: number | null;
}

/** A month is 30 days and a year 12 such months, so figures from ranges of any length compare. */
export async function savings(db: SqlExecutor, filters: ChatFilters, settings: ValueSettings): Promise<SavingsFigures> {
	const metrics = await computeMetrics(db, filters, { currency: settings.currency });
	const days = (filters.to.getTime() - filters.from.getTime()) / DAY;
	const months = days / 30;
	const hoursSaved = (metrics.automatedChats * settings.handlingMinutes) / 60;
	const hoursSavedPerMonth = months > 0 ? hoursSaved / months : 0;
	const savingsPerMonth = hoursSavedPerMonth * settings.agentHourlyCost;
	const loggedCosts = metrics.cost.total;
	const runningCostsPerMonth = (months > 0 ? loggedCosts / months : 0) + settings.monthlyRunningCost;
	const netPerMonth = savingsPerMonth - runningCostsPerMonth;
	return {
		days,
		botResolvedChats: metrics.automatedChats,
		hoursSaved,
		hoursSavedPerMonth,
		savingsPerMonth: roundMoney(savingsPerMonth),
		savingsPerYear: roundMoney(savingsPerMonth * 12),
		loggedCosts,
		runningCostsPerMonth: roundMoney(runningCostsPerMonth),
		runningCostsPerYear: roundMoney(runningCostsPerMonth * 12),
		netPerYear: roundMoney(netPerMonth * 12),
		roiPercent: settings.initialInvestment > 0 ? ((savingsPerMonth * 12 - runningCostsPerMonth * 12) / settings.initialInvestment) * 100 : null,
		paybackMonths: settings.initialInvestment > 0 && netPerMonth > 0 ? settings.initialInvestment / netPerMonth : null,
	};
}

// ---------------------------------------------------------------------------------------------
// Baseline against 30/60/90 days after go-live
// ---------------------------------------------------------------------------------------------

export interface PeriodFigures {
	label: string;
	from: string | null;
	to: string | null;
	/** Whether the figures were entered by hand. */
	manual: boolean;
	chats: number | null;
	firstResponseSeconds: number | null;
	/** Chats a person worked on (an agent message or a handoff) × handling minutes, per 30 days. */
	agentHoursPerMonth: number | null;
	csat: number | null;
	automationRate: number | null;
}

export interface BaselineComparison {
	goLive: string;
	periods: PeriodFigures[];
	/** Change of each after-go-live period against the baseline, in % (null where either side is missing). */
	changes: Array<{ label: string; firstResponse: number | null; agentHoursPerMonth: number | null; csat: number | null }>;
}

async function agentChats(db: SqlExecutor, filters: ChatFilters): Promise<number> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const [row] = await db.query<Record<string, unknown>>(
		`WITH ${scope.sql}
		SELECT count(DISTINCT s.id)::int AS chats FROM scope s
		WHERE EXISTS (SELECT 1 FROM in_range r WHERE r.conversation_id = s.id AND r.author = 'customer')
			AND (EXISTS (SELECT 1 FROM in_range r WHERE r.conversation_id = s.id AND r.author = 'agent')
				OR EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = s.id AND h.opened_at >= ${scope.from} AND h.opened_at < ${scope.to}))`,
		params.values,
	);
	return num(row.chats);
}

export async function periodFigures(db: SqlExecutor, filters: ChatFilters, settings: ValueSettings, label: string): Promise<PeriodFigures> {
	const metrics = await computeMetrics(db, filters, { currency: settings.currency });
	const response = await firstMeaningfulResponse(db, filters);
	const csat = (await surveyFigures(db, filters)).csat.average;
	const months = (filters.to.getTime() - filters.from.getTime()) / DAY / 30;
	const worked = await agentChats(db, filters);
	return {
		label,
		from: filters.from.toISOString(),
		to: filters.to.toISOString(),
		manual: false,
		chats: metrics.chats,
		firstResponseSeconds: response.averageSeconds,
		agentHoursPerMonth: months > 0 ? (worked * settings.handlingMinutes) / 60 / months : null,
		csat,
		automationRate: metrics.automationRate,
	};
}

function change(after: number | null, before: number | null): number | null {
	return after === null || before === null || before === 0 ? null : ((after - before) / before) * 100;
}

export function goLiveDate(goLive: string | undefined): Date | undefined {
	if (!goLive?.trim()) return undefined;
	const value = goLive.trim();
	const parsed = new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
	return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

export async function baselineComparison(
	db: SqlExecutor,
	filters: Omit<ChatFilters, 'from' | 'to'>,
	settings: ValueSettings,
): Promise<BaselineComparison | undefined> {
	const goLive = goLiveDate(settings.goLive);
	if (!goLive) return undefined;
	const baselineDays = settings.baselineDays ?? 30;
	const manual = settings.manualBaseline;
	const hasManual = Boolean(manual && (manual.firstResponseSeconds !== undefined || manual.agentHoursPerMonth !== undefined || manual.csat !== undefined));
	const baseline: PeriodFigures = hasManual
		? {
				label: 'Baseline (entered)',
				from: null,
				to: null,
				manual: true,
				chats: null,
				firstResponseSeconds: manual?.firstResponseSeconds ?? null,
				agentHoursPerMonth: manual?.agentHoursPerMonth ?? null,
				csat: manual?.csat ?? null,
				automationRate: null,
			}
		: await periodFigures(db, { ...filters, from: new Date(goLive.getTime() - baselineDays * DAY), to: goLive }, settings, `Baseline (${baselineDays} days before)`);
	const periods = [baseline];
	for (const [start, end] of [
		[0, 30],
		[30, 60],
		[60, 90],
	]) {
		periods.push(await periodFigures(db, { ...filters, from: new Date(goLive.getTime() + start * DAY), to: new Date(goLive.getTime() + end * DAY) }, settings, `Days ${start + 1}–${end}`));
	}
	return {
		goLive: goLive.toISOString(),
		periods,
		changes: periods.slice(1).map((period) => ({
			label: period.label,
			firstResponse: change(period.firstResponseSeconds, baseline.firstResponseSeconds),
			agentHoursPerMonth: change(period.agentHoursPerMonth, baseline.agentHoursPerMonth),
			csat: change(period.csat, baseline.csat),
		})),
	};
}

// ---------------------------------------------------------------------------------------------
// Per category, health
// ---------------------------------------------------------------------------------------------

/** Every customer turn of the scoped conversations with its first reply (as the metrics define turns). */
const TURN_REPLIES_CTE = `
	ordered AS (
		SELECT m.conversation_id, m.author, m.sent_at,
			count(*) FILTER (WHERE m.author IN ('bot', 'agent')) OVER (
				PARTITION BY m.conversation_id ORDER BY m.sent_at, m.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
			) AS segment
		FROM messages m JOIN scope s ON s.id = m.conversation_id
	),
	turn_replies AS (
		SELECT q.conversation_id, q.asked_at, min(r.sent_at) AS replied_at, (array_agg(r.author ORDER BY r.sent_at))[1] AS replied_by
		FROM (SELECT conversation_id, segment, min(sent_at) AS asked_at FROM ordered WHERE author = 'customer' GROUP BY conversation_id, segment) q
		LEFT JOIN ordered r ON r.conversation_id = q.conversation_id AND r.segment = q.segment AND r.author IN ('bot', 'agent')
		GROUP BY q.conversation_id, q.asked_at
	)`;

export interface CategoryRow {
	category: string;
	chats: number;
	botResolved: number;
	automationRate: number | null;
	csatAnswered: number;
	csat: number | null;
}

/**
 * Per intent (the chat's most frequent intent in the range) and per room type (the latest Conversation Form
 * room type on the chat's turns, else "unknown"): chats, bot-resolved chats (every turn answered by the bot,
 * no agent, no handoff) and CSAT of the surveys sent in the range.
 */
export async function categories(db: SqlExecutor, filters: ChatFilters, by: 'intent' | 'roomType'): Promise<CategoryRow[]> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const category =
		by === 'intent'
			? `(SELECT t.intent FROM turns t WHERE t.conversation_id = ch.conversation_id AND t.asked_at >= ${scope.from} AND t.asked_at < ${scope.to} AND t.intent IS NOT NULL
				GROUP BY t.intent ORDER BY count(*) DESC, t.intent LIMIT 1)`
			: `(SELECT t.details->>'roomType' FROM turns t WHERE t.conversation_id = ch.conversation_id AND t.details->>'roomType' IS NOT NULL ORDER BY t.asked_at DESC LIMIT 1)`;
	const rows = await db.query<Record<string, unknown>>(
		`WITH ${scope.sql}, ${TURN_REPLIES_CTE},
			chats AS (SELECT DISTINCT conversation_id FROM in_range WHERE author = 'customer'),
			flagged AS (
				SELECT ch.conversation_id, coalesce(${category}, 'unknown') AS category,
					NOT EXISTS (SELECT 1 FROM handoffs h WHERE h.conversation_id = ch.conversation_id AND h.opened_at >= ${scope.from} AND h.opened_at < ${scope.to})
					AND NOT EXISTS (SELECT 1 FROM in_range r WHERE r.conversation_id = ch.conversation_id AND r.author = 'agent')
					AND NOT EXISTS (SELECT 1 FROM turn_replies t WHERE t.conversation_id = ch.conversation_id AND t.asked_at >= ${scope.from} AND t.asked_at < ${scope.to} AND t.replied_at IS NULL)
					AND EXISTS (SELECT 1 FROM turn_replies t WHERE t.conversation_id = ch.conversation_id AND t.asked_at >= ${scope.from} AND t.asked_at < ${scope.to} AND t.replied_by = 'bot') AS bot_resolved
				FROM chats ch
			)
		SELECT f.category, count(*)::int AS chats, count(*) FILTER (WHERE f.bot_resolved)::int AS bot_resolved,
			(SELECT count(*) FROM surveys s JOIN flagged g ON g.conversation_id = s.conversation_id
				WHERE g.category = f.category AND s.kind = 'csat' AND s.score IS NOT NULL AND s.sent_at >= ${scope.from} AND s.sent_at < ${scope.to})::int AS csat_answered,
			(SELECT avg(s.score) FROM surveys s JOIN flagged g ON g.conversation_id = s.conversation_id
				WHERE g.category = f.category AND s.kind = 'csat' AND s.score IS NOT NULL AND s.sent_at >= ${scope.from} AND s.sent_at < ${scope.to})::float8 AS csat
		FROM flagged f GROUP BY f.category ORDER BY count(*) DESC, f.category`,
		params.values,
	);
	return rows.map((row) => ({
		category: String(row.category),
		chats: num(row.chats),
		botResolved: num(row.bot_resolved),
		automationRate: ratio(num(row.bot_resolved), num(row.chats)),
		csatAnswered: num(row.csat_answered),
		csat: optionalNumber(row.csat),
	}));
}

export interface HealthFigures {
	/** Outbound messages whose latest status is failed ÷ outbound messages sent in the range. */
	outboundMessages: number;
	failedMessages: number;
	failedDeliveryRate: number | null;
	/** Turns the model was asked about (an LLM reply, or a recorded model failure). */
	llmTurns: number;
	llmTimeouts: number;
	llmErrors: number;
	llmTimeoutRate: number | null;
	llmErrorRate: number | null;
	/** Per week: turns with a sentiment and the share of them negative. */
	sentimentTrend: Array<{ week: string; turns: number; negative: number; negativeShare: number | null }>;
}

export async function health(db: SqlExecutor, filters: ChatFilters, options: { timeZone?: string } = {}): Promise<HealthFigures> {
	let params = new Params();
	let scope = scopeCte(filters, params);
	const [delivery] = await db.query<Record<string, unknown>>(
		`WITH ${scope.sql}
		SELECT count(*)::int AS outbound, count(*) FILTER (WHERE status = 'failed')::int AS failed FROM in_range WHERE direction = 'outbound'`,
		params.values,
	);
	params = new Params();
	scope = scopeCte(filters, params);
	const [llm] = await db.query<Record<string, unknown>>(
		`WITH ${scope.sql}
		SELECT count(*) FILTER (WHERE t.reply_source = 'llm' OR t.details->>'replyReason' IN ('timeout', 'model_error', 'invalid_output'))::int AS llm_turns,
			count(*) FILTER (WHERE t.details->>'replyReason' = 'timeout')::int AS timeouts,
			count(*) FILTER (WHERE t.details->>'replyReason' IN ('model_error', 'invalid_output'))::int AS errors
		FROM turns t JOIN scope s ON s.id = t.conversation_id WHERE t.asked_at >= ${scope.from} AND t.asked_at < ${scope.to}`,
		params.values,
	);
	params = new Params();
	scope = scopeCte(filters, params);
	const zone = params.add(options.timeZone || 'UTC');
	const weeks = await db.query<Record<string, unknown>>(
		`WITH ${scope.sql}
		SELECT to_char(date_trunc('week', t.asked_at AT TIME ZONE ${zone}), 'YYYY-MM-DD') AS week, count(*)::int AS turns,
			count(*) FILTER (WHERE t.sentiment = 'negative')::int AS negative
		FROM turns t JOIN scope s ON s.id = t.conversation_id
		WHERE t.asked_at >= ${scope.from} AND t.asked_at < ${scope.to} AND t.sentiment IS NOT NULL
		GROUP BY 1 ORDER BY 1`,
		params.values,
	);
	const llmTurns = num(llm.llm_turns);
	return {
		outboundMessages: num(delivery.outbound),
		failedMessages: num(delivery.failed),
		failedDeliveryRate: ratio(num(delivery.failed), num(delivery.outbound)),
		llmTurns,
		llmTimeouts: num(llm.timeouts),
		llmErrors: num(llm.errors),
		llmTimeoutRate: ratio(num(llm.timeouts), llmTurns),
		llmErrorRate: ratio(num(llm.errors), llmTurns),
		sentimentTrend: weeks.map((row) => ({ week: String(row.week), turns: num(row.turns), negative: num(row.negative), negativeShare: ratio(num(row.negative), num(row.turns)) })),
	};
}
