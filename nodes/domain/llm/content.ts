import type { ModelReply } from './types';

/**
 * The text of a message's content: a string as is, or the text blocks of a content array joined in
 * order. Reasoning/thinking, tool-use and media blocks are not part of the answer and are left out.
 */
export function messageText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (!Array.isArray(content)) return '';
	let text = '';
	for (const block of content) {
		if (typeof block === 'string') {
			text += block;
		} else if (block !== null && typeof block === 'object') {
			const { type, text: blockText } = block as { type?: unknown; text?: unknown };
			if ((type === undefined || type === 'text' || type === 'text_delta' || type === 'output_text') && typeof blockText === 'string') {
				text += blockText;
			}
		}
	}
	return text;
}

/** The text of whatever a model's `invoke` returned. */
export function replyText(reply: ModelReply | null | undefined): string {
	if (typeof reply === 'string') return reply;
	if (reply === null || typeof reply !== 'object') return '';
	return messageText(reply.content);
}
