/** One conversation in full, for the dashboard's chat view: messages, turns, handoffs and costs. */
import type { SqlExecutor } from '../driver';
import type { FieldCodec } from '../field-cipher';
import { conversationCosts, type ConversationCosts } from './costs';
import { iso, num, text } from './sql';
import { toTurnRecord, type TurnRecord } from './turns';

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

export async function conversationDetail(db: SqlExecutor, fields: FieldCodec, conversationId: string, options: { limit?: number } = {}): Promise<ConversationDetail | undefined> {
	const [conversation] = await db.query<Record<string, unknown>>('SELECT * FROM conversations WHERE id = $1', [conversationId]);
	if (!conversation) return undefined;
	const limit = Math.max(1, options.limit ?? 500);
	const messages = await db.query<Record<string, unknown>>(
		`SELECT * FROM (SELECT * FROM messages WHERE conversation_id = $1 ORDER BY sent_at DESC, id DESC LIMIT $2) recent ORDER BY sent_at, id`,
		[conversationId, limit + 1],
	);
	const truncated = messages.length > limit;
	if (truncated) messages.shift();
	const turns = await db.query<Record<string, unknown>>('SELECT * FROM turns WHERE conversation_id = $1 ORDER BY asked_at, id', [conversationId]);
	const handoffs = await db.query<Record<string, unknown>>('SELECT * FROM handoffs WHERE conversation_id = $1 ORDER BY opened_at, id', [
		conversationId,
	]);
	return {
		conversation: {
			id: String(conversation.id),
			channel: String(conversation.channel),
			customerKey: String(conversation.customer_key),
			customerName: fields.open(conversation.customer_name),
			waId: fields.open(conversation.wa_id),
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
			text: fields.open(row.text),
			status: text(row.status),
			sentAt: iso(row.sent_at) as string,
			payload: fields.openJson(row.payload) ?? null,
		})),
		truncated,
		turns: turns.map(toTurnRecord),
		handoffs: handoffs.map((row) => ({
			id: num(row.id),
			status: String(row.status),
			reason: text(row.reason),
			summary: fields.open(row.summary),
			openedAt: iso(row.opened_at) as string,
			releasedAt: iso(row.released_at),
			releasedBy: text(row.released_by),
		})),
		costs: await conversationCosts(db, conversationId),
	};
}
