/**
 * What an analyst sees of the chats: pseudonyms for conversations and customers (a keyed HMAC, stable
 * across pages and exports but not reversible without the store's key), no names, no numbers or user
 * ids, and message text with e-mails, phone numbers, IBANs, cards and ids masked (and the customer's
 * own name, where it appears in the text).
 */
import { createHmac } from 'node:crypto';

import { maskPii } from '../privacy/pii';
import type { ChatRow, ConversationDetail, MessageExportRow } from '../store/analytics';

export class PersonalDataMask {
	constructor(private readonly secret: string) {}

	private digest(kind: string, value: string, length: number): string {
		return createHmac('sha256', this.secret).update(`${kind}:${value}`).digest('hex').slice(0, length);
	}

	conversationId(id: string): string {
		return `chat-${this.digest('conversation', id, 16)}`;
	}

	customerKey(key: string): string {
		return `customer-${this.digest('customer', key, 12)}`;
	}

	/** Free text with personal data replaced by placeholders such as [PHONE_1] and [NAME]. */
	text(value: string | null | undefined, customerName?: string | null): string | null {
		if (value === null || value === undefined) return null;
		let masked = maskPii(value).masked;
		for (const part of (customerName ?? '').split(/\s+/).filter((word) => word.length >= 3)) {
			masked = masked.replace(new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu'), '[NAME]');
		}
		return masked;
	}

	chat(row: ChatRow): ChatRow {
		return {
			...row,
			conversationId: this.conversationId(row.conversationId),
			customerKey: this.customerKey(row.customerKey),
			customerName: null,
			waId: null,
			userId: null,
			lastText: this.text(row.lastText, row.customerName),
		};
	}

	message(row: MessageExportRow): MessageExportRow {
		return {
			...row,
			conversationId: this.conversationId(row.conversationId),
			customerKey: this.customerKey(row.customerKey),
			customerName: null,
			messageId: row.messageId ? `msg-${this.digest('message', row.messageId, 12)}` : null,
			text: this.text(row.text, row.customerName),
		};
	}

	detail(detail: ConversationDetail): ConversationDetail {
		const name = detail.conversation.customerName;
		return {
			...detail,
			conversation: {
				...detail.conversation,
				id: this.conversationId(detail.conversation.id),
				customerKey: this.customerKey(detail.conversation.customerKey),
				customerName: null,
				waId: null,
				userId: null,
			},
			messages: detail.messages.map((message) => ({ ...message, text: this.text(message.text, name), payload: null })),
			handoffs: detail.handoffs.map((handoff) => ({ ...handoff, summary: this.text(handoff.summary, name), reason: handoff.reason })),
			turns: detail.turns.map((turn) => ({
				...turn,
				conversationId: this.conversationId(turn.conversationId),
				toolCalls: turn.toolCalls?.map((call) => ({ name: call.name, input: '[masked]', ...(call.output !== undefined ? { output: '[masked]' } : {}) })),
				details: undefined,
			})),
		};
	}
}
