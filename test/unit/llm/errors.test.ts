import { LlmError, redactSecrets, toLlmError } from '../../../nodes/domain/llm';

function withFields(message: string, fields: Record<string, unknown>): Error {
	return Object.assign(new Error(message), fields);
}

describe('toLlmError', () => {
	it('maps HTTP statuses to kind http with a code and a hint', () => {
		const cases: Array<[number, string]> = [
			[401, 'authentication'],
			[403, 'authentication'],
			[404, 'model_not_found'],
			[429, 'rate_limit'],
			[500, 'server'],
			[503, 'server'],
			[422, 'bad_request'],
		];
		for (const [status, code] of cases) {
			const error = toLlmError(withFields(`${status} something went wrong`, { status }));
			expect(error).toMatchObject({ kind: 'http', status, code });
			expect(error.hint).toBeTruthy();
			expect(error.message).toBe(`The model server answered HTTP ${status}: something went wrong`);
		}
	});

	it('finds the status on n8n errors (httpCode string) and axios-style responses', () => {
		expect(toLlmError(withFields('Rate limited', { httpCode: '429' }))).toMatchObject({ kind: 'http', status: 429, code: 'rate_limit' });
		expect(toLlmError(withFields('Bad gateway', { response: { status: 502 } }))).toMatchObject({ kind: 'http', status: 502 });
		expect(toLlmError(withFields('x', { statusCode: 404 }))).toMatchObject({ status: 404 });
	});

	it('recognises a context overflow among 400s', () => {
		const error = toLlmError(withFields("400 This model's maximum context length is 8192 tokens", { status: 400 }));
		expect(error.code).toBe('context_overflow');
		expect(error.hint).toMatch(/prompt is too long/);
	});

	it('maps timeouts by name or message, but a 504 stays an HTTP error', () => {
		expect(toLlmError(withFields('Request timed out.', { name: 'TimeoutError' }), { timeoutMs: 5000 })).toMatchObject({
			kind: 'timeout',
			message: 'The model did not answer in time after 5000 ms',
		});
		expect(toLlmError(new Error('socket timeout'))).toMatchObject({ kind: 'timeout' });
		expect(toLlmError(withFields('504 Gateway Timeout', { status: 504 }))).toMatchObject({ kind: 'http', status: 504, code: 'server' });
	});

	it('maps connection failures and cancellation', () => {
		const refused = withFields('fetch failed', { cause: { code: 'ECONNREFUSED' } });
		expect(toLlmError(refused)).toMatchObject({ kind: 'http', code: 'connection', status: undefined });
		expect(toLlmError(withFields('Connection error.', { name: 'APIConnectionError' }))).toMatchObject({ code: 'connection' });
		expect(toLlmError(withFields('Aborted', { name: 'AbortError' }))).toMatchObject({ kind: 'other', code: 'cancelled' });
	});

	it('keeps other errors as kind other, and LlmErrors as they are', () => {
		expect(toLlmError(new Error('boom'))).toMatchObject({ kind: 'other', message: 'The model call failed: boom' });
		expect(toLlmError('plain string')).toMatchObject({ kind: 'other', message: 'The model call failed: plain string' });
		const original = new LlmError('invalid_output', 'x');
		expect(toLlmError(original)).toBe(original);
	});

	it('drops LangChain’s troubleshooting link, redacts secrets and truncates long messages', () => {
		const error = toLlmError(
			withFields('401 Incorrect API key provided: sk-proj-abcdefghijklmnop.\n\nTroubleshooting URL: https://docs.langchain.com/x', { status: 401 }),
		);
		expect(error.message).toBe('The model server answered HTTP 401: Incorrect API key provided: sk-***.');
		const secret = 'my-gateway-secret';
		const leaky = toLlmError(withFields(`500 upstream said header api-key=${secret} is bad`, { status: 500 }), { secrets: [secret] });
		expect(leaky.message).not.toContain(secret);
		expect(toLlmError(new Error('y'.repeat(2000))).message.length).toBeLessThan(560);
	});
});

describe('redactSecrets', () => {
	it('removes given secrets, bearer tokens, OpenAI-style keys and key query parameters', () => {
		expect(redactSecrets('token s3cr3t-value here', ['s3cr3t-value'])).toBe('token *** here');
		expect(redactSecrets('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer ***');
		expect(redactSecrets('key sk-1234567890abcdef leaked')).toBe('key sk-*** leaked');
		expect(redactSecrets('GET /v1/models?api-key=zzz&x=1')).toBe('GET /v1/models?api-key=***&x=1');
		// Very short "secrets" would shred ordinary words.
		expect(redactSecrets('a b c', ['a'])).toBe('a b c');
	});
});
