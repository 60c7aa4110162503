/** The chat list and the CSV exports of the dashboard and the Cost Logger. */
import type { SqlExecutor } from '../driver';
import type { FieldCodec } from '../field-cipher';
import { iso, num, Params, roundMoney, scopeCte, text, type ChatFilters } from './sql';

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
	db: SqlExecutor,
	fields: FieldCodec,
	filters: ChatFilters,
	options: { currency: string; limit?: number; offset?: number },
): Promise<{ total: number; chats: ChatRow[] }> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const currency = params.add(options.currency.toUpperCase());
	const limit = params.add(Math.max(1, Math.min(options.limit ?? 50, 100_000)));
	const offset = params.add(Math.max(0, options.offset ?? 0));
	const rows = await db.query<Record<string, unknown>>(
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
		total = (await listChats(db, fields, filters, { ...options, offset: 0, limit: 1 })).total;
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
				customerName: fields.open(row.customer_name),
				waId: fields.open(row.wa_id),
				userId: text(row.user_id),
				state: String(row.state),
				firstMessageAt: iso(row.first_at) as string,
				lastMessageAt: iso(row.last_at) as string,
				lastText: fields.open(row.last_text),
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
	db: SqlExecutor,
	fields: FieldCodec,
	filters: ChatFilters,
	options: { conversationId?: string; limit?: number } = {},
): Promise<MessageExportRow[]> {
	const params = new Params();
	const scope = scopeCte(filters, params);
	const only = options.conversationId ? `WHERE r.conversation_id = ${params.add(options.conversationId)}` : '';
	const limit = params.add(Math.max(1, Math.min(options.limit ?? 100_000, 1_000_000)));
	const rows = await db.query<Record<string, unknown>>(
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
		customerName: fields.open(row.customer_name),
		messageId: text(row.wa_message_id),
		sentAt: iso(row.sent_at) as string,
		direction: String(row.direction),
		author: String(row.author),
		type: String(row.type),
		text: fields.open(row.text),
		status: text(row.status),
		intent: text(row.intent),
		route: text(row.route),
	}));
}
