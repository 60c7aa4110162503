/**
 * What the bot says for small talk, in en, nl, de, fr and es. The Small Talk node lets a business replace
 * any of them on the canvas (per kind and language); these are the defaults.
 * Placeholders: {name} the guest's first name (with a leading space, or nothing), {business} the business
 * name, {topics} the topics the bot can help with.
 */
export const SMALL_TALK_TEXT_KINDS = ['welcome', 'wellbeing', 'identity', 'outOfScope', 'dismissal', 'thanks', 'acknowledgement', 'mediaWithoutText', 'personButton', 'topicsButton'] as const;
export type SmallTalkTextKind = (typeof SMALL_TALK_TEXT_KINDS)[number];

export const SMALL_TALK_LANGUAGES = ['en', 'nl', 'de', 'fr', 'es'] as const;
export type SmallTalkLanguage = (typeof SMALL_TALK_LANGUAGES)[number];

export const DEFAULT_SMALL_TALK_TEXTS: Record<SmallTalkTextKind, Record<SmallTalkLanguage, string>> = {
	welcome: {
		en: 'Hello{name}! 👋 Welcome to {business}. I can help you with {topics}. What can I do for you?',
		nl: 'Hallo{name}! 👋 Welkom bij {business}. Ik help je graag met {topics}. Waarmee kan ik je helpen?',
		de: 'Hallo{name}! 👋 Willkommen bei {business}. Ich helfe Ihnen gern bei {topics}. Was kann ich für Sie tun?',
		fr: 'Bonjour{name} ! 👋 Bienvenue chez {business}. Je peux vous aider pour {topics}. Que puis-je faire pour vous ?',
		es: '¡Hola{name}! 👋 Bienvenido a {business}. Puedo ayudarle con {topics}. ¿En qué puedo ayudarle?',
	},
	// "How are you?": placeholders as in the welcome.
	wellbeing: {
		en: "I'm doing well, thank you for asking! 😊 I can help you with {topics}. What can I do for you?",
		nl: 'Met mij gaat het goed, bedankt voor het vragen! 😊 Ik help je graag met {topics}. Waarmee kan ik je helpen?',
		de: 'Mir geht es gut, danke der Nachfrage! 😊 Ich helfe Ihnen gern bei {topics}. Was kann ich für Sie tun?',
		fr: 'Je vais bien, merci de demander ! 😊 Je peux vous aider pour {topics}. Que puis-je faire pour vous ?',
		es: '¡Muy bien, gracias por preguntar! 😊 Puedo ayudarle con {topics}. ¿En qué puedo ayudarle?',
	},
	// "Are you a bot?": the bot never pretends to be a person. Sent with the person button.
	identity: {
		en: "I'm the digital assistant of {business}: I answer straight away, day and night. Would you rather talk to a colleague? Just tap the button.",
		nl: 'Ik ben de digitale assistent van {business}: ik antwoord meteen, dag en nacht. Spreek je liever een collega? Tik dan op de knop.',
		de: 'Ich bin der digitale Assistent von {business}: Ich antworte sofort, Tag und Nacht. Möchten Sie lieber mit einem Kollegen sprechen? Tippen Sie einfach auf die Schaltfläche.',
		fr: "Je suis l'assistant numérique de {business} : je réponds tout de suite, jour et nuit. Vous préférez parler à un conseiller ? Touchez simplement le bouton.",
		es: 'Soy el asistente digital de {business}: respondo al momento, de día y de noche. ¿Prefiere hablar con un compañero? Pulse el botón.',
	},
	// A message the classifier is sure is not for this business ("tell me a joke"). Sent with the person button.
	outOfScope: {
		en: "Sorry, I can't help with that here. I'm the digital assistant of {business} and can help you with {topics}. Would you like a colleague? Just tap the button.",
		nl: 'Sorry, daarmee kan ik je hier niet helpen. Ik ben de digitale assistent van {business} en help je graag met {topics}. Wil je een collega spreken? Tik dan op de knop.',
		de: 'Damit kann ich Ihnen hier leider nicht helfen. Ich bin der digitale Assistent von {business} und helfe Ihnen gern bei {topics}. Möchten Sie mit einem Kollegen sprechen? Tippen Sie einfach auf die Schaltfläche.',
		fr: "Désolé, je ne peux pas vous aider pour cela ici. Je suis l'assistant numérique de {business} et je peux vous aider pour {topics}. Vous souhaitez parler à un conseiller ? Touchez simplement le bouton.",
		es: 'Lo siento, con eso no puedo ayudarle aquí. Soy el asistente digital de {business} y puedo ayudarle con {topics}. ¿Prefiere hablar con un compañero? Pulse el botón.',
	},
	// "Never mind", "laat maar".
	dismissal: {
		en: 'No problem! Just write if there is anything else.',
		nl: 'Geen probleem! Laat het gerust weten als er nog iets is.',
		de: 'Kein Problem! Schreiben Sie mir einfach, wenn noch etwas ist.',
		fr: "Pas de souci ! N'hésitez pas à m'écrire s'il y a autre chose.",
		es: '¡No hay problema! Escríbame si necesita algo más.',
	},
	thanks: {
		en: "You're welcome! Is there anything else I can do for you?",
		nl: 'Graag gedaan! Kan ik nog ergens anders mee helpen?',
		de: 'Gern geschehen! Kann ich sonst noch etwas für Sie tun?',
		fr: "Avec plaisir ! Puis-je faire autre chose pour vous ?",
		es: '¡De nada! ¿Puedo ayudarle en algo más?',
	},
	// Empty: an "ok" or 👍 gets no reply. A text here is sent instead.
	acknowledgement: { en: '', nl: '', de: '', fr: '', es: '' },
	mediaWithoutText: {
		en: "I can read text only — could you type your question? Or tell me if you'd like a colleague.",
		nl: 'Ik kan alleen tekst lezen — wil je je vraag typen? Of laat weten als je een collega wilt spreken.',
		de: 'Ich kann nur Text lesen — könnten Sie Ihre Frage eintippen? Oder sagen Sie mir, wenn Sie mit einem Kollegen sprechen möchten.',
		fr: "Je ne peux lire que du texte — pourriez-vous écrire votre question ? Ou dites-moi si vous souhaitez parler à un collègue.",
		es: 'Solo puedo leer texto — ¿podría escribir su pregunta? O dígame si prefiere hablar con un compañero.',
	},
	// A reply button (≤ 20 characters) whose title the Confidence Router reads as a request for a person.
	personButton: {
		en: 'Talk to a person',
		nl: 'Een medewerker',
		de: 'Zum Mitarbeiter',
		fr: 'Un conseiller',
		es: 'Hablar con agente',
	},
	// The button that opens the topics list (≤ 20 characters), when there are more than three topics.
	topicsButton: { en: 'Topics', nl: 'Onderwerpen', de: 'Themen', fr: 'Sujets', es: 'Temas' },
};

/** How "a, b and c" is written in each language. */
export const LIST_CONJUNCTION: Record<SmallTalkLanguage, string> = { en: 'and', nl: 'en', de: 'und', fr: 'et', es: 'y' };

/** The name the welcome uses when the business profile has none. */
export const DEFAULT_BUSINESS_NAME: Record<SmallTalkLanguage, string> = { en: 'our team', nl: 'ons team', de: 'unserem Team', fr: 'notre équipe', es: 'nuestro equipo' };

/** {topics} when no topics are configured. */
export const ANY_QUESTION: Record<SmallTalkLanguage, string> = { en: 'your questions', nl: 'je vragen', de: 'Ihren Fragen', fr: 'vos questions', es: 'sus preguntas' };

/** What a location pin asks, as a knowledge-base search: the directions entry answers it. */
export const LOCATION_QUESTION: Record<SmallTalkLanguage, string> = {
	en: 'How do I get there? Directions, route and address',
	nl: 'Hoe kom ik er? Route en adres',
	de: 'Wie komme ich hin? Anfahrt und Adresse',
	fr: 'Comment venir ? Itinéraire et adresse',
	es: '¿Cómo llego? Dirección y ubicación',
};
