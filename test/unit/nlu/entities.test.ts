// The entity extractor (nodes/domain/nlu/entities): every type in every language, the look-alikes that
// must stay silent, relative dates against a reference timestamp in the business time zone, the options,
// and the eval:entities CLI on a tiny file.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import {
	BookingReferencePatternError,
	DEFAULT_BOOKING_REFERENCE_PATTERN,
	DEFAULT_ROOM_TYPES,
	extractEntities,
	parseRoomCatalog,
	RoomCatalogError,
	type Entity,
	type EntityExtractionOptions,
} from '../../../nodes/domain/nlu/entities';
import { DEFAULT_BOOKING_REFERENCE } from '../../../nodes/domain/privacy/pii';
import { evaluateEntities, parseEntityRows } from '../../../scripts/lib/entity-evaluation';
import type { SupportedLanguage } from '../../../nodes/domain/nlu/types';

// Wednesday 4 March 2026, 10:15 in Amsterdam: "Friday" is the 6th, "next weekend" the 7th and 8th.
const REFERENCE = new Date('2026-03-04T10:15:00+01:00');
const ZONE = 'Europe/Amsterdam';

function extract(text: string, language: SupportedLanguage, options: Partial<EntityExtractionOptions> = {}): Entity[] {
	return extractEntities(text, { language, reference: REFERENCE, timeZone: ZONE, ...options });
}

/** type=value pairs, sorted, for comparisons that ignore offsets. */
function pairs(text: string, language: SupportedLanguage, options: Partial<EntityExtractionOptions> = {}): string[] {
	return extract(text, language, options)
		.map((entity) => `${entity.type}=${typeof entity.value === 'object' ? `${entity.value.start}/${entity.value.end}` : entity.value}`)
		.sort();
}

