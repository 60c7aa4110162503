/**
 * The bots a dashboard user can test (migration 11). A Web Chat Trigger registers itself when its workflow
 * is published and marks itself inactive when it is unpublished; the Chats dashboard lists the active ones
 * and signs its test-chat tokens with the bot's `testSecret`. Reached as `store.chatBots`.
 */
import { randomBytes } from 'node:crypto';

import type { SqlExecutor } from './driver';

export interface ChatBot {
	/** `<workflow id>:<trigger node id>`. */
	id: string;
	workflowId: string;
	/** The workflow's name, as users pick the bot. */
	name: string;
	siteId: string;
	/** The trigger's production URL for `POST message`. */
	messageUrl: string;
	testSecret: string;
	active: boolean;
	updatedAt: string;
}

export interface ChatBotRegistration {
	id: string;
	workflowId: string;
	name: string;
	siteId: string;
	messageUrl: string;
}

function toBot(row: Record<string, unknown>): ChatBot {
	return {
		id: String(row.id),
		workflowId: String(row.workflow_id),
		name: String(row.name),
		siteId: String(row.site_id),
		messageUrl: String(row.message_url),
		testSecret: String(row.test_secret),
		active: Boolean(row.active),
		updatedAt: row.updated_at instanceof Date ? row.updated_at.toISOString() : String(row.updated_at),
	};
}

export class ChatBots {
	constructor(private readonly db: SqlExecutor) {}

	/** Registers (or re-activates and updates) a bot; its test secret is made once and kept. */
	async register(bot: ChatBotRegistration): Promise<ChatBot> {
		const rows = await this.db.query<Record<string, unknown>>(
			`INSERT INTO chat_bots (id, workflow_id, name, site_id, message_url, test_secret)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, name = EXCLUDED.name, site_id = EXCLUDED.site_id,
				message_url = EXCLUDED.message_url, active = true, updated_at = now()
			RETURNING *`,
			[bot.id, bot.workflowId, bot.name, bot.siteId, bot.messageUrl, randomBytes(32).toString('base64url')],
		);
		return toBot(rows[0]);
	}

	/** The workflow was unpublished: the bot leaves the dashboard's list (its test chats stay). */
	async deactivate(id: string): Promise<boolean> {
		return (await this.db.query(`UPDATE chat_bots SET active = false, updated_at = now() WHERE id = $1 AND active RETURNING id`, [id])).length > 0;
	}

	async get(id: string): Promise<ChatBot | undefined> {
		const rows = await this.db.query<Record<string, unknown>>('SELECT * FROM chat_bots WHERE id = $1', [id]);
		return rows[0] ? toBot(rows[0]) : undefined;
	}

	/** The published bots, by name. */
	async listActive(): Promise<ChatBot[]> {
		return (await this.db.query<Record<string, unknown>>('SELECT * FROM chat_bots WHERE active ORDER BY name, id')).map(toBot);
	}
}
