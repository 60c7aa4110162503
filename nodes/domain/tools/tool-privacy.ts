/**
 * Personal data around tool calls. The model sees placeholders ([EMAIL_1] …), in the customer's message
 * and in what tools answer; the turn log sees the same. Only the tool call itself, for a tool that needs
 * a real value (an e-mail to look a booking up by), gets the value back, from the execution's in-memory
 * restore map. New values found in tool answers extend that map, so the final answer can be filled in.
 */
import { DEFAULT_BOOKING_REFERENCE, findPii, unmaskPii, type PiiType } from '../privacy/pii';
import { mapStrings, type ToolLike, type ToolLoopPrivacy } from './tool-loop';

/**
 * Never personal data in tool arguments and answers: booking references, and dates and times (a phone
 * number pattern would otherwise take "2027-03-12 10:30").
 */
export const TOOL_KEEP_PATTERNS: RegExp[] = [DEFAULT_BOOKING_REFERENCE, /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?/g];

/** Set on a tool's `metadata` by tools that need real values (our own booking lookup by e-mail). */
export const NEEDS_PERSONAL_DATA = 'needsPersonalData';

export interface ToolPrivacyOptions {
	/** placeholder → value, from the Consent Gate (may be empty). It is extended, never written anywhere. */
	restoreMap: Record<string, string>;
	/** Names of other tools that get real values ('*' for all). */
	personalDataTools?: readonly string[];
}

export interface ToolPrivacy extends ToolLoopPrivacy {
	/** The restore map with the values found in tool answers added. */
	readonly restoreMap: Record<string, string>;
}

export function createToolPrivacy(options: ToolPrivacyOptions): ToolPrivacy {
	const restoreMap = { ...options.restoreMap };
	const placeholderOf = new Map<string, string>();
	const counters: Partial<Record<PiiType, number>> = {};
	for (const [placeholder, value] of Object.entries(restoreMap)) {
		const match = /^\[([A-Z]+)_(\d+)\]$/.exec(placeholder);
		if (!match) continue;
		const type = match[1] as PiiType;
		placeholderOf.set(`${type}:${value}`, placeholder);
		counters[type] = Math.max(counters[type] ?? 0, Number(match[2]));
	}
	const allowed = new Set(options.personalDataTools ?? []);

	const mask = (text: string): string => {
		const found = findPii(text, { keepPatterns: TOOL_KEEP_PATTERNS });
		if (found.length === 0) return text;
		let masked = '';
		let cursor = 0;
		for (const candidate of found) {
			const value = text.slice(candidate.start, candidate.end);
			const key = `${candidate.type}:${value}`;
			let placeholder = placeholderOf.get(key);
			if (!placeholder) {
				counters[candidate.type] = (counters[candidate.type] ?? 0) + 1;
				placeholder = `[${candidate.type}_${counters[candidate.type]}]`;
				placeholderOf.set(key, placeholder);
				restoreMap[placeholder] = value;
			}
			masked += text.slice(cursor, candidate.start) + placeholder;
			cursor = candidate.end;
		}
		return masked + text.slice(cursor);
	};

	const needsRealValues = (tool: ToolLike) => allowed.has('*') || allowed.has(tool.name) || tool.metadata?.[NEEDS_PERSONAL_DATA] === true;

	return {
		restoreMap,
		mask,
		restoreArguments: (args, tool) => (needsRealValues(tool) ? mapStrings(args, (text) => unmaskPii(text, restoreMap)) : args),
	};
}
