import { accessTokenError, httpStatusForCode, newTraceId, unknownObject, whatsappError } from '../../sandbox/graph-errors';

describe('httpStatusForCode', () => {
	it.each([
		[0, 401],
		[190, 401],
		[10, 403],
		[200, 403],
		[299, 403],
		[368, 403],
		[131031, 403],
		[132001, 404],
		[1, 500],
		[131000, 500],
		[131057, 500],
		[2, 503],
		[131016, 503],
		[4, 400],
		[80007, 400],
		[100, 400],
		[130429, 400],
		[131056, 400],
		[131047, 400],
		[131026, 400],
		[131049, 400],
		[131050, 400],
		[999999, 400],
	])('code %i → HTTP %i', (code, status) => {
		expect(httpStatusForCode(code)).toBe(status);
	});
});

describe('whatsappError', () => {
	it("builds Meta's envelope from the catalog", () => {
		const error = whatsappError(131056);
		expect(error.status).toBe(400);
		expect(error.body.error).toEqual({
			message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
			type: 'OAuthException',
			code: 131056,
			error_data: {
				messaging_product: 'whatsapp',
				details: 'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
			},
			fbtrace_id: error.headers['x-fb-trace-id'],
		});
	});

	it('takes details, subcode and HTTP status overrides, and survives unknown codes', () => {
		const error = whatsappError(123456, { details: 'custom', subcode: 7, httpStatus: 418 });
		expect(error.status).toBe(418);
		expect(error.body.error).toMatchObject({ message: '(#123456) Unknown error', code: 123456, error_subcode: 7, error_data: { details: 'custom' } });
	});
});

describe('Graph errors', () => {
	it('answers token errors with 401 and a WWW-Authenticate header', () => {
		for (const reason of ['missing', 'invalid', 'expired'] as const) {
			const error = accessTokenError(reason);
			expect(error.status).toBe(401);
			expect(error.body.error.code).toBe(190);
			expect(error.headers['www-authenticate']).toMatch(/^OAuth "Facebook Platform" "invalid_token" "/);
		}
		expect(accessTokenError('expired').body.error.error_subcode).toBe(463);
		expect(accessTokenError('invalid').body.error.error_subcode).toBeUndefined();
	});

	it('names the verb in unknown-object errors', () => {
		expect(unknownObject('DELETE', '5').body.error.message).toMatch(/^Unsupported delete request\. Object with ID '5'/);
	});

	it('makes a new trace id every time', () => {
		const ids = new Set(Array.from({ length: 100 }, () => newTraceId()));
		expect(ids.size).toBe(100);
	});
});
