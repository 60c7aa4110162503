/** Turns: what the pipeline made of each customer message (recorded by the Cost Logger through the store). */
import type { SqlExecutor } from '../driver';
import { iso, json, num, text } from './sql';

export interface ToolCallRecord {
	name: string;
	input?: unknown;
	output?: unknown;
	/** Characters of the tool's answer (AI Reply records the size, not the answer). */
	resultSize?: number;
	durationMs?: number;
	error?: string;
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

/**
 * Records (or completes) what the pipeline made of one customer message. A second call for the same
 * message fills in what the first left empty and updates the rest, so a re-run never duplicates it.
 */
export async function insertTurn(db: SqlExecutor, input: TurnInput): Promise<{ inserted: boolean }> {
	const rows = await db.query<{ inserted: boolean }>(
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

export function toTurnRecord(row: Record<string, unknown>): TurnRecord {
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
export async function listAssistants(db: SqlExecutor): Promise<string[]> {
	const rows = await db.query<{ assistant: string }>(
		`SELECT DISTINCT coalesce(assistant, workflow_name, workflow_id) AS assistant FROM turns
		WHERE coalesce(assistant, workflow_name, workflow_id) IS NOT NULL ORDER BY 1 LIMIT 200`,
	);
	return rows.map((row) => row.assistant);
}
