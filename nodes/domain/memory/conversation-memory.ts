/**
 * A LangChain chat memory over the SupportStore: the conversation as the store recorded it (the trigger
 * records what the guest wrote, WhatsApp Send what was answered), so n8n's AI Agent and AI Reply read the
 * same history. It only reads: writing would record each message twice. A customer who opted out of
 * service messages, or was erased, has no history here.
 */
import { AIMessage, HumanMessage, type BaseMessage } from '@langchain/core/messages';

import { messageText } from '../llm/content';
import { deriveConsent, type ConsentLogEntry } from '../privacy/consent';
import { maskPii } from '../privacy/pii';
import type { MessageRecord } from '../store/types';

export interface ConversationHistorySource {
	listMessages(conversationId: string, limit?: number): Promise<MessageRecord[]>;
	listConsentEvents(customerKey: string): Promise<ConsentLogEntry[]>;
}

export interface ConversationMemoryOptions {
	conversationId: string;
	customerKey: string;
	/** How many earlier messages to give. */
	length: number;
	/** Leave out this message (the one being answered, already in the prompt). */
	skipMessageId?: string;
	/** Mask personal data in the history (when the message being answered was masked). */
	mask: boolean;
}

export const MEMORY_KEY = 'chat_history';

/** The history as LangChain messages: the guest's as human messages, the bot's and colleagues' as AI messages. */
export async function loadConversationHistory(source: ConversationHistorySource, options: ConversationMemoryOptions): Promise<BaseMessage[]> {
	const consent = deriveConsent(await source.listConsentEvents(options.customerKey));
	if (consent.service.status === 'revoked') return [];
	const rows = await source.listMessages(options.conversationId, options.length + 1);
	return rows
		.filter((row) => row.text && row.waMessageId !== options.skipMessageId && row.author !== 'system')
		.slice(-options.length)
		.map((row) => {
			const text = options.mask ? maskPii(row.text ?? '').masked : (row.text ?? '');
			if (row.author === 'customer') return new HumanMessage(text);
			return new AIMessage(row.author === 'agent' ? `(a colleague wrote) ${text}` : text);
		});
}

/**
 * The memory object n8n's AI Agent and AI Reply take on their Memory input (the shape of LangChain's
 * BaseChatMemory: memoryKeys, loadMemoryVariables, saveContext, chatHistory.getMessages).
 */
export class SupportStoreChatMemory {
	readonly memoryKeys = [MEMORY_KEY];
	readonly returnMessages = true;
	readonly chatHistory: { getMessages(): Promise<BaseMessage[]>; addMessage(message: BaseMessage): Promise<void>; clear(): Promise<void> };

	constructor(
		private readonly source: ConversationHistorySource,
		private readonly options: ConversationMemoryOptions,
	) {
		this.chatHistory = {
			getMessages: async () => await loadConversationHistory(this.source, this.options),
			// The store records the conversation through the trigger and WhatsApp Send.
			addMessage: async () => undefined,
			clear: async () => undefined,
		};
	}

	async loadMemoryVariables(_values: Record<string, unknown> = {}): Promise<Record<string, BaseMessage[]>> {
		return { [MEMORY_KEY]: await this.chatHistory.getMessages() };
	}

	async saveContext(_input: Record<string, unknown>, _output: Record<string, unknown>): Promise<void> {
		// Nothing to write: see the class comment.
	}

	async clear(): Promise<void> {
		// Erasing history is the DSAR erase operation's job (Consent Gate), not a model's.
	}
}

/** What AI Reply needs of any n8n memory sub-node (ours, Window Buffer, Redis, Postgres chat memory …). */
export interface ChatMemoryLike {
	loadMemoryVariables(values: Record<string, unknown>): Promise<Record<string, unknown>>;
	saveContext?(input: Record<string, unknown>, output: Record<string, unknown>): Promise<void>;
}

export function isChatMemory(value: unknown): value is ChatMemoryLike {
	return value !== null && typeof value === 'object' && typeof (value as { loadMemoryVariables?: unknown }).loadMemoryVariables === 'function';
}

/** A memory's messages as history lines: human → customer, AI → bot; other kinds are left out. */
export async function historyFromMemory(memory: ChatMemoryLike): Promise<Array<{ from: 'customer' | 'bot'; text: string }>> {
	const variables = await memory.loadMemoryVariables({});
	const key = (memory as { memoryKey?: unknown }).memoryKey;
	const messages = variables[typeof key === 'string' ? key : MEMORY_KEY] ?? Object.values(variables)[0];
	if (!Array.isArray(messages)) return [];
	const lines: Array<{ from: 'customer' | 'bot'; text: string }> = [];
	for (const message of messages) {
		if (message === null || typeof message !== 'object') continue;
		const typed = message as { getType?: () => string; _getType?: () => string; type?: string; content?: unknown };
		const kind = typed.getType?.() ?? typed._getType?.() ?? typed.type;
		const text = messageText(typed.content);
		if (!text.trim()) continue;
		if (kind === 'human') lines.push({ from: 'customer', text });
		else if (kind === 'ai') lines.push({ from: 'bot', text });
	}
	return lines;
}