describe('extractEntities: every type in every language', () => {
	const cases: Array<[SupportedLanguage, string, string[]]> = [
		// en
		['en', 'Hi, a double room from 12 to 14 March for 2 adults please', ['date_range=2026-03-12/2026-03-14', 'party_size=2', 'room_type=double']],
		['en', 'any suites left next weekend? me and my wife', ['date_range=2026-03-07/2026-03-08', 'party_size=2', 'room_type=suite']],
		['en', 'family room, 3 nights from the 12th, 2 adults and a kid', ['date_range=2026-03-12/2026-03-15', 'nights=3', 'party_size=3', 'room_type=family']],
		['en', 'table tomorrow at 8pm', ['date=2026-03-05', 'time=20:00']],
		['en', 'My name is Emma Stone, mail EMMA@Example.COM or call 07911 123456, booking BK-48213', ['booking_ref=BK-48213', 'email=emma@example.com', 'person_name=Emma Stone', 'phone=+447911123456']],
		['en', 'single or twin for one night on friday?', ['date=2026-03-06', 'nights=1', 'room_type=single', 'room_type=twin']],
		// nl
		['nl', 'hebben jullie een tweepersoonskamer van vrijdag t/m zondag?', ['date_range=2026-03-06/2026-03-08', 'room_type=double']],
		['nl', "we komen met z'n vieren, om half acht 's avonds", ['party_size=4', 'time=19:30']],
		['nl', 'een familiekamer voor 2 nachten vanaf 20 maart', ['date_range=2026-03-20/2026-03-22', 'nights=2', 'room_type=family']],
		['nl', 'Reservering op naam van Jan de Vries, bel 06-12345678 of mail jan@Voorbeeld.nl, ref RES20230', ['booking_ref=RES20230', 'email=jan@voorbeeld.nl', 'person_name=Jan de Vries', 'phone=+31612345678']],
		['nl', 'morgen om 19 uur een eenpersoonskamer', ['date=2026-03-05', 'room_type=single', 'time=19:00']],
		// de
		['de', 'Ein Doppelzimmer vom 3. bis 5. Mai für 2 Personen', ['date_range=2026-05-03/2026-05-05', 'party_size=2', 'room_type=double']],
		['de', 'Tisch heute um halb acht abends, wir sind zu viert', ['date=2026-03-04', 'party_size=4', 'time=19:30']],
		['de', 'Ich heiße Thomas Müller, Buchungsnummer BK-48213, Handy 0171 1234567, thomas@GMX.de', ['booking_ref=BK-48213', 'email=thomas@gmx.de', 'person_name=Thomas Müller', 'phone=+491711234567']],
		['de', 'Zweibettzimmer für drei Nächte ab dem 12.', ['date_range=2026-03-12/2026-03-15', 'nights=3', 'room_type=twin']],
		['de', 'übermorgen eine Suite', ['date=2026-03-06', 'room_type=suite']],
		// fr
		['fr', 'Je voudrais réserver une table pour 4 personnes ce soir à 20h', ['date=2026-03-04', 'party_size=4', 'time=20:00']],
		['fr', 'une chambre double du 10 au 12 juin', ['date_range=2026-06-10/2026-06-12', 'room_type=double']],
		['fr', 'au nom de Claire Dubois, 06 12 34 56 78, claire@Orange.fr, réservation BKG12345', ['booking_ref=BKG12345', 'email=claire@orange.fr', 'person_name=Claire Dubois', 'phone=+33612345678']],
		['fr', 'chambre familiale pour 2 nuits, arrivée demain à 18h30', ['date=2026-03-05', 'nights=2', 'room_type=family', 'time=18:30']],
		['fr', 'ma femme et moi, le week-end prochain', ['date_range=2026-03-07/2026-03-08', 'party_size=2']],
		// es
		['es', 'una habitación doble del 5 al 8 de agosto', ['date_range=2026-08-05/2026-08-08', 'room_type=double']],
		['es', 'mesa para 4 mañana a las nueve de la noche', ['date=2026-03-05', 'party_size=4', 'time=21:00']],
		['es', 'reserva a nombre de José Luis Pérez, móvil 612 34 56 78, jl@Correo.es, BK-90210', ['booking_ref=BK-90210', 'email=jl@correo.es', 'person_name=José Luis Pérez', 'phone=+34612345678']],
		['es', 'habitación individual 3 noches desde el 1 de junio, somos 2 adultos y un niño', ['date_range=2026-06-01/2026-06-04', 'nights=3', 'party_size=3', 'room_type=single']],
		['es', 'pasado mañana una suite', ['date=2026-03-06', 'room_type=suite']],
	];
	it.each(cases)('%s: %s', (language, text, expected) => {
		expect(pairs(text, language)).toEqual(expected.sort());
	});

	it('gives offsets into the message, with the text read', () => {
		const text = 'Hi! Table for 2 tomorrow at 8pm, name is Ana Costa';
		const entities = extract(text, 'en');
		expect(entities.map((entity) => entity.type)).toEqual(['party_size', 'date', 'time', 'person_name']);
		for (const entity of entities) expect(text.slice(entity.start, entity.end)).toBe(entity.text);
		expect(entities.find((entity) => entity.type === 'time')?.text).toBe('8pm');
	});

	it('reads times in 24 h from words and clocks in every language', () => {
		expect(pairs('at 7.30pm', 'en')).toEqual(['time=19:30']);
		expect(pairs('20h30 ?', 'fr')).toEqual(['time=20:30']);
		expect(pairs('à vingt heures trente', 'fr')).toEqual(['time=20:30']);
		expect(pairs('om kwart over zeven', 'nl')).toEqual(['time=07:15']);
		expect(pairs('um halb eins', 'de')).toEqual(['time=12:30']);
		expect(pairs('a las ocho y media de la tarde', 'es')).toEqual(['time=20:30']);
		expect(pairs('taxi a las 7 de la mañana', 'es')).toEqual(['time=07:00']);
	});

	it('reads weekdays with a day, "next week", two days of one month, and arrival … departure', () => {
		expect(pairs('van woensdag 11 tot en met vrijdag 13 maart', 'nl')).toEqual(['date_range=2026-03-11/2026-03-13']);
		expect(pairs('Wednesday next week', 'en')).toEqual(['date=2026-03-11']);
		expect(pairs('zaterdagavond half acht', 'nl')).toEqual(['date=2026-03-07', 'time=19:30']);
		expect(pairs('am 1. und 2. Mai', 'de')).toEqual(['date=2026-05-01', 'date=2026-05-02']);
		expect(pairs('Wir kommen am 20.03. und reisen am 23.03. ab', 'de')).toEqual(['date_range=2026-03-20/2026-03-23']);
		expect(pairs('nous arriverons le 15 mars et repartirons le 18 mars', 'fr')).toEqual(['date_range=2026-03-15/2026-03-18']);
		expect(pairs('llegamos el 15 de marzo y salimos el 18', 'es')).toEqual(['date_range=2026-03-15/2026-03-18']);
		expect(pairs('eine Übernachtung vom 2. auf den 3. Mai', 'de')).toEqual(['date_range=2026-05-02/2026-05-03']);
		expect(pairs('kamer 2 op 3 mei vrij?', 'nl')).toEqual(['date=2026-05-03']);
	});

	it('counts everyone in the party', () => {
		expect(pairs('with my husband and our 2 kids', 'en')).toEqual(['party_size=4']);
		expect(pairs('Mein Mann, ich und unsere Tochter', 'de')).toEqual(['party_size=3']);
		expect(pairs('mon mari, moi et notre fille', 'fr')).toEqual(['party_size=3']);
		expect(pairs('we komen met 6 personen', 'nl')).toEqual(['party_size=6']);
		expect(pairs('2 adultos y 3 niños', 'es')).toEqual(['party_size=5']);
		expect(pairs('a group of fifteen', 'en')).toEqual(['party_size=15']);
		expect(pairs('wir sind zwei Erwachsene mit einem Baby', 'de')).toEqual(['party_size=3']);
		expect(pairs('nous venons en couple', 'fr')).toEqual(['party_size=2']);
	});
});

