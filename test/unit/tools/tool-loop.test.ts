import { DynamicStructuredTool } from '@langchain/core/tools';
import { z } from 'zod';

import { generateReply } from '../../../nodes/domain/reply/generate';
import { runToolLoop, ToolLoopError, type Validation } from '../../../nodes/domain/tools/tool-loop';
import { createToolPrivacy, NEEDS_PERSONAL_DATA } from '../../../nodes/domain/tools/tool-privacy';
import { ScriptedChatModel, type FakeReply } from '../../llm/fake-chat-model';

const answer = (text: string, answered = true) => JSON.stringify({ answered, answer: text, sources: [] });
const toolReply = (...calls: Array<{ name: string; args: Record<string, unknown> }>): FakeReply => ({ content: '', toolCalls: calls, usage: { inputTokens: 100, outputTokens: 10 } });

type Answer = { answered: boolean; answer: string };
const validate = (text: string): Validation<Answer> => {
	try {
		const value = JSON.parse(text) as Answer;
		return typeof value.answered === 'boolean' ? { ok: true, value } : { ok: false, problem: 'no answered field' };
	} catch {
		return { ok: false, problem: 'not JSON' };
	}
};

function availabilityTool(received: unknown[], answerWith: (args: { checkIn: string; nights: number }) => unknown = () => ({ available: true, total: 298 })) {
	return new DynamicStructuredTool({
		name: 'check_availability',
		description: 'Rooms free for a stay, with prices',
		schema: z.object({ checkIn: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), nights: z.number().int().positive() }),
		func: async (args) => {
			received.push(args);
			return JSON.stringify(answerWith(args));
		},
	});
}

const question = [{ role: 'user' as const, content: 'Is a double free on Friday for two nights?' }];

