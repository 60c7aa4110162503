/**
 * The context package a human agent gets on handoff, so the guest repeats nothing: who, why, what the
 * bot understood, a short summary and the recent transcript.
 */
import { maskPii } from '../privacy/pii';
import type { MessageRecord } from '../store';

export interface TranscriptLine {
	at: string;
	from: 'customer' | 'bot' | 'agent' | 'system';
	text: string;
}

export function buildTranscript(messages: MessageRecord[]): TranscriptLine[] {
	return messages
		.filter((message) => message.text)
		.map((message) => ({ at: message.sentAt, from: message.author, text: message.text ?? '' }));
}

const SIGNAL_WORDS =
	/\b(not|no|never|broken|dirty|cold|late|wrong|refund|cancel|complain\w*|angry|terrible|awful|niet|geen|kapot|vies|koud|slecht|nicht|kein\w*|kaputt|schmutzig|kalt|schlecht|pas|jamais|sale|froid|rembours\w*|no|nunca|roto|sucio|frio|malo|reembolso|urgent\w*|dringend|urgente)\b/i;

function sentences(text: string): string[] {
	return text
		.split(/(?<=[.!?…])\s+|\n+/)
		.map((sentence) => sentence.trim())
		.filter((sentence) => sentence.length > 2);
}

/**
 * An extractive summary for when no model is connected: the customer's most informative sentences
 * (complaint words, questions, numbers, recent), in the order they were written.
 */
export function extractiveSummary(transcript: TranscriptLine[], maxSentences = 3): string {
	const candidates = transcript
		.filter((line) => line.from === 'customer')
		.flatMap((line, lineIndex, all) =>
			sentences(line.text).map((sentence) => ({ sentence, order: lineIndex, recency: (lineIndex + 1) / all.length })),
		);
	const scored = candidates.map((candidate) => {
		let score = candidate.recency;
		if (SIGNAL_WORDS.test(candidate.sentence)) score += 1.5;
		if (/\?/.test(candidate.sentence)) score += 0.7;
		if (/\d/.test(candidate.sentence)) score += 0.5;
		score += Math.min(candidate.sentence.split(/\s+/).length, 25) / 25;
		return { ...candidate, score };
	});
	const chosen = [...scored].sort((a, b) => b.score - a.score).slice(0, maxSentences);
	const seen = new Set<string>();
	return chosen
		.sort((a, b) => a.order - b.order)
		.map((candidate) => candidate.sentence)
		.filter((sentence) => !seen.has(sentence) && seen.add(sentence))
		.join(' ');
}

export interface HandoffPackageInput {
	handoffId: number;
	conversationId: string;
	channel: string;
	customer: { name?: string; waId?: string; userId?: string };
	reason: string;
	transcript: TranscriptLine[];
	summary: string;
	summarySource: 'llm' | 'extractive';
	nlu?: { intent?: string; confidence?: number; language?: string; sentiment?: { label?: string; score?: number } };
	routeReasons?: string[];
	/** What a Conversation Form had collected, so the person does not ask again. */
	form?: HandoffForm;
	openedAt: string;
	created: boolean;
}

export interface HandoffForm {
	name?: string;
	status?: string;
	values: Record<string, unknown>;
}

/** A form's values as one line: "stay 2027-03-12 → 2027-03-14, guests 2". */
export function formValuesLine(values: Record<string, unknown>): string {
	return Object.entries(values)
		.map(([key, value]) => {
			const range = value && typeof value === 'object' ? (value as { start?: unknown; end?: unknown }) : undefined;
			const shown = range && 'start' in range ? `${String(range.start)} → ${String(range.end)}` : typeof value === 'object' ? JSON.stringify(value) : String(value);
			return `${key.replace(/_/g, ' ')} ${shown}`;
		})
		.join(', ');
}

export interface HandoffPackage extends HandoffPackageInput {
	/** A ready-to-post plain-text message for Slack, Teams, e-mail or a helpdesk note. */
	text: string;
	/** True when names, numbers and personal data in the texts are masked (see `maskHandoffPackage`). */
	masked?: boolean;
}

/** The three parameters of the agent_handoff_alert template. */
export interface HandoffAlert {
	customer: string;
	reason: string;
	summary: string;
	masked: boolean;
}

