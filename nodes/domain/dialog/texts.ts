/** Everything the form says to a guest, in the five languages. */
import type { SupportedLanguage } from '../nlu/types';
import type { FieldType, InvalidReason } from './types';

type PerType = Record<FieldType, string>;

interface FormTexts {
	questions: PerType;
	labels: PerType;
	/** Asked for a choice field: `{options}` is the list of option labels. */
	choiceQuestion: string;
	/** Asked when only the arrival of a date range is known. */
	rangeEndQuestion: string;
	/** Asked for a number field with bounds. */
	numberQuestion: string;
	confirm: string;
	confirmButton: string;
	changeButton: string;
	changeQuestion: string;
	cancelled: string;
	handoff: string;
	problems: Record<InvalidReason, string>;
}

export const FORM_TEXTS: Record<SupportedLanguage, FormTexts> = {
	en: {
		questions: {
			date: 'For which date?',
			date_range: 'From which date to which date?',
			time: 'At what time?',
			nights: 'For how many nights?',
			party_size: 'For how many people?',
			room_type: 'Which room type would you like (single, double, twin, family or suite)?',
			email: 'What is your email address?',
			phone: 'What is your phone number?',
			booking_ref: 'What is your booking reference?',
			person_name: 'In whose name may I put it?',
			choice: 'Which would you like?',
			number: 'What number?',
			text: 'Could you tell me a bit more?',
		},
		labels: {
			date: 'Date', date_range: 'Dates', time: 'Time', nights: 'Nights', party_size: 'Guests', room_type: 'Room',
			email: 'Email', phone: 'Phone', booking_ref: 'Booking reference', person_name: 'Name', choice: 'Choice', number: 'Number', text: 'Details',
		},
		choiceQuestion: 'Which would you like: {options}?',
		rangeEndQuestion: 'Until which date (or for how many nights)?',
		numberQuestion: 'Please give a number from {min} to {max}.',
		confirm: 'Please check:\n{summary}\n\nShall I confirm this?',
		confirmButton: 'Confirm',
		changeButton: 'Change',
		changeQuestion: 'What would you like to change? ({fields})',
		cancelled: 'No problem, I have stopped. Just write if you need anything else.',
		handoff: 'I will pass this to a colleague, who will get back to you shortly.',
		problems: {
			not_understood: 'Sorry, I did not catch that.',
			invalid_date: 'That date does not exist.',
			past_date: 'That date is in the past.',
			end_before_start: 'The departure date must be after the arrival date.',
			too_many_nights: 'We can take bookings of at most {max} nights.',
			out_of_range: 'That should be between {min} and {max}.',
			outside_hours: 'We are open from {from} to {to}.',
		},
	},
	nl: {
		questions: {
			date: 'Voor welke datum?',
			date_range: 'Van welke datum tot welke datum?',
			time: 'Hoe laat?',
			nights: 'Voor hoeveel nachten?',
			party_size: 'Voor hoeveel personen?',
			room_type: 'Welk type kamer wilt u (eenpersoons, tweepersoons, twin, familie of suite)?',
			email: 'Wat is uw e-mailadres?',
			phone: 'Wat is uw telefoonnummer?',
			booking_ref: 'Wat is uw boekingsnummer?',
			person_name: 'Op welke naam mag ik het zetten?',
			choice: 'Wat wilt u?',
			number: 'Welk aantal?',
			text: 'Kunt u iets meer vertellen?',
		},
		labels: {
			date: 'Datum', date_range: 'Data', time: 'Tijd', nights: 'Nachten', party_size: 'Personen', room_type: 'Kamer',
			email: 'E-mail', phone: 'Telefoon', booking_ref: 'Boekingsnummer', person_name: 'Naam', choice: 'Keuze', number: 'Aantal', text: 'Details',
		},
		choiceQuestion: 'Wat wilt u: {options}?',
		rangeEndQuestion: 'Tot welke datum (of voor hoeveel nachten)?',
		numberQuestion: 'Geef een getal van {min} tot {max}.',
		confirm: 'Klopt dit?\n{summary}\n\nZal ik het bevestigen?',
		confirmButton: 'Bevestigen',
		changeButton: 'Wijzigen',
		changeQuestion: 'Wat wilt u wijzigen? ({fields})',
		cancelled: 'Geen probleem, ik ben gestopt. Laat het gerust weten als u nog iets nodig hebt.',
		handoff: 'Ik geef dit door aan een collega, die zo snel mogelijk contact met u opneemt.',
		problems: {
			not_understood: 'Sorry, dat begreep ik niet.',
			invalid_date: 'Die datum bestaat niet.',
			past_date: 'Die datum ligt in het verleden.',
			end_before_start: 'De vertrekdatum moet na de aankomstdatum liggen.',
			too_many_nights: 'We nemen boekingen aan van maximaal {max} nachten.',
			out_of_range: 'Dat moet tussen {min} en {max} liggen.',
			outside_hours: 'We zijn open van {from} tot {to}.',
		},
	},
	de: {
		questions: {
			date: 'Für welches Datum?',
			date_range: 'Von wann bis wann?',
			time: 'Um wie viel Uhr?',
			nights: 'Für wie viele Nächte?',
			party_size: 'Für wie viele Personen?',
			room_type: 'Welche Zimmerart möchten Sie (Einzel, Doppel, Twin, Familie oder Suite)?',
			email: 'Wie lautet Ihre E-Mail-Adresse?',
			phone: 'Wie lautet Ihre Telefonnummer?',
			booking_ref: 'Wie lautet Ihre Buchungsnummer?',
			person_name: 'Auf welchen Namen darf ich es eintragen?',
			choice: 'Was möchten Sie?',
			number: 'Welche Zahl?',
			text: 'Können Sie mir etwas mehr dazu sagen?',
		},
		labels: {
			date: 'Datum', date_range: 'Zeitraum', time: 'Uhrzeit', nights: 'Nächte', party_size: 'Personen', room_type: 'Zimmer',
			email: 'E-Mail', phone: 'Telefon', booking_ref: 'Buchungsnummer', person_name: 'Name', choice: 'Auswahl', number: 'Anzahl', text: 'Details',
		},
		choiceQuestion: 'Was möchten Sie: {options}?',
		rangeEndQuestion: 'Bis wann (oder für wie viele Nächte)?',
		numberQuestion: 'Bitte nennen Sie eine Zahl von {min} bis {max}.',
		confirm: 'Bitte prüfen Sie:\n{summary}\n\nSoll ich das bestätigen?',
		confirmButton: 'Bestätigen',
		changeButton: 'Ändern',
		changeQuestion: 'Was möchten Sie ändern? ({fields})',
		cancelled: 'Kein Problem, ich habe abgebrochen. Schreiben Sie einfach, wenn Sie noch etwas brauchen.',
		handoff: 'Ich gebe das an eine Kollegin oder einen Kollegen weiter, die sich in Kürze bei Ihnen melden.',
		problems: {
			not_understood: 'Entschuldigung, das habe ich nicht verstanden.',
			invalid_date: 'Dieses Datum gibt es nicht.',
			past_date: 'Dieses Datum liegt in der Vergangenheit.',
			end_before_start: 'Die Abreise muss nach der Anreise liegen.',
			too_many_nights: 'Wir nehmen Buchungen von höchstens {max} Nächten an.',
			out_of_range: 'Das sollte zwischen {min} und {max} liegen.',
			outside_hours: 'Wir haben von {from} bis {to} Uhr geöffnet.',
		},
	},
	fr: {
		questions: {
			date: 'Pour quelle date ?',
			date_range: 'De quelle date à quelle date ?',
			time: 'À quelle heure ?',
			nights: 'Pour combien de nuits ?',
			party_size: 'Pour combien de personnes ?',
			room_type: 'Quel type de chambre souhaitez-vous (simple, double, twin, familiale ou suite) ?',
			email: 'Quelle est votre adresse e-mail ?',
			phone: 'Quel est votre numéro de téléphone ?',
			booking_ref: 'Quel est votre numéro de réservation ?',
			person_name: 'À quel nom dois-je l’enregistrer ?',
			choice: 'Que souhaitez-vous ?',
			number: 'Quel nombre ?',
			text: 'Pouvez-vous m’en dire un peu plus ?',
		},
		labels: {
			date: 'Date', date_range: 'Dates', time: 'Heure', nights: 'Nuits', party_size: 'Personnes', room_type: 'Chambre',
			email: 'E-mail', phone: 'Téléphone', booking_ref: 'Réservation', person_name: 'Nom', choice: 'Choix', number: 'Nombre', text: 'Détails',
		},
		choiceQuestion: 'Que souhaitez-vous : {options} ?',
		rangeEndQuestion: 'Jusqu’à quelle date (ou pour combien de nuits) ?',
		numberQuestion: 'Indiquez un nombre de {min} à {max}.',
		confirm: 'Merci de vérifier :\n{summary}\n\nJe confirme ?',
		confirmButton: 'Confirmer',
		changeButton: 'Modifier',
		changeQuestion: 'Que souhaitez-vous modifier ? ({fields})',
		cancelled: 'Pas de problème, j’ai arrêté. Écrivez-moi si vous avez besoin d’autre chose.',
		handoff: 'Je transmets votre demande à un collègue, qui vous répondra très vite.',
		problems: {
			not_understood: 'Désolé, je n’ai pas compris.',
			invalid_date: 'Cette date n’existe pas.',
			past_date: 'Cette date est déjà passée.',
			end_before_start: 'La date de départ doit être après la date d’arrivée.',
			too_many_nights: 'Nous acceptons les réservations de {max} nuits au plus.',
			out_of_range: 'Cela doit être entre {min} et {max}.',
			outside_hours: 'Nous sommes ouverts de {from} à {to}.',
		},
	},
	es: {
		questions: {
			date: '¿Para qué fecha?',
			date_range: '¿Desde qué fecha hasta qué fecha?',
			time: '¿A qué hora?',
			nights: '¿Para cuántas noches?',
			party_size: '¿Para cuántas personas?',
			room_type: '¿Qué tipo de habitación desea (individual, doble, twin, familiar o suite)?',
			email: '¿Cuál es su correo electrónico?',
			phone: '¿Cuál es su número de teléfono?',
			booking_ref: '¿Cuál es su número de reserva?',
			person_name: '¿A nombre de quién la pongo?',
			choice: '¿Qué desea?',
			number: '¿Qué número?',
			text: '¿Puede contarme un poco más?',
		},
		labels: {
			date: 'Fecha', date_range: 'Fechas', time: 'Hora', nights: 'Noches', party_size: 'Personas', room_type: 'Habitación',
			email: 'Correo', phone: 'Teléfono', booking_ref: 'Reserva', person_name: 'Nombre', choice: 'Opción', number: 'Número', text: 'Detalles',
		},
		choiceQuestion: '¿Qué desea: {options}?',
		rangeEndQuestion: '¿Hasta qué fecha (o para cuántas noches)?',
		numberQuestion: 'Indique un número del {min} al {max}.',
		confirm: 'Por favor, revise:\n{summary}\n\n¿Lo confirmo?',
		confirmButton: 'Confirmar',
		changeButton: 'Cambiar',
		changeQuestion: '¿Qué desea cambiar? ({fields})',
		cancelled: 'Sin problema, lo he detenido. Escríbame si necesita algo más.',
		handoff: 'Paso su consulta a un compañero, que le responderá enseguida.',
		problems: {
			not_understood: 'Perdone, no lo he entendido.',
			invalid_date: 'Esa fecha no existe.',
			past_date: 'Esa fecha ya ha pasado.',
			end_before_start: 'La fecha de salida debe ser posterior a la de llegada.',
			too_many_nights: 'Aceptamos reservas de {max} noches como máximo.',
			out_of_range: 'Debe estar entre {min} y {max}.',
			outside_hours: 'Abrimos de {from} a {to}.',
		},
	},
};

/** Fills `{name}` placeholders. */
export function fillTemplate(template: string, values: Record<string, string | number>): string {
	return template.replace(/\{(\w+)\}/g, (match, key: string) => (key in values ? String(values[key]) : match));
}