describe('the tool-calling loop', () => {
	it('runs a correct call, gives the result to the model and counts every model call', async () => {
		const received: unknown[] = [];
		const model = new ScriptedChatModel({
			replies: [toolReply({ name: 'check_availability', args: { checkIn: '2027-03-12', nights: 2 } }), { content: answer('Yes, €298 for two nights.'), usage: { inputTokens: 140, outputTokens: 20 } }],
		});
		const result = await runToolLoop({ model, messages: question, tools: [availabilityTool(received)], validate });
		expect(received).toEqual([{ checkIn: '2027-03-12', nights: 2 }]);
		expect(result.value).toMatchObject({ answered: true, answer: 'Yes, €298 for two nights.' });
		expect(model.calls[0].tools).toEqual(['check_availability']);
		const toolMessage = model.calls[1].messages.find((message) => message.role === 'tool');
		expect(JSON.parse(toolMessage!.content)).toEqual({ available: true, total: 298 });
		expect(result.modelCalls).toBe(2);
		expect(result.usage).toMatchObject({ inputTokens: 240, outputTokens: 30 });
		expect(result.toolCalls).toHaveLength(1);
		expect(result.toolCalls[0]).toMatchObject({ name: 'check_availability', input: { checkIn: '2027-03-12', nights: 2 }, resultSize: toolMessage!.content.length });
		expect(result.toolCalls[0].error).toBeUndefined();
	});

	it('gives arguments that fail the schema back to the model as an error, never to the tool', async () => {
		const received: unknown[] = [];
		const model = new ScriptedChatModel({
			replies: [
				toolReply({ name: 'check_availability', args: { checkIn: 'next friday', nights: 'two' } }),
				toolReply({ name: 'check_availability', args: { checkIn: '2027-03-12', nights: 2 } }),
				answer('Yes.'),
			],
		});
		const result = await runToolLoop({ model, messages: question, tools: [availabilityTool(received)], validate });
		expect(received).toEqual([{ checkIn: '2027-03-12', nights: 2 }]);
		expect(result.toolCalls.map((call) => Boolean(call.error))).toEqual([true, false]);
		expect(result.toolCalls[0].error).toMatch(/schema/i);
		const firstToolAnswer = model.calls[1].messages.find((message) => message.role === 'tool')!.content;
		expect(firstToolAnswer).toMatch(/^Error: .*schema/i);
		expect(result.value.answered).toBe(true);
	});

	it('tells the model when the provider could not parse its arguments', async () => {
		const received: unknown[] = [];
		const model = new ScriptedChatModel({
			replies: [{ content: '', invalidToolCalls: [{ name: 'check_availability', args: '{"checkIn": "2027-03-12", nights: }' }] }, answer('I cannot check that now.', false)],
		});
		const result = await runToolLoop({ model, messages: question, tools: [availabilityTool(received)], validate });
		expect(received).toEqual([]);
		expect(result.toolCalls[0]).toMatchObject({ name: 'check_availability', resultSize: 0 });
		expect(result.toolCalls[0].error).toMatch(/malformed/);
		expect(model.calls[1].messages.find((message) => message.role === 'tool')!.content).toMatch(/could not be read/);
		expect(result.value.answered).toBe(false);
	});

	it('answers an unknown tool with the list of tools there are', async () => {
		const model = new ScriptedChatModel({ replies: [toolReply({ name: 'book_spa', args: { time: '15:00' } }), answer('', false)] });
		const result = await runToolLoop({ model, messages: question, tools: [availabilityTool([])], validate });
		expect(result.toolCalls[0]).toMatchObject({ name: 'book_spa', error: 'unknown tool "book_spa"' });
		expect(model.calls[1].messages.find((message) => message.role === 'tool')!.content).toBe(
			'Error: there is no tool named "book_spa". Available tools: check_availability.',
		);
	});

	it('stops a tool that takes too long, aborts it and tells the model', async () => {
		let aborted = false;
		const slow = new DynamicStructuredTool({
			name: 'lookup_reservation',
			description: 'A reservation by reference',
			schema: z.object({ reference: z.string() }),
			func: async (_args, _runManager, config) =>
				await new Promise<string>((resolve) => {
					const timer = setTimeout(() => resolve('{"status":"confirmed"}'), 5_000);
					config?.signal?.addEventListener('abort', () => {
						aborted = true;
						clearTimeout(timer);
						resolve('aborted');
					});
				}),
		});
		const model = new ScriptedChatModel({ replies: [toolReply({ name: 'lookup_reservation', args: { reference: 'BK-48213' } }), answer('', false)] });
		const result = await runToolLoop({ model, messages: question, tools: [slow], validate, limits: { toolTimeoutMs: 50 } });
		expect(result.toolCalls[0]).toMatchObject({ name: 'lookup_reservation', error: 'timeout', resultSize: 0 });
		expect(aborted).toBe(true);
		expect(model.calls[1].messages.find((message) => message.role === 'tool')!.content).toMatch(/did not answer within 50 ms/);
	});

	it('ends the turn unanswered when the model asks for more tool calls than allowed, with the tokens spent', async () => {
		const received: unknown[] = [];
		const model = new ScriptedChatModel({ defaultReply: toolReply({ name: 'check_availability', args: { checkIn: '2027-03-12', nights: 1 } }) });
		const failure = await runToolLoop({ model, messages: question, tools: [availabilityTool(received)], validate, limits: { maxToolCalls: 3 } }).catch((error) => error);
		expect(failure).toBeInstanceOf(ToolLoopError);
		expect((failure as ToolLoopError).reason).toBe('tool_limit');
		expect(received).toHaveLength(3);
		expect((failure as ToolLoopError).toolCalls).toHaveLength(3);
		expect((failure as ToolLoopError).modelCalls).toBe(4);
		expect((failure as ToolLoopError).usage).toMatchObject({ inputTokens: 400, outputTokens: 40 });
	});

	it('ends the turn when the total time is up', async () => {
		const model = new ScriptedChatModel({ replies: [{ hang: true }] });
		const failure = await runToolLoop({ model, messages: question, tools: [availabilityTool([])], validate, limits: { totalTimeoutMs: 50 } }).catch((error) => error);
		expect((failure as ToolLoopError).reason).toBe('timeout');
	});

	it('runs two tools asked for in one reply, in order, and answers each call by its id', async () => {
		const received: unknown[] = [];
		const lookups: unknown[] = [];
		const lookup = new DynamicStructuredTool({
			name: 'lookup_reservation',
			description: 'A reservation by reference',
			schema: z.object({ reference: z.string() }),
			func: async (args) => {
				lookups.push(args);
				return JSON.stringify({ reference: args.reference, checkIn: '2027-03-12' });
			},
		});
		const model = new ScriptedChatModel({
			replies: [
				{ content: '', toolCalls: [{ id: 'a', name: 'lookup_reservation', args: { reference: 'BK-48213' } }, { id: 'b', name: 'check_availability', args: { checkIn: '2027-03-14', nights: 1 } }] },
				answer('Your stay starts on 12 March; the 14th is free too.'),
			],
		});
		const result = await runToolLoop({ model, messages: question, tools: [availabilityTool(received), lookup], validate });
		expect(lookups).toEqual([{ reference: 'BK-48213' }]);
		expect(received).toEqual([{ checkIn: '2027-03-14', nights: 1 }]);
		expect(result.toolCalls.map((call) => [call.id, call.name])).toEqual([
			['a', 'lookup_reservation'],
			['b', 'check_availability'],
		]);
		const toolMessages = model.calls[1].raw.filter((message) => message.getType() === 'tool') as Array<{ tool_call_id?: string }>;
		expect(toolMessages.map((message) => message.tool_call_id)).toEqual(['a', 'b']);
	});

	it('logs masked arguments and gives the raw e-mail only to the tool that needs it', async () => {
		const sent: unknown[] = [];
		const seenByOther: unknown[] = [];
		const byEmail = new DynamicStructuredTool({
			name: 'find_reservations',
			description: 'Reservations by e-mail',
			schema: z.object({ email: z.string() }),
			func: async (args) => {
				sent.push(args);
				return JSON.stringify({ reservations: [{ reference: 'BK-51762', email: args.email, phone: '+31 6 1234 5678' }] });
			},
			metadata: { [NEEDS_PERSONAL_DATA]: true },
		});
		const other = new DynamicStructuredTool({
			name: 'note',
			description: 'Notes a thing',
			schema: z.object({ text: z.string() }),
			func: async (args) => {
				seenByOther.push(args);
				return 'ok';
			},
		});
		const privacy = createToolPrivacy({ restoreMap: { '[EMAIL_1]': 'anna.jansen@example.com' } });
		const model = new ScriptedChatModel({
			replies: [
				{ content: '', toolCalls: [{ name: 'find_reservations', args: { email: '[EMAIL_1]' } }, { name: 'note', args: { text: 'guest [EMAIL_1] asked' } }] },
				answer('You have BK-51762; we will call [PHONE_1].'),
			],
		});
		const result = await runToolLoop({ model, messages: question, tools: [byEmail, other], validate, privacy });
		expect(sent).toEqual([{ email: 'anna.jansen@example.com' }]);
		expect(seenByOther).toEqual([{ text: 'guest [EMAIL_1] asked' }]);
		expect(JSON.stringify(result.toolCalls)).not.toContain('anna.jansen');
		expect(result.toolCalls[0].input).toEqual({ email: '[EMAIL_1]' });
		// What the tool answered reached the model masked, with the same placeholder for the same e-mail.
		const seen = model.script.prompts().join('\n');
		expect(seen).not.toContain('anna.jansen');
		expect(seen).not.toContain('1234 5678');
		expect(seen).toContain('[EMAIL_1]');
		expect(seen).toContain('[PHONE_1]');
		expect(privacy.restoreMap['[PHONE_1]']).toBe('+31 6 1234 5678');
	});
});

describe('AI Reply with tools', () => {
	it('puts the tool calls and the summed usage in the outcome, and a limit hit is unanswered', async () => {
		const model = new ScriptedChatModel({ defaultReply: toolReply({ name: 'check_availability', args: { checkIn: '2027-03-12', nights: 1 } }) });
		const outcome = await generateReply({
			question: 'Free on Friday?',
			language: 'en',
			history: [],
			knowledge: [],
			profile: { name: 'Hotel', tone: '', facts: '' },
			model,
			tools: [availabilityTool([])],
			toolLimits: { maxToolCalls: 2 },
		});
		expect(outcome).toMatchObject({ answered: false, reason: 'tool_limit', source: 'llm', modelCalls: 3 });
		expect(outcome.toolCalls).toHaveLength(2);
		expect(outcome.usage).toMatchObject({ inputTokens: 300, outputTokens: 30 });
		expect(model.calls[0].messages[0].content).toMatch(/TOOLS:/);
	});
});
