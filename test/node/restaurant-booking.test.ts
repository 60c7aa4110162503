// Table bookings through the shipped restaurant-reservations workflow, in-process, in all five languages,
// against the Graph API sandbox and the booking-system sandbox. Every message enters through the WhatsApp
// AI Trigger's webhook() (signed, deduplicated on its message id), then the workflow runs on what the
// trigger emitted: a redelivered webhook starts nothing. The clock of the booking sandbox and the message
// timestamps are one reference time (today, 10:00 UTC), so "tomorrow" and "ce soir" mean the same day to
// the Intent Classifier, the Conversation Form and the booking system, whatever day the tests run.
import path from 'node:path';

import type { IDataObject, IWebhookFunctions } from 'n8n-workflow';

import { WhatsAppAiTrigger } from '../../nodes/WhatsAppAiTrigger/WhatsAppAiTrigger.node';
import { computeSignature } from '../../nodes/domain/whatsapp/signature';
import { addDays, defaultBookingSeed, type BookingSandbox } from '../../sandbox/booking-sandbox';
import type { SentMessage } from '../../sandbox/graph-sandbox';
import { webhookEnvelope } from '../../sandbox/webhook-signer';
import { DEMO_BOOKING_SYSTEM } from '../../scripts/demo';
import { startTestBookingSandbox, workflowsCallingBookingSandbox } from '../helpers/booking-sandbox';
import { PHONE_NUMBER_ID, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { PROJECT_ROOT } from '../helpers/node-types';
import { runWorkflow, type WorkflowInput, type WorkflowRunResult } from '../helpers/workflow-runner';

type Language = 'en' | 'nl' | 'de' | 'fr' | 'es';
const LANGUAGES: Language[] = ['en', 'nl', 'de', 'fr', 'es'];
const APP_SECRET = 'app-secret';
const DUTY_MANAGER = '15550100001';

/** A table for 4 tomorrow at 20:00 (full in the sandbox), and the guest's name. */
const TABLE_REQUEST: Record<Language, { ask: string; name: string }> = {
	en: { ask: "Hi, I'd like to book a table for 4 people tomorrow at 8pm", name: 'Emma Clark' },
	nl: { ask: 'Ik wil graag een tafel reserveren voor 4 personen morgen om 20:00', name: 'Sanne de Boer' },
	de: { ask: 'Ich möchte einen Tisch für 4 Personen morgen um 20 Uhr reservieren', name: 'Lukas Becker' },
	fr: { ask: 'Je voudrais réserver une table pour 4 personnes demain à 20h', name: 'Camille Martin' },
	es: { ask: 'Quisiera reservar una mesa para 4 personas mañana a las 20:00', name: 'Lucía Romero' },
};
/** A table for 2 tomorrow at 19:00, for the failure cases. */
const SMALL_TABLE: Record<Language, string> = {
	en: 'Can I book a table for 2 tomorrow at 7pm?',
	nl: 'Ik wil graag een tafel voor 2 personen reserveren, morgen om 19:00',
	de: 'Kann ich einen Tisch für 2 Personen morgen um 19 Uhr reservieren?',
	fr: 'Puis-je réserver une table pour 2 personnes demain à 19h ?',
	es: '¿Puedo reservar una mesa para 2 personas mañana a las 19:00?',
};
const NAME_QUESTION: Record<Language, RegExp> = { en: /name/, nl: /naam/, de: /Namen/, fr: /nom/, es: /nombre/ };
const FULL_MARK: Record<Language, RegExp> = { en: /20:00/, nl: /20:00/, de: /20:00/, fr: /20:00/, es: /20:00/ };
const CONFIRM_TITLE: Record<Language, string> = { en: 'Confirm', nl: 'Bevestigen', de: 'Bestätigen', fr: 'Confirmer', es: 'Confirmar' };
const BOOKED_MARK: Record<Language, RegExp> = { en: /booked|confirmed/i, nl: /gereserveerd|bevestigd/i, de: /reserviert|bestätigt/i, fr: /réservée|confirmée/i, es: /reservada|confirmada/i };
const HOLDING: Record<Language, RegExp> = { en: /colleague/, nl: /collega/, de: /Kolleg/, fr: /collègue/, es: /compañer/ };

interface Outgoing {
	text: string;
	buttons: Array<{ id: string; title: string }>;
	message: SentMessage;
}

function readOutgoing(message: SentMessage): Outgoing {
	const body = message.body as IDataObject;
	if (message.type === 'interactive') {
		const interactive = body.interactive as { body: { text: string }; action: { buttons?: Array<{ reply: { id: string; title: string } }> } };
		return { text: interactive.body.text, buttons: (interactive.action.buttons ?? []).map((button) => button.reply), message };
	}
	return { text: (body.text as { body?: string } | undefined)?.body ?? '', buttons: [], message };
}

/** The trigger's webhook() around one signed POST, with the parts of n8n's webhook context it uses. */
function webhookContext(body: Buffer): IWebhookFunctions {
	const request = { headers: { 'x-hub-signature-256': computeSignature(body, APP_SECRET) }, body: {}, rawBody: body };
	const response = {
		status: () => response,
		type: () => response,
		send: () => response,
	};
	const parameters: Record<string, unknown> = { supportStore: 'embedded', phoneNumberScope: 'credential', ignoreStatuses: false, statusEvents: 'charges' };
	const logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
	return {
		getWebhookName: () => 'default',
		getCredentials: async () => ({ accessToken: 'sandbox-token', phoneNumberId: PHONE_NUMBER_ID, appSecret: APP_SECRET, verifyToken: 'verify-token' }),
		getRequestObject: () => request,
		getResponseObject: () => response,
		getNodeParameter: (name: string, fallback?: unknown) => parameters[name] ?? fallback,
		getNode: () => ({ name: 'WhatsApp AI Trigger', type: 'n8n-nodes-whatsapp-ai-support.whatsAppAiTrigger', typeVersion: 1, position: [0, 0], parameters: {} }),
		// The shipped workflow's trigger is followed by the Consent Gate, which confirms delivery leases.
		getChildNodes: () => [{ name: 'Check Consent', type: 'n8n-nodes-whatsapp-ai-support.consentGate', typeVersion: 1, disabled: false }],
		logger,
	} as unknown as IWebhookFunctions;
}

describe('table bookings through restaurant-reservations (in-process, five languages)', () => {
	const trigger = new WhatsAppAiTrigger();
	let bed: NodeTestBed;
	let booking: BookingSandbox;
	let workflow: WorkflowInput;
	/** The reference time: today 10:00 UTC (11:00 or 12:00 in Amsterdam), before any dinner seating. */
	const reference = new Date(`${new Date().toISOString().slice(0, 10)}T10:00:00Z`);
	const today = reference.toISOString().slice(0, 10);
	const tomorrow = addDays(today, 1);
	let clockSeconds = 0;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		const seed = defaultBookingSeed(reference);
		// Tomorrow 20:00 is full, so the guests below are offered other times.
		seed.restaurant!.blockedSlots = [...(seed.restaurant!.blockedSlots ?? []), { date: tomorrow, time: '20:00' }];
		booking = await startTestBookingSandbox({ now: () => reference, seed });
		const file = path.join(PROJECT_ROOT, 'workflows', 'restaurant-reservations.json');
		[workflow] = workflowsCallingBookingSandbox([file], booking.baseUrl) as unknown as WorkflowInput[];
		bed.credentials.httpHeaderAuth = { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key };
	});
	afterAll(async () => {
		await booking?.close();
		await bed?.close();
	});
	beforeEach(() => {
		booking.reset();
		bed.sandbox.reset();
		bed.sandbox.registerTemplate({ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] });
	});

	let counter = 0;
	interface Turn {
		id: string;
		body: Buffer;
		result?: WorkflowRunResult;
		toGuest: Outgoing[];
		alerts: SentMessage[];
	}

	/** Posts the webhook to the trigger and runs the workflow on what it emits (nothing for a duplicate). */
	async function deliver(waId: string, body: Buffer, id: string): Promise<Turn> {
		const before = bed.sandbox.sentMessages().length;
		const emitted = await trigger.webhook.call(webhookContext(body));
		const items = emitted.workflowData?.[0] ?? [];
		let result: WorkflowRunResult | undefined;
		if (items.length) {
			result = await runWorkflow(workflow, { credentials: bed.credentials, triggerItems: items });
			expect({ status: result.status, failedNode: result.failedNodeName, error: result.error?.message }).toEqual({ status: 'success', failedNode: undefined, error: undefined });
		}
		const sent = bed.sandbox.sentMessages().slice(before);
		return {
			id,
			body,
			result,
			toGuest: sent.filter((each) => each.waId === waId).map(readOutgoing),
			alerts: sent.filter((each) => each.to === DUTY_MANAGER || each.templateName === 'agent_handoff_alert'),
		};
	}

	/** The guest writes a text or taps a reply button (`button: { id, title }`). */
	async function guestSends(waId: string, what: string | { id: string; title: string }): Promise<Turn> {
		const id = `wamid.table.${waId}.${++counter}`;
		const timestamp = String(Math.floor(reference.getTime() / 1000) + ++clockSeconds);
		const message =
			typeof what === 'string'
				? { from: waId, id, timestamp, type: 'text', text: { body: what } }
				: { from: waId, id, timestamp, type: 'interactive', interactive: { type: 'button_reply', button_reply: what } };
		const value = {
			messaging_product: 'whatsapp' as const,
			metadata: { display_phone_number: '15550000001', phone_number_id: PHONE_NUMBER_ID },
			contacts: [{ profile: { name: 'Guest' }, wa_id: waId }],
			messages: [message],
		};
		return await deliver(waId, Buffer.from(JSON.stringify(webhookEnvelope([value]))), id);
	}

	const tableReservations = (name: string) => booking.restaurantReservations().filter((each) => each.name === name);

	it.each(LANGUAGES)('books a table in %s: the full slot gets other times, the chosen one is offered, confirmed once; a redelivery changes nothing', async (language) => {
		const waId = `3170${LANGUAGES.indexOf(language)}${String(++counter).padStart(6, '0')}`;
		const { ask, name } = TABLE_REQUEST[language];

		const first = await guestSends(waId, ask);
		expect(first.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(NAME_QUESTION[language])]);
		expect(first.result!.json('Book a Table')[0].form).toMatchObject({ status: 'asking', values: { date: tomorrow, time: '20:00', guests: 4 } });

		// The name completes the form: the bot checks the slot, which is full, and offers the nearest free times as buttons.
		const named = await guestSends(waId, name);
		expect(named.result!.runCount('Check Table')).toBe(1);
		expect(named.toGuest).toHaveLength(1);
		const full = named.toGuest[0];
		expect(full.text).toMatch(FULL_MARK[language]);
		expect(full.text).toContain('19:30');
		expect(full.buttons.map((button) => button.id)).toEqual(['form:time:19:30', 'form:time:20:30', 'form:time:19:00']);
		expect(full.buttons.map((button) => button.title)).toEqual(['19:30', '20:30', '19:00']);

		// Meta delivers the name again while the form waits: nothing runs, nothing is sent, the form is as it was.
		const formBefore = await bed.store.loadConversationForm(`whatsapp:${PHONE_NUMBER_ID}:${waId}`);
		const redelivered = await deliver(waId, named.body, named.id);
		expect(redelivered.result).toBeUndefined();
		expect(redelivered.toGuest).toEqual([]);
		expect(await bed.store.loadConversationForm(`whatsapp:${PHONE_NUMBER_ID}:${waId}`)).toEqual(formBefore);

		// 20:30 is free: the offer with Confirm / Change.
		const chosen = await guestSends(waId, full.buttons[1]);
		expect(chosen.toGuest).toHaveLength(1);
		expect(chosen.toGuest[0].text).toContain('20:30');
		expect(chosen.toGuest[0].text).toContain(name);
		expect(chosen.toGuest[0].buttons.map((button) => button.id)).toEqual(['form:confirm', 'form:change']);
		expect(chosen.toGuest[0].buttons[0].title).toBe(CONFIRM_TITLE[language]);
		expect(tableReservations(name)).toEqual([]);

		// Confirm: exactly one reservation, exactly one confirmation with its reference.
		const confirmed = await guestSends(waId, chosen.toGuest[0].buttons[0]);
		const reservations = tableReservations(name);
		expect(reservations).toHaveLength(1);
		expect(reservations[0]).toMatchObject({ date: tomorrow, time: '20:30', partySize: 4, status: 'confirmed', phone: `+${waId}` });
		expect(confirmed.toGuest).toHaveLength(1);
		expect(confirmed.toGuest[0].text).toMatch(BOOKED_MARK[language]);
		expect(confirmed.toGuest[0].text).toContain(reservations[0].reference);
		expect(confirmed.result!.runCount('Log Turn and Costs')).toBe(1);
		expect(confirmed.alerts).toEqual([]);

		// The confirmation tap delivered again: still one reservation, no second confirmation.
		const again = await deliver(waId, confirmed.body, confirmed.id);
		expect(again.toGuest).toEqual([]);
		expect(tableReservations(name)).toHaveLength(1);
	});

	it('books "Je voudrais réserver une table pour 4 personnes ce soir à 20h" for tonight', async () => {
		const waId = '33611220001';
		const first = await guestSends(waId, 'Je voudrais réserver une table pour 4 personnes ce soir à 20h');
		expect(first.result!.json('Book a Table')[0].form).toMatchObject({ status: 'asking', values: { date: today, time: '20:00', guests: 4 } });
		expect(first.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(NAME_QUESTION.fr)]);
		const offer = await guestSends(waId, 'Marie Leroy');
		expect(offer.toGuest).toHaveLength(1);
		expect(offer.toGuest[0].text).toContain('20:00');
		expect(offer.toGuest[0].buttons.map((button) => button.title)).toEqual(['Confirmer', 'Modifier']);
		const booked = await guestSends(waId, 'oui');
		const [reservation] = tableReservations('Marie Leroy');
		expect(reservation).toMatchObject({ date: today, time: '20:00', partySize: 4 });
		expect(booked.toGuest.map((each) => each.text)).toEqual([expect.stringContaining(reservation.reference)]);
	});

	it('starts from the welcome\'s "Reserve a table" button, answers a side question from the knowledge base, and stops on cancel words', async () => {
		const waId = '31611220002';
		const hello = await guestSends(waId, 'hoi');
		const reserve = hello.toGuest[0].buttons.find((button) => button.id === 'table_reservation');
		expect(reserve?.title).toBe('Tafel reserveren');
		const started = await guestSends(waId, reserve!);
		expect(started.result!.json('Book a Table')[0].form).toMatchObject({ name: 'table_booking', status: 'asking', ask: { field: 'date' } });
		expect(started.toGuest.map((each) => each.text)).toEqual(['Voor welke datum?']);

		// A question in between is answered from the knowledge base; the form keeps its place and asks again.
		const side = await guestSends(waId, 'Wat zijn jullie openingstijden?');
		expect(side.result!.json('Book a Table', 4)[0].form).toMatchObject({ sideQuestion: true });
		expect(side.toGuest).toHaveLength(1);
		expect(side.toGuest[0].text).toMatch(/dinsdag/i);
		const resumed = await guestSends(waId, 'morgen om half acht \'s avonds, met z\'n tweeën');
		expect(resumed.result!.json('Book a Table')[0].form).toMatchObject({ values: { date: tomorrow, time: '19:30', guests: 2 }, ask: { field: 'name' } });

		const stopped = await guestSends(waId, 'laat maar');
		expect(stopped.result!.json('Book a Table', 2)[0].form).toMatchObject({ status: 'cancelled' });
		expect(stopped.toGuest).toHaveLength(1);
		expect(stopped.toGuest[0].text).toMatch(/gestopt|geen probleem/i);
		expect(booking.restaurantReservations().filter((each) => each.date === tomorrow && each.time === '19:30')).toEqual([]);
		expect(await bed.store.loadConversationForm(`whatsapp:${PHONE_NUMBER_ID}:${waId}`)).toBeUndefined();
	});

	// The booking system down: when checking the slot (a 5xx, an unreadable body) or when booking (a timeout).
	const FAILURES: Array<{ language: Language; mode: 'error' | 'garbage' | 'timeout'; route: string }> = [
		{ language: 'en', mode: 'error', route: 'GET /restaurant/slots' },
		{ language: 'nl', mode: 'garbage', route: 'GET /restaurant/slots' },
		{ language: 'de', mode: 'error', route: 'POST /restaurant/reservations' },
		{ language: 'fr', mode: 'timeout', route: 'POST /restaurant/reservations' },
		{ language: 'es', mode: 'garbage', route: 'POST /restaurant/reservations' },
	];

	it.each(FAILURES)('the booking system down in $language ($mode on $route): a holding message and a handoff with the values, no booking', async ({ language, mode, route }) => {
		const waId = `3480${LANGUAGES.indexOf(language)}${String(++counter).padStart(6, '0')}`;
		const name = `Guest ${language.toUpperCase()} ${mode}`;
		await guestSends(waId, SMALL_TABLE[language]);
		const failsAtCheck = route.startsWith('GET');
		if (failsAtCheck) booking.failNext({ mode, route });
		const named = await guestSends(waId, name);
		let failed = named;
		if (!failsAtCheck) {
			expect(named.toGuest.map((each) => each.text)).toEqual([expect.stringContaining('19:00')]);
			expect(named.toGuest[0].buttons.map((button) => button.id)).toEqual(['form:confirm', 'form:change']);
			booking.failNext({ mode, route });
			failed = await guestSends(waId, named.toGuest[0].buttons[0]);
		}
		expect(failed.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(HOLDING[language])]);
		expect(failed.alerts.map((alert) => alert.templateName)).toEqual(['agent_handoff_alert']);
		// The person gets what the guest already said, and why the bot stopped.
		const handoff = failed.result!.json('Hand Off Table Booking')[0].handoff as IDataObject;
		expect(handoff).toMatchObject({ created: true, form: { name: 'table_booking', values: { date: tomorrow, time: '19:00', guests: 2, name } } });
		expect(String(handoff.reason)).toMatch(/^booking system: /);
		const formLine = String(handoff.text).split('\n').find((line) => line.startsWith('Form "table_booking":'));
		for (const part of [`date ${tomorrow}`, 'time 19:00', 'guests 2', `name ${name}`]) expect(formLine).toContain(part);
		const stored = await bed.store.getOpenHandoff(`whatsapp:${PHONE_NUMBER_ID}:${waId}`);
		expect(stored?.context).toMatchObject({ form: { values: { date: tomorrow, time: '19:00', guests: 2, name } } });
		expect(tableReservations(name)).toEqual([]);
	});
});
