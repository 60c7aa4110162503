/**
 * How many executions this process has started for new messages that have not reached their first pack
 * node yet: the backlog n8n keeps in memory when executions wait for a free slot
 * (N8N_CONCURRENCY_PRODUCTION_LIMIT) or for the event loop. The trigger counts a message when it hands out
 * its delivery lease (inbound.ts, DELIVERY_LEASES) and the confirming node counts it off, so the count is
 * only meaningful where both run in one process: n8n's regular mode. In queue mode the executions wait in
 * Redis, on workers, and the trigger must not use it.
 *
 * A burst that outruns the machine would otherwise pile up executions without bound (with n8n's default
 * `vm` expression engine each one holds a V8 isolate once it starts). Past a limit the trigger answers 503,
 * which Meta delivers again later: nothing is stored for a refused POST, so nothing is lost.
 */
export class ExecutionBacklog {
	private readonly waiting = new Map<string, number>();

	/**
	 * @param forgetAfterMs an execution that never confirms (it failed before its first pack node, or n8n
	 *   dropped it) stops counting after this long; the redelivery rules (REDELIVERY_TIMING) deal with it.
	 */
	constructor(private readonly forgetAfterMs: number) {}

	/** A new execution will answer the message holding this lease token. */
	started(token: string, now = Date.now()): void {
		this.waiting.set(token, now);
	}

	/** The execution holding this token reached its first pack node (or was superseded). */
	arrived(token: string): void {
		this.waiting.delete(token);
	}

	/** Executions started and not yet arrived, forgetting those older than `forgetAfterMs`. */
	size(now = Date.now()): number {
		for (const [token, startedAt] of this.waiting) {
			// A Map iterates in insertion order, so the oldest entries come first.
			if (now - startedAt < this.forgetAfterMs) break;
			this.waiting.delete(token);
		}
		return this.waiting.size;
	}
}

/** Long enough for any execution n8n still runs; REDELIVERY_TIMING.leaseMs restarts what is older. */
export const BACKLOG_FORGET_AFTER_MS = 120_000;

/** The default of the trigger's Refuse Above Waiting Executions option. */
export const DEFAULT_MAX_WAITING_EXECUTIONS = 200;

// One per process, shared through globalThis: n8n may load this package from more than one path, and the
// trigger and the confirming node must see the same count.
const BACKLOG_KEY = Symbol.for('n8n-nodes-whatsapp-ai-support.executionBacklog');

export function processBacklog(): ExecutionBacklog {
	const holder = globalThis as Record<symbol, unknown>;
	return (holder[BACKLOG_KEY] ??= new ExecutionBacklog(BACKLOG_FORGET_AFTER_MS)) as ExecutionBacklog;
}
