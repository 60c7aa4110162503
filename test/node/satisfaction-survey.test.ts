// The satisfaction survey in real in-process runs: the shipped satisfaction-survey workflow sends the CSAT list
// to guests whose conversation ended (consent, the service window and once-per-N-days respected), and the
// shipped whatsapp-ai-support workflow catches the answer and the comment after a low score before the
// classifier, so neither reaches the bot.
import path from 'node:path';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { guest, startNodeTestBed, type NodeTestBed, type StoreBackendName } from '../helpers/node-fixtures';
import { PROJECT_ROOT } from '../helpers/node-types';
import { loadWorkflowFile, runWorkflow } from '../helpers/workflow-runner';

const file = (name: string) => path.join(PROJECT_ROOT, 'workflows', name);
const MINUTE = 60_000;

describe.each<StoreBackendName>(['embedded', 'postgres'])('satisfaction survey (shipped workflows, in-process, %s store)', (backend) => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed(backend);
	});
	afterAll(async () => await bed.close());
	beforeEach(() => bed.sandbox.reset());

	/** A conversation where the guest asked `minutesAgo` minutes ago and the bot answered a minute later. */
	async function answeredConversation(waId: string, minutesAgo: number, options: { language?: string; intent?: string } = {}) {
		const conversation = guest(waId, `Guest ${waId}`);
		const id = conversationIdOf(conversation);
		const askedAt = new Date(Date.now() - minutesAgo * MINUTE);
		await bed.store.recordInboundMessage({ conversation, waMessageId: `wamid.${waId}.ask.${minutesAgo}`, type: 'text', text: 'Is breakfast included?', sentAt: askedAt });
		await bed.store.recordOutboundMessage({ conversationId: id, author: 'bot', type: 'text', text: 'Yes, 7:00–10:30.', sentAt: new Date(askedAt.getTime() + MINUTE) });
		if (options.language) await bed.store.rememberLanguage(id, options.language);
		await bed.store.recordTurn({ conversationId: id, messageId: `wamid.${waId}.ask.${minutesAgo}`, askedAt, intent: options.intent ?? 'breakfast', route: 'automate', answered: true, human: false });
		return { conversation, id };
	}

	/** A shipped workflow whose nodes use this backend's store. */
	function shipped(name: string) {
		const workflow = loadWorkflowFile(file(name));
		if (backend === 'postgres') {
			for (const node of workflow.nodes) {
				if (!node.type.startsWith('n8n-nodes-whatsapp-ai-support.')) continue;
				node.parameters = { ...node.parameters, supportStore: 'postgres' };
				node.credentials = { ...node.credentials, whatsAppSupportStorePostgresApi: { id: 'pg', name: 'Store' } };
			}
		}
		return workflow;
	}

	async function runSurveys() {
		const result = await runWorkflow(shipped('satisfaction-survey.json'), { credentials: bed.credentials });
		expect({ status: result.status, error: result.error?.message }).toEqual({ status: 'success', error: undefined });
		return result;
	}

	async function guestSends(waId: string, message: Record<string, unknown>) {
		const conversation = guest(waId, `Guest ${waId}`);
		const at = new Date();
		const id = `wamid.${waId}.${Math.random().toString(36).slice(2)}`;
		await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: String(message.type), text: message.text as string | undefined, payload: message, sentAt: at });
		const result = await runWorkflow(shipped('whatsapp-ai-support.json'), {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, timestamp: at.toISOString(), ...message } } }],
		});
		expect({ status: result.status, error: result.error?.message }).toEqual({ status: 'success', error: undefined });
		return result;
	}

	it('sends the CSAT list in the guest language, takes a low score and the comment, and keeps both from the bot', async () => {
		const waId = '31612000901';
		const { id } = await answeredConversation(waId, 45, { language: 'nl', intent: 'breakfast' });

		await runSurveys();
		const sent = bed.sandbox.sentMessages();
		expect(sent.map((message) => ({ to: message.waId, type: message.body.type }))).toEqual([{ to: waId, type: 'interactive' }]);
		const interactive = sent[0].body.interactive as { type: string; body: { text: string }; action: { sections: Array<{ rows: Array<{ id: string; title: string }> }> } };
		expect(interactive.type).toBe('list');
		expect(interactive.body.text).toContain('Hoe tevreden');
		const rows = interactive.action.sections[0].rows;
		expect(rows.map((row) => row.title)).toEqual(['5 – Zeer tevreden', '4 – Tevreden', '3 – Neutraal', '2 – Ontevreden', '1 – Zeer ontevreden']);
		const [survey] = await bed.store.surveys.listForConversation(id);
		expect(survey).toMatchObject({ kind: 'csat', route: 'bot', reason: 'bot_idle', intent: 'breakfast', language: 'nl', status: 'sent', waMessageId: sent[0].id });

		// Not asked again for the same conversation, answered or not.
		bed.sandbox.reset();
		await runSurveys();
		expect(bed.sandbox.sentMessages()).toEqual([]);

		// The guest taps "2 – Ontevreden": stored, the follow-up question is asked, the bot never sees it.
		const two = rows.find((row) => row.title.startsWith('2'))!;
		const answer = await guestSends(waId, { type: 'interactive', interactive: { type: 'list_reply', id: two.id, title: two.title } });
		expect(answer.runCount('Catch Survey Answer')).toBe(1);
		expect(answer.runCount('Classify Intent')).toBe(0);
		expect((await bed.store.surveys.get(survey.id))).toMatchObject({ score: 2, status: 'follow_up' });
		const followUp = bed.sandbox.sentMessages().map((message) => (message.body.text as { body: string } | undefined)?.body);
		expect(followUp).toEqual(['Sorry dat het niet goed ging. Wat hadden we beter kunnen doen? Typ gewoon je antwoord.']);

		bed.sandbox.reset();
		const comment = await guestSends(waId, { type: 'text', text: 'Het ontbijt was koud' });
		expect(comment.runCount('Classify Intent')).toBe(0);
		expect(await bed.store.surveys.get(survey.id)).toMatchObject({ score: 2, status: 'commented', comment: 'Het ontbijt was koud' });
		expect(bed.sandbox.sentMessages().map((message) => (message.body.text as { body: string }).body)).toEqual(['Bedankt, hier gaan we mee aan de slag. 🙏']);

		// The next message is a question again: it goes to the bot.
		bed.sandbox.reset();
		const question = await guestSends(waId, { type: 'text', text: 'Is there parking at the hotel?' });
		expect(question.runCount('Classify Intent')).toBe(1);

		// Shows up in the value figures.
		const value = await bed.store.analytics.surveyFigures({ from: new Date(Date.now() - 86_400_000), to: new Date(Date.now() + MINUTE) });
		expect(value.csat).toMatchObject({ sent: 1, answered: 1, average: 2, distribution: { 1: 0, 2: 1, 3: 0, 4: 0, 5: 0 } });

		// The guest's data request exports the survey; erasure removes it with the conversation.
		expect((await bed.store.exportCustomer(waId)).surveys).toEqual([expect.objectContaining({ score: 2, comment: 'Het ontbijt was koud' })]);
		await bed.store.eraseCustomer(waId);
		expect(await bed.store.surveys.listForConversation(id)).toEqual([]);
	});

	it('respects consent, the service window, the quiet time and once per N days', async () => {
		const optedOut = await answeredConversation('31612000911', 45);
		await bed.store.appendConsentEvent({ customerKey: '31612000911', conversationId: optedOut.id, scope: 'analytics', action: 'opt_out', source: 'test' });
		await answeredConversation('31612000912', 23 * 60 + 55); // the window closes in 5 minutes
		await answeredConversation('31612000913', 10); // answered 9 minutes ago: not quiet long enough
		const recent = await answeredConversation('31612000914', 45);
		const [earlier] = await bed.store.surveys.findDue({ now: new Date(), idleMinutes: 30, windowMarginMinutes: 15, limit: 50, phoneNumberId: undefined }).then((due) =>
			due.filter((candidate) => candidate.conversationId === recent.id),
		);
		// A survey 5 days ago (another conversation end) for the same guest.
		await bed.store.surveys.claim({ ...earlier, endedAt: new Date(Date.now() - 5 * 86_400_000).toISOString() }, { kind: 'csat', language: 'en', everyDays: 30, now: new Date(Date.now() - 5 * 86_400_000) });
		const allowed = await answeredConversation('31612000915', 45);

		const result = await runSurveys();
		expect(bed.sandbox.sentMessages().map((message) => message.waId)).toEqual(['31612000915']);
		const skipped = result.json('Send Due Surveys', 1).map((item) => ({ id: (item.survey as { conversationId: string }).conversationId, because: (item.survey as { skippedBecause: string }).skippedBecause }));
		expect(skipped).toEqual(
			expect.arrayContaining([
				{ id: optedOut.id, because: 'opted_out' },
				{ id: recent.id, because: 'recently_surveyed' },
			]),
		);
		expect(skipped).toHaveLength(2);
		expect((await bed.store.surveys.listForConversation(allowed.id)).map((survey) => survey.status)).toEqual(['sent']);

		// A number typed alone answers the survey while it is the last message we sent …
		const typed = await guestSends('31612000915', { type: 'text', text: '4' });
		expect(typed.runCount('Classify Intent')).toBe(0);
		expect((await bed.store.surveys.listForConversation(allowed.id)).map((survey) => survey.score)).toEqual([4]);
		// … but not once something else was sent after it (here: the bot asked a form question).
		const other = await answeredConversation('31612000916', 45);
		await runSurveys();
		await bed.store.recordOutboundMessage({ conversationId: other.id, author: 'bot', type: 'text', text: 'For how many people?', sentAt: new Date() });
		const partySize = await guestSends('31612000916', { type: 'text', text: '2' });
		expect(partySize.runCount('Classify Intent')).toBe(1);
		expect((await bed.store.surveys.listForConversation(other.id)).map((survey) => [survey.status, survey.score])).toEqual([['sent', null]]);
	});

	it('never surveys a number on the Internal Numbers list, and keeps it out of the customer chats', async () => {
		const started = new Date(Date.now() - 2 * 60 * MINUTE);
		const staffPhone = '31612000921';
		const staff = await answeredConversation(staffPhone, 45); // an agent trying the bot from their own phone
		const guestChat = await answeredConversation('31612000922', 45);
		const range = { from: started, to: new Date(Date.now() + MINUTE) };
		expect((await bed.store.analytics.computeMetrics({ ...range, customer: staffPhone })).chats).toBe(1);

		const workflow = shipped('satisfaction-survey.json');
		const sendDue = workflow.nodes.find((node) => node.name === 'Send Due Surveys')!;
		const options = sendDue.parameters.options as Record<string, unknown>;
		// As typed by a person: a plus, spaces, next to the duty phone the shipped workflow lists.
		options.internalNumbers = `${String(options.internalNumbers ?? '')}, +31 6 1200 0921`;
		const result = await runWorkflow(workflow, { credentials: bed.credentials });
		expect({ status: result.status, error: result.error?.message }).toEqual({ status: 'success', error: undefined });

		const sentTo = bed.sandbox.sentMessages().map((message) => message.waId);
		expect(sentTo).toContain('31612000922');
		expect(sentTo).not.toContain(staffPhone);
		expect(await bed.store.surveys.listForConversation(staff.id)).toEqual([]);
		expect((await bed.store.surveys.listForConversation(guestChat.id)).map((survey) => survey.status)).toEqual(['sent']);
		expect(result.json('Send Due Surveys', 1).map((item) => (item.survey as { conversationId: string }).conversationId)).not.toContain(staff.id);

		// Marked internal in the store: out of the customer figures even where the dashboard lists no numbers.
		expect((await bed.store.getConversation(staff.id))?.internalRole).toBe('staff');
		expect((await bed.store.analytics.computeMetrics({ ...range, customer: staffPhone })).chats).toBe(0);
		expect((await bed.store.analytics.computeMetrics({ ...range, customer: staffPhone, audience: 'internal' })).chats).toBe(1);
		expect((await bed.store.analytics.computeMetrics({ ...range, customer: '31612000922' })).chats).toBe(1);

		// The next run finds nothing more to do for either.
		bed.sandbox.reset();
		await runWorkflow(workflow, { credentials: bed.credentials });
		expect(bed.sandbox.sentMessages().map((message) => message.waId)).not.toContain(staffPhone);
		expect(await bed.store.surveys.listForConversation(staff.id)).toEqual([]);
	});
});
