import { HumanMessage, SystemMessage } from '@langchain/core/messages';

import { invokeWithTimeout } from '../../nodes/domain/llm';
import {
	clearFakeChatScripts,
	FAKE_CHAT_MODEL_TYPE,
	FakeChatModel,
	FakeChatScript,
	fakeChatModelNodeTypes,
	getFakeChatScript,
	registerFakeChatScript,
	ScriptedChatModel,
} from './fake-chat-model';

describe('ScriptedChatModel', () => {
	it('answers queued replies in order and records each prompt as plain messages', async () => {
		const model = new ScriptedChatModel({ replies: ['One', 'Two'] });
		const first = await model.invoke([new SystemMessage('Be nice.'), new HumanMessage('Hi')]);
		const second = await model.invoke([{ role: 'user', content: 'Again' }]);
		expect(first.content).toBe('One');
		expect(second.content).toBe('Two');
		expect(model.calls.map((call) => call.messages)).toEqual([
			[
				{ role: 'system', content: 'Be nice.' },
				{ role: 'user', content: 'Hi' },
			],
			[{ role: 'user', content: 'Again' }],
		]);
		expect(model.script.prompts()).toEqual(['system: Be nice.\nuser: Hi', 'user: Again']);
	});

	it('reports usage_metadata (given, or characters / 4) and its model name', async () => {
		const model = new ScriptedChatModel({ replies: [{ content: 'abcdefgh', usage: { inputTokens: 7, outputTokens: 3 } }, 'abcdefgh'], modelName: 'fake-large' });
		const given = await model.invoke([{ role: 'user', content: 'x'.repeat(12) }]);
		expect(given.usage_metadata).toMatchObject({ input_tokens: 7, output_tokens: 3, total_tokens: 10 });
		expect(given.response_metadata.model_name).toBe('fake-large');
		const estimated = await model.invoke([{ role: 'user', content: 'x'.repeat(12) }]);
		expect(estimated.usage_metadata).toMatchObject({ input_tokens: 3, output_tokens: 2 });
		expect(model.model).toBe('fake-large');
	});

	it('can answer with content blocks, no usage, custom response metadata', async () => {
		const model = new ScriptedChatModel({
			replies: [{ content: [{ type: 'text', text: 'Blocks' }], usage: null, responseMetadata: { tokenUsage: { promptTokens: 5, completionTokens: 1 } } }],
		});
		const reply = await model.invoke([{ role: 'user', content: 'x' }]);
		expect(reply.content).toEqual([{ type: 'text', text: 'Blocks' }]);
		expect(reply.usage_metadata).toBeUndefined();
		expect(reply.response_metadata.tokenUsage).toEqual({ promptTokens: 5, completionTokens: 1 });
	});

	it('uses the responder (with the call and its index) and the default reply', async () => {
		const script = new FakeChatScript({ responder: (call, index) => `#${index}: ${call.messages.at(-1)?.content}` });
		const model = new ScriptedChatModel(script);
		expect((await model.invoke('first')).content).toBe('#0: first');
		expect((await model.invoke('second')).content).toBe('#1: second');
		script.setResponder(undefined).setDefaultReply('default');
		expect((await model.invoke('third')).content).toBe('default');
		script.setDefaultReply(undefined);
		await expect(model.invoke('fourth')).rejects.toThrow(/no scripted reply for call 4/);
	});

	it('throws scripted errors with an HTTP-like status', async () => {
		const model = new ScriptedChatModel({ replies: [{ error: 'Rate limited', status: 429 }] });
		await expect(model.invoke('x')).rejects.toMatchObject({ message: 'Rate limited', status: 429 });
	});

	it('hangs until aborted, and a delay is cut short by the abort signal', async () => {
		const model = new ScriptedChatModel({ replies: [{ hang: true }, { content: 'late', delayMs: 5000 }] });
		const hang = await invokeWithTimeout(model, [{ role: 'user', content: 'x' }], { timeoutMs: 80 }).catch((error: Error) => error);
		expect(hang).toMatchObject({ kind: 'timeout' });
		expect(model.calls[0].hadSignal).toBe(true);
		const started = Date.now();
		const delayed = await invokeWithTimeout(model, [{ role: 'user', content: 'x' }], { timeoutMs: 80 }).catch((error: Error) => error);
		expect(delayed).toMatchObject({ kind: 'timeout' });
		expect(Date.now() - started).toBeLessThan(1000);
	});
});

describe('FakeChatModel sub-node type and the script registry', () => {
	afterEach(() => clearFakeChatScripts());

	it('is an ai_languageModel sub-node registered as test.fakeChatModel', () => {
		const types = fakeChatModelNodeTypes();
		const type = types[FAKE_CHAT_MODEL_TYPE] as FakeChatModel;
		expect(type).toBeInstanceOf(FakeChatModel);
		expect(type.description.outputs).toEqual(['ai_languageModel']);
		expect(type.description.inputs).toEqual([]);
		expect(typeof type.supplyData).toBe('function');
	});

	it('shares scripts by key between the test and the sub-node', () => {
		const script = registerFakeChatScript('hotel', { replies: ['x'] });
		expect(getFakeChatScript('hotel')).toBe(script);
		const existing = new FakeChatScript();
		expect(registerFakeChatScript('other', existing)).toBe(existing);
		clearFakeChatScripts();
		expect(getFakeChatScript('hotel')).toBeUndefined();
	});
});
