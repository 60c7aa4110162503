/**
 * Text normalisation shared by the embedded classifier and sentiment analysis. WhatsApp messages are
 * short, informal and full of typos, emojis and abbreviations; everything here maps surface variety
 * onto fewer, more meaningful tokens before any model sees the text.
 */

/** Emoji (first code point) → a token that says what it means. Unlisted pictographs become `:emoji:`. */
const EMOJI_TOKENS: Record<string, string> = {};

function addEmojis(token: string, emojis: string): void {
	for (const emoji of emojis.split(' ')) {
		const first = String.fromCodePoint(emoji.codePointAt(0) as number);
		EMOJI_TOKENS[first] = token;
	}
}

addEmojis(':smile:', '😀 😃 😄 😁 😊 🙂 ☺ 😇 😎 🤩 😌 😋 🤗 😉 😜 😛 😝');
addEmojis(':laugh:', '😂 🤣 😅 😆 😹');
addEmojis(':love:', '😍 🥰 😘 😻 💋');
addEmojis(':heart:', '❤ 💕 💖 💗 💙 💚 💛 🧡 💜 🖤 🤍 💝 💞 ♥');
addEmojis(':sad:', '😢 😭 😞 😔 🙁 ☹ 😟 😥 😿 💔 😩 😫 🥺');
addEmojis(':angry:', '😡 😠 🤬 👿 💢 😤 🖕');
addEmojis(':disgust:', '🤮 🤢 💩');
addEmojis(':fear:', '😱 😨 😰 😬');
addEmojis(':meh:', '😐 😑 😕 🙄 😒 🤨 😶');
addEmojis(':thinking:', '🤔 🧐');
addEmojis(':thumbsup:', '👍 👌 ✅ 💯 ✔ 🆗');
addEmojis(':thumbsdown:', '👎 ❌ 🚫 ⛔');
addEmojis(':pray:', '🙏');
addEmojis(':wave:', '👋 🤙');
addEmojis(':clap:', '👏 🙌');
addEmojis(':party:', '🎉 🥳 🎊 🍾 🥂');
addEmojis(':star:', '⭐ 🌟 ✨ 🔥');
addEmojis(':birthday:', '🎂 🎁 🎈');
addEmojis(':hotel:', '🏨 🛏 🛌 🏩');
addEmojis(':transport:', '🚗 🚕 🚌 🚆 🚇 🚉 🚊 🚲 🛵 ✈ 🛫 🛬 🚖 🚘 🅿');
addEmojis(':location:', '📍 🗺 🧭');
addEmojis(':food:', '🍳 🥐 🍕 🍔 🍽 🍝 🥗 🍷 🍺 🍰 🥞 🍟 🌮 🍜');
addEmojis(':coffee:', '☕ 🫖');
addEmojis(':money:', '💳 💶 💵 💰 💸 🧾 💲');
addEmojis(':key:', '🔑 🗝');
addEmojis(':pool:', '🏊 🧖 💆 🏋');
addEmojis(':package:', '📦 📫 📮 🚚');
addEmojis(':device:', '📱 💻 🖥 ⌚ 🎧 🔌 🔋');
addEmojis(':clock:', '⏰ ⌛ ⏳ 🕐 📅 📆 🗓');
addEmojis(':phone:', '📞 ☎ 📲');
addEmojis(':question:', '❓ ❔ ⁉');
addEmojis(':warning:', '⚠ 🆘 🚨');
addEmojis(':broken:', '🔧 🛠 💥');

const EMOTICONS: Array<[RegExp, string]> = [
	[/(^|\s)[:;=]-?[)\]dp]+(?=\s|$)/gi, ' :smile: '],
	[/(^|\s)[:;=]'?-?[([]+(?=\s|$)/g, ' :sad: '],
	[/(^|\s)[:=]-?[/\\|](?=\s|$)/g, ' :meh: '],
	[/(^|\s)x-?d+(?=\s|$)/gi, ' :laugh: '],
	[/()<3+/g, ' :heart: '],
];

/**
 * Chat abbreviations → the words they stand for, so "pls" and "please" share features. Keys are
 * matched as whole tokens after lower-casing and accent folding.
 */
