// Reservations that finish in the chat, through the shipped hotel-concierge in-process, in all five
// languages, against the Graph sandbox and the booking-system sandbox: book (exactly one reservation and
// one confirmation), change, cancel, a full house with alternatives, the booking system down (holding
// message and a handoff with the form's values), a redelivered webhook, rates and live availability.
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { addDays, type BookingSandbox, defaultBookingSeed } from '../../sandbox/booking-sandbox';
import type { SentMessage } from '../../sandbox/graph-sandbox';
import { DEMO_BOOKING_SYSTEM } from '../../scripts/demo';
import { startTestBookingSandbox, workflowsCallingBookingSandbox } from '../helpers/booking-sandbox';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { PROJECT_ROOT } from '../helpers/node-types';
import { runWorkflow, type WorkflowInput, type WorkflowRunResult } from '../helpers/workflow-runner';

type Language = 'en' | 'nl' | 'de' | 'fr' | 'es';
const LANGUAGES: Language[] = ['en', 'nl', 'de', 'fr', 'es'];

const MONTHS: Record<Language, string[]> = {
	en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
	nl: ['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'],
	de: ['Januar', 'Februar', 'März', 'April', 'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember'],
	fr: ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'],
	es: ['enero', 'febrero', 'marzo', 'abril', 'mayo', 'junio', 'julio', 'agosto', 'septiembre', 'octubre', 'noviembre', 'diciembre'],
};

/** "12 March", "12. März", "12 de marzo": a day as a guest writes it. */
function spoken(date: string, language: Language): string {
	const day = Number(date.slice(8, 10));
	const month = MONTHS[language][Number(date.slice(5, 7)) - 1];
	if (language === 'de') return `${day}. ${month}`;
	if (language === 'es') return `${day} de ${month}`;
	return `${day} ${month}`;
}

function stayText(checkIn: string, checkOut: string, language: Language): string {
	const [from, to] = [spoken(checkIn, language), spoken(checkOut, language)];
	return { en: `from ${from} to ${to}`, nl: `van ${from} tot ${to}`, de: `vom ${from} bis ${to}`, fr: `du ${from} au ${to}`, es: `del ${from} al ${to}` }[language];
}

const BOOK: Record<Language, (stay: string) => string> = {
	en: (stay) => `I'd like to book a double room for 2 adults ${stay}`,
	nl: (stay) => `Ik wil graag een tweepersoonskamer boeken voor 2 personen ${stay}`,
	de: (stay) => `Ich möchte ein Doppelzimmer für 2 Personen ${stay} buchen`,
	fr: (stay) => `Je voudrais réserver une chambre double pour 2 personnes ${stay}`,
	es: (stay) => `Quiero reservar una habitación doble para 2 personas ${stay}`,
};
const CHANGE: Record<Language, (reference: string) => string> = {
	en: (reference) => `I want to change my booking ${reference}`,
	nl: (reference) => `Ik wil mijn boeking ${reference} wijzigen`,
	de: (reference) => `Ich möchte meine Buchung ${reference} ändern`,
	fr: (reference) => `Je voudrais modifier ma réservation ${reference}`,
	es: (reference) => `Quiero cambiar mi reserva ${reference}`,
};
const NEW_DATES: Record<Language, (stay: string) => string> = {
	en: (stay) => `the new dates are ${stay}`,
	nl: (stay) => `de nieuwe data zijn ${stay}`,
	de: (stay) => `die neuen Daten sind ${stay}`,
	fr: (stay) => `les nouvelles dates sont ${stay}`,
	es: (stay) => `las nuevas fechas son ${stay}`,
};
const CANCEL: Record<Language, (reference: string) => string> = {
	en: (reference) => `Please cancel my booking, reference ${reference}`,
	nl: (reference) => `Ik wil mijn boeking annuleren, boekingsnummer ${reference}`,
	de: (reference) => `Ich möchte meine Buchung stornieren, Buchungsnummer ${reference}`,
	fr: (reference) => `Je souhaite annuler ma réservation, référence ${reference}`,
	es: (reference) => `Quiero cancelar mi reserva, referencia ${reference}`,
};
const CONFIRM: Record<Language, string> = { en: 'Confirm', nl: 'Bevestigen', de: 'Bestätigen', fr: 'Confirmer', es: 'Confirmar' };
const THEN: Record<Language, (stay: string) => string> = {
	en: (stay) => `then ${stay} please`,
	nl: (stay) => `dan graag ${stay}`,
	de: (stay) => `dann bitte ${stay}`,
	fr: (stay) => `alors ${stay}, s'il vous plaît`,
	es: (stay) => `entonces ${stay}, por favor`,
};
const YES: Record<Language, string> = { en: 'yes please', nl: 'ja graag', de: 'ja, bitte', fr: 'oui', es: 'sí' };
const CONFIRMED: Record<Language, RegExp> = { en: /confirmed/, nl: /bevestigd/, de: /bestätigt/, fr: /confirmée/, es: /confirmada/ };
const POLICY: Record<Language, RegExp> = { en: /48 hours/, nl: /48 uur/, de: /48 Stunden/, fr: /48 heures/, es: /48 horas/ };
const HOLDING: Record<Language, RegExp> = { en: /colleague/, nl: /collega/, de: /Kolleg/, fr: /collègue/, es: /compañer/ };

