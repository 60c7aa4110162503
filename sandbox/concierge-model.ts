// A scripted "model" for the local OpenAI-compatible server, so the LLM workflow (hotel-concierge-llm)
// runs in `npm start` with no API key: it reads the guest's message and the tools it is offered, calls
// check_availability / look_up_reservation / hand_off_to_person / remember_guest_detail / start_room_booking
// the way a model would, and answers from what the tools return or from the knowledge-base entries in its prompt, in
// AI Reply's JSON answer format. It understands a few phrasings in English (and some Dutch and German),
// nothing more: connect a real model for real conversations.
import type { ChatRequest, Responder, ScriptedMessage } from './openai-server';

const ROOM_TYPES: Array<[RegExp, string]> = [
	[/\b(single|eenpersoons|einzel)/i, 'single'],
	[/\b(double|tweepersoons|doppel)/i, 'double'],
	[/\btwin\b/i, 'twin'],
	[/\b(family|familie)/i, 'family'],
	[/\bsuite\b/i, 'suite'],
];

const BOOKING_REFERENCE = /\b[A-Z]{2,4}-\d{4,10}\b/i;

function isoDay(date: Date): string {
	return date.toISOString().slice(0, 10);
}

/** The coming Friday (next week's when today is Friday to Sunday) and the Sunday after it. */
function nextWeekend(now: Date): { checkIn: string; checkOut: string } {
	const day = now.getUTCDay();
	let ahead = (5 - day + 7) % 7;
	if (day === 5 || day === 6 || day === 0) ahead = ahead === 0 ? 7 : ahead;
	const friday = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + ahead));
	return { checkIn: isoDay(friday), checkOut: isoDay(new Date(friday.getTime() + 2 * 86_400_000)) };
}

function toolNames(chat: ChatRequest): Set<string> {
	const tools = Array.isArray(chat.body.tools) ? (chat.body.tools as Array<{ function?: { name?: string } }>) : [];
	return new Set(tools.map((tool) => tool.function?.name ?? '').filter(Boolean));
}

const json = (answered: boolean, answer: string, sources: string[] = []): ScriptedMessage => ({ content: JSON.stringify({ answered, answer, sources }) });

