import {
	buildSmallTalkReply,
	chooseReplyLanguage,
	DEFAULT_SMALL_TALK_SETTINGS,
	DEFAULT_SMALL_TALK_TEXTS,
	isAcknowledgement,
	isDirectionsQuestion,
	recognizeSmallTalk,
	SMALL_TALK_LANGUAGES,
	SMALL_TALK_TEXT_KINDS,
	smallTalkText,
} from '../../../nodes/domain/smalltalk/small-talk';

const greeting = { intent: 'greeting', confidence: 0.98 };
const thanks = { intent: 'thanks_goodbye', confidence: 0.97 };
const question = { intent: 'amenities', confidence: 0.9 };

describe('recognizeSmallTalk', () => {
	it.each([
		['ok'], ['oké'], ['👍'], ['👌😊'], ['super'], ["d'accord"], ['vale'], ['prima 👌'], ['Yes, I confirm'], ['alles klar'], ['de acuerdo'], ['ok super'],
	])('treats "%s" as an acknowledgement, whatever the classifier said', (text) => {
		expect(recognizeSmallTalk({ type: 'text', text }, thanks)).toBe('acknowledgement');
		expect(recognizeSmallTalk({ type: 'text', text }, { intent: 'greeting', confidence: 0.2 })).toBe('acknowledgement');
	});

	it.each([['ok thanks'], ['👎'], ['ok but where is my room?'], ['not ok'], ['yes please book it for friday']])('does not treat "%s" as an acknowledgement', (text) => {
		expect(isAcknowledgement(text)).toBe(false);
	});

	it('answers greetings and thanks only when the classifier is confident, and never closes a question', () => {
		expect(recognizeSmallTalk({ type: 'text', text: 'good evening' }, greeting)).toBe('greeting');
		expect(recognizeSmallTalk({ type: 'text', text: 'Hallo!' }, { intent: 'out_of_scope', confidence: 0.1 })).toBe('greeting');
		expect(recognizeSmallTalk({ type: 'text', text: 'hello, anyone there?' }, greeting)).toBe('greeting');
		expect(recognizeSmallTalk({ type: 'text', text: 'top, bedankt!' }, thanks)).toBe('thanks');
		expect(recognizeSmallTalk({ type: 'text', text: 'thanks, but when is breakfast?' }, thanks)).toBe('none');
		expect(recognizeSmallTalk({ type: 'text', text: 'merci' }, { intent: 'thanks_goodbye', confidence: 0.3 })).toBe('none');
		expect(recognizeSmallTalk({ type: 'text', text: 'is there a pool?' }, question)).toBe('none');
	});

	it.each([
		['how are you?'], ['Hi! How are you doing today? 😊'], ['hoe gaat het met je?'], ['Hallo, hoe is het?'], ['Alles goed?'], ['Wie geht es Ihnen?'], ['wie gehts'],
		['Bonjour, comment allez-vous ?'], ['ça va ?'], ['Hola, ¿qué tal?'], ['¿Cómo está usted?'],
	])('answers "%s" as a how-are-you, whatever the classifier said', (text) => {
		expect(recognizeSmallTalk({ type: 'text', text }, { intent: 'out_of_scope', confidence: 0.4 })).toBe('wellbeing');
		expect(recognizeSmallTalk({ type: 'text', text }, greeting)).toBe('wellbeing');
	});

	it.each([
		['are you a bot?'], ['Am I talking to a real person?'], ['who are you'], ['Ben je een robot?'], ['spreek ik met een mens?'], ['Hallo, ist das ein Bot?'],
		['Sind Sie ein Mensch?'], ['Rede ich mit einem Roboter?'], ['Êtes-vous un robot ?'], ["c'est un bot ?"], ['¿Eres humano?'], ['hola, ¿estoy hablando con una persona real?'],
	])('answers "%s" as a question about the bot', (text) => {
		expect(recognizeSmallTalk({ type: 'text', text }, { intent: 'out_of_scope', confidence: 0.5 })).toBe('identity');
	});

	it.each([
		['how are your rooms cleaned?'], ['how are you handling late check-in?'], ['hoe gaat het met mijn boeking?'], ['Wie geht es weiter mit meiner Reservierung?'],
		['ça va, merci'], ['todo bien'], ['are you open on sunday?'], ['who are you calling?'], ['is this a bot? I want my money back'], ['hi how are you, what time is breakfast?'],
	])('leaves "%s" to the router', (text) => {
		expect(recognizeSmallTalk({ type: 'text', text }, question)).toBe('none');
	});

	it('answers a sure out-of-scope message itself, and leaves an unsure one, or one the business sends on, to the router', () => {
		const sure = { intent: 'out_of_scope', confidence: 0.93, source: 'embedded' };
		expect(recognizeSmallTalk({ type: 'text', text: 'do you sell car insurance?' }, sure)).toBe('out_of_scope');
		expect(recognizeSmallTalk({ type: 'text', text: 'do you sell car insurance?' }, { ...sure, confidence: 0.69 })).toBe('none');
		expect(recognizeSmallTalk({ type: 'text', text: 'do you sell car insurance?' }, sure, { ...DEFAULT_SMALL_TALK_SETTINGS, outOfScopeIntents: [] })).toBe('none');
		expect(recognizeSmallTalk({ type: 'text', text: 'do you sell car insurance?' }, sure, { ...DEFAULT_SMALL_TALK_SETTINGS, outOfScopeConfidence: 0.95 })).toBe('none');
		expect(recognizeSmallTalk({ type: 'text', text: 'is there a pool?' }, question)).toBe('none');
	});

	it.each([['never mind'], ['Oh, forget it'], ['laat maar'], ['Schon gut, danke'], ['laisse tomber'], ["c'est pas grave"], ['Olvídalo'], ['no importa']])(
		'answers "%s" with a short no-problem',
		(text) => {
			expect(recognizeSmallTalk({ type: 'text', text }, { intent: 'out_of_scope', confidence: 1 })).toBe('dismissal');
		},
	);

	it.each([['never mind the towels, where is the gym?'], ['forget it, I want to cancel my booking'], ['no importa el precio, ¿hay habitación?']])('leaves "%s" (a request after the never-mind) to the router', (text) => {
		expect(recognizeSmallTalk({ type: 'text', text }, question)).toBe('none');
	});

	it('tells reactions, stickers, GIFs, captionless media and locations by their type', () => {
		expect(recognizeSmallTalk({ type: 'reaction', text: '❤️' }, undefined)).toBe('reaction');
		expect(recognizeSmallTalk({ type: 'reaction', text: '👎' }, undefined)).toBe('reaction');
		expect(recognizeSmallTalk({ type: 'sticker', media: { kind: 'sticker' } }, undefined)).toBe('sticker');
		expect(recognizeSmallTalk({ type: 'video', media: { kind: 'video', animated: true } }, undefined)).toBe('sticker');
		for (const type of ['audio', 'image', 'video', 'document', 'contacts', 'unsupported']) {
			expect(recognizeSmallTalk({ type, media: type === 'contacts' || type === 'unsupported' ? undefined : { kind: type } }, { intent: 'out_of_scope', confidence: 0, source: 'no_text' })).toBe('media_without_text');
		}
		expect(recognizeSmallTalk({ type: 'image', text: 'is this stain covered?', media: { kind: 'image', caption: 'is this stain covered?' } }, question)).toBe('none');
		expect(recognizeSmallTalk({ type: 'location' }, undefined)).toBe('location');
		expect(recognizeSmallTalk({ type: 'location', text: 'Museumplein, Amsterdam' }, undefined)).toBe('location');
	});
});

