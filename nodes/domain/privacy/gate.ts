import type { ConversationRef } from '../envelope';
import { customerKeyOf } from '../envelope';
import type { SupportStore } from '../store';
import {
	ALL_SCOPES,
	decideConsent,
	deriveConsent,
	type ConsentDecision,
	type ConsentPolicy,
	type ConsentScope,
	type ConsentSummary,
} from './consent';
import { detectConsentKeyword, keywordConfirmation, type ConsentKeyword } from './keywords';

export type GateRoute = 'allowed' | 'opted_out' | 'needs_opt_in' | 'keyword';

export interface GateKeyword {
	keyword: ConsentKeyword;
	phrase: string;
	/** True when this keyword changed the customer's state, so the confirmation is due (once). */
	changedState: boolean;
	confirmation: { text: string; language: string };
}

export interface GateResult {
	route: GateRoute;
	consent: {
		scope: ConsentScope;
		decision: ConsentDecision;
		status: ConsentSummary[ConsentScope]['status'];
		scopes: Record<ConsentScope, string>;
		keyword?: GateKeyword;
	};
}

export interface GateInput {
	store: SupportStore;
	conversation: ConversationRef & { id: string };
	message?: { id?: string; text?: string };
	scope: ConsentScope;
	policy: ConsentPolicy;
	handleKeywords: boolean;
	/** The customer's language when known (NLU or detection); the keyword's own language wins. */
	language?: string;
}

function scopesOf(summary: ConsentSummary): Record<ConsentScope, string> {
	return { service: summary.service.status, marketing: summary.marketing.status, analytics: summary.analytics.status };
}

/**
 * The consent gate for one inbound message: STOP / START keywords are recorded (STOP revokes every
 * scope, START grants service again), then the consent for `scope` is derived from the log and the policy.
 */
export async function evaluateConsentGate(input: GateInput): Promise<GateResult> {
	const customerKey = customerKeyOf(input.conversation.customer);
	let events = await input.store.listConsentEvents(customerKey);

	const match = input.handleKeywords ? detectConsentKeyword(input.message?.text) : undefined;
	if (match) {
		const before = deriveConsent(events);
		const changedState = match.keyword === 'stop' ? before.service.status !== 'revoked' : before.service.status === 'revoked';
		await input.store.appendConsentEvent({
			customerKey,
			conversationId: input.conversation.id,
			scope: match.keyword === 'stop' ? ALL_SCOPES : 'service',
			action: match.keyword === 'stop' ? 'opt_out' : 'opt_in',
			source: 'keyword',
			evidence: { messageId: input.message?.id, text: input.message?.text, phrase: match.phrase },
		});
		events = await input.store.listConsentEvents(customerKey);
		const summary = deriveConsent(events);
		return {
			route: 'keyword',
			consent: {
				scope: input.scope,
				decision: decideConsent(summary, input.scope, input.policy),
				status: summary[input.scope].status,
				scopes: scopesOf(summary),
				keyword: {
					keyword: match.keyword,
					phrase: match.phrase,
					changedState,
					confirmation: keywordConfirmation(match.keyword, match.language ?? input.language),
				},
			},
		};
	}

	const summary = deriveConsent(events);
	const decision = decideConsent(summary, input.scope, input.policy);
	return {
		route: decision === 'allowed' ? 'allowed' : decision,
		consent: { scope: input.scope, decision, status: summary[input.scope].status, scopes: scopesOf(summary) },
	};
}
