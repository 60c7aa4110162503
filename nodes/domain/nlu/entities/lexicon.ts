/**
 * The words the entity rules read, per language. Everything is lower case; accents as written (the rules
 * match the lower-cased message).
 */
import type { SupportedLanguage } from '../types';

export interface Lexicon {
	numbers: Record<string, number>;
	months: Record<string, number>;
	/** 0 = Sunday … 6 = Saturday. */
	weekdays: Record<string, number>;
	/** Words for a day relative to today: 0 today, 1 tomorrow, 2 the day after. */
	relativeDays: Record<string, number>;
	/** "from", "between", "arrival" … before the first date of a range. */
	rangeStart: string[];
	/** "to", "until", "t/m", "bis", "au", "al" … between the two dates of a range. */
	rangeJoin: string[];
	/** "from", "starting", "vanaf", "ab", "à partir du", "desde" … after "N nights". */
	nightsFrom: string[];
	arrival: string[];
	departure: string[];
	weekend: string[];
	night: string[];
	/** Words after a number that make it a party: people, persons, adults, children … */
	people: string[];
	/** Singular people nouns that count one with an article: "a kid", "een baby", "ein Kind". */
	onePerson: string[];
	/** A companion counts one: "my wife", "mijn man", "meine Frau", "ma femme", "mi mujer". */
	companions: string[];
	/** Possessives before a companion: my, our, mijn, onze … */
	possessives: string[];
	/** The guest themself: me, I, ik, mij, ich, moi, yo. */
	self: string[];
	/** "with" before companions means the guest comes too. */
	with: string[];
	/** Joins people: and, en, und, et, y, plus. */
	and: string[];
	/** "for", "voor", "für", "pour", "para" before a bare number of people. */
	forPeople: string[];
	/** "we are", "wij zijn met", "wir sind", "nous sommes", "somos" before a number of people. */
	weAre: string[];
	/** Whole phrases that give the party size. */
	partyPhrases: Record<string, number>;
	/** "party of", "group of", "groep van", "Gruppe von", "groupe de", "grupo de". */
	groupOf: string[];
	/** "of us" after a number: "4 of us". */
	ofUs: string[];
	/** Evening words that turn 7 into 19:00. */
	evening: string[];
	morning: string[];
	noon: string[];
	/** Words that introduce a time: at, om, um, à, a las. */
	timeLead: string[];
	/** Words after an hour: uur, Uhr, h, heures, o'clock. */
	hourWords: string[];
	/** Name leads: "my name is", "op naam van", "au nom de", "ich heiße", "a nombre de". */
	nameLeads: string[];
}

const EN_NUMBERS = {
	one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
	thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19, twenty: 20,
};

