// The guest profile in real n8n, in-process: a preference stated on "Monday" is remembered through AI
// Reply's remember tool, used on "Wednesday" (in the model's prompt, and by the offline path greeting the
// guest by name), exported by the Consent Gate's DSAR export, corrected, and erased.
import { NodeConnectionTypes, type IDataObject, type INode, type INodeParameters } from 'n8n-workflow';

import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { line, node, workflow } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';
import { clearFakeChatScripts, FAKE_CHAT_MODEL_TYPE, fakeChatModelNodeTypes, registerFakeChatScript } from '../llm/fake-chat-model';

const ANSWERED = 0;
const DAY = 86_400_000;
const answer = (text: string) => JSON.stringify({ answered: true, answer: text, sources: [] });
const knowledge = { entry: [{ question: 'When is breakfast served?', answer: 'Breakfast is served from 7:00 to 10:30.', language: 'en' }] };

describe('guest profile', () => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
	});
	afterAll(async () => {
		await bed.close();
	});
	beforeEach(() => clearFakeChatScripts());

	async function ask(waId: string, text: string, sentAt: Date, parameters: INodeParameters) {
		const conversation = guest(waId, 'J.W.');
		const messageId = `wamid.${waId}.${sentAt.getTime()}`;
		await bed.store.recordInboundMessage({ conversation, waMessageId: messageId, type: 'text', text, sentAt });
		const withModel = parameters.modelSource === 'input';
		const nodes: INode[] = [node('Start', 'n8n-nodes-base.manualTrigger'), bed.ourNode('Reply', 'aiReply', { rememberGuests: true, knowledge, ...parameters })];
		const links: Array<[string, string, number?, string?]> = [['Start', 'Reply']];
		if (withModel) {
			nodes.push(node('Model', FAKE_CHAT_MODEL_TYPE, { scriptKey: 'profile' }));
			links.push(['Model', 'Reply', 0, NodeConnectionTypes.AiLanguageModel]);
		}
		return await runWorkflow(workflow(nodes, links), {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation, message: { id: messageId, type: 'text', text, timestamp: sentAt.toISOString() } } }],
			extraNodeTypes: fakeChatModelNodeTypes(),
		});
	}

	const gate = async (parameters: INodeParameters) =>
		await runWorkflow(line(bed.ourNode('Gate', 'consentGate', parameters)), { credentials: bed.credentials, triggerItems: [{ json: {} }] });

	it('remembers a preference on Monday, uses it on Wednesday, exports it, corrects it and erases it', async () => {
		const waId = '31655550001';
		const monday = new Date(Date.now() - 2 * DAY);

		// Monday: the guest tells their name and diet; the model remembers both.
		const monday1 = registerFakeChatScript('profile', {
			replies: [
				{ content: '', toolCalls: [{ name: 'remember_guest_detail', args: { name: 'Jonas', preference: 'vegetarian' } }] },
				answer('Noted, Jonas: vegetarian dishes it is.'),
			],
		});
		const first = await ask(waId, 'I am Jonas, and I am vegetarian. Do you have options?', monday, { modelSource: 'input' });
		expect(first.status).toBe('success');
		expect(monday1.calls[0].tools).toContain('remember_guest_detail');
		expect(first.json('Reply', ANSWERED)[0].profile).toEqual({ name: 'Jonas', language: null, preferences: ['vegetarian'], bookings: [] });
		expect(await bed.store.getGuestProfile(waId)).toMatchObject({ name: 'Jonas', preferences: ['vegetarian'] });

		// Wednesday: the model is told, without the guest repeating it.
		const wednesday = registerFakeChatScript('profile', { replies: [answer('Tonight our chef has a mushroom risotto for you, Jonas.')] });
		const second = await ask(waId, 'What is for dinner tonight?', new Date(), { modelSource: 'input' });
		expect(second.status).toBe('success');
		const system = wednesday.calls[0].messages[0].content;
		expect(system).toContain('ABOUT THIS GUEST');
		expect(system).toContain('Name: Jonas');
		expect(system).toContain('Preferences they told us: vegetarian');

		// Without a model, a returning guest is greeted by name.
		const offline = await ask(waId, 'When is breakfast served?', new Date(), { modelSource: 'none' });
		expect((offline.json('Reply', ANSWERED)[0].reply as { text: string }).text).toBe('Hello Jonas, welcome back!\n\nBreakfast is served from 7:00 to 10:30.');

		// DSAR export includes the profile.
		const exported = await gate({ operation: 'exportCustomer', customerSource: 'custom', customerKey: waId });
		expect((exported.json('Gate')[0].export as { guestProfile: IDataObject }).guestProfile).toMatchObject({ customerKey: waId, name: 'Jonas', preferences: ['vegetarian'] });

		// Staff correct one field.
		const corrected = await gate({ operation: 'correctProfile', customerSource: 'custom', customerKey: waId, profileField: 'preferences', profileChange: 'remove', profileValue: 'Vegetarian' });
		expect(corrected.json('Gate')[0].profile).toMatchObject({ name: 'Jonas', preferences: [] });
		const renamed = await gate({ operation: 'correctProfile', customerSource: 'custom', customerKey: waId, profileField: 'name', profileChange: 'set', profileValue: 'Jonas Weber' });
		expect(renamed.json('Gate')[0].profile).toMatchObject({ name: 'Jonas Weber' });

		// Erasure removes it.
		const erased = await gate({ operation: 'eraseCustomer', customerSource: 'custom', customerKey: waId });
		expect(erased.json('Gate')[0].erasure).toMatchObject({ guestProfiles: 1 });
		expect(await bed.store.getGuestProfile(waId)).toBeUndefined();
	});

	it('does not remember a guest who opted out, and retention removes a profile left untouched', async () => {
		const waId = '31655550002';
		await bed.store.appendConsentEvent({ customerKey: waId, scope: '*', action: 'opt_out', source: 'keyword' });
		const script = registerFakeChatScript('profile', { replies: [answer('Of course.')] });
		const result = await ask(waId, 'I am Marie and I like a quiet room', new Date(), { modelSource: 'input' });
		expect(result.status).toBe('success');
		expect(script.calls[0].tools).not.toContain('remember_guest_detail');
		expect(await bed.store.getGuestProfile(waId)).toBeUndefined();

		await bed.store.updateGuestProfile('31655550003', { name: 'Old Guest', preferences: ['sea view'] });
		const purged = await bed.store.purgeExpired({ messagesDays: 30, analyticsDays: 400, now: new Date(Date.now() + 31 * DAY) });
		expect(purged.guestProfiles).toBeGreaterThanOrEqual(1);
		expect(await bed.store.getGuestProfile('31655550003')).toBeUndefined();
	});
});