export const ABBREVIATIONS_BY_LANGUAGE: Record<'en' | 'nl' | 'de' | 'fr' | 'es', Record<string, string>> = {
	en: {
		pls: 'please', plz: 'please', plse: 'please', plss: 'please', pleez: 'please',
		thx: 'thanks', thnx: 'thanks', thanx: 'thanks', tnx: 'thanks', ty: 'thank you', tysm: 'thank you so much',
		u: 'you', ur: 'your', r: 'are', bday: 'birthday', asap: 'as soon as possible', tmrw: 'tomorrow',
		tmr: 'tomorrow', tonite: 'tonight', msg: 'message', info: 'information',
		pw: 'password', pwd: 'password', acc: 'account', addr: 'address', rn: 'right now', idk: 'i do not know',
		dm: 'message', w: 'with', wknd: 'weekend', nite: 'night', hrs: 'hours', min: 'minutes', mins: 'minutes',
		cuz: 'because', bc: 'because', coz: 'because', wanna: 'want to', gonna: 'going to', gotta: 'have to',
	},
	nl: {
		ff: 'even', effe: 'even', mvg: 'met vriendelijke groet', gr: 'groet', grtz: 'groetjes', grts: 'groetjes',
		bvd: 'bedankt voor de', aub: 'alstublieft', avb: 'alstublieft', dankje: 'dank je',
		dankjewel: 'dank je wel', dankuwel: 'dank u wel', wrm: 'waarom', idd: 'inderdaad', oke: 'ok', oki: 'ok',
		okee: 'ok', okay: 'ok', okey: 'ok', kga: 'ik ga', kheb: 'ik heb', kwil: 'ik wil', kzou: 'ik zou', kben: 'ik ben',
	},
	de: {
		lg: 'liebe grusse', vg: 'viele grusse', mfg: 'mit freundlichen grussen', bzw: 'beziehungsweise',
		danki: 'danke', dnk: 'danke', bitteschon: 'bitte schon', hab: 'habe', gibts: 'gibt es', nen: 'einen',
		kannste: 'kannst du', haste: 'hast du', biste: 'bist du', wg: 'wegen', bzgl: 'bezuglich',
	},
	fr: {
		stp: 's il te plait', svp: 's il vous plait', slt: 'salut', bjr: 'bonjour', bsr: 'bonsoir', bcp: 'beaucoup', mrc: 'merci',
		mci: 'merci', pk: 'pourquoi', pr: 'pour', ds: 'dans', tt: 'tout', jsp: 'je sais pas',
		jpp: 'je peux pas', dsl: 'desole', cc: 'coucou', rdv: 'rendez vous', qd: 'quand', qqn: 'quelqu un',
		qqch: 'quelque chose', chui: 'je suis', jsuis: 'je suis', ptn: 'putain',
	},
	es: {
		xq: 'porque', pq: 'porque', xfa: 'por favor', xfavor: 'por favor', porfa: 'por favor', porfis: 'por favor',
		pf: 'por favor', q: 'que', tb: 'tambien', tmb: 'tambien', tbn: 'tambien', d: 'de',
		x: 'por', bn: 'bien', dnd: 'donde', sq: 'es que', grax: 'gracias', grs: 'gracias', msj: 'mensaje',
		hla: 'hola', nd: 'nada', toy: 'estoy', tamos: 'estamos', pa: 'para',
	},
};

const ABBREVIATIONS: Record<string, string> = Object.assign({}, ...Object.values(ABBREVIATIONS_BY_LANGUAGE));