describe('extractEntities: look-alikes and messages without entities', () => {
	const silent: Array<[SupportedLanguage, string]> = [
		['en', 'room 12 has no hot water'],
		['en', 'I paid 120 euros for breakfast'],
		['en', 'table 4 was great last night'],
		['en', 'honestly 3 stars, not more'],
		['en', 'the kids loved it, 10/10'],
		['en', 'the 3rd floor is noisy'],
		['en', 'we arrived with 2 cars'],
		['en', 'what is the wifi password?'],
		['nl', 'kamer 12 is niet schoon'],
		['nl', 'ik heb 120 euro betaald'],
		['nl', 'tafel 4 was top'],
		['nl', 'de lift op de 3e verdieping is stuk'],
		['nl', 'bedankt voor het heerlijke weekend'],
		['de', 'Zimmer 12 ist laut'],
		['de', 'Ich habe 120 Euro bezahlt'],
		['de', 'Tisch 4 war super'],
		['de', 'Guten Morgen, wo ist der Parkplatz?'],
		['fr', 'la chambre 12 est sale'],
		['fr', "j'ai payé 120 euros"],
		['fr', 'la table 4 était top'],
		['fr', 'je vous réponds tout de suite'],
		['es', 'la habitación 12 está sucia'],
		['es', 'pagué 120 euros'],
		['es', 'la mesa 4 estuvo genial'],
		['es', 'le pusimos un 4 de 5'],
		['en', '24/7 reception?'],
		['en', 'the AC is broken since 2 days'],
		['en', 'we had 2 questions about the 2nd floor'],
		['en', 'we were there last friday'],
		['fr', 'nous étions là vendredi dernier'],
		['en', 'I have a couple of questions'],
		['en', '3/4 of the rooms were full'],
	];
	it.each(silent)('%s: %s → []', (language, text) => {
		expect(extract(text, language)).toEqual([]);
	});

	it('gives [] for empty and blank text', () => {
		expect(extract('', 'en')).toEqual([]);
		expect(extract('   ', 'nl')).toEqual([]);
	});
});