export function buildHandoffPackage(input: HandoffPackageInput): HandoffPackage {
	const who = [input.customer.name, input.customer.waId ? `+${input.customer.waId}` : input.customer.userId].filter(Boolean).join(' · ');
	const understood = [
		input.nlu?.intent ? `intent ${input.nlu.intent}${input.nlu.confidence !== undefined ? ` (${Math.round(input.nlu.confidence * 100)} %)` : ''}` : undefined,
		input.nlu?.sentiment?.label ? `sentiment ${input.nlu.sentiment.label}` : undefined,
		input.nlu?.language ? `language ${input.nlu.language}` : undefined,
	].filter(Boolean);
	const lines = [
		`Handoff #${input.handoffId}: ${who || 'unknown customer'} (${input.channel})`,
		`Reason: ${input.reason}${input.routeReasons?.length ? ` — ${input.routeReasons.join('; ')}` : ''}`,
		...(understood.length ? [`Bot understood: ${understood.join(', ')}`] : []),
		...(input.form && Object.keys(input.form.values).length ? [`Form${input.form.name ? ` "${input.form.name}"` : ''}: ${formValuesLine(input.form.values)}`] : []),
		`Summary: ${input.summary || '(no text yet)'}`,
		'',
		'Recent messages:',
		...input.transcript.map((line) => `[${line.at.slice(11, 16)}] ${line.from}: ${line.text}`),
	];
	return { ...input, text: lines.join('\n') };
}

/** "A. de V. (+31 •••• 5678)": enough for the duty manager to recognise a chat, not to identify a person. */
export function maskedCustomerLabel(customer: HandoffPackageInput['customer']): string {
	const initials = (customer.name ?? '')
		.split(/\s+/)
		.filter(Boolean)
		.map((word) => `${[...word][0]}.`)
		.join(' ');
	const digits = (customer.waId ?? '').replace(/\D/g, '');
	const number = digits.length > 6 ? `+${digits.slice(0, 2)} •••• ${digits.slice(-4)}` : customer.userId ? 'user …' + customer.userId.slice(-4) : '';
	return [initials, number ? `(${number})` : ''].filter(Boolean).join(' ') || 'a customer';
}

/** Free text with e-mails, phone numbers, cards, IBANs and ids masked, and the customer's name replaced. */
export function maskPersonalText(text: string, customerName?: string): string {
	let masked = maskPii(text).masked;
	for (const part of (customerName ?? '').split(/\s+/).filter((word) => word.length >= 3)) {
		masked = masked.replace(new RegExp(part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'giu'), '[NAME]');
	}
	return masked;
}

/** Fields that name or reach a person are hidden whole; other text values are masked like the transcript. */
const PERSONAL_FIELD = /name|mail|phone|tel|mobile|address|passport|iban|card|birth/i;

function maskFormValues(values: Record<string, unknown>, customerName: string | undefined): Record<string, unknown> {
	return Object.fromEntries(
		Object.entries(values).map(([key, value]) => [key, PERSONAL_FIELD.test(key) ? '[MASKED]' : typeof value === 'string' ? maskPersonalText(value, customerName) : value]),
	);
}

/** The same package with the customer's name, number and the personal data in every text masked. */
export function maskHandoffPackage(input: HandoffPackage): HandoffPackage {
	const name = input.customer.name;
	const rebuilt = buildHandoffPackage({
		...input,
		customer: { name: maskedCustomerLabel(input.customer) },
		summary: maskPersonalText(input.summary, name),
		transcript: input.transcript.map((line) => ({ ...line, text: maskPersonalText(line.text, name) })),
		...(input.form ? { form: { ...input.form, values: maskFormValues(input.form.values, name) } } : {}),
	});
	return { ...rebuilt, masked: true };
}

/** The alert template's parameters; masked unless `mask` is false. */
export function handoffAlert(input: HandoffPackage, mask: boolean): HandoffAlert {
	const summary = (input.summary || '(no text yet)').replace(/\s+/g, ' ').slice(0, 500);
	if (!mask) {
		const customer = [input.customer.name, input.customer.waId ? `+${input.customer.waId}` : input.customer.userId].filter(Boolean).join(' ') || 'a customer';
		return { customer, reason: input.reason, summary, masked: false };
	}
	return { customer: maskedCustomerLabel(input.customer), reason: maskPersonalText(input.reason, input.customer.name), summary: maskPersonalText(summary, input.customer.name), masked: true };
}

const HOLDING_MESSAGES: Record<string, string> = {
	en: 'Thank you for your patience. A colleague will take over this conversation shortly.',
	nl: 'Bedankt voor je geduld. Een collega neemt dit gesprek zo snel mogelijk over.',
	de: 'Vielen Dank für Ihre Geduld. Eine Kollegin oder ein Kollege übernimmt dieses Gespräch in Kürze.',
	fr: 'Merci de votre patience. Un collègue va prendre le relais de cette conversation très bientôt.',
	es: 'Gracias por su paciencia. Un compañero se hará cargo de esta conversación en breve.',
};

export function holdingMessage(language: string | undefined): { text: string; language: string } {
	const chosen = language && HOLDING_MESSAGES[language] ? language : 'en';
	return { text: HOLDING_MESSAGES[chosen], language: chosen };
}
