/**
 * Consent is derived from the append-only log: for each scope the latest event wins. An event with
 * scope `*` (a STOP keyword, an erasure) applies to every scope.
 */
export type ConsentScope = 'service' | 'marketing' | 'analytics';
export type ConsentStatus = 'granted' | 'revoked' | 'unknown';

export const CONSENT_SCOPES: ConsentScope[] = ['service', 'marketing', 'analytics'];
export const ALL_SCOPES = '*';

export interface ConsentLogEntry {
	scope: string;
	action: 'opt_in' | 'opt_out' | 'erased';
	occurredAt: string;
	id?: number;
	source?: string;
}

export interface ConsentState {
	status: ConsentStatus;
	/** The event that decided it, when there is one. */
	decidedBy?: { action: string; source?: string; occurredAt: string };
}

export type ConsentSummary = Record<ConsentScope, ConsentState>;

function newer(a: ConsentLogEntry, b: ConsentLogEntry): boolean {
	const time = Date.parse(a.occurredAt) - Date.parse(b.occurredAt);
	return time !== 0 ? time > 0 : (a.id ?? 0) > (b.id ?? 0);
}

export function deriveConsent(events: ConsentLogEntry[]): ConsentSummary {
	const summary = {} as ConsentSummary;
	for (const scope of CONSENT_SCOPES) {
		let latest: ConsentLogEntry | undefined;
		for (const event of events) {
			// An erasure marker only records that data was erased; revocations carried over are separate rows.
			if (event.action === 'erased') continue;
			if (event.scope !== scope && event.scope !== ALL_SCOPES) continue;
			if (!latest || newer(event, latest)) latest = event;
		}
		summary[scope] = latest
			? {
					status: latest.action === 'opt_in' ? 'granted' : 'revoked',
					decidedBy: { action: latest.action, source: latest.source, occurredAt: latest.occurredAt },
				}
			: { status: 'unknown' };
	}
	return summary;
}

export interface ConsentPolicy {
	/** Scopes that need an explicit opt-in before we may act on them (default: marketing). */
	requireOptIn: ConsentScope[];
	/** Whether replying to a customer who wrote to us is allowed without a recorded opt-in (default true). */
	serviceAllowedForInbound: boolean;
}

export const DEFAULT_CONSENT_POLICY: ConsentPolicy = { requireOptIn: ['marketing'], serviceAllowedForInbound: true };

export type ConsentDecision = 'allowed' | 'opted_out' | 'needs_opt_in';

/** Whether we may act in `scope` for this customer now. */
export function decideConsent(
	summary: ConsentSummary,
	scope: ConsentScope,
	policy: ConsentPolicy = DEFAULT_CONSENT_POLICY,
	context: { inbound: boolean } = { inbound: true },
): ConsentDecision {
	const state = summary[scope];
	if (state.status === 'revoked') return 'opted_out';
	if (state.status === 'granted') return 'allowed';
	if (scope === 'service' && context.inbound && policy.serviceAllowedForInbound) return 'allowed';
	return policy.requireOptIn.includes(scope) ? 'needs_opt_in' : 'allowed';
}
