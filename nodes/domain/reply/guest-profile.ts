/**
 * The guest profile in a reply: what the model is told about the guest, the tool it uses to remember what
 * the guest says about themselves, and the greeting a returning guest gets by name (also offline).
 */
import { DynamicStructuredTool } from '@langchain/core/tools';
import { z } from 'zod';

import type { ToolLike } from '../tools/tool-loop';

export interface ProfileView {
	name?: string;
	language?: string;
	preferences: string[];
	bookings: string[];
}

export interface ProfileUpdate {
	name?: string;
	language?: string;
	preferences?: string[];
	bookings?: string[];
}

const GREETINGS: Record<string, (name: string) => string> = {
	en: (name) => `Hello ${name}, welcome back!`,
	nl: (name) => `Hallo ${name}, fijn dat je er weer bent!`,
	de: (name) => `Hallo ${name}, schön, wieder von Ihnen zu hören!`,
	fr: (name) => `Bonjour ${name}, ravis de vous retrouver !`,
	es: (name) => `¡Hola ${name}, qué gusto volver a saludarle!`,
};

/** The greeting for a returning guest, in their language (English when the language has none). */
export function returningGuestGreeting(name: string, language: string): string {
	return (GREETINGS[language] ?? GREETINGS.en)(name);
}

/** A guest is greeted by name when we know the name and have not written to them in the last hours. */
export const GREETING_GAP_MS = 12 * 3_600_000;

/** The block added to the system prompt: what the guest told us before. */
export function profileContext(profile: ProfileView | undefined, mask: (text: string) => string = (text) => text): string | undefined {
	if (!profile) return undefined;
	const lines: string[] = [];
	if (profile.name) lines.push(`Name: ${mask(profile.name)}`);
	if (profile.language) lines.push(`Language: ${profile.language}`);
	if (profile.preferences.length) lines.push(`Preferences they told us: ${profile.preferences.map(mask).join('; ')}`);
	if (profile.bookings.length) lines.push(`Earlier booking references: ${profile.bookings.join(', ')}`);
	if (lines.length === 0) return undefined;
	return `ABOUT THIS GUEST (from earlier conversations; use it to be personal, never to contradict them):\n${lines.join('\n')}`;
}

export const REMEMBER_TOOL_NAME = 'remember_guest_detail';

const rememberArguments = z
	.object({
		name: z.string().min(1).max(80).optional().describe('The name the guest wants to be called by'),
		language: z.enum(['en', 'nl', 'de', 'fr', 'es']).optional().describe('The language the guest prefers'),
		preference: z.string().min(2).max(200).optional().describe('A lasting preference the guest stated, e.g. "vegetarian", "a quiet room"'),
		bookingReference: z
			.string()
			.regex(/^[A-Za-z]{2,4}-?\d{4,10}$/, 'a booking reference looks like BK-48213')
			.optional()
			.describe('A booking reference of theirs'),
	})
	.refine((args) => Boolean(args.name || args.language || args.preference || args.bookingReference), { message: 'give at least one detail' });

/** The tool the model calls to remember what the guest says about themselves. */
export function rememberGuestTool(save: (update: ProfileUpdate) => Promise<ProfileView | undefined>): ToolLike {
	return new DynamicStructuredTool({
		name: REMEMBER_TOOL_NAME,
		description:
			'Remembers a lasting detail the guest tells about themselves for their next visits: their name, preferred language, a preference (diet, room wishes, allergies) or a booking reference. Not for one-off requests.',
		schema: rememberArguments,
		func: async (args) => {
			const saved = await save({
				name: args.name,
				language: args.language,
				preferences: args.preference ? [args.preference] : undefined,
				bookings: args.bookingReference ? [args.bookingReference.toUpperCase()] : undefined,
			});
			return saved ? JSON.stringify({ remembered: true }) : JSON.stringify({ remembered: false, why: 'the guest opted out; nothing is kept' });
		},
	}) as unknown as ToolLike;
}