function parse(text: string): Record<string, unknown> | undefined {
	try {
		const value = JSON.parse(text) as unknown;
		return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}

function answerFromTool(result: Record<string, unknown>, question: string): ScriptedMessage {
	if (Array.isArray(result.reservations)) {
		const [reservation] = result.reservations as Array<Record<string, unknown>>;
		if (!reservation) return json(false, '');
		return json(
			true,
			`Your booking *${reservation.reference}*: ${reservation.roomTypeName ?? reservation.roomType}, ${reservation.checkIn} to ${reservation.checkOut}, ${reservation.guests} guest(s), ${reservation.status}. Total ${reservation.total} ${reservation.currency ?? ''}.`.trim(),
		);
	}
	if (Array.isArray(result.roomTypes)) {
		const wanted = ROOM_TYPES.find(([pattern]) => pattern.test(question))?.[1];
		const rooms = result.roomTypes as Array<{ id: string; name?: string; available?: boolean; total?: number }>;
		const room = rooms.find((each) => each.id === wanted && each.available) ?? rooms.find((each) => each.available);
		if (room) {
			return json(true, `Yes, a ${room.name ?? room.id} is free from ${result.checkIn} to ${result.checkOut}: *${room.total} ${result.currency ?? 'EUR'}* for ${result.nights} night(s). Shall I ask a colleague to book it for you?`);
		}
		const alternatives = Array.isArray(result.alternatives) ? (result.alternatives as Array<{ checkIn: string; checkOut: string }>) : [];
		if (alternatives.length) {
			return json(true, `Those dates are fully booked. Free instead: ${alternatives.map((each) => `${each.checkIn} to ${each.checkOut}`).join('; ')}.`);
		}
		return json(true, 'Sorry, those dates are fully booked.');
	}
	if (result.remembered === true) return json(true, 'Thank you, I will remember that for your next stay.');
	// A form tool: its question goes to the guest as it is.
	if (typeof result.question === 'string' && result.question) return json(true, result.question);
	if (typeof result.message === 'string' && result.message) return json(true, result.message);
	return json(false, '');
}

/** The first knowledge-base entry in the prompt (AI Reply lists them best first). */
function answerFromKnowledge(system: string): ScriptedMessage {
	const entry = /\[(KB\d+)\](?: \(\w+\))? Q: .*\nA: ([^\n]+(?:\n(?!\n)[^\n]+)*)/.exec(system);
	if (!entry) return json(false, '');
	const name = /^Name: (.+)$/m.exec(system)?.[1];
	return json(true, `${name ? `Hi ${name}! ` : ''}${entry[2]}`, [entry[1]]);
}

/** What the demo model answers to one chat request. */
export function conciergeResponder(now: () => Date = () => new Date()): Responder {
	return (chat) => {
		const messages = chat.messages;
		const lastUser = [...messages].reverse().findIndex((message) => message.role === 'user');
		const userIndex = lastUser === -1 ? -1 : messages.length - 1 - lastUser;
		const question = userIndex >= 0 ? messages[userIndex].content : '';
		const toolResults = messages.slice(userIndex + 1).filter((message) => message.role === 'tool');
		const system = messages.find((message) => message.role === 'system')?.content ?? '';
		const tools = toolNames(chat);

		if (toolResults.length > 0) {
			const last = toolResults[toolResults.length - 1].content;
			const result = parse(last);
			return result ? answerFromTool(result, question) : json(false, '');
		}
		if (tools.has('hand_off_to_person') && /\b(person|human|someone|colleague|medewerker|mensch|mitarbeiter)\b/i.test(question)) {
			return { content: '', toolCalls: [{ name: 'hand_off_to_person', arguments: { reason: 'the guest asked for a person' } }] };
		}
		const reference = BOOKING_REFERENCE.exec(question)?.[0];
		if (reference && tools.has('look_up_reservation')) {
			return { content: '', toolCalls: [{ name: 'look_up_reservation', arguments: { reference: reference.toUpperCase() } }] };
		}
		const formTool = [...tools].find((name) => name.startsWith('start_') && /book|room/.test(name));
		if (formTool && /\b(book|reserve|boeken|reserveren|buchen|reservieren)\b/i.test(question)) {
			const roomType = ROOM_TYPES.find(([pattern]) => pattern.test(question))?.[1];
			const guests = /\bfor (\d+)\b/i.exec(question)?.[1];
			const weekend = /\b(next weekend|volgend weekend|nächstes wochenende)\b/i.test(question) ? nextWeekend(now()) : undefined;
			const values = {
				...(weekend ? { stay: { start: weekend.checkIn, end: weekend.checkOut } } : {}),
				...(guests ? { guests: Number(guests) } : {}),
				...(roomType ? { room_type: roomType } : {}),
			};
			return { content: '', toolCalls: [{ name: formTool, arguments: { values } }] };
		}
		if (tools.has('check_availability') && /\b(free|available|availability|vrij|beschikbaar|frei|price|cost|kost|prijs|kostet)\b/i.test(question)) {
			const roomType = ROOM_TYPES.find(([pattern]) => pattern.test(question))?.[1];
			const guests = Number(/\bfor (\d+)\b/i.exec(question)?.[1] ?? (roomType === 'single' ? 1 : 2));
			return { content: '', toolCalls: [{ name: 'check_availability', arguments: { ...nextWeekend(now()), guests, ...(roomType ? { roomType } : {}) } }] };
		}
		const name = /\b(?:my name is|i am|i'm|ik ben|ich bin)\s+([A-Z][a-zà-ÿ]+)/.exec(question)?.[1];
		const preference = /\b(vegetarian|vegan|gluten[- ]free|a quiet room|sea view)\b/i.exec(question)?.[1];
		if ((name || preference) && tools.has('remember_guest_detail')) {
			return { content: '', toolCalls: [{ name: 'remember_guest_detail', arguments: { ...(name ? { name } : {}), ...(preference ? { preference: preference.toLowerCase() } : {}) } }] };
		}
		return answerFromKnowledge(system);
	};
}
