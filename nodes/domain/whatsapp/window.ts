import type { WindowState } from '../envelope';

export const SERVICE_WINDOW_HOURS = 24;
export const ENTRY_POINT_WINDOW_HOURS = 72;

const HOUR_MS = 3_600_000;

export interface WindowInput {
	/** The customer's last inbound message (the store's source of truth). */
	lastInboundAt: Date | string | null | undefined;
	/** When a Click-to-WhatsApp ad or Page CTA started the conversation, if it did. */
	entryPointAt?: Date | string | null;
	now?: Date;
	/** Treat the window as closed this many seconds before it really closes (a reply takes time). */
	safetyMarginSeconds?: number;
}

function toTime(value: Date | string | null | undefined): number | undefined {
	if (value === null || value === undefined || value === '') return undefined;
	const time = value instanceof Date ? value.getTime() : Date.parse(value);
	return Number.isNaN(time) ? undefined : time;
}

/**
 * The customer service window: free-form messages are allowed for 24 h after the customer's last
 * message; a conversation opened from an ad or CTA gets a 72 h free entry-point window instead.
 * Outside it, only approved templates can be sent.
 */
export function computeWindow(input: WindowInput): WindowState {
	const now = (input.now ?? new Date()).getTime();
	const margin = Math.max(0, input.safetyMarginSeconds ?? 0) * 1000;
	const lastInbound = toTime(input.lastInboundAt);
	const entryPoint = toTime(input.entryPointAt);

	const serviceEnd = lastInbound === undefined ? undefined : lastInbound + SERVICE_WINDOW_HOURS * HOUR_MS;
	const entryEnd = entryPoint === undefined ? undefined : entryPoint + ENTRY_POINT_WINDOW_HOURS * HOUR_MS;
	const useEntryPoint = entryEnd !== undefined && (serviceEnd === undefined || entryEnd > serviceEnd);
	const end = useEntryPoint ? entryEnd : serviceEnd;
	const remaining = end === undefined ? 0 : Math.max(0, Math.floor((end - margin - now) / 1000));

	return {
		open: remaining > 0,
		expiresAt: end === undefined ? null : new Date(end).toISOString(),
		kind: useEntryPoint ? 'entry_point' : 'service',
		lastInboundAt: lastInbound === undefined ? null : new Date(lastInbound).toISOString(),
		remainingSeconds: remaining,
	};
}
