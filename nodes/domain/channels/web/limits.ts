/**
 * Request limits per key (a session, an IP address) in fixed one-minute windows, in the memory of the
 * n8n process that serves the webhook. Several webhook processes (queue mode) each count their own share,
 * which still bounds what one visitor can start.
 */
export interface LimitVerdict {
	allowed: boolean;
	/** Seconds until the window resets (for `Retry-After`), when not allowed. */
	retryAfterSeconds: number;
}

export class RateLimiter {
	private readonly windows = new Map<string, { startedAt: number; count: number }>();

	constructor(
		private readonly windowMs = 60_000,
		private readonly maxKeys = 50_000,
	) {}

	/** Counts one request for `key`; allowed while the window holds at most `limit` of them. */
	take(key: string, limit: number, now = Date.now()): LimitVerdict {
		let window = this.windows.get(key);
		if (!window || now - window.startedAt >= this.windowMs) {
			if (this.windows.size >= this.maxKeys) this.dropExpired(now);
			window = { startedAt: now, count: 0 };
			this.windows.set(key, window);
		}
		window.count++;
		if (limit <= 0 || window.count <= limit) return { allowed: true, retryAfterSeconds: 0 };
		return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.windowMs - now) / 1000)) };
	}

	private dropExpired(now: number): void {
		for (const [key, window] of this.windows) if (now - window.startedAt >= this.windowMs) this.windows.delete(key);
		// Still full (a flood of distinct keys): start over rather than grow without bound.
		if (this.windows.size >= this.maxKeys) this.windows.clear();
	}
}