describe('extractEntities: relative dates against the message time in the business time zone', () => {
	// Thursday 18 June 2026, 23:30 UTC: already Friday 19 June in Amsterdam, still Thursday in New York.
	const lateNight = new Date('2026-06-18T23:30:00Z');

	it('reads "today" and "tomorrow" as the business sees them', () => {
		expect(pairs('today', 'en', { reference: lateNight, timeZone: 'Europe/Amsterdam' })).toEqual(['date=2026-06-19']);
		expect(pairs('tomorrow', 'en', { reference: lateNight, timeZone: 'Europe/Amsterdam' })).toEqual(['date=2026-06-20']);
		expect(pairs('tomorrow', 'en', { reference: lateNight, timeZone: 'America/New_York' })).toEqual(['date=2026-06-19']);
		expect(pairs('morgen om 19 uur', 'nl', { reference: lateNight, timeZone: 'Europe/Amsterdam' })).toEqual(['date=2026-06-20', 'time=19:00']);
		expect(pairs('demain', 'fr', { reference: lateNight, timeZone: 'UTC' })).toEqual(['date=2026-06-19']);
	});

	it('reads weekdays and "next weekend" from the business day', () => {
		// Friday 19 June in Amsterdam: the coming Saturday is the 20th; in New York (Thursday) Friday is the 19th.
		expect(pairs('next weekend', 'en', { reference: lateNight, timeZone: 'Europe/Amsterdam' })).toEqual(['date_range=2026-06-20/2026-06-21']);
		expect(pairs('on friday', 'en', { reference: lateNight, timeZone: 'America/New_York' })).toEqual(['date=2026-06-19']);
		expect(pairs('el próximo fin de semana', 'es', { reference: lateNight, timeZone: 'Europe/Madrid' })).toEqual(['date_range=2026-06-20/2026-06-21']);
		// On a Sunday the weekend under way has no night left: "next weekend" is the coming Saturday night.
		const sunday = new Date('2026-06-21T08:00:00Z');
		expect(pairs('volgend weekend', 'nl', { reference: sunday, timeZone: 'Europe/Amsterdam' })).toEqual(['date_range=2026-06-27/2026-06-28']);
		expect(pairs('nächstes Wochenende', 'de', { reference: sunday, timeZone: 'Europe/Berlin' })).toEqual(['date_range=2026-06-27/2026-06-28']);
	});

	it('takes the next such date for a day and month without a year', () => {
		expect(pairs('on 2 January', 'en')).toEqual(['date=2027-01-02']);
		expect(pairs('le 4 mars', 'fr')).toEqual(['date=2026-03-04']);
		expect(pairs('am 3. März', 'de')).toEqual(['date=2027-03-03']);
		expect(pairs('del 28 de diciembre al 2 de enero', 'es')).toEqual(['date_range=2026-12-28/2027-01-02']);
	});

	it('follows the reference, not the machine clock', () => {
		const later = new Date('2027-11-30T12:00:00Z');
		expect(pairs('tomorrow', 'en', { reference: later, timeZone: 'UTC' })).toEqual(['date=2027-12-01']);
		expect(pairs('on 2 January', 'en', { reference: later, timeZone: 'UTC' })).toEqual(['date=2028-01-02']);
	});
});

describe('extractEntities: options', () => {
	it('reuses the pack booking reference pattern and takes a custom one', () => {
		expect(DEFAULT_BOOKING_REFERENCE_PATTERN).toBe(DEFAULT_BOOKING_REFERENCE.source);
		expect(pairs('ref bk-48213', 'en')).toEqual(['booking_ref=BK-48213']);
		expect(pairs('my booking is H-778812', 'en', { bookingReferencePattern: '\\bH-\\d{6}\\b' })).toEqual(['booking_ref=H-778812']);
		expect(pairs('my booking is BK-48213', 'en', { bookingReferencePattern: '\\bH-\\d{6}\\b' })).toEqual([]);
		expect(() => extract('x', 'en', { bookingReferencePattern: '(' })).toThrow(BookingReferencePatternError);
		expect(() => extract('x', 'en', { bookingReferencePattern: 'a*' })).toThrow(/empty text/);
	});

	it('reads room types from a custom catalog', () => {
		const roomTypes = parseRoomCatalog('[{"id": "deluxe-sea", "synonyms": {"en": ["sea view room", "deluxe"], "nl": ["kamer met zeezicht"]}}]');
		expect(pairs('a deluxe for 2 nights', 'en', { roomTypes })).toEqual(['nights=2', 'room_type=deluxe-sea']);
		expect(pairs('een kamer met zeezicht', 'nl', { roomTypes })).toEqual(['room_type=deluxe-sea']);
		expect(pairs('a double room', 'en', { roomTypes })).toEqual([]);
		expect(DEFAULT_ROOM_TYPES.map((room) => room.id)).toEqual(['single', 'double', 'twin', 'family', 'suite']);
	});

	it('says what is wrong with a room catalog', () => {
		expect(() => parseRoomCatalog('{')).toThrow(RoomCatalogError);
		expect(() => parseRoomCatalog('{}')).toThrow(/list of room types/);
		expect(() => parseRoomCatalog([{ id: 'a', synonyms: { en: ['a'] } }, { id: 'a', synonyms: {} }])).toThrow(/appears twice/);
		expect(() => parseRoomCatalog([{ id: 'a', synonyms: { it: ['camera'] } }])).toThrow(/en, nl, de, fr or es/);
		expect(() => parseRoomCatalog([{ synonyms: {} }])).toThrow(/needs an "id"/);
	});

	it('returns only the asked types and refuses an unknown time zone', () => {
		expect(pairs('table for 4 tomorrow at 8pm', 'en', { types: ['time'] })).toEqual(['time=20:00']);
		expect(() => extract('tomorrow', 'en', { timeZone: 'Mars/Olympus' })).toThrow(/Unknown time zone "Mars\/Olympus"/);
	});
});