interface Outgoing {
	text: string;
	buttons: string[];
	buttonIds: string[];
}

function readOutgoing(message: SentMessage): Outgoing {
	const body = message.body as IDataObject;
	if (message.type === 'interactive') {
		const interactive = body.interactive as { body: { text: string }; action: { buttons?: Array<{ reply: { id: string; title: string } }> } };
		const buttons = interactive.action.buttons ?? [];
		return { text: interactive.body.text, buttons: buttons.map((button) => button.reply.title), buttonIds: buttons.map((button) => button.reply.id) };
	}
	return { text: (body.text as { body?: string } | undefined)?.body ?? '', buttons: [], buttonIds: [] };
}

describe('hotel-concierge: reservations that finish in the chat (in-process)', () => {
	let bed: NodeTestBed;
	let booking: BookingSandbox;
	let workflow: WorkflowInput;
	let credentials: NodeTestBed['credentials'];

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
		booking = await startTestBookingSandbox();
		[workflow] = workflowsCallingBookingSandbox([path.join(PROJECT_ROOT, 'workflows', 'hotel-concierge.json')], booking.baseUrl) as unknown as WorkflowInput[];
		credentials = { ...bed.credentials, httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key } };
	});
	afterAll(async () => {
		await booking.close();
		await bed.close();
	});
	beforeEach(() => {
		bed.sandbox.reset();
		booking.reset();
		bed.sandbox.registerTemplate({ name: 'follow_up', category: 'utility', languages: ['en', 'nl', 'de', 'fr', 'es'] });
		bed.sandbox.registerTemplate({ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] });
	});

	let counter = 0;
	const nextWaId = () => `3161${String(++counter).padStart(7, '0')}`;

	/** Stores the message as the trigger does and runs the workflow; returns what the guest got. */
	async function guestSends(waId: string, message: IDataObject & { type: string; text?: string }, id = `wamid.${waId}.${++counter}`) {
		const conversation = guest(waId, 'Alex Example');
		const at = new Date();
		const stored = await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: message.type, text: message.text, sentAt: at });
		const before = bed.sandbox.sentMessages().length;
		let result: WorkflowRunResult | undefined;
		// The trigger drops a message id it has seen (a redelivered webhook): the workflow does not run.
		if (stored.inserted) {
			result = await runWorkflow(workflow, {
				credentials,
				triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, timestamp: at.toISOString(), ...message } } }],
			});
			expect({ status: result.status, failedNode: result.failedNodeName, error: result.error?.message }).toEqual({ status: 'success', failedNode: undefined, error: undefined });
		}
		const sent = bed.sandbox.sentMessages().slice(before).filter((each) => each.waId === waId && each.type !== 'read' && each.type !== 'typing');
		return { result, id, toGuest: sent.map(readOutgoing) };
	}
	const text = (waId: string, body: string) => guestSends(waId, { type: 'text', text: body });
	const tap = (waId: string, id: string, title: string) => guestSends(waId, { type: 'interactive', text: title, interactive: { type: 'button_reply', id, title } });

	it.each(LANGUAGES)('books a double room in %s: offer with the total, Confirm, one reservation and one confirmation', async (language) => {
		const waId = nextWaId();
		const checkIn = addDays(booking.today(), 40);
		const checkOut = addDays(checkIn, 2);
		const ask = await text(waId, BOOK[language](stayText(checkIn, checkOut, language)));
		expect(ask.toGuest).toHaveLength(1);
		const price = (await (await fetch(`${booking.baseUrl}/availability?checkIn=${checkIn}&checkOut=${checkOut}&guests=2&roomType=double`, { headers: { [DEMO_BOOKING_SYSTEM.header]: DEMO_BOOKING_SYSTEM.key } })).json()) as { roomTypes: Array<{ total: number }> };
		expect(ask.toGuest[0].text).toContain(String(price.roomTypes[0].total));
		expect(ask.toGuest[0].buttonIds).toEqual(['form:confirm', 'form:change']);
		expect(ask.result!.json('Send Booking Reply')[0].reply).toMatchObject({ language, source: 'booking' });

		const done = await tap(waId, 'form:confirm', CONFIRM[language]);
		const mine = booking.reservations().filter((reservation) => reservation.phone === `+${waId}`);
		expect(mine).toHaveLength(1);
		expect(mine[0]).toMatchObject({ roomType: 'double', checkIn, checkOut, guests: 2, status: 'confirmed' });
		expect(done.toGuest).toHaveLength(1);
		expect(done.toGuest[0].text).toMatch(CONFIRMED[language]);
		expect(done.toGuest[0].text).toContain(mine[0].reference);
		expect(done.result!.runCount('Hand Off to a Person')).toBe(0);
	});

	function reservation(reference: string) {
		return booking.reservations().find((each) => each.reference === reference)!;
	}

	// The demo reservations' guests (the sandbox's seed): only they may change or cancel them.
	const JONAS = '4915112345678';
	const ANNEKE = '31612345678';
	const CLAIRE = '33612345678';

	it.each(LANGUAGES)('changes booking BK-48213 in %s: the reservation, the new dates, Confirm, moved in the booking system', async (language) => {
		const waId = JONAS;
		const newCheckIn = addDays(booking.today(), 50);
		const newCheckOut = addDays(newCheckIn, 3);
		const asked = await text(waId, CHANGE[language]('BK-48213'));
		expect(asked.toGuest).toHaveLength(1);
		expect(asked.result!.json('Change a Booking')[0].form).toMatchObject({ status: 'asking', values: { booking_ref: 'BK-48213' } });
		const found = await text(waId, NEW_DATES[language](stayText(newCheckIn, newCheckOut, language)));
		expect(found.toGuest).toHaveLength(1);
		expect(found.toGuest[0].text).toContain('BK-48213');
		expect(found.toGuest[0].buttonIds).toEqual(['form:confirm', 'form:change']);
		expect(reservation('BK-48213').checkIn).not.toBe(newCheckIn);
		const changed = await tap(waId, 'form:confirm', CONFIRM[language]);
		expect(reservation('BK-48213')).toMatchObject({ checkIn: newCheckIn, checkOut: newCheckOut, status: 'confirmed' });
		expect(changed.toGuest).toHaveLength(1);
		expect(changed.toGuest[0].text).toContain('BK-48213');
		expect(changed.result!.json('Send Booking Reply')[0].bookingReply).toMatchObject({ kind: 'changed', state: 'changed' });
	});

	it.each(LANGUAGES)('cancels booking BK-51762 in %s with the cancellation policy and a confirmation step', async (language) => {
		const waId = ANNEKE;
		const found = await text(waId, CANCEL[language]('BK-51762'));
		expect(found.toGuest).toHaveLength(1);
		expect(found.toGuest[0].text).toContain('BK-51762');
		expect(found.toGuest[0].text).toMatch(POLICY[language]);
		expect(reservation('BK-51762').status).toBe('confirmed');
		const cancelled = await tap(waId, 'form:confirm', CONFIRM[language]);
		expect(reservation('BK-51762').status).toBe('cancelled');
		expect(cancelled.toGuest).toHaveLength(1);
		expect(cancelled.result!.json('Send Booking Reply')[0].bookingReply).toMatchObject({ kind: 'cancelled', state: 'cancelled' });
	});

	it('someone else\'s reference: a person checks who is asking, nothing is cancelled', async () => {
		const waId = nextWaId();
		const asked = await text(waId, CANCEL.de('BK-48213'));
		expect(asked.result!.runCount('Hand Off to a Person')).toBe(1);
		expect(asked.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(HOLDING.de)]);
		expect(reservation('BK-48213').status).toBe('confirmed');
	});

	it('an unknown reference: "not found", the form waits for the right one', async () => {
		const waId = CLAIRE;
		const notFound = await text(waId, CANCEL.en('BK-99999'));
		expect(notFound.toGuest[0].text).toContain('cannot find a booking with reference *BK-99999*');
		const found = await text(waId, 'sorry, it is BK-30958');
		expect(found.toGuest[0].text).toContain('BK-30958');
		expect(found.toGuest[0].text).toMatch(POLICY.en);
	});

	it.each(LANGUAGES)('a full house in %s: the nearest free dates, and the guest books one of them', async (language) => {
		const waId = nextWaId();
		let friday = '';
		for (let offset = 0; offset < 60 && !friday; offset++) if (booking.roomsLeft('double', addDays(booking.today(), offset)) === 0) friday = addDays(booking.today(), offset);
		const full = await text(waId, BOOK[language](stayText(friday, addDays(friday, 2), language)));
		expect(full.toGuest).toHaveLength(1);
		expect(full.result!.json('Send Booking Reply')[0].bookingReply).toMatchObject({ kind: 'offer', state: 'unavailable' });
		expect(full.toGuest[0].buttonIds).toEqual(['form:change', 'form:cancel']);
		expect(full.toGuest[0].text).toMatch(new RegExp(`\\b${Number(addDays(friday, -2).slice(8, 10))}\\b`));
		expect(booking.reservations().filter((each) => each.phone === `+${waId}`)).toHaveLength(0);

		// The form stays confirming: new dates re-check.
		const other = addDays(friday, 7);
		const offer = await text(waId, THEN[language](stayText(other, addDays(other, 2), language)));
		expect(offer.result!.json('Send Booking Reply')[0].reply).toMatchObject({ language });
		expect(offer.result!.json('Send Booking Reply')[0].bookingReply).toMatchObject({ state: 'offer' });
		// Typed instead of tapped (`npm run chat` cannot tap).
		const done = await text(waId, YES[language]);
		expect(booking.reservations().filter((each) => each.phone === `+${waId}`)).toMatchObject([{ checkIn: other, roomType: 'double' }]);
		expect(done.toGuest[0].text).toMatch(CONFIRMED[language]);
	});

	const FAILURES: Record<Language, 'timeout' | 'error' | 'garbage'> = { en: 'timeout', nl: 'error', de: 'garbage', fr: 'error', es: 'garbage' };
	it.each(LANGUAGES)('the booking system down on Confirm in %s: a holding message, a handoff with the values, no confirmation', async (language) => {
		const waId = nextWaId();
		const checkIn = addDays(booking.today(), 45);
		await text(waId, BOOK[language](stayText(checkIn, addDays(checkIn, 2), language)));
		booking.failNext({ mode: FAILURES[language], route: 'POST /reservations' });
		const down = await tap(waId, 'form:confirm', CONFIRM[language]);
		expect(down.result!.runCount('Hand Off to a Person')).toBe(1);
		expect(down.result!.runCount('Send Booking Reply')).toBe(0);
		expect(down.toGuest).toHaveLength(1);
		expect(down.toGuest[0].text).toMatch(HOLDING[language]);
		expect(down.toGuest[0].text).not.toMatch(CONFIRMED[language]);
		const conversationId = conversationIdOf(guest(waId));
		const handoff = await bed.store.getOpenHandoff(conversationId);
		expect(handoff?.reason).toMatch(/booking system/);
		expect(handoff?.context).toMatchObject({ form: { name: 'book_a_room', values: { stay: { start: checkIn }, guests: 2, room_type: 'double' } } });
		expect(down.result!.json('Hand Off to a Person')[0].handoff).toMatchObject({ text: expect.stringContaining('Form "book_a_room": stay') });
		// A timeout may still have booked (the system did the work but answered late); never a confirmation to the guest.
		if (FAILURES[language] !== 'timeout') expect(booking.reservations().filter((each) => each.phone === `+${waId}`)).toHaveLength(0);
	});

	it('the booking system down on the availability check: a handoff, not an offer', async () => {
		const waId = nextWaId();
		const checkIn = addDays(booking.today(), 45);
		booking.failNext({ mode: 'error', route: 'GET /availability' });
		const down = await text(waId, BOOK.nl(stayText(checkIn, addDays(checkIn, 2), 'nl')));
		expect(down.result!.runCount('Hand Off to a Person')).toBe(1);
		expect(down.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(HOLDING.nl)]);
	});

	it('a redelivered webhook during a form changes nothing; a repeated Confirm books once', async () => {
		const waId = nextWaId();
		const checkIn = addDays(booking.today(), 60);
		const first = await text(waId, BOOK.de(stayText(checkIn, addDays(checkIn, 2), 'de')));
		const formBefore = await bed.store.loadConversationForm(conversationIdOf(guest(waId)));
		// Meta delivers the same message again: the store knows its id, the trigger drops it.
		const again = await guestSends(waId, { type: 'text', text: BOOK.de(stayText(checkIn, addDays(checkIn, 2), 'de')) }, first.id);
		expect(again.result).toBeUndefined();
		expect(again.toGuest).toHaveLength(0);
		expect(await bed.store.loadConversationForm(conversationIdOf(guest(waId)))).toEqual(formBefore);

		// Even if a repeated Confirm got past the trigger (a retry after a crash), the booking system sees the
		// same Idempotency-Key (the WhatsApp message id) and the form is already complete: one reservation.
		const confirmId = `wamid.${waId}.confirm`;
		const conversation = guest(waId, 'Alex Example');
		const item = { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id: confirmId, type: 'interactive', text: 'Bestätigen', interactive: { type: 'button_reply', id: 'form:confirm', title: 'Bestätigen' }, timestamp: new Date().toISOString() } };
		await bed.store.recordInboundMessage({ conversation, waMessageId: confirmId, type: 'interactive', text: 'Bestätigen', sentAt: new Date() });
		const before = bed.sandbox.sentMessages().length;
		for (let run = 0; run < 2; run++) {
			const result = await runWorkflow(workflow, { credentials, triggerItems: [{ json: item }] });
			expect(result.status).toBe('success');
		}
		expect(booking.reservations().filter((each) => each.phone === `+${waId}`)).toHaveLength(1);
		const confirmations = bed.sandbox.sentMessages().slice(before).filter((each) => each.waId === waId && each.type !== 'read' && each.type !== 'typing');
		expect(confirmations.map(readOutgoing).filter((each) => CONFIRMED.de.test(each.text))).toHaveLength(1);
	});

	const RATES: Record<Language, string> = {
		en: 'how much is a double room per night?',
		nl: 'wat kost een tweepersoonskamer per nacht?',
		de: 'Was kostet ein Doppelzimmer pro Nacht?',
		fr: 'combien coûte une chambre double par nuit ?',
		es: '¿cuánto cuesta una habitación doble por noche?',
	};
	const FREE_NEXT_WEEKEND: Record<Language, string> = {
		en: 'is a room free next weekend for 2 people?',
		nl: 'is er volgend weekend een kamer vrij voor 2 personen?',
		de: 'Haben Sie nächstes Wochenende ein Zimmer für 2 Personen frei?',
		fr: 'avez-vous une chambre libre le week-end prochain pour 2 personnes ?',
		es: '¿tienen una habitación libre el próximo fin de semana para 2 personas?',
	};
	it.each(LANGUAGES)('answers "how much is a double?" and "a room free next weekend for 2?" in %s from live rates and availability', async (language) => {
		const waId = nextWaId();
		const rates = await text(waId, RATES[language]);
		expect(rates.toGuest).toHaveLength(1);
		expect(rates.result!.json('Send Booking Reply')[0].bookingReply).toMatchObject({ kind: 'rates', state: 'rates' });
		// Room names come from the booking system in the guest's language (Accept-Language), as the seed names them.
		const roomTypes = (await (await fetch(`${booking.baseUrl}/room-types`, { headers: { [DEMO_BOOKING_SYSTEM.header]: DEMO_BOOKING_SYSTEM.key } })).json()) as { roomTypes: Array<{ id: string; name: string; rate: number }> };
		const seeded = new Map(defaultBookingSeed().roomTypes.map((room) => [room.id, room]));
		const nameIn = (id: string) => (language === 'en' ? undefined : seeded.get(id)?.names?.[language]) ?? seeded.get(id)!.name;
		for (const room of roomTypes.roomTypes) expect(rates.toGuest[0].text).toContain(`${nameIn(room.id)}: `);
		expect(rates.toGuest[0].text).toContain(String(roomTypes.roomTypes[0].rate));

		const other = nextWaId();
		const free = await text(other, FREE_NEXT_WEEKEND[language]);
		expect(free.toGuest).toHaveLength(1);
		expect(free.result!.json('Send Booking Reply')[0].bookingReply).toMatchObject({ kind: 'offer', state: 'offer' });
		expect(free.toGuest[0].text).toContain(nameIn('double'));
		expect(free.toGuest[0].buttonIds).toEqual(['form:confirm', 'form:change']);
	});

	it('the README\'s `npm run chat` lines: a Dutch and a German booking, typed, and a German cancellation', async () => {
		const anneke = nextWaId();
		const offer = await text(anneke, 'Ik wil volgend weekend een tweepersoonskamer boeken voor 2 personen');
		expect(offer.toGuest[0].text).toMatch(/^Goed nieuws: er is een Tweepersoonskamer vrij van za \d+ \w+ tot zo \d+ \w+ \(1 nacht, 2 gasten\), \*€\s\d+\* in totaal\. Zal ik hem voor je boeken\?$/);
		const booked = await text(anneke, 'ja');
		expect(booked.toGuest[0].text).toMatch(/^Je boeking is bevestigd ✅\nReferentie: \*BK-\d{5}\*/);

		const lena = nextWaId();
		const angebot = await text(lena, 'Ich möchte nächstes Wochenende ein Doppelzimmer für 2 Personen buchen');
		expect(angebot.toGuest[0].text).toMatch(/^Gute Nachricht: Ein Doppelzimmer ist vom Sa\., \d+\. \S+ bis So\., \d+\. \S+ frei \(1 Nacht, 2 Gäste\), insgesamt \*\d+\s€\*\. Soll ich es für Sie buchen\?$/);
		const gebucht = await text(lena, 'Ja, bitte');
		expect(gebucht.toGuest[0].text).toMatch(/^Ihre Buchung ist bestätigt ✅\nBuchungsnummer: \*BK-\d{5}\*/);
		expect(booking.reservations().filter((each) => [`+${anneke}`, `+${lena}`].includes(each.phone ?? ''))).toHaveLength(2);

		const jonas = JONAS;
		const gefunden = await text(jonas, 'Ich möchte meine Buchung stornieren, Buchungsnummer BK-48213');
		expect(gefunden.toGuest[0].text).toMatch(/^Ich habe die Buchung \*BK-48213\* gefunden: Doppelzimmer, .*\nKostenlose Stornierung bis 48 Stunden vor Anreise\./);
		await text(jonas, 'Ja');
		expect(reservation('BK-48213').status).toBe('cancelled');
	});
});
