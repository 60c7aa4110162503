import { detectConsentKeyword, keywordConfirmation } from '../../../nodes/domain/privacy/keywords';

describe('STOP / START keywords', () => {
	const stops: Array<[string, string | undefined]> = [
		['STOP', undefined],
		['stop', undefined],
		['Stop!', undefined],
		['STOP please', undefined],
		['unsubscribe', 'en'],
		['opt-out', 'en'],
		['AFMELDEN', 'nl'],
		['uitschrijven aub', 'nl'],
		['STOPP', 'de'],
		['ABMELDEN', 'de'],
		['bitte abbestellen', 'de'],
		['ARRÊT', 'fr'],
		['arret', 'fr'],
		['désabonner', 'fr'],
		['se désabonner svp', 'fr'],
		['BAJA', 'es'],
		['darme de baja por favor', 'es'],
		['No más mensajes', 'es'],
	];
	it.each(stops)('%s is a STOP (language %s)', (text, language) => {
		expect(detectConsentKeyword(text)).toEqual(expect.objectContaining({ keyword: 'stop', language }));
	});

	const starts: Array<[string, string | undefined]> = [
		['START', undefined],
		['start', undefined],
		['subscribe', 'en'],
		['UNSTOP', 'en'],
		['AANMELDEN', 'nl'],
		['anmelden', 'de'],
		['abonner', 'fr'],
		['ALTA', 'es'],
		['darme de alta', 'es'],
	];
	it.each(starts)('%s is a START (language %s)', (text, language) => {
		expect(detectConsentKeyword(text)).toEqual(expect.objectContaining({ keyword: 'start', language }));
	});

	it.each([
		'I want to cancel my booking',
		'can you stop the music in room 12?',
		'Stop by the bar later for a free drink?',
		'we arrive at the bus stop at 10',
		'wann startet das Frühstück',
		'la baja temporada es más barata',
		'',
		'stop stop stop stop stop stop stop stop stop',
	])('"%s" is not a keyword', (text) => {
		expect(detectConsentKeyword(text)).toBeUndefined();
	});

	it('confirms in the customer’s language, English otherwise', () => {
		expect(keywordConfirmation('stop', 'nl').text).toMatch(/geen berichten meer/);
		expect(keywordConfirmation('stop', 'de').text).toMatch(/keine Nachrichten mehr/);
		expect(keywordConfirmation('stop', 'fr').text).toMatch(/ne recevrez plus/);
		expect(keywordConfirmation('stop', 'es').text).toMatch(/Ya no recibirá/);
		expect(keywordConfirmation('start', 'pt')).toEqual({ language: 'en', text: expect.stringMatching(/Welcome back/) });
	});
});