const REFERENCE_PATTERN = /\d{4,}/;
const LAUGH_PATTERN = /^(?:ha|he|hi|ja|je|ji)+h?$|^(?:lol+|mdr+|ptdr+|lmao+|rofl+|jaja\w*|haha\w*|hihi\w*|hehe\w*|xd+)$/;
const URL_PATTERN = /\b(?:https?:\/\/|www\.)\S+/gi;
const EMAIL_PATTERN = /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g;
const TIME_PATTERN = /\b\d{1,2}(?:[:.h]\d{2}|\s?(?:am|pm|uhr|u))\b/gi;
const DATE_PATTERN = /\b\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{1,4})?\b/g;
const MONEY_PATTERN = /[€$£]\s?\d+(?:[.,]\d+)?|\d+(?:[.,]\d+)?\s?(?:€|\$|£|eur|euro|euros|usd|dollars?)\b/gi;
const PICTOGRAPH_PATTERN = /\p{Extended_Pictographic}(?:[\u{1F3FB}-\u{1F3FF}\uFE0F]|\u200D\p{Extended_Pictographic})*/gu;

/** Lower-case and strip accents: "Crème brûlée" → "creme brulee", "Straße" → "strasse". */
export function foldAccents(text: string): string {
	return text
		.toLowerCase()
		.replace(/ß/g, 'ss')
		.replace(/æ/g, 'ae')
		.replace(/œ/g, 'oe')
		.replace(/ø/g, 'o')
		.replace(/ł/g, 'l')
		.normalize('NFD')
		.replace(/\p{M}/gu, '');
}

/** Replace emojis and emoticons by meaning tokens (`:smile:`, `:angry:` …), each surrounded by spaces. */
export function replaceEmojis(text: string): string {
	let result = text.replace(PICTOGRAPH_PATTERN, (match) => {
		const first = String.fromCodePoint(match.codePointAt(0) as number);
		return ` ${EMOJI_TOKENS[first] ?? ':emoji:'} `;
	});
	for (const [pattern, token] of EMOTICONS) result = result.replace(pattern, (_match, lead = '') => `${lead}${token}`);
	return result;
}

/** A special token produced by normalisation (`:smile:`, `:num:`, `:url:` …), not a word. */
export function isSpecialToken(token: string): boolean {
	return token.length > 2 && token.startsWith(':') && token.endsWith(':');
}

export interface NormalizedText {
	/** Word and special tokens in order. */
	tokens: string[];
	/** True when the message contained a question mark. */
	question: boolean;
	/** Number of exclamation marks. */
	exclamations: number;
}

/**
 * Lower-case, fold accents, squash repeated letters ("pleeeease" → "pleease"), turn emojis into
 * tokens, mask numbers, times, dates, money, URLs and e-mail addresses, and expand chat abbreviations.
 */
export function normalizeText(text: string): NormalizedText {
	const question = /[?¿]/.test(text);
	const exclamations = (text.match(/[!¡]/g) ?? []).length;
	let value = text
		.replace(URL_PATTERN, ' :url: ')
		.replace(EMAIL_PATTERN, ' :email: ');
	value = replaceEmojis(value);
	value = foldAccents(value)
		.replace(MONEY_PATTERN, ' :money: ')
		.replace(TIME_PATTERN, ' :time: ')
		.replace(DATE_PATTERN, ' :date: ')
		// English n't stays attached ("don't" → "dont"), other apostrophes split ("l'hotel" → "l hotel").
		.replace(/n['’]t\b/g, 'nt')
		.replace(/['’`´]/g, ' ')
		.replace(/(\p{L})\1{2,}/gu, '$1$1');

	const tokens: string[] = [];
	for (const raw of value.split(/[^\p{L}\p{N}:#]+/u)) {
		if (!raw) continue;
		if (isSpecialToken(raw)) {
			tokens.push(raw);
			continue;
		}
		for (const part of raw.split(':')) {
			const word = part.replace(/^#+/, '');
			if (!word) continue;
			if (/\d/.test(word)) {
				// A long digit run ("77120", "#A-40917") is an order, booking or customer reference, not
				// a count ("3 nights", "2 items"): a strong cue of its own.
				tokens.push(REFERENCE_PATTERN.test(word) ? ':ref:' : ':num:');
				continue;
			}
			if (LAUGH_PATTERN.test(word) && word.length >= 3) {
				tokens.push(':laugh:');
				continue;
			}
			const expansion = ABBREVIATIONS[word];
			if (expansion) tokens.push(...expansion.split(' '));
			else tokens.push(word);
		}
	}
	return { tokens, question, exclamations };
}
