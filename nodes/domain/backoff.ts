/** Exponential backoff, shared by the Graph client's retries, the PostgreSQL driver's reconnects and lease polling. */
export interface BackoffPolicy {
	/** The pause before the first retry (before jitter). */
	baseDelayMs: number;
	/** No pause grows beyond this. */
	maxDelayMs: number;
}

/** The pause before retry number `retry` (1-based) without jitter: base · 2^(retry − 1), capped. */
export function backoffCeiling(retry: number, policy: BackoffPolicy): number {
	return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (Math.max(1, retry) - 1));
}

/**
 * The pause before retry number `retry` (1-based), with jitter: between half the ceiling and the ceiling,
 * so that clients failing together do not all come back at the same moment, yet each still backs off.
 */
export function backoffDelay(retry: number, policy: BackoffPolicy, random: () => number = Math.random): number {
	const ceiling = backoffCeiling(retry, policy);
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