describe('chooseReplyLanguage', () => {
	it('takes the language from the message when it can be told, and says so to be remembered', () => {
		expect(chooseReplyLanguage({ text: 'goedemorgen, hoe laat is het ontbijt?', kind: 'none', known: 'en', fallback: 'en' })).toEqual({ language: 'nl', detected: 'nl' });
	});

	it('keeps the last known language, then the default, for messages too short to tell', () => {
		expect(chooseReplyLanguage({ text: 'Hallo!', kind: 'greeting', known: 'de', fallback: 'en' })).toEqual({ language: 'de' });
		expect(chooseReplyLanguage({ text: 'ok', kind: 'acknowledgement', known: 'fr', fallback: 'en' })).toEqual({ language: 'fr' });
		expect(chooseReplyLanguage({ text: 'prima 👌', kind: 'acknowledgement', known: 'nl', fallback: 'en' })).toEqual({ language: 'nl' });
		expect(chooseReplyLanguage({ kind: 'media_without_text', known: null, fallback: 'es' })).toEqual({ language: 'es' });
	});
});

describe('small-talk texts', () => {
	it('has every text in en, nl, de, fr and es, and button texts within WhatsApp limits', () => {
		for (const kind of SMALL_TALK_TEXT_KINDS) {
			for (const language of SMALL_TALK_LANGUAGES) {
				expect(typeof DEFAULT_SMALL_TALK_TEXTS[kind][language]).toBe('string');
				if (kind !== 'acknowledgement') expect(DEFAULT_SMALL_TALK_TEXTS[kind][language].trim()).not.toBe('');
			}
		}
		for (const language of SMALL_TALK_LANGUAGES) {
			expect(DEFAULT_SMALL_TALK_TEXTS.personButton[language].length).toBeLessThanOrEqual(20);
			expect(DEFAULT_SMALL_TALK_TEXTS.topicsButton[language].length).toBeLessThanOrEqual(20);
		}
	});

	it('uses the business\'s own text for a kind and language, the default otherwise', () => {
		const overrides = { thanks: { nl: 'Graag gedaan, tot snel!' } };
		expect(smallTalkText('thanks', 'nl', overrides)).toBe('Graag gedaan, tot snel!');
		expect(smallTalkText('thanks', 'de', overrides)).toBe(DEFAULT_SMALL_TALK_TEXTS.thanks.de);
		// A language without defaults falls back to the workflow's default language, not to English.
		expect(smallTalkText('thanks', 'it', overrides, 'nl')).toBe('Graag gedaan, tot snel!');
		expect(smallTalkText('thanks', 'it', {}, 'fr')).toBe(DEFAULT_SMALL_TALK_TEXTS.thanks.fr);
	});
});

