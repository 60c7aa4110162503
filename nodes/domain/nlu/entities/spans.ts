/** Candidate entities and the bookkeeping that keeps them from overlapping. */
import type { Entity, EntityType, EntityValue } from './types';

export interface Candidate {
	type: EntityType;
	value: EntityValue;
	start: number;
	end: number;
}

/** The message as the rules read it: lower-cased with the same offsets, and the spans already taken. */
export class MessageText {
	readonly original: string;
	/** Lower-cased, curly quotes straightened; always the same length as `original`. */
	lower: string;
	private readonly taken: Array<[number, number]> = [];

	constructor(original: string) {
		this.original = original;
		let lower = '';
		for (const character of original) {
			const folded = character.toLowerCase();
			lower += folded.length === character.length ? folded : character;
		}
		this.lower = lower.replace(/[’‘`´]/g, "'");
	}

	isFree(start: number, end: number): boolean {
		return this.taken.every(([takenStart, takenEnd]) => end <= takenStart || start >= takenEnd);
	}

	/** Marks a span as read: later rules see spaces there. */
	take(start: number, end: number): void {
		this.taken.push([start, end]);
		this.lower = this.lower.slice(0, start) + ' '.repeat(end - start) + this.lower.slice(end);
	}
}

/** Keeps the longest of overlapping candidates (the earlier one on a tie). */
export function longestFirst(candidates: Candidate[]): Candidate[] {
	const sorted = [...candidates].sort((a, b) => b.end - b.start - (a.end - a.start) || a.start - b.start);
	const kept: Candidate[] = [];
	for (const candidate of sorted) {
		if (kept.every((other) => candidate.end <= other.start || candidate.start >= other.end)) kept.push(candidate);
	}
	return kept.sort((a, b) => a.start - b.start);
}

/** Trims spaces and punctuation at the edges of a span. */
export function tighten(text: string, start: number, end: number): [number, number] {
	while (start < end && /[\s,.;:!?]/.test(text[start])) start++;
	while (end > start && /[\s,;:!?]/.test(text[end - 1])) end--;
	return [start, end];
}

export function toEntity(message: MessageText, candidate: Candidate): Entity {
	const [start, end] = tighten(message.original, candidate.start, candidate.end);
	return { type: candidate.type, value: candidate.value, text: message.original.slice(start, end), start, end };
}
