// Scores PII masking against a labelled fixture set: an expected entity counts as found when a detected
// entity of the same type covers exactly its text. Used by the unit test and by `npm run eval:pii`.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { DEFAULT_BOOKING_REFERENCE, findPii, type PiiType } from '../../nodes/domain/privacy/pii';

export interface PiiCase {
	text: string;
	expected: Array<{ type: PiiType; value: string }>;
}

export interface PiiScores {
	cases: number;
	expected: number;
	detected: number;
	truePositives: number;
	precision: number;
	recall: number;
	perType: Record<string, { expected: number; detected: number; truePositives: number; precision: number; recall: number }>;
	misses: Array<{ text: string; type: string; value: string }>;
	falseAlarms: Array<{ text: string; type: string; value: string }>;
}

export const PII_FIXTURES = path.join(__dirname, '..', '..', 'test', 'fixtures', 'privacy', 'pii-cases.json');

export function loadPiiCases(file = PII_FIXTURES): PiiCase[] {
	return JSON.parse(readFileSync(file, 'utf8')) as PiiCase[];
}

const ratio = (part: number, whole: number) => (whole === 0 ? 1 : part / whole);

export function scorePiiDetection(cases: PiiCase[]): PiiScores {
	const perType: PiiScores['perType'] = {};
	const bucket = (type: string) => (perType[type] ??= { expected: 0, detected: 0, truePositives: 0, precision: 0, recall: 0 });
	const misses: PiiScores['misses'] = [];
	const falseAlarms: PiiScores['falseAlarms'] = [];
	let expected = 0;
	let detected = 0;
	let truePositives = 0;
	for (const testCase of cases) {
		const found = findPii(testCase.text, { keepPatterns: [DEFAULT_BOOKING_REFERENCE] }).map((entity) => ({
			type: entity.type,
			value: testCase.text.slice(entity.start, entity.end),
		}));
		const unmatched = [...found];
		for (const want of testCase.expected) {
			expected++;
			bucket(want.type).expected++;
			const index = unmatched.findIndex((entity) => entity.type === want.type && entity.value === want.value);
			if (index >= 0) {
				truePositives++;
				bucket(want.type).truePositives++;
				unmatched.splice(index, 1);
			} else {
				misses.push({ text: testCase.text, ...want });
			}
		}
		for (const entity of found) {
			detected++;
			bucket(entity.type).detected++;
		}
		for (const entity of unmatched) falseAlarms.push({ text: testCase.text, ...entity });
	}
	for (const scores of Object.values(perType)) {
		scores.precision = ratio(scores.truePositives, scores.detected);
		scores.recall = ratio(scores.truePositives, scores.expected);
	}
	return {
		cases: cases.length,
		expected,
		detected,
		truePositives,
		precision: ratio(truePositives, detected),
		recall: ratio(truePositives, expected),
		perType,
		misses,
		falseAlarms,
	};
}