describe('buildSmallTalkReply', () => {
	it('welcomes with the name, the business and up to three topics as buttons with localised titles', () => {
		const reply = buildSmallTalkReply('greeting', { language: 'de', businessName: 'Hotel Zonneveld', customerName: 'Jonas Weber', topics: ['check_in_out', 'amenities'] });
		expect(reply).toEqual({
			text: 'Hallo Jonas! 👋 Willkommen bei Hotel Zonneveld. Ich helfe Ihnen gern bei Check-in & -out und Ausstattung. Was kann ich für Sie tun?',
			language: 'de',
			source: 'small_talk',
			kind: 'greeting',
			buttons: [
				{ id: 'check_in_out', title: 'Check-in & -out' },
				{ id: 'amenities', title: 'Ausstattung' },
			],
		});
	});

	it('offers more than three topics as a list, and the business\'s own titles for its own intents', () => {
		const reply = buildSmallTalkReply('greeting', {
			language: 'es',
			topics: ['opening_hours', 'amenities', 'billing', 'booking_new'],
			topicTitles: { opening_hours: { es: 'Horario' } },
		});
		expect(reply?.buttons).toBeUndefined();
		expect(reply?.list).toEqual({
			button: 'Temas',
			sections: [{ rows: [{ id: 'opening_hours', title: 'Horario' }, { id: 'amenities', title: 'Servicios' }, { id: 'billing', title: 'Factura y pago' }, { id: 'booking_new', title: 'Nueva reserva' }] }],
		});
		expect(reply?.text).toBe('¡Hola! 👋 Bienvenido a nuestro equipo. Puedo ayudarle con horario, servicios, factura y pago y nueva reserva. ¿En qué puedo ayudarle?');
	});

	it('answers a how-are-you with the welcome\'s topics, and a question about the bot honestly with a person button', () => {
		const wellbeing = buildSmallTalkReply('wellbeing', { language: 'nl', businessName: 'Hotel Zonneveld', topics: ['check_in_out', 'amenities'] });
		expect(wellbeing).toMatchObject({ kind: 'wellbeing', language: 'nl', buttons: [{ id: 'check_in_out' }, { id: 'amenities' }] });
		expect(wellbeing?.text).toMatch(/^Met mij gaat het goed, bedankt voor het vragen! 😊 Ik help je graag met in- en uitchecken en faciliteiten\./);
		for (const language of SMALL_TALK_LANGUAGES) {
			const identity = buildSmallTalkReply('identity', { language, businessName: 'Hotel Zonneveld' });
			expect(identity?.text).toContain('Hotel Zonneveld');
			expect(identity?.text).not.toContain('{business}');
			expect(identity?.buttons).toEqual([{ id: 'human_agent', title: DEFAULT_SMALL_TALK_TEXTS.personButton[language] }]);
		}
		expect(buildSmallTalkReply('identity', { language: 'de' })?.text).toMatch(/^Ich bin der digitale Assistent von unserem Team:/);
	});

	it('answers out of scope with what the bot can do and only a person button, and a never-mind briefly', () => {
		const reply = buildSmallTalkReply('out_of_scope', { language: 'fr', businessName: 'Hôtel du Lac', topics: ['check_in_out', 'amenities', 'booking_new'] });
		expect(reply?.text).toMatch(/^Désolé, je ne peux pas vous aider pour cela ici\. Je suis l'assistant numérique de Hôtel du Lac et je peux vous aider pour .+, .+ et .+\./);
		expect(reply?.buttons).toEqual([{ id: 'human_agent', title: 'Un conseiller' }]);
		expect(reply?.list).toBeUndefined();
		expect(buildSmallTalkReply('dismissal', { language: 'de' })).toMatchObject({ kind: 'dismissal', text: DEFAULT_SMALL_TALK_TEXTS.dismissal.de });
	});

	it('stays silent for acknowledgements unless the business wrote an acknowledgement text', () => {
		expect(buildSmallTalkReply('acknowledgement', { language: 'en' })).toBeUndefined();
		expect(buildSmallTalkReply('reaction', { language: 'en' })).toBeUndefined();
		expect(buildSmallTalkReply('sticker', { language: 'fr', overrides: { acknowledgement: { fr: '👍' } } })).toMatchObject({ text: '👍', language: 'fr' });
	});

	it('asks for text after a voice note, with a button whose title asks for a person', () => {
		expect(buildSmallTalkReply('media_without_text', { language: 'fr' })).toEqual({
			text: DEFAULT_SMALL_TALK_TEXTS.mediaWithoutText.fr,
			language: 'fr',
			source: 'small_talk',
			kind: 'media_without_text',
			buttons: [{ id: 'human_agent', title: 'Un conseiller' }],
		});
	});
});

describe('isDirectionsQuestion', () => {
	it.each(['How do I get to the hotel?', 'Hoe kom ik bij het restaurant?', 'Wie komme ich zum Hotel?', "Comment venir à l'hôtel ?", '¿Cómo llego al hotel?', 'What is your address?'])('knows "%s" asks the way', (text) => {
		expect(isDirectionsQuestion(text)).toBe(true);
	});

	it.each(['When is breakfast served?', 'Can I get a late check-out?', '¿Cuál es la política de cancelación?', 'Wo ist das Frühstück inklusive?'])('knows "%s" does not', (text) => {
		expect(isDirectionsQuestion(text)).toBe(false);
	});
});
