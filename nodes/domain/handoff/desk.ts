/**
 * The agent desk's webhook calls (reply, release), checked before anything runs: the key (the current
 * one or, during a rotation, the previous one), the body, the conversation and its handoff state. A
 * refusal is an HTTP answer (400, 403, 404, 409) with a message that says what is wrong, never a failed
 * execution; every call, accepted or not, goes to the access log with the key it used (by name and
 * fingerprint, never the key) and the agent it names.
 */
import { matchWebhookKey, type KeyMatch, type WebhookKeys } from '../security/webhook-keys';
import type { SupportStore } from '../store/support-store';

export type DeskAction = 'reply' | 'release';

export type DeskCheck =
	| { ok: true; action: DeskAction; conversationId: string; text?: string; agent: string | null; key: KeyMatch }
	| { ok: false; statusCode: 400 | 403 | 404 | 409; error: string };

const MAX_TEXT = 4096;

/** Checks one desk call and logs it. */
export async function checkDeskRequest(
	store: SupportStore,
	input: { action: DeskAction; headers: Record<string, unknown>; body: unknown; keys: WebhookKeys; sourceIp?: string },
): Promise<DeskCheck> {
	const { match: key, log: keyLog } = matchWebhookKey(input.headers, input.keys);
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
			detail: { ...keyLog, ...detail },
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