describe('the labelled sets', () => {
	const fixtures = path.resolve(__dirname, '..', '..', 'fixtures', 'nlu');
	it.each(['entities-dev.jsonl', 'entities-holdout.jsonl', 'entities-holdout-2.jsonl'])('%s meets the targets (F1 ≥ 0.90 for date, date_range, party_size; micro-F1 ≥ 0.85)', (file) => {
		const report = evaluateEntities(parseEntityRows(readFileSync(path.join(fixtures, file), 'utf8')));
		for (const type of ['date', 'date_range', 'party_size'] as const) expect(report.perType[type]!.f1).toBeGreaterThanOrEqual(0.9);
		expect(report.microF1).toBeGreaterThanOrEqual(0.85);
	});

	it('the dev set has at least 300 messages in all five languages, with messages without entities', () => {
		const rows = parseEntityRows(readFileSync(path.join(fixtures, 'entities-dev.jsonl'), 'utf8'));
		expect(rows.length).toBeGreaterThanOrEqual(300);
		for (const language of ['en', 'nl', 'de', 'fr', 'es']) expect(rows.filter((row) => row.lang === language).length).toBeGreaterThanOrEqual(60);
		expect(rows.filter((row) => row.entities.length === 0).length).toBeGreaterThanOrEqual(50);
	});
});

describe('eval:entities CLI', () => {
	const root = path.resolve(__dirname, '..', '..', '..');
	let directory: string;
	beforeAll(() => {
		directory = mkdtempSync(path.join(tmpdir(), 'eval-entities-'));
	});
	afterAll(() => rmSync(directory, { recursive: true, force: true }));

	function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
		return new Promise((resolve) => {
			execFile(process.execPath, [path.join(root, 'scripts', 'run-ts.js'), path.join(root, 'scripts', 'eval-entities.ts'), ...args], { cwd: root }, (error, stdout, stderr) => {
				resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
			});
		});
	}

	it('scores a tiny file: per type, micro-F1 and exact messages', async () => {
		const file = path.join(directory, 'tiny.jsonl');
		const rows = [
			// all right: party 2, date
			{ text: 'table for 2 tomorrow', lang: 'en', ref: '2026-03-04T10:15:00+01:00', timezone: ZONE, entities: [{ type: 'party_size', value: 2 }, { type: 'date', value: '2026-03-05' }] },
			// the label says 3 people: one wrong party size (a false positive and a miss)
			{ text: 'table for 2', lang: 'en', ref: '2026-03-04T10:15:00+01:00', timezone: ZONE, entities: [{ type: 'party_size', value: 3 }] },
			// nothing expected, nothing found
			{ text: 'kamer 12 is koud', lang: 'nl', ref: '2026-03-04T10:15:00+01:00', timezone: ZONE, entities: [] },
		];
		writeFileSync(file, rows.map((row) => JSON.stringify(row)).join('\n'));
		const json = await run(['--data', file, '--json']);
		expect(json.code).toBe(0);
		const report = JSON.parse(json.stdout) as { perType: Record<string, { precision: number; recall: number; f1: number; support: number }>; microF1: number; exactMessageAccuracy: number };
		expect(report.perType.party_size).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
		expect(report.perType.date).toEqual({ precision: 1, recall: 1, f1: 1, support: 1 });
		// 2 right of 3 found and of 3 expected
		expect(report.microF1).toBeCloseTo(2 / 3, 10);
		expect(report.exactMessageAccuracy).toBeCloseTo(2 / 3, 10);

		const text = await run(['--data', file]);
		expect(text.code).toBe(0);
		expect(text.stdout).toMatch(/party_size\s+50\.0 %\s+50\.0 %\s+50\.0 %\s+2/);
		expect(text.stdout).toMatch(/micro-F1\s+66\.7 %/);
		expect(text.stdout).toMatch(/exact messages\s+66\.7 %/);
	});

	it('exits with 2 and a clear error on unreadable input', async () => {
		const missing = await run(['--data', path.join(directory, 'nope.jsonl')]);
		expect(missing.code).toBe(2);
		expect(missing.stderr).toMatch(/cannot read .*nope\.jsonl/);

		const broken = path.join(directory, 'broken.jsonl');
		writeFileSync(broken, '{"text": "hi", "lang": "en", "ref": "2026-03-04T10:15:00+01:00", "timezone": "UTC", "entities": []}\n{not json\n');
		const bad = await run(['--data', broken]);
		expect(bad.code).toBe(2);
		expect(bad.stderr).toMatch(/line 2 is not valid JSON/);

		const usage = await run([]);
		expect(usage.code).toBe(2);
		expect(usage.stderr).toMatch(/--data is required/);
	});
});
