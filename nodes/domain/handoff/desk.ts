/**
 * The agent desk's webhook calls (reply, release), checked before anything runs: the key (the current
 * one or, during a rotation, the previous one), the body, the conversation and its handoff state. A
 * refusal is an HTTP answer (400, 403, 404, 409) with a message that says what is wrong, never a failed
 * execution; every call, accepted or not, goes to the access log with the key it used (by name and
 * fingerprint, never the key) and the agent it names.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

import type { SupportStore } from '../store/support-store';

export type DeskAction = 'reply' | 'release';

export interface DeskKeys {
	/** The request header that carries the key (case-insensitive). */
	header: string;
	current: string;
	/** The key being rotated out: accepted too until it is removed from the credential. */
	previous?: string;
}

export type DeskCheck =
	| { ok: true; action: DeskAction; conversationId: string; text?: string; agent: string | null; key: 'current' | 'previous' }
	| { ok: false; statusCode: 400 | 403 | 404 | 409; error: string };

const MAX_TEXT = 4096;

function sameKey(given: string, expected: string | undefined): boolean {
	if (!expected) return false;
	// Hashing first makes the comparison constant-time whatever the lengths.
	const left = createHash('sha256').update(given).digest();
	const right = createHash('sha256').update(expected).digest();
	return timingSafeEqual(left, right);
}

export function keyFingerprint(key: string): string {
	return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

function headerValue(headers: Record<string, unknown>, name: string): string {
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() === wanted) return (Array.isArray(value) ? String(value[0] ?? '') : String(value ?? '')).trim();
	}
	return '';
}

/** Checks one desk call and logs it. */
export async function checkDeskRequest(
	store: SupportStore,
	input: { action: DeskAction; headers: Record<string, unknown>; body: unknown; keys: DeskKeys; sourceIp?: string },
): Promise<DeskCheck> {
	const given = headerValue(input.headers, input.keys.header);
	const key = given && sameKey(given, input.keys.current) ? 'current' : given && sameKey(given, input.keys.previous) ? 'previous' : undefined;
	const body = input.body && typeof input.body === 'object' && !Array.isArray(input.body) ? (input.body as Record<string, unknown>) : undefined;
	const agent = typeof body?.agent === 'string' && body.agent.trim() ? body.agent.trim().slice(0, 100) : null;
	const conversationId = typeof body?.conversationId === 'string' ? body.conversationId.trim() : '';
	const log = async (outcome: 'ok' | 'denied' | 'failed', detail: Record<string, unknown>) =>
		await store.access.logAccess({
			actor: agent ?? 'agent desk',
			role: 'desk',
			action: `desk_${input.action}`,
			target: conversationId || null,
			outcome,
			sourceIp: input.sourceIp ?? null,
			detail: { key: key ?? (given ? 'wrong' : 'missing'), ...(given ? { keyFingerprint: keyFingerprint(given) } : {}), ...detail },
		});
	const refuse = async (statusCode: 400 | 403 | 404 | 409, error: string): Promise<DeskCheck> => {
		await log(statusCode === 403 ? 'denied' : 'failed', { status: statusCode });
		return { ok: false, statusCode, error };
	};

	if (!key) return await refuse(403, `Missing or wrong key: send the agent desk key in the ${input.keys.header} header.`);
	if (!body) return await refuse(400, 'The body must be a JSON object, e.g. {"conversationId": "whatsapp:…", "text": "…", "agent": "Sofie"}.');
	if (!conversationId || conversationId.length > 300) {
		return await refuse(400, '"conversationId" must be the conversation\'s ID as a string (it is in the handoff alert\'s package, e.g. "whatsapp:1065000000001:31612345678").');
	}
	let text: string | undefined;
	if (input.action === 'reply') {
		if (typeof body.text !== 'string' || !body.text.trim()) return await refuse(400, '"text" must be the reply to send, as a non-empty string.');
		if (body.text.length > MAX_TEXT) return await refuse(400, `"text" is longer than WhatsApp's ${MAX_TEXT} characters.`);
		text = body.text;
	}
	if (body.agent !== undefined && typeof body.agent !== 'string') return await refuse(400, '"agent" must be the agent\'s name as a string.');
	if (!(await store.getConversation(conversationId))) return await refuse(404, `There is no conversation "${conversationId}".`);
	if (!(await store.getOpenHandoff(conversationId))) {
		return await refuse(
			409,
			input.action === 'reply'
				? `Conversation "${conversationId}" is not handed off to a person (the bot has it): it can only be answered from the desk while a handoff is open.`
				: `Conversation "${conversationId}" has no open handoff to release.`,
		);
	}
	await log('ok', {});
	return { ok: true, action: input.action, conversationId, text, agent, key };
}