export const LEXICONS: Record<SupportedLanguage, Lexicon> = {
	en: {
		numbers: EN_NUMBERS,
		months: {
			january: 1, jan: 1, february: 2, feb: 2, march: 3, mar: 3, april: 4, apr: 4, may: 5, june: 6, jun: 6, july: 7, jul: 7,
			august: 8, aug: 8, september: 9, sept: 9, sep: 9, october: 10, oct: 10, november: 11, nov: 11, december: 12, dec: 12,
		},
		weekdays: { sunday: 0, sun: 0, monday: 1, mon: 1, tuesday: 2, tue: 2, tues: 2, wednesday: 3, wed: 3, thursday: 4, thu: 4, thurs: 4, friday: 5, fri: 5, saturday: 6, sat: 6 },
		relativeDays: { today: 0, tonight: 0, tonite: 0, '2nite': 0, '2night': 0, 'this evening': 0, 'this afternoon': 0, tomorrow: 1, tmrw: 1, tmr: 1, 'day after tomorrow': 2, 'the day after tomorrow': 2 },
		rangeStart: ['from', 'between', 'for'],
		rangeJoin: ['to', 'till', 'until', 'til', 'through', 'thru', 'and', '-', '–'],
		nightsFrom: ['from', 'starting', 'starting on', 'starting from', 'beginning', 'as of'],
		arrival: ['check-in on', 'check in on', 'checking in on', 'check-in', 'check in', 'arriving on', 'arriving', 'arrive on', 'arrive', 'arrival on', 'arrival'],
		departure: ['check-out on', 'check out on', 'checking out on', 'check-out', 'check out', 'leaving on', 'leaving', 'leave on', 'departing', 'departure on', 'departure'],
		weekend: ['next weekend', 'this weekend', 'this coming weekend', 'the coming weekend', 'coming weekend', 'the weekend', 'next week-end', 'this week-end'],
		night: ['nights', 'night', 'nts', 'nite', 'nites'],
		people: ['people', 'persons', 'person', 'ppl', 'pax', 'guests', 'adults', 'adult', 'kids', 'children', 'child', 'babies', 'infants', 'teenagers', 'guys', 'friends', 'of us'],
		onePerson: ['kid', 'child', 'baby', 'infant', 'toddler', 'teenager', 'adult', 'friend'],
		companions: ['wife', 'husband', 'partner', 'girlfriend', 'boyfriend', 'friend', 'colleague', 'sister', 'brother', 'son', 'daughter', 'mum', 'mom', 'dad', 'mother', 'father', 'fiancé', 'fiance', 'fiancée', 'kid', 'child', 'baby'],
		possessives: ['my', 'our'],
		self: ['me', 'i', 'myself'],
		with: ['with'],
		and: ['and', '&', '+', ','],
		forPeople: ['for'],
		weAre: ["we're", 'we are', 'were', 'we will be', "we'll be", 'there are', "there's", 'there will be'],
		partyPhrases: { 'we are a couple': 2, "we're a couple": 2, 'as a couple': 2, 'just the two of us': 2, 'the two of us': 2, 'the 2 of us': 2, 'just me': 1, 'only me': 1, 'just myself': 1, 'me alone': 1, 'on my own': 1 },
		groupOf: ['party of', 'group of', 'table of', 'family of'],
		ofUs: ['of us'],
		evening: ['pm', 'p.m.', 'tonight', 'evening', 'night', 'dinner', 'this evening'],
		morning: ['am', 'a.m.', 'morning', 'breakfast'],
		noon: ['noon', 'midday'],
		timeLead: ['at', 'around', 'about', 'by', 'from', 'after', 'before', 'until', 'till', '@'],
		hourWords: ["o'clock", 'oclock', 'h'],
		nameLeads: ['my name is', "my name's", "name's", 'name is', 'booking under', 'reservation under', 'booked under', 'under', 'under the name of', 'under the name', 'in the name of', 'booked under', 'this is', 'name:'],
	},
	nl: {
		numbers: {
			een: 1, één: 1, twee: 2, drie: 3, vier: 4, vijf: 5, zes: 6, zeven: 7, acht: 8, negen: 9, tien: 10, elf: 11, twaalf: 12,
			dertien: 13, veertien: 14, vijftien: 15, zestien: 16, zeventien: 17, achttien: 18, negentien: 19, twintig: 20,
		},
		months: {
			januari: 1, jan: 1, februari: 2, feb: 2, maart: 3, mrt: 3, april: 4, apr: 4, mei: 5, juni: 6, jun: 6, juli: 7, jul: 7,
			augustus: 8, aug: 8, september: 9, sept: 9, sep: 9, oktober: 10, okt: 10, november: 11, nov: 11, december: 12, dec: 12,
		},
		weekdays: { zondag: 0, zo: 0, maandag: 1, ma: 1, dinsdag: 2, di: 2, woensdag: 3, wo: 3, donderdag: 4, do: 4, vrijdag: 5, vr: 5, zaterdag: 6, za: 6 },
		relativeDays: { vandaag: 0, vanavond: 0, vanmiddag: 0, morgen: 1, morgenavond: 1, morgenmiddag: 1, morgenochtend: 1, overmorgen: 2 },
		rangeStart: ['van', 'tussen', 'vanaf'],
		rangeJoin: ['tot en met', 't/m', 'tm', 'tot', 'op', 'en', '-', '–'],
		nightsFrom: ['vanaf', 'van', 'met ingang van', 'beginnend op', 'per'],
		arrival: ['aankomst op', 'aankomst', 'inchecken op', 'inchecken', 'check-in op', 'check-in', 'aankomen op', 'komen op', 'komen', 'aankomen', 'arriveren op', 'arriveren'],
		departure: ['vertrek op', 'vertrek', 'uitchecken op', 'uitchecken', 'check-out op', 'check-out', 'vertrekken op', 'vertrekken', 'gaan op', 'weg op'],
		weekend: ['volgend weekend', 'volgende weekend', 'komend weekend', 'komende weekend', 'dit weekend', 'het weekend'],
		night: ['nachten', 'nacht', 'overnachtingen', 'overnachting'],
		people: ['personen', 'persoon', 'pers', 'pers.', 'volwassenen', 'volwassene', 'volw', 'volw.', 'kinderen', 'kids', 'gasten', 'man', "baby's", 'vrienden'],
		onePerson: ['kind', 'baby', 'kindje', 'peuter', 'volwassene', 'vriend', 'vriendin'],
		companions: ['vrouw', 'man', 'partner', 'vriendin', 'vriend', 'collega', 'zus', 'broer', 'zoon', 'dochter', 'moeder', 'vader', 'kind', 'baby', 'verloofde'],
		possessives: ['mijn', 'onze', 'ons', "m'n", 'mn'],
		self: ['ik', 'mij', 'mezelf'],
		with: ['met'],
		and: ['en', '&', '+', ','],
		forPeople: ['voor'],
		weAre: ['wij zijn met', 'we zijn met', 'wij komen met', 'we komen met', 'we zijn', 'wij zijn'],
		partyPhrases: { 'alleen ik': 1, 'alleen mijzelf': 1, 'in mijn eentje': 1, "in m'n eentje": 1 },
		groupOf: ['groep van', 'gezelschap van', 'gezin van'],
		ofUs: [],
		evening: ["'s avonds", 'savonds', 'vanavond', 'avond', 'morgenavond', 'diner', 'eten', 'dineren', "'s middags", 'smiddags', 'pm'],
		morning: ["'s ochtends", 'sochtends', "'s morgens", 'smorgens', 'ochtend', 'ontbijt', 'morgenochtend', 'am'],
		noon: ['middag', "12 uur 's middags"],
		timeLead: ['om', 'rond', 'rond de', 'omstreeks', 'tegen', 'vanaf', 'na', 'voor', 'tot', 'ongeveer'],
		hourWords: ['uur', 'u', 'h'],
		nameLeads: ['mijn naam is', 'mn naam is', "m'n naam is", 'op naam van', 'op de naam van', 'ik heet', 'naam:'],
	},
	de: {
		numbers: { ein: 1, eine: 1, einen: 1, eins: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, fuenf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10, elf: 11, zwölf: 12, zwoelf: 12,
			dreizehn: 13, vierzehn: 14, fünfzehn: 15, sechzehn: 16, siebzehn: 17, achtzehn: 18, neunzehn: 19, zwanzig: 20,
		},
		months: {
			januar: 1, jänner: 1, jan: 1, februar: 2, feb: 2, märz: 3, maerz: 3, marz: 3, mär: 3, april: 4, apr: 4, mai: 5, juni: 6, jun: 6, juli: 7, jul: 7,
			august: 8, aug: 8, september: 9, sept: 9, sep: 9, oktober: 10, okt: 10, november: 11, nov: 11, dezember: 12, dez: 12,
		},
		weekdays: { sonntag: 0, so: 0, montag: 1, mo: 1, dienstag: 2, di: 2, mittwoch: 3, mi: 3, donnerstag: 4, do: 4, freitag: 5, fr: 5, samstag: 6, sa: 6, sonnabend: 6 },
		relativeDays: { heute: 0, 'heute abend': 0, heute_abend: 0, morgen: 1, 'morgen abend': 1, übermorgen: 2, uebermorgen: 2, ubermorgen: 2 },
		rangeStart: ['vom', 'von', 'zwischen', 'ab'],
		rangeJoin: ['bis zum', 'bis', 'auf den', 'auf', 'und', '-', '–'],
		nightsFrom: ['ab dem', 'ab', 'vom', 'von', 'beginnend am', 'ab den'],
		arrival: ['anreise am', 'anreise', 'ankunft am', 'ankunft', 'check-in am', 'check-in', 'kommen am', 'reisen am', 'anreisen am', 'ankommen am', 'an am', 'da am'],
		departure: ['abreise am', 'abreise', 'abfahrt am', 'abfahrt', 'check-out am', 'check-out', 'reisen am', 'abreisen am', 'fahren am', 'fahren wir am', 'reisen wir am'],
		weekend: ['nächstes wochenende', 'naechstes wochenende', 'nächste wochenende', 'kommendes wochenende', 'das kommende wochenende', 'kommende wochenende', 'dieses wochenende', 'am wochenende', 'übers wochenende'],
		night: ['nächte', 'naechte', 'nacht', 'übernachtungen', 'übernachtung', 'naechten', 'nächten'],
		people: ['personen', 'person', 'pers', 'pers.', 'erwachsene', 'erwachsenen', 'kinder', 'kindern', 'gäste', 'gaeste', 'leute', 'leuten', 'freunde', 'babys'],
		onePerson: ['kind', 'baby', 'kleinkind', 'erwachsener', 'freund', 'freundin'],
		companions: ['frau', 'mann', 'partner', 'partnerin', 'freundin', 'freund', 'kollege', 'kollegin', 'schwester', 'bruder', 'sohn', 'tochter', 'mutter', 'vater', 'kind', 'baby', 'verlobte', 'verlobter'],
		possessives: ['mein', 'meine', 'meinem', 'meiner', 'unser', 'unsere', 'unserem', 'unseren'],
		self: ['ich', 'mich', 'mir'],
		with: ['mit'],
		and: ['und', '&', '+', ','],
		forPeople: ['für', 'fuer'],
		weAre: ['wir sind', 'wir kommen mit', 'wir werden', 'wir wären', 'es sind'],
		partyPhrases: {
			'zu zweit': 2, 'zu dritt': 3, 'zu viert': 4, 'zu fünft': 5, 'zu fuenft': 5, 'zu sechst': 6, 'zu siebt': 7, 'zu acht': 8, 'zu neunt': 9, 'zu zehnt': 10,
			'für mich allein': 1, 'nur ich': 1, 'ich allein': 1, 'für mich alleine': 1,
		},
		groupOf: ['gruppe von', 'gruppe mit', 'familie mit'],
		ofUs: [],
		evening: ['abends', 'abend', 'heute abend', 'morgen abend', 'abendessen', 'essen', 'nachts', 'pm'],
		morning: ['morgens', 'früh', 'vormittags', 'frühstück', 'fruehstueck', 'am morgen', 'am'],
		noon: ['mittag', 'mittags'],
		timeLead: ['um', 'gegen', 'ab', 'bis', 'nach', 'vor', 'etwa', 'ca.', 'circa'],
		hourWords: ['uhr', 'h'],
		nameLeads: ['mein name ist', 'ich heiße', 'ich heisse', 'auf den namen', 'auf den namen von', 'unter dem namen', 'name:', 'hier ist'],
	},
	fr: {
		numbers: { un: 1, une: 1, deux: 2, trois: 3, quatre: 4, cinq: 5, six: 6, sept: 7, huit: 8, neuf: 9, dix: 10, onze: 11, douze: 12,
			treize: 13, quatorze: 14, quinze: 15, seize: 16, 'dix-sept': 17, 'dix-huit': 18, 'dix-neuf': 19, vingt: 20,
		},
		months: {
			janvier: 1, janv: 1, février: 2, fevrier: 2, févr: 2, mars: 3, avril: 4, avr: 4, mai: 5, juin: 6, juillet: 7, juil: 7,
			août: 8, aout: 8, septembre: 9, sept: 9, octobre: 10, oct: 10, novembre: 11, nov: 11, décembre: 12, decembre: 12, déc: 12,
		},
		weekdays: { dimanche: 0, dim: 0, lundi: 1, lun: 1, mardi: 2, mar: 2, mercredi: 3, mer: 3, jeudi: 4, jeu: 4, vendredi: 5, ven: 5, samedi: 6, sam: 6 },
		relativeDays: { "aujourd'hui": 0, aujourdhui: 0, 'ce soir': 0, 'cet après-midi': 0, 'ce midi': 0, demain: 1, 'demain soir': 1, 'après-demain': 2, 'apres-demain': 2, 'après demain': 2 },
		rangeStart: ['du', 'de', 'entre le', 'entre'],
		rangeJoin: ['jusqu’au', "jusqu'au", 'au', 'à', 'a', 'et le', 'et', '-', '–'],
		nightsFrom: ['à partir du', 'a partir du', 'à partir de', 'a partir de', 'à compter du', 'dès le', 'des le', 'du', 'depuis le'],
		arrival: ['arrivée le', 'arrivee le', 'arrivée', 'arrivee', 'arrivant le', 'check-in le', 'check-in', 'arriverons le', 'arrivons le', 'arrive le', 'arriver le', 'arriverai le', 'venons le', 'viendrons le'],
		departure: ['départ le', 'depart le', 'départ', 'depart', 'partant le', 'check-out le', 'check-out', 'partirons le', 'repartirons le', 'partons le', 'repartons le', 'partir le', 'repartir le', 'quitterons le', 'repartirai le', 'partirai le'],
		weekend: ['le week-end prochain', 'le weekend prochain', 'week-end prochain', 'weekend prochain', 'ce week-end', 'ce weekend', 'le week-end', 'le weekend'],
		night: ['nuits', 'nuit', 'nuitées', 'nuitée'],
		people: ['personnes', 'personne', 'pers', 'pers.', 'adultes', 'adulte', 'enfants', 'invités', 'couverts', 'amis'],
		onePerson: ['enfant', 'bébé', 'bebe', 'adulte', 'ami', 'amie'],
		companions: ['femme', 'mari', 'épouse', 'epouse', 'époux', 'conjoint', 'conjointe', 'compagne', 'compagnon', 'copine', 'copain', 'ami', 'amie', 'collègue', 'soeur', 'sœur', 'frère', 'frere', 'fils', 'fille', 'mère', 'père', 'enfant', 'bébé', 'fiancée', 'fiancé'],
		possessives: ['mon', 'ma', 'notre', 'nos', 'mes'],
		self: ['moi', 'moi-même'],
		with: ['avec'],
		and: ['et', '&', '+', ','],
		forPeople: ['pour', 'à'],
		weAre: ['nous sommes', 'nous serons', 'on est', 'on sera', 'on vient à', 'nous venons à', 'on sera à', 'nous serons à'],
		partyPhrases: { 'en couple': 2, 'juste moi': 1, 'moi seul': 1, 'moi seule': 1, 'seulement moi': 1, },
		groupOf: ['groupe de', 'famille de', 'tablée de'],
		ofUs: [],
		evening: ['soir', 'ce soir', 'demain soir', 'du soir', 'dîner', 'diner', 'pm'],
		morning: ['matin', 'du matin', 'petit-déjeuner', 'petit déjeuner', 'petit-déj', 'am'],
		noon: ['midi'],
		timeLead: ['à', 'a', 'vers', 'pour', 'avant', 'après', 'dès', 'des', 'jusqu’à', "jusqu'à"],
		hourWords: ['heures', 'heure', 'h'],
		nameLeads: ['je m’appelle', "je m'appelle", 'mon nom est', 'au nom de', 'nom :', 'nom:', "c'est"],
	},
	es: {
		numbers: { uno: 1, una: 1, un: 1, dos: 2, tres: 3, cuatro: 4, cinco: 5, seis: 6, siete: 7, ocho: 8, nueve: 9, diez: 10, once: 11, doce: 12,
			trece: 13, catorce: 14, quince: 15, dieciséis: 16, dieciseis: 16, diecisiete: 17, dieciocho: 18, diecinueve: 19, veinte: 20,
		},
		months: {
			enero: 1, ene: 1, febrero: 2, feb: 2, marzo: 3, mar: 3, abril: 4, abr: 4, mayo: 5, junio: 6, jun: 6, julio: 7, jul: 7,
			agosto: 8, ago: 8, septiembre: 9, setiembre: 9, sept: 9, sep: 9, octubre: 10, oct: 10, noviembre: 11, nov: 11, diciembre: 12, dic: 12,
		},
		weekdays: { domingo: 0, dom: 0, lunes: 1, lun: 1, martes: 2, miércoles: 3, miercoles: 3, mié: 3, jueves: 4, jue: 4, viernes: 5, vie: 5, sábado: 6, sabado: 6, sáb: 6 },
		relativeDays: { hoy: 0, 'esta noche': 0, 'esta tarde': 0, mañana: 1, manana: 1, 'pasado mañana': 2, 'pasado manana': 2 },
		rangeStart: ['del', 'desde el', 'desde', 'de', 'entre el', 'entre'],
		rangeJoin: ['hasta el', 'hasta', 'al', 'a', 'y el', 'y', '-', '–'],
		nightsFrom: ['a partir del', 'desde el', 'desde', 'a partir de', 'del'],
		arrival: ['llegada el', 'llegada', 'entrada el', 'entrada', 'llegando el', 'check-in el', 'check-in', 'llegamos el', 'llegaremos el', 'llego el', 'llegaré el', 'llegar el', 'entramos el'],
		departure: ['salida el', 'salida', 'saliendo el', 'check-out el', 'check-out', 'salimos el', 'saldremos el', 'salgo el', 'saldré el', 'salir el', 'nos vamos el', 'nos iremos el', 'volvemos el'],
		weekend: ['el próximo fin de semana', 'el proximo fin de semana', 'próximo fin de semana', 'proximo fin de semana', 'este fin de semana', 'el fin de semana', 'este finde', 'el finde'],
		night: ['noches', 'noche'],
		people: ['personas', 'persona', 'pers', 'adultos', 'adulto', 'niños', 'ninos', 'niñas', 'hijos', 'invitados', 'comensales', 'amigos', 'amigas', 'chicos', 'chicas', 'bebés'],
		onePerson: ['niño', 'nino', 'niña', 'bebé', 'bebe', 'adulto', 'amigo', 'amiga'],
		companions: ['mujer', 'esposa', 'marido', 'esposo', 'pareja', 'novia', 'novio', 'amigo', 'amiga', 'compañero', 'compañera', 'hermana', 'hermano', 'hijo', 'hija', 'madre', 'padre', 'niño', 'bebé', 'prometida', 'prometido'],
		possessives: ['mi', 'nuestra', 'nuestro', 'mis', 'nuestros', 'nuestras'],
		self: ['yo'],
		with: ['con'],
		and: ['y', 'e', '&', '+', ','],
		forPeople: ['para'],
		weAre: ['somos', 'seremos', 'vamos', 'venimos', 'iremos', 'estaremos'],
		partyPhrases: { 'en pareja': 2, 'solo yo': 1, 'sólo yo': 1, 'yo solo': 1, 'yo sola': 1 },
		groupOf: ['grupo de', 'familia de'],
		ofUs: [],
		evening: ['noche', 'de la noche', 'esta noche', 'por la noche', 'de la tarde', 'por la tarde', 'esta tarde', 'cena', 'cenar', 'pm'],
		morning: ['de la mañana', 'por la mañana', 'madrugada', 'desayuno', 'desayunar', 'am'],
		noon: ['mediodía', 'mediodia'],
		timeLead: ['a las', 'a la', 'sobre las', 'hacia las', 'desde las', 'hasta las', 'antes de las', 'después de las', 'las'],
		hourWords: ['horas', 'h', 'hs'],
		nameLeads: ['me llamo', 'mi nombre es', 'a nombre de', 'al nombre de', 'nombre:', 'soy'],
	},
};

/** A regex alternation of phrases, longest first, with spaces matching any whitespace. */
export function alternation(words: readonly string[]): string {
	return [...new Set(words)]
		.sort((a, b) => b.length - a.length)
		.map((word) => word.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '\\s+'))
		.join('|');
}

/** Letters (any script) for word edges: JavaScript's \b does not know é or ß. */
export const WORD_BEFORE = "(?<![\\p{L}\\p{N}])";
export const WORD_AFTER = "(?![\\p{L}\\p{N}])";

export function numberValue(word: string, lexicon: Lexicon): number | undefined {
	if (/^\d+$/.test(word)) return Number(word);
	return lexicon.numbers[word] ?? LEXICONS.en.numbers[word as keyof typeof EN_NUMBERS];
}
