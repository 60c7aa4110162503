import {
	cancelLanguage,
	isChangeMessage,
	isConfirmMessage,
	matchChoice,
	parseChoices,
	parseDates,
	parseEmail,
	parseNumber,
	parsePhone,
	parseStartDay,
	parseTime,
} from '../../../nodes/domain/dialog';

// A fixed "today" is fine here: these parsers take today as an argument and never read the clock.
const today = '2027-01-20';

describe('Conversation Form parsers', () => {
	it('reads written dates in five languages, as the next such day, and flags impossible ones', () => {
		expect(parseDates('from 12 March to 14 March', today)).toEqual([
			{ ok: true, value: '2027-03-12' },
			{ ok: true, value: '2027-03-14' },
		]);
		expect(parseDates('van 3 tot 5 januari', today)).toEqual([{ ok: true, value: '2028-01-05' }]);
		expect(parseDates('vom 3. Mai bis 5. Mai', today).map((date) => date.ok && date.value)).toEqual(['2027-05-03', '2027-05-05']);
		expect(parseDates('le 10 juin', today)).toEqual([{ ok: true, value: '2027-06-10' }]);
		expect(parseDates('el 5 de agosto de 2027', today)).toEqual([{ ok: true, value: '2027-08-05' }]);
		expect(parseDates('March 3rd', today)).toEqual([{ ok: true, value: '2027-03-03' }]);
		expect(parseDates('12/03 - 15/03', today).map((date) => date.ok && date.value)).toEqual(['2027-03-12', '2027-03-15']);
		expect(parseDates('2027-02-29', today)).toEqual([{ ok: false, text: '2027-02-29' }]);
		expect(parseDates('31 February', today)).toEqual([{ ok: false, text: '31 february' }]);
		// 29 February exists in 2028.
		expect(parseDates('29 februari', today)).toEqual([{ ok: true, value: '2028-02-29' }]);
	});

	it('leaves look-alikes alone', () => {
		for (const text of ['room 12', 'I paid 120 euros', 'table 4 was great', 'we are 2 adults', 'call me at 3']) {
			expect(parseDates(text, today)).toEqual([]);
			expect(parseTime(text, false)).toBeUndefined();
		}
		expect(parsePhone('room 1234567')).toBeUndefined();
		expect(parseEmail('no email here @ all')).toBeUndefined();
	});

	it('reads a new arrival day ("vanaf de 13e") in this or the next month', () => {
		expect(parseStartDay('nee, vanaf de 23e', today)).toBe('2027-01-23');
		expect(parseStartDay('actually from the 13th', today)).toBe('2027-02-13');
		expect(parseStartDay('ab dem 25.', today)).toBe('2027-01-25');
		expect(parseStartDay('à partir du 22', today)).toBe('2027-01-22');
		expect(parseStartDay('desde el 21', today)).toBe('2027-01-21');
		expect(parseStartDay('from 13 March', today)).toBeUndefined();
	});

	it('reads times, numbers, emails and phones', () => {
		expect(parseTime('8pm')).toBe('20:00');
		expect(parseTime('om 19.30')).toBe('19:30');
		expect(parseTime('20h30')).toBe('20:30');
		expect(parseTime('um 20 Uhr')).toBe('20:00');
		expect(parseTime('om 8')).toBe('08:00');
		expect(parseTime('25:00')).toBeUndefined();
		expect(parseNumber('drie', 'nl')).toBe(3);
		expect(parseNumber('wir sind zwei', 'de')).toBe(2);
		expect(parseNumber('for 4 please', 'en')).toBe(4);
		expect(parseNumber('2 or 3', 'en')).toBeUndefined();
		expect(parseEmail('mail: Anna.de.Vries@Example.NL thanks')).toBe('anna.de.vries@example.nl');
		expect(parsePhone('bel me op +31 6 1234 5678')).toBe('+31612345678');
		expect(parsePhone('0049 151 2345678')).toBe('+491512345678');
	});

	it('knows yes, change and cancel in five languages, in short messages only', () => {
		for (const text of ['yes', 'Ja, klopt!', 'ja genau', 'oui c’est bon', 'sí, vale', 'Confirm']) expect(isConfirmMessage(text)).toBe(true);
		for (const text of ['no', 'nee', 'nein, das stimmt nicht', 'non', 'cambiar', 'not correct', 'klopt niet']) {
			expect(isChangeMessage(text)).toBe(true);
			expect(isConfirmMessage(text)).toBe(false);
		}
		expect(cancelLanguage('never mind')).toBe('en');
		expect(cancelLanguage('laat maar')).toBe('nl');
		expect(cancelLanguage('Abbrechen bitte')).toBe('de');
		expect(cancelLanguage('laisse tomber')).toBe('fr');
		expect(cancelLanguage('olvídalo')).toBe('es');
		expect(cancelLanguage('I would like to know whether I can cancel my booking for free')).toBeUndefined();
		expect(isConfirmMessage('yes I would also like to know whether breakfast is included')).toBe(false);
	});

	it('matches choice options by label and synonyms, and by id or position only when asked', () => {
		const options = parseChoices('yes: Breakfast, ontbijt, Frühstück\nno: No breakfast, zonder ontbijt, ohne Frühstück');
		expect(options).toEqual([
			{ id: 'yes', label: 'Breakfast', synonyms: ['ontbijt', 'Frühstück'] },
			{ id: 'no', label: 'No breakfast', synonyms: ['zonder ontbijt', 'ohne Frühstück'] },
		]);
		expect(matchChoice('graag met ontbijt', options)?.id).toBe('yes');
		// The longest match wins: "ohne Frühstück" is not "Frühstück".
		expect(matchChoice('lieber ohne Frühstück', options)?.id).toBe('no');
		expect(matchChoice('yes', options)).toBeUndefined();
		expect(matchChoice('yes', options, true)?.id).toBe('yes');
		expect(matchChoice('2', options, true)?.id).toBe('no');
		expect(matchChoice('3', options, true)).toBeUndefined();
	});
});
