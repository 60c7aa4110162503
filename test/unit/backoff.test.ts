// The one backoff formula behind Graph retries, PostgreSQL reconnects and delivery-lease polling.
import { backoffCeiling, backoffDelay } from '../../nodes/domain/backoff';
import { DEFAULT_RETRY } from '../../nodes/domain/whatsapp/graph-client';

describe('backoff', () => {
	const policy = { baseDelayMs: 100, maxDelayMs: 1_000 };

	it('doubles the pause per retry from the base and stops at the cap', () => {
		expect([1, 2, 3, 4, 5, 6].map((retry) => backoffCeiling(retry, policy))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
	});

	it('treats a retry number below 1 as the first retry', () => {
		expect(backoffCeiling(0, policy)).toBe(100);
	});

	it('jitters between half the ceiling and the ceiling', () => {
		expect(backoffDelay(3, policy, () => 0)).toBe(200);
		expect(backoffDelay(3, policy, () => 0.5)).toBe(300);
		expect(backoffDelay(3, policy, () => 0.999_999)).toBe(400);
		expect(backoffDelay(9, policy, () => 1)).toBe(1_000);
	});

	it('keeps every random pause inside its bounds for the Graph retry policy', () => {
		for (let retry = 1; retry <= DEFAULT_RETRY.maxRetries; retry++) {
			const ceiling = backoffCeiling(retry, DEFAULT_RETRY);
			for (let sample = 0; sample < 50; sample++) {
				const delay = backoffDelay(retry, DEFAULT_RETRY);
				expect(delay).toBeGreaterThanOrEqual(ceiling / 2);
				expect(delay).toBeLessThanOrEqual(ceiling);
			}
		}
	});
});
