/** WhatsApp text limits and splitting that keeps WhatsApp formatting intact across parts. */
export const MAX_TEXT_LENGTH = 4096;

const INLINE_MARKERS = ['*', '_', '~'] as const;
const CODE_FENCE = '```';

function isWordCharacter(character: string | undefined): boolean {
	return character !== undefined && /[\p{L}\p{N}]/u.test(character);
}

/**
 * Which formatting spans are still open at the end of `text`: ``` code blocks, and *bold*, _italic_,
 * ~strike~ that opened (marker before a non-space, not inside a word) and have not closed.
 */
export function openFormatting(text: string): string[] {
	const open: string[] = [];
	let inCode = false;
	for (let index = 0; index < text.length; index++) {
		if (text.startsWith(CODE_FENCE, index)) {
			inCode = !inCode;
			index += CODE_FENCE.length - 1;
			continue;
		}
		if (inCode) continue;
		const character = text[index];
		if (!(INLINE_MARKERS as readonly string[]).includes(character)) continue;
		const before = text[index - 1];
		const after = text[index + 1];
		const position = open.lastIndexOf(character);
		if (position !== -1 && before !== undefined && !/\s/.test(before) && !isWordCharacter(after)) {
			open.splice(position);
		} else if (after !== undefined && !/\s/.test(after) && !isWordCharacter(before)) {
			open.push(character);
		}
	}
	return inCode ? [...open, CODE_FENCE] : open;
}

function cutPoint(text: string, limit: number): number {
	const window = text.slice(0, limit + 1);
	const minimum = Math.floor(limit * 0.5);
	for (const separator of ['\n\n', '\n']) {
		const at = window.lastIndexOf(separator, limit - separator.length);
		if (at >= minimum) return at + separator.length;
	}
	const sentence = [...window.slice(0, limit).matchAll(/[.!?…](\s)/g)].pop();
	if (sentence?.index !== undefined && sentence.index >= minimum) return sentence.index + 2;
	const space = window.lastIndexOf(' ', limit - 1);
	if (space >= minimum) return space + 1;
	// No natural break: cut hard, but never between the two halves of a surrogate pair (emoji).
	const code = text.charCodeAt(limit - 1);
	return code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit;
}

/**
 * Splits text longer than WhatsApp's limit at paragraph, line, sentence or word boundaries. Formatting
 * open at a cut is closed at the end of one part and reopened at the start of the next.
 */
export function splitText(text: string, limit = MAX_TEXT_LENGTH): string[] {
	if (text.length <= limit) return [text];
	// Room for closing and reopening markers around each cut.
	const reserve = 16;
	const parts: string[] = [];
	let rest = text;
	let prefix = '';
	while (prefix.length + rest.length > limit) {
		const body = rest.slice(0, cutPoint(rest, limit - reserve - prefix.length));
		rest = rest.slice(body.length);
		const piece = prefix + body;
		const stillOpen = openFormatting(piece);
		const trimmed = piece.replace(/\s+$/, '');
		const closing = [...stillOpen].reverse().map((marker) => (marker === CODE_FENCE ? `\n${CODE_FENCE}` : marker));
		parts.push(trimmed + closing.join(''));
		prefix = stillOpen.map((marker) => (marker === CODE_FENCE ? `${CODE_FENCE}\n` : marker)).join('');
		rest = rest.replace(/^\s+/, '');
	}
	if (rest.length > 0) parts.push(prefix + rest);
	return parts;
}
