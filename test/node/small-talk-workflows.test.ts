// Small talk through every shipped support workflow, in-process, in all five languages: greetings and
// thanks are answered, "ok", 👍, reactions, stickers and stray buttons pass quietly, a voice note gets a
// "please type" answer and the second one a person, a greeting in front of a question gets the answer.
// None of the small talk pages the duty manager (the agent_handoff_alert template of agent-desk-bridge).
import path from 'node:path';

import type { IDataObject } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { markdownToWhatsApp } from '../../nodes/domain/reply/whatsapp-format';
import { DEFAULT_SMALL_TALK_TEXTS } from '../../nodes/domain/smalltalk/texts';
import type { SentMessage } from '../../sandbox/graph-sandbox';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { PROJECT_ROOT } from '../helpers/node-types';
import { loadWorkflowFile, runWorkflow, type WorkflowInput, type WorkflowRunResult } from '../helpers/workflow-runner';

type Language = 'en' | 'nl' | 'de' | 'fr' | 'es';
const LANGUAGES: Language[] = ['en', 'nl', 'de', 'fr', 'es'];
const DUTY_MANAGER = '15550100001';

interface Shipped {
	file: string;
	business: string;
	/** Titles of the welcome's topic buttons, per language. */
	topics: Record<Language, string[]>;
	/** A greeting with a question, and which of the knowledge base's topics (in order of appearance) answers it. */
	greetingQuestion: Record<Language, string>;
	answerTopic: number;
}

const HOTEL_TOPICS: Record<Language, string[]> = {
	en: ['Check-in & out', 'Facilities', 'New booking'],
	nl: ['In- en uitchecken', 'Faciliteiten', 'Nieuwe boeking'],
	de: ['Check-in & -out', 'Ausstattung', 'Neue Buchung'],
	fr: ['Arrivée et départ', 'Équipements', 'Nouvelle réservation'],
	es: ['Check-in y salida', 'Servicios', 'Nueva reserva'],
};
const BREAKFAST_QUESTION: Record<Language, string> = {
	en: 'hi, what time is breakfast?',
	nl: 'Hallo, hoe laat is het ontbijt?',
	de: 'Guten Morgen, wann gibt es Frühstück?',
	fr: 'Bonjour, à quelle heure est le petit-déjeuner ?',
	es: 'Hola, ¿a qué hora es el desayuno?',
};

const SHIPPED: Shipped[] = [
	{ file: 'whatsapp-ai-support.json', business: 'Hotel Zonneveld', topics: HOTEL_TOPICS, greetingQuestion: BREAKFAST_QUESTION, answerTopic: 1 },
	{ file: 'hotel-concierge.json', business: 'Hotel Zonneveld', topics: HOTEL_TOPICS, greetingQuestion: BREAKFAST_QUESTION, answerTopic: 1 },
	{
		file: 'restaurant-reservations.json',
		business: 'Brasserie De Linde',
		topics: {
			en: ['Opening hours', 'Reserve a table', 'Menu & allergens'],
			nl: ['Openingstijden', 'Tafel reserveren', 'Menu & allergenen'],
			de: ['Öffnungszeiten', 'Tisch reservieren', 'Menü & Allergene'],
			fr: ['Horaires', 'Réserver une table', 'Menu & allergènes'],
			es: ['Horario', 'Reservar mesa', 'Menú y alérgenos'],
		},
		greetingQuestion: {
			en: 'hello, what are your opening hours?',
			nl: 'hoi, wat zijn jullie openingstijden?',
			de: 'Hallo, wie sind Ihre Öffnungszeiten?',
			fr: 'Bonjour, quels sont vos horaires ?',
			es: 'Hola, ¿cuál es su horario?',
		},
		answerTopic: 0,
	},
	{
		file: 'travel-agency.json',
		business: 'Horizon Reizen',
		topics: {
			en: ['New booking', 'Travel documents', 'Luggage'],
			nl: ['Nieuwe boeking', 'Reisdocumenten', 'Bagage'],
			de: ['Neue Buchung', 'Reisedokumente', 'Gepäck'],
			fr: ['Nouvelle réservation', 'Documents de voyage', 'Bagages'],
			es: ['Nueva reserva', 'Documentos de viaje', 'Equipaje'],
		},
		greetingQuestion: {
			en: 'hi, how much luggage can I take?',
			nl: 'hallo, hoeveel bagage mag ik meenemen?',
			de: 'Hallo, wie viel Gepäck darf ich mitnehmen?',
			fr: 'Bonjour, combien de bagages puis-je emporter ?',
			es: 'Hola, ¿cuánto equipaje puedo llevar?',
		},
		answerTopic: 2,
	},
];

