import type { SupportStore } from './support-store';

/**
 * One execution's view of the support store, which reads a conversation row and a customer's consent log
 * once instead of once per node (issue O: 4.9 conversation reads and 2 consent reads per answered message,
 * about a quarter of our PGlite time).
 *
 * The view is correct within its execution: every store call that may change a conversation or the consent
 * log forgets what was read (before and after the call), so a node always sees its own execution's writes. Other
 * executions' writes are seen as late as before, when the first node read the row; a kept read is dropped
 * after `maxAgeMs` so an execution resumed by a Wait node reads afresh.
 */

/** Reads kept for the rest of the execution, by method. Each takes one string argument. */
const KEPT_READS = new Set<PropertyKey>(['getConversation', 'listConsentEvents']);

/**
 * Methods that change neither conversations nor the consent log, so they keep what was read: reads, and
 * writes to other tables (checked against their SQL in support-store.ts). Any other method is treated as a
 * write to both and forgets what was read; a method added to the store later is therefore safe by default.
 */
const KEEPING = new Set<PropertyKey>([
	'getOpenHandoff',
	'firstExistingConversation',
	'getMessageByWaId',
	'listMessages',
	'listMessagesAfter',
	'getInboundDelivery',
	'loadConversationForm',
	'getGuestProfile',
	'exportCustomer',
	'countRows',
	'keyedHashSecret',
	'tombstoneKeyOf',
	// Writes to other tables: dedupe keys, messages, handoff activity, costs, turns, forms, guest profiles.
	'claimEvent',
	'takeOverInboundDelivery',
	'confirmInboundDelivery',
	'recordOutboundMessage',
	'applyMessageStatus',
	'recordStatus',
	'recordReaction',
	'touchHandoff',
	'recordCost',
	'recordTurn',
	'saveConversationForm',
	'clearConversationForm',
	'updateGuestProfile',
	'correctGuestProfile',
]);

/** Writes to conversations that leave the consent log alone: they forget the kept conversation rows only. */
const CONVERSATION_WRITES = new Set<PropertyKey>([
	'upsertConversation',
	'recordInboundMessage',
	'markConversationInternal',
	'markNumbersInternal',
	'rememberLanguage',
	'recordAnswerOutcome',
	'recordMediaWithoutText',
	'openHandoff',
	'releaseHandoff',
	'releaseInactiveHandoffs',
]);

export interface ExecutionReadsOptions {
	/** How long a kept read stays valid. Default 10 s: longer than an execution between two nodes, shorter than any Wait. */
	maxAgeMs?: number;
	/** The clock (tests). */
	now?: () => number;
}

interface KeptRead {
	at: number;
	value: Promise<unknown>;
}

/** The view of `store` for one execution. Create one per execution (see `executionReadsFor`). */
export function withExecutionReads(store: SupportStore, options: ExecutionReadsOptions = {}): SupportStore {
	const maxAgeMs = options.maxAgeMs ?? 10_000;
	const now = options.now ?? Date.now;
	const kept = new Map<string, KeptRead>();

	const keptRead = (method: PropertyKey, read: (argument: string) => Promise<unknown>) => async (argument: string) => {
		const key = `${String(method)}\u0000${argument}`;
		const hit = kept.get(key);
		if (hit && now() - hit.at <= maxAgeMs) return structuredClone(await hit.value);
		const value = read(argument);
		kept.set(key, { at: now(), value });
		try {
			return structuredClone(await value);
		} catch (error) {
			if (kept.get(key)?.value === value) kept.delete(key);
			throw error;
		}
	};

	/** Answers from kept conversation rows while it can, in the ids' order; asks the store about the rest. */
	const firstExistingConversation =
		(call: (ids: Array<string | undefined>) => Promise<string | undefined>) =>
		async (ids: Array<string | undefined>): Promise<string | undefined> => {
			const wanted = ids.filter((id): id is string => Boolean(id));
			for (const [index, id] of wanted.entries()) {
				const hit = kept.get(`getConversation\u0000${id}`);
				if (!hit || now() - hit.at > maxAgeMs) return await call(wanted.slice(index));
				if (await hit.value.catch(() => undefined)) return id;
			}
			return undefined;
		};

	const forget = (onlyConversations: boolean) => {
		if (!onlyConversations) return kept.clear();
		for (const key of kept.keys()) if (key.startsWith('getConversation\u0000')) kept.delete(key);
	};
	const write =
		(call: (...args: unknown[]) => unknown, onlyConversations: boolean) =>
		async (...args: unknown[]) => {
			forget(onlyConversations);
			try {
				return await call(...args);
			} finally {
				forget(onlyConversations);
			}
		};

	return new Proxy(store, {
		get(target, property) {
			const value: unknown = Reflect.get(target, property, target);
			if (typeof value !== 'function' || typeof property === 'symbol') return value;
			const method = (value as (...args: unknown[]) => unknown).bind(target);
			if (KEPT_READS.has(property)) return keptRead(property, method as (argument: string) => Promise<unknown>);
			if (property === 'firstExistingConversation') return firstExistingConversation(method as (ids: Array<string | undefined>) => Promise<string | undefined>);
			if (KEEPING.has(property)) return method;
			return write(method, CONVERSATION_WRITES.has(property));
		},
	});
}

const MAX_EXECUTIONS = 256;
const views = new Map<string, { store: SupportStore; view: SupportStore }>();

/**
 * The execution's view of `store`, shared by the nodes of one execution. Keeps the views of the latest 256
 * executions; an execution whose view was dropped simply reads again.
 */
export function executionReadsFor(store: SupportStore, executionId: string, options?: ExecutionReadsOptions): SupportStore {
	const known = views.get(executionId);
	if (known && known.store === store) {
		// Most recently used last, so the oldest is dropped first.
		views.delete(executionId);
		views.set(executionId, known);
		return known.view;
	}
	const view = withExecutionReads(store, options);
	views.set(executionId, { store, view });
	while (views.size > MAX_EXECUTIONS) views.delete(views.keys().next().value as string);
	return view;
}
