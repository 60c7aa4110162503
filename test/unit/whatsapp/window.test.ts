import { computeWindow } from '../../../nodes/domain/whatsapp/window';

const now = new Date('2026-11-21T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

describe('computeWindow', () => {
	it('is open for 24 h after the last inbound message, with the time left', () => {
		const window = computeWindow({ lastInboundAt: hoursAgo(23), now });
		expect(window).toEqual({
			open: true,
			kind: 'service',
			expiresAt: '2026-11-21T13:00:00.000Z',
			lastInboundAt: '2026-11-20T13:00:00.000Z',
			remainingSeconds: 3600,
		});
	});

	it('is closed once 24 h have passed, and when the customer never wrote', () => {
		expect(computeWindow({ lastInboundAt: hoursAgo(24), now })).toMatchObject({ open: false, remainingSeconds: 0 });
		expect(computeWindow({ lastInboundAt: null, now })).toEqual({
			open: false,
			kind: 'service',
			expiresAt: null,
			lastInboundAt: null,
			remainingSeconds: 0,
		});
	});

	it('gives 72 h after a click-to-WhatsApp ad or CTA referral', () => {
		const window = computeWindow({ lastInboundAt: hoursAgo(48), entryPointAt: hoursAgo(48), now });
		expect(window).toMatchObject({ open: true, kind: 'entry_point', remainingSeconds: 24 * 3600 });
		expect(computeWindow({ lastInboundAt: hoursAgo(73), entryPointAt: hoursAgo(73), now }).open).toBe(false);
	});

	it('uses the service window when a newer message extends past the entry-point window', () => {
		const window = computeWindow({ lastInboundAt: hoursAgo(1), entryPointAt: hoursAgo(71), now });
		expect(window).toMatchObject({ kind: 'service', remainingSeconds: 23 * 3600 });
	});

	it('closes early by the safety margin', () => {
		expect(computeWindow({ lastInboundAt: hoursAgo(23.9), now, safetyMarginSeconds: 600 }).open).toBe(false);
		expect(computeWindow({ lastInboundAt: hoursAgo(23.8), now, safetyMarginSeconds: 600 }).remainingSeconds).toBe(120);
	});

	it('accepts ISO strings and ignores unparseable ones', () => {
		expect(computeWindow({ lastInboundAt: hoursAgo(2).toISOString(), now }).open).toBe(true);
		expect(computeWindow({ lastInboundAt: 'not a date', now }).open).toBe(false);
	});
});