const GREETING: Record<Language, string> = { en: 'hi', nl: 'hoi', de: 'Guten Morgen', fr: 'bonjour', es: 'hola' };
const WELCOME_MARK: Record<Language, string> = { en: 'Welcome to', nl: 'Welkom bij', de: 'Willkommen bei', fr: 'Bienvenue chez', es: 'Bienvenido a' };
const ACKNOWLEDGEMENT: Record<Language, string> = { en: 'ok', nl: 'oké', de: 'alles klar', fr: "d'accord", es: 'vale' };
const THANKS: Record<Language, string> = { en: 'thanks a lot, that helps!', nl: 'top, bedankt!', de: 'danke schön', fr: 'merci beaucoup', es: 'muchas gracias' };
const BYE: Record<Language, string> = { en: 'bye, have a nice day', nl: 'doei, fijne dag nog', de: 'tschüss', fr: 'au revoir', es: 'adiós' };
const YOU_ARE_WELCOME: Record<Language, string> = {
	en: "You're welcome!",
	nl: 'Graag gedaan!',
	de: 'Gern geschehen!',
	fr: 'Avec plaisir !',
	es: '¡De nada!',
};
const TEXT_ONLY: Record<Language, RegExp> = {
	en: /^I can read text only/,
	nl: /^Ik kan alleen tekst lezen/,
	de: /^Ich kann nur Text lesen/,
	fr: /^Je ne peux lire que du texte/,
	es: /^Solo puedo leer texto/,
};
const HOW_ARE_YOU: Record<Language, string> = { en: 'hey, how are you?', nl: 'hoe gaat het?', de: 'Wie geht es Ihnen?', fr: 'Bonsoir, comment allez-vous ?', es: '¿qué tal?' };
const ARE_YOU_A_BOT: Record<Language, string> = { en: 'am I chatting with a bot?', nl: 'Bent u een robot?', de: 'Bist du ein Mensch?', fr: 'vous êtes un robot ?', es: '¿Eres un bot?' };
const DOING_WELL: Record<Language, RegExp> = { en: /^I'm doing well/, nl: /^Met mij gaat het goed/, de: /^Mir geht es gut/, fr: /^Je vais bien/, es: /^¡Muy bien/ };
const ASSISTANT: Record<Language, RegExp> = { en: /digital assistant/, nl: /digitale assistent/, de: /digitale Assistent/, fr: /assistant numérique/, es: /asistente digital/ };
const UNRELATED: Record<Language, string> = {
	en: 'can you write me a poem about my cat?',
	nl: 'welke auto moet ik kopen, een diesel of elektrisch?',
	de: 'Können Sie mir bei meiner Steuererklärung helfen?',
	fr: 'quel est le meilleur film de science-fiction ?',
	es: '¿me puedes explicar cómo funciona una hipoteca?',
};
const CANNOT_HELP: Record<Language, RegExp> = { en: /^Sorry, I can't help with that here/, nl: /^Sorry, daarmee kan ik je hier niet helpen/, de: /^Damit kann ich Ihnen hier leider nicht helfen/, fr: /^Désolé, je ne peux pas vous aider/, es: /^Lo siento, con eso no puedo ayudarle/ };
const NEVER_MIND: Record<Language, string> = { en: 'never mind', nl: 'laat maar', de: 'ach, vergiss es', fr: 'laissez tomber', es: 'olvídalo' };
const PERSON_BUTTON: Record<Language, string> = { en: 'Talk to a person', nl: 'Een medewerker', de: 'Zum Mitarbeiter', fr: 'Un conseiller', es: 'Hablar con agente' };
const HOLDING: Record<Language, RegExp> = { en: /colleague/, nl: /collega/, de: /Kolleg/, fr: /collègue/, es: /compañer/ };

interface Outgoing {
	text: string;
	buttons: string[];
	rows: string[];
	message: SentMessage;
}

function readOutgoing(message: SentMessage): Outgoing {
	const body = message.body as IDataObject;
	if (message.type === 'interactive') {
		const interactive = body.interactive as {
			body: { text: string };
			action: { buttons?: Array<{ reply: { title: string } }>; sections?: Array<{ rows: Array<{ title: string }> }> };
		};
		return {
			text: interactive.body.text,
			buttons: (interactive.action.buttons ?? []).map((button) => button.reply.title),
			rows: (interactive.action.sections ?? []).flatMap((section) => section.rows.map((row) => row.title)),
			message,
		};
	}
	return { text: (body.text as { body?: string } | undefined)?.body ?? '', buttons: [], rows: [], message };
}

describe('small talk through the shipped support workflows (in-process)', () => {
	let bed: NodeTestBed;

	beforeAll(async () => {
		bed = await startNodeTestBed('embedded');
	});
	afterAll(async () => await bed.close());
	beforeEach(() => {
		bed.sandbox.reset();
		bed.sandbox.registerTemplate({ name: 'follow_up', category: 'utility', languages: ['en', 'nl', 'de', 'fr', 'es'] });
		bed.sandbox.registerTemplate({ name: 'agent_handoff_alert', category: 'utility', languages: ['en'] });
	});

	let counter = 0;
	/** Stores the message as the trigger does and runs the workflow; returns what the guest and the duty manager got. */
	async function guestSends(workflow: WorkflowInput, waId: string, message: IDataObject & { type: string; text?: string }) {
		const conversation = guest(waId, 'Alex Example');
		const id = `wamid.${waId}.${++counter}`;
		const at = new Date();
		await bed.store.recordInboundMessage({ conversation, waMessageId: id, type: message.type, text: message.text, sentAt: at });
		const before = bed.sandbox.sentMessages().length;
		const result = await runWorkflow(workflow, {
			credentials: bed.credentials,
			triggerItems: [{ json: { conversation: { ...conversation, id: conversationIdOf(conversation) }, message: { id, timestamp: at.toISOString(), ...message } } }],
		});
		expect({ status: result.status, failedNode: result.failedNodeName, error: result.error?.message }).toEqual({ status: 'success', failedNode: undefined, error: undefined });
		const sent = bed.sandbox.sentMessages().slice(before);
		return {
			result,
			id,
			toGuest: sent.filter((each) => each.waId === waId).map(readOutgoing),
			alerts: sent.filter((each) => each.to === DUTY_MANAGER || each.templateName === 'agent_handoff_alert'),
		};
	}

	function expectNoHandoff(run: { result: WorkflowRunResult; alerts: SentMessage[] }) {
		expect(run.result.runCount('Hand Off to a Person')).toBe(0);
		expect(run.result.subWorkflowRuns).toEqual([]);
		expect(run.alerts).toEqual([]);
		expect(run.result.runCount('Ask Which One')).toBe(0);
	}

	/** The knowledge base's answer of the workflow for a topic (its n-th question) in a language, as sent. */
	function knowledgeAnswer(workflow: WorkflowInput, topic: number, language: Language): string {
		const answerNode = workflow.nodes.find((node) => node.type === 'n8n-nodes-whatsapp-ai-support.aiReply')!;
		const entries = ((answerNode.parameters.knowledge as IDataObject).entry as Array<{ answer: string; language: string }>).filter((entry) => entry.language === language);
		return markdownToWhatsApp(entries[topic].answer);
	}

	describe.each(SHIPPED)('$file', (shipped) => {
		const workflow = loadWorkflowFile(path.join(PROJECT_ROOT, 'workflows', shipped.file));

		it.each(LANGUAGES)('a guest writing in %s: welcome, quiet acknowledgements, thanks, goodbye, an answer behind a greeting, voice notes', async (language) => {
			const waId = `3160${String(SHIPPED.indexOf(shipped))}${String(LANGUAGES.indexOf(language))}${String(counter).padStart(5, '0')}`;

			// "hi": the welcome with the business's name and its top topics as buttons, in the guest's language.
			const hello = await guestSends(workflow, waId, { type: 'text', text: GREETING[language] });
			expectNoHandoff(hello);
			expect(hello.toGuest).toHaveLength(1);
			expect(hello.toGuest[0].text).toContain(`${WELCOME_MARK[language]} ${shipped.business}`);
			expect(hello.toGuest[0].text).toContain('Alex');
			expect(hello.toGuest[0].buttons).toEqual(shipped.topics[language]);
			expect(hello.result.json('Send Reply')[0].reply).toMatchObject({ language, source: 'small_talk' });

			// "Hallo!" is too short to tell: the guest's known language is kept.
			const hallo = await guestSends(workflow, waId, { type: 'text', text: 'Hallo!' });
			expectNoHandoff(hallo);
			expect(hallo.toGuest.map((each) => each.text)).toEqual([expect.stringContaining(WELCOME_MARK[language])]);

			// "ok", 👍, "prima 👌", a sticker, a reaction and a stray button: no reply, no person.
			for (const quiet of [
				{ type: 'text', text: ACKNOWLEDGEMENT[language] },
				{ type: 'text', text: '👍' },
				{ type: 'text', text: 'prima 👌' },
				{ type: 'sticker', media: { kind: 'sticker', id: 'sticker-1', mimeType: 'image/webp', animated: false } },
				{ type: 'reaction', text: '👍', reaction: { messageId: hello.toGuest[0].message.id, emoji: '👍' } },
				{ type: 'interactive', text: 'Yes, I confirm', interactive: { type: 'button_reply', id: 'confirm_yes', title: 'Yes, I confirm' } },
			]) {
				const run = await guestSends(workflow, waId, quiet);
				expectNoHandoff(run);
				expect({ sent: quiet.text ?? quiet.type, replies: run.toGuest }).toEqual({ sent: quiet.text ?? quiet.type, replies: [] });
				expect(run.result.runCount('Log Turn and Costs')).toBe(1);
			}
			// The reaction is kept on the bot's message it reacts to.
			expect((await bed.store.getMessageByWaId(hello.toGuest[0].message.id))?.reaction).toBe('👍');

			// Thanks and goodbye: a short close, in the guest's language.
			for (const close of [THANKS[language], BYE[language]]) {
				const run = await guestSends(workflow, waId, { type: 'text', text: close });
				expectNoHandoff(run);
				expect({ sent: close, replies: run.toGuest.map((each) => each.text) }).toEqual({ sent: close, replies: [expect.stringContaining(YOU_ARE_WELCOME[language])] });
			}

			// A greeting that carries a question gets the answer, not the welcome.
			const question = await guestSends(workflow, waId, { type: 'text', text: shipped.greetingQuestion[language] });
			expectNoHandoff(question);
			expect(question.toGuest.map((each) => each.text)).toEqual([knowledgeAnswer(workflow, shipped.answerTopic, language)]);

			// A voice note: "please type", with a button for a person; the second one in a row: a person.
			const voice = { type: 'audio', media: { kind: 'audio', id: 'voice-1', mimeType: 'audio/ogg', voice: true } };
			const first = await guestSends(workflow, waId, voice);
			expectNoHandoff(first);
			expect(first.toGuest).toHaveLength(1);
			expect(first.toGuest[0].text).toMatch(TEXT_ONLY[language]);
			expect(first.toGuest[0].buttons).toEqual([PERSON_BUTTON[language]]);
			const second = await guestSends(workflow, waId, voice);
			expect(second.result.json('Hand Off to a Person')[0].handoff).toMatchObject({ created: true });
			expect(second.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(HOLDING[language])]);
			expect(second.alerts.map((alert) => alert.templateName)).toEqual(['agent_handoff_alert']);
		});

		it.each(LANGUAGES)('answers "how are you?" and "are you a bot?" in %s without a person, and the bot\'s person button still reaches one', async (language) => {
			const waId = `3170${String(SHIPPED.indexOf(shipped))}${String(LANGUAGES.indexOf(language))}${String(++counter).padStart(5, '0')}`;
			const howAreYou = await guestSends(workflow, waId, { type: 'text', text: HOW_ARE_YOU[language] });
			expectNoHandoff(howAreYou);
			expect(howAreYou.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(DOING_WELL[language])]);
			expect(howAreYou.toGuest[0].buttons).toEqual(shipped.topics[language]);

			const bot = await guestSends(workflow, waId, { type: 'text', text: ARE_YOU_A_BOT[language] });
			expectNoHandoff(bot);
			expect(bot.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(ASSISTANT[language])]);
			expect(bot.toGuest[0].text).toContain(shipped.business);
			expect(bot.toGuest[0].buttons).toEqual([PERSON_BUTTON[language]]);

			// Something no hotel answers: what the bot can do and a person button, no page for the duty manager.
			const unrelated = await guestSends(workflow, waId, { type: 'text', text: UNRELATED[language] });
			expectNoHandoff(unrelated);
			expect(unrelated.result.json('Small Talk', 1)[0].smallTalk).toEqual({ kind: 'out_of_scope' });
			expect(unrelated.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(CANNOT_HELP[language])]);
			expect(unrelated.toGuest[0].buttons).toEqual([PERSON_BUTTON[language]]);
			const neverMind = await guestSends(workflow, waId, { type: 'text', text: NEVER_MIND[language] });
			expectNoHandoff(neverMind);
			expect(neverMind.toGuest.map((each) => each.text)).toEqual([DEFAULT_SMALL_TALK_TEXTS.dismissal[language]]);

			const tapped = await guestSends(workflow, waId, { type: 'interactive', text: PERSON_BUTTON[language], interactive: { type: 'button_reply', id: 'human_agent', title: PERSON_BUTTON[language] } });
			expect(tapped.result.json('Hand Off to a Person')[0].handoff).toMatchObject({ created: true });
			expect(tapped.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(HOLDING[language])]);
		});

		it('answers "Hallo!" from a new guest in the workflow\'s default language, never handing it over', async () => {
			const run = await guestSends(workflow, `4477${String(SHIPPED.indexOf(shipped))}0000${++counter}`, { type: 'text', text: 'Hallo!' });
			expectNoHandoff(run);
			expect(run.toGuest.map((each) => each.text)).toEqual([expect.stringContaining(`${WELCOME_MARK.en} ${shipped.business}`)]);
		});

		it('hands a location pin to a person when the knowledge base has no directions, without a clarifying question', async () => {
			const waId = `3361${String(SHIPPED.indexOf(shipped))}000${++counter}`;
			await guestSends(workflow, waId, { type: 'text', text: GREETING.fr });
			const run = await guestSends(workflow, waId, { type: 'location', location: { latitude: 52.37, longitude: 4.89 } });
			expect(run.result.runCount('Ask Which One')).toBe(0);
			expect(run.result.json('Hand Off to a Person')[0].handoff).toMatchObject({ created: true });
			expect(run.toGuest.map((each) => each.text)).toEqual([expect.stringMatching(HOLDING.fr)]);
		});
	});

	it('answers a location pin with the directions entry when the knowledge base has one', async () => {
		const workflow = loadWorkflowFile(path.join(PROJECT_ROOT, 'workflows', 'hotel-concierge.json'));
		const answerNode = workflow.nodes.find((node) => node.name === 'Answer From Knowledge Base')!;
		const knowledge = answerNode.parameters.knowledge as { entry: Array<{ question: string; answer: string; language: string }> };
		knowledge.entry.push(
			{ question: 'How do I get to the hotel?', answer: 'From Amsterdam Centraal take tram 2 to Museumplein; we are 3 minutes on foot from the stop.', language: 'en' },
			{ question: 'Hoe kom ik bij het hotel?', answer: 'Vanaf Amsterdam Centraal neem je tram 2 naar het Museumplein; wij zitten 3 minuten lopen van de halte.', language: 'nl' },
		);
		const waId = '31699000001';
		await guestSends(workflow, waId, { type: 'text', text: 'goedemorgen' });
		const run = await guestSends(workflow, waId, { type: 'location', location: { latitude: 52.37, longitude: 4.89 } });
		expectNoHandoff(run);
		expect(run.toGuest.map((each) => each.text)).toEqual([expect.stringContaining('tram 2 naar het Museumplein')]);
	});

	it('answers "Bonjour, à quelle heure est le check-out ?" with the check-out answer, not breakfast', async () => {
		const workflow = loadWorkflowFile(path.join(PROJECT_ROOT, 'workflows', 'hotel-concierge.json'));
		const run = await guestSends(workflow, '33612000901', { type: 'text', text: 'Bonjour, à quelle heure est le check-out ?' });
		expectNoHandoff(run);
		expect(run.toGuest.map((each) => each.text)).toEqual([knowledgeAnswer(workflow, 0, 'fr')]);
	});

	it('asks which one with titles in the guest\'s language, and sends a text-less or small-talk tie to a person', async () => {
		const workflow = loadWorkflowFile(path.join(PROJECT_ROOT, 'workflows', 'hotel-concierge.json'));
		const conversation = guest('49151000903', 'Jonas');
		await bed.store.recordInboundMessage({ conversation, waMessageId: 'wamid.clarify.1', type: 'text', text: 'Frage zum Zimmer', sentAt: new Date() });
		const item = (nlu: IDataObject, text?: string) => ({
			json: {
				conversation: { ...conversation, id: conversationIdOf(conversation) },
				message: { id: 'wamid.clarify.1', type: 'text', text, timestamp: new Date().toISOString() },
				nlu: { sentiment: { label: 'neutral', score: 0 }, margin: 0.02, ...nlu },
			},
		});
		const ambiguous = await runWorkflow(workflow, {
			credentials: bed.credentials,
			startNodeName: 'Route by Confidence',
			triggerItems: [item({ intent: 'amenities', confidence: 0.4, language: 'de', ranking: [{ intent: 'amenities', score: 0.4 }, { intent: 'billing', score: 0.38 }] }, 'Frage zum Zimmer')],
		});
		expect(ambiguous.status).toBe('success');
		const [asked] = bed.sandbox.sentMessages().map(readOutgoing);
		expect(asked.text).toBe('Was genau meinen Sie?');
		expect(asked.buttons).toEqual(['Ausstattung', 'Rechnung & Zahlung']);
		expect(asked.message.body).toMatchObject({ interactive: { action: { buttons: [{ reply: { id: 'amenities' } }, { reply: { id: 'billing' } }] } } });

		bed.sandbox.reset();
		const withSmallTalk = await runWorkflow(workflow, {
			credentials: bed.credentials,
			startNodeName: 'Route by Confidence',
			triggerItems: [item({ intent: 'greeting', confidence: 0.19, language: 'en', ranking: [{ intent: 'greeting', score: 0.19 }, { intent: 'billing', score: 0.17 }] }, 'Yes, I confirm')],
		});
		expect(withSmallTalk.runCount('Ask Which One')).toBe(0);
		expect((withSmallTalk.json('Hand Off to a Person')[0].route as { rules: string[] }).rules).toEqual(['not_clarifiable']);
	});
});
