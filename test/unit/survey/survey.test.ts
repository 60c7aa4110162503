// The survey's pure parts: consent, reading answers, low scores, and the messages in every language.
import { parseInternalNumbers } from '../../../nodes/domain/store';
import { buildSurveyMessage, isLowScore, readSurveyAnswer, SURVEY_LANGUAGES, SURVEY_TEXTS, surveyConsent, surveyLanguage } from '../../../nodes/domain/survey';

const event = (scope: string, action: 'opt_in' | 'opt_out', minutesAgo: number) => ({ scope, action, occurredAt: new Date(Date.now() - minutesAgo * 60_000).toISOString() });

describe('survey consent', () => {
	it('allows guests without a recorded choice unless an opt-in is required', () => {
		expect(surveyConsent([], false)).toBe('allowed');
		expect(surveyConsent([], true)).toBe('needs_opt_in');
		expect(surveyConsent([event('analytics', 'opt_in', 5)], true)).toBe('allowed');
	});

	it('never surveys after a service or analytics opt-out or a STOP, whatever came before', () => {
		expect(surveyConsent([event('analytics', 'opt_out', 5)], false)).toBe('opted_out');
		expect(surveyConsent([event('service', 'opt_out', 5)], false)).toBe('opted_out');
		expect(surveyConsent([event('analytics', 'opt_in', 10), event('*', 'opt_out', 5)], true)).toBe('opted_out');
		// A later opt-in wins over an earlier opt-out.
		expect(surveyConsent([event('analytics', 'opt_out', 10), event('analytics', 'opt_in', 5)], true)).toBe('allowed');
		// Marketing has nothing to do with a satisfaction survey.
		expect(surveyConsent([event('marketing', 'opt_out', 5)], false)).toBe('allowed');
	});
});

describe('reading a survey answer', () => {
	it('takes tapped rows with the survey id and score, within the scale', () => {
		expect(readSurveyAnswer({ type: 'interactive', interactive: { id: 'survey:12:4' } }, 'csat', false)).toEqual({ surveyId: 12, score: 4 });
		expect(readSurveyAnswer({ type: 'interactive', interactive: { id: 'survey:12:6' } }, 'csat', false)).toBeUndefined();
		expect(readSurveyAnswer({ type: 'interactive', interactive: { id: 'survey:12:10' } }, 'nps', false)).toEqual({ surveyId: 12, score: 10 });
		expect(readSurveyAnswer({ type: 'interactive', interactive: { id: 'topic:breakfast' } }, 'csat', true)).toBeUndefined();
	});

	it('takes a number typed alone only when allowed', () => {
		expect(readSurveyAnswer({ type: 'text', text: ' 5 ' }, 'csat', true)).toEqual({ score: 5 });
		expect(readSurveyAnswer({ type: 'text', text: '5' }, 'csat', false)).toBeUndefined();
		expect(readSurveyAnswer({ type: 'text', text: '0' }, 'nps', true)).toEqual({ score: 0 });
		expect(readSurveyAnswer({ type: 'text', text: '0' }, 'csat', true)).toBeUndefined();
		expect(readSurveyAnswer({ type: 'text', text: '2 people please' }, 'csat', true)).toBeUndefined();
	});

	it('calls CSAT at most the threshold and NPS 0–6 low', () => {
		expect([1, 2, 3].map((score) => isLowScore('csat', score))).toEqual([true, true, false]);
		expect(isLowScore('csat', 3, 3)).toBe(true);
		expect([6, 7].map((score) => isLowScore('nps', score))).toEqual([true, false]);
	});
});

describe('survey messages', () => {
	it.each(SURVEY_LANGUAGES)('builds valid CSAT and NPS lists in %s', (language) => {
		const csat = buildSurveyMessage({ waId: '31612345678' }, 7, 'csat', language);
		const rows = (csat.interactive as { action: { sections: Array<{ rows: Array<{ id: string; title: string }> }> } }).action.sections[0].rows;
		expect(rows.map((row) => row.id)).toEqual(['survey:7:5', 'survey:7:4', 'survey:7:3', 'survey:7:2', 'survey:7:1']);
		expect(rows.every((row) => row.title.length <= 24)).toBe(true);
		const nps = buildSurveyMessage({ waId: '31612345678' }, 7, 'nps', language);
		expect((nps.interactive as { action: { sections: Array<{ rows: unknown[] }> } }).action.sections[0].rows).toHaveLength(10);
		for (const text of [SURVEY_TEXTS[language].followUp, SURVEY_TEXTS[language].thanks, SURVEY_TEXTS[language].thanksComment]) expect(text.length).toBeGreaterThan(5);
	});

	it('picks the guest language, else the default, else English', () => {
		expect(surveyLanguage('de', 'nl')).toBe('de');
		expect(surveyLanguage('pt', 'fr')).toBe('fr');
		expect(surveyLanguage(null, undefined)).toBe('en');
		expect(surveyLanguage('es_ES')).toBe('es');
	});
});

describe('internal numbers as typed in a node parameter', () => {
	it('keeps digits of numbers, splits lists, keeps user ids, drops repeats', () => {
		expect(parseInternalNumbers('+31 6 1234 5678, 15550100001')).toEqual(['31612345678', '15550100001']);
		expect(parseInternalNumbers('31612345678 15550100001;\n+1 (555) 010-0002')).toEqual(['31612345678', '15550100001', '15550100002']);
		expect(parseInternalNumbers('US.13491208655302741918, 15550100001, +15550100001')).toEqual(['US.13491208655302741918', '15550100001']);
		expect(parseInternalNumbers(['+15550100001', ' '])).toEqual(['15550100001']);
		expect(parseInternalNumbers('')).toEqual([]);
		expect(parseInternalNumbers(undefined)).toEqual([]);
	});
});
