import { AIMessage } from '@langchain/core/messages';

import { messageText, replyText } from '../../../nodes/domain/llm';

describe('messageText', () => {
	it('returns string content as is', () => {
		expect(messageText('Hello *guest*')).toBe('Hello *guest*');
		expect(messageText('')).toBe('');
	});

	it('joins the text blocks of a content array in order', () => {
		expect(messageText([{ type: 'text', text: 'Breakfast is ' }, { type: 'text', text: 'from 7 to 10.' }])).toBe('Breakfast is from 7 to 10.');
		// Plain strings and blocks without a type (some providers) count as text.
		expect(messageText(['Check-in ', { text: 'is at 15:00' }])).toBe('Check-in is at 15:00');
		// Streaming and Responses API shapes.
		expect(messageText([{ type: 'text_delta', text: 'a' }, { type: 'output_text', text: 'b' }])).toBe('ab');
	});

	it('leaves out reasoning, tool-use and media blocks', () => {
		const content = [
			{ type: 'thinking', thinking: 'The guest wants {"json"}' },
			{ type: 'reasoning', text: 'hidden reasoning' },
			{ type: 'text', text: 'Our pool opens at 8.' },
			{ type: 'tool_use', id: 't1', name: 'lookup', input: {} },
			{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
		];
		expect(messageText(content)).toBe('Our pool opens at 8.');
	});

	it('ignores non-string text fields and junk entries', () => {
		expect(messageText([{ type: 'text', text: 42 }, null, 7, { type: 'text', text: 'ok' }])).toBe('ok');
		expect(messageText(undefined)).toBe('');
		expect(messageText({ text: 'not an array' })).toBe('');
	});
});

describe('replyText', () => {
	it('reads an AIMessage with string or block content, and a text LLM’s plain string', () => {
		expect(replyText(new AIMessage('Plain answer'))).toBe('Plain answer');
		expect(replyText(new AIMessage({ content: [{ type: 'text', text: 'Block ' }, { type: 'text', text: 'answer' }] }))).toBe('Block answer');
		expect(replyText('From a completion model')).toBe('From a completion model');
		expect(replyText(undefined)).toBe('');
	});
});
