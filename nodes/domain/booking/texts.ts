/**
 * What the bot tells a guest about a booking, in en, nl, de, fr and es. The Booking Reply node lets a
 * business replace any of them on the canvas (per kind and language); these are the defaults.
 * Placeholders: {reference}, {room}, {checkIn}, {checkOut}, {nights}, {guests}, {total}, {rooms} (a list of
 * rooms with prices), {alternatives} (a list of other dates), {cheapest}, {policy} (the cancellation policy),
 * {newCheckIn}, {newCheckOut}; for restaurant tables {date}, {time}, {people}, {name}, {reference} and {times}
 * (the free times of the day).
 */
export const BOOKING_LANGUAGES = ['en', 'nl', 'de', 'fr', 'es'] as const;
export type BookingLanguage = (typeof BOOKING_LANGUAGES)[number];

export const BOOKING_TEXT_KINDS = [
	'offer',
	'offerChoice',
	'unavailable',
	'noAlternatives',
	'booked',
	'changeFound',
	'cancelFound',
	'alreadyCancelled',
	'changed',
	'cancelled',
	'notFound',
	'rates',
	'cancellationPolicy',
	'confirmButton',
	'changeButton',
	'cancelButton',
	'tableOffer',
	'tableFull',
	'tableNotSeating',
	'tableNoTimes',
	'tableBooked',
] as const;
export type BookingTextKind = (typeof BOOKING_TEXT_KINDS)[number];

export const DEFAULT_BOOKING_TEXTS: Record<BookingTextKind, Record<BookingLanguage, string>> = {
	offer: {
		en: 'Good news: a {room} is free from {checkIn} to {checkOut} ({nights}, {guests}), *{total}* in total. Shall I book it for you?',
		nl: 'Goed nieuws: er is een {room} vrij van {checkIn} tot {checkOut} ({nights}, {guests}), *{total}* in totaal. Zal ik hem voor je boeken?',
		de: 'Gute Nachricht: Ein {room} ist vom {checkIn} bis {checkOut} frei ({nights}, {guests}), insgesamt *{total}*. Soll ich es für Sie buchen?',
		fr: 'Bonne nouvelle : une {room} est libre du {checkIn} au {checkOut} ({nights}, {guests}), *{total}* au total. Je la réserve pour vous ?',
		es: 'Buenas noticias: hay una {room} libre del {checkIn} al {checkOut} ({nights}, {guests}), *{total}* en total. ¿Se la reservo?',
	},
	offerChoice: {
		en: 'From {checkIn} to {checkOut} ({nights}, {guests}) these rooms are free:\n{rooms}\n\nShall I book the {cheapest}? Or tell me which room you would like.',
		nl: 'Van {checkIn} tot {checkOut} ({nights}, {guests}) zijn deze kamers vrij:\n{rooms}\n\nZal ik de {cheapest} boeken? Of laat weten welke kamer je wilt.',
		de: 'Vom {checkIn} bis {checkOut} ({nights}, {guests}) sind diese Zimmer frei:\n{rooms}\n\nSoll ich das {cheapest} buchen? Oder sagen Sie mir, welches Zimmer Sie möchten.',
		fr: 'Du {checkIn} au {checkOut} ({nights}, {guests}), ces chambres sont libres :\n{rooms}\n\nJe réserve la {cheapest} ? Ou dites-moi quelle chambre vous préférez.',
		es: 'Del {checkIn} al {checkOut} ({nights}, {guests}) están libres estas habitaciones:\n{rooms}\n\n¿Le reservo la {cheapest}? O dígame qué habitación prefiere.',
	},
	unavailable: {
		en: 'Sorry, we have no {room} free from {checkIn} to {checkOut} for {guests}. The nearest free dates:\n{alternatives}\n\nSend me other dates and I will check again.',
		nl: 'Helaas is er geen {room} vrij van {checkIn} tot {checkOut} voor {guests}. De dichtstbijzijnde vrije data:\n{alternatives}\n\nStuur me andere data, dan kijk ik opnieuw.',
		de: 'Leider ist vom {checkIn} bis {checkOut} kein {room} für {guests} frei. Die nächsten freien Termine:\n{alternatives}\n\nSchicken Sie mir andere Daten, dann prüfe ich erneut.',
		fr: "Désolé, nous n'avons pas de {room} libre du {checkIn} au {checkOut} pour {guests}. Les dates libres les plus proches :\n{alternatives}\n\nEnvoyez-moi d'autres dates et je vérifie à nouveau.",
		es: 'Lo siento, no tenemos {room} libre del {checkIn} al {checkOut} para {guests}. Las fechas libres más cercanas:\n{alternatives}\n\nEnvíeme otras fechas y lo compruebo de nuevo.',
	},
	noAlternatives: {
		en: 'Sorry, we have no {room} free from {checkIn} to {checkOut} for {guests}, nor in the days around it. Send me other dates and I will check again.',
		nl: 'Helaas is er geen {room} vrij van {checkIn} tot {checkOut} voor {guests}, ook niet in de dagen eromheen. Stuur me andere data, dan kijk ik opnieuw.',
		de: 'Leider ist vom {checkIn} bis {checkOut} kein {room} für {guests} frei, auch nicht in den Tagen davor und danach. Schicken Sie mir andere Daten, dann prüfe ich erneut.',
		fr: "Désolé, nous n'avons pas de {room} libre du {checkIn} au {checkOut} pour {guests}, ni les jours autour. Envoyez-moi d'autres dates et je vérifie à nouveau.",
		es: 'Lo siento, no tenemos {room} libre del {checkIn} al {checkOut} para {guests}, ni en los días cercanos. Envíeme otras fechas y lo compruebo de nuevo.',
	},
	booked: {
		en: 'Your booking is confirmed ✅\nReference: *{reference}*\n{room}, {checkIn} – {checkOut} ({nights}, {guests}), {total} in total.\nWe look forward to welcoming you!',
		nl: 'Je boeking is bevestigd ✅\nReferentie: *{reference}*\n{room}, {checkIn} – {checkOut} ({nights}, {guests}), {total} in totaal.\nWe kijken ernaar uit je te verwelkomen!',
		de: 'Ihre Buchung ist bestätigt ✅\nBuchungsnummer: *{reference}*\n{room}, {checkIn} – {checkOut} ({nights}, {guests}), insgesamt {total}.\nWir freuen uns auf Ihren Besuch!',
		fr: 'Votre réservation est confirmée ✅\nRéférence : *{reference}*\n{room}, {checkIn} – {checkOut} ({nights}, {guests}), {total} au total.\nNous avons hâte de vous accueillir !',
		es: 'Su reserva está confirmada ✅\nReferencia: *{reference}*\n{room}, {checkIn} – {checkOut} ({nights}, {guests}), {total} en total.\n¡Le esperamos con ilusión!',
	},
	changeFound: {
		en: 'I found booking *{reference}*: {room}, {checkIn} – {checkOut} ({guests}).\nShall I change it to {newCheckIn} – {newCheckOut}?',
		nl: 'Ik heb boeking *{reference}* gevonden: {room}, {checkIn} – {checkOut} ({guests}).\nZal ik die wijzigen naar {newCheckIn} – {newCheckOut}?',
		de: 'Ich habe die Buchung *{reference}* gefunden: {room}, {checkIn} – {checkOut} ({guests}).\nSoll ich sie auf {newCheckIn} – {newCheckOut} ändern?',
		fr: "J'ai trouvé la réservation *{reference}* : {room}, {checkIn} – {checkOut} ({guests}).\nJe la modifie pour le {newCheckIn} – {newCheckOut} ?",
		es: 'He encontrado la reserva *{reference}*: {room}, {checkIn} – {checkOut} ({guests}).\n¿La cambio al {newCheckIn} – {newCheckOut}?',
	},
	cancelFound: {
		en: 'I found booking *{reference}*: {room}, {checkIn} – {checkOut} ({guests}).\n{policy}\n\nShall I cancel it?',
		nl: 'Ik heb boeking *{reference}* gevonden: {room}, {checkIn} – {checkOut} ({guests}).\n{policy}\n\nZal ik die annuleren?',
		de: 'Ich habe die Buchung *{reference}* gefunden: {room}, {checkIn} – {checkOut} ({guests}).\n{policy}\n\nSoll ich sie stornieren?',
		fr: "J'ai trouvé la réservation *{reference}* : {room}, {checkIn} – {checkOut} ({guests}).\n{policy}\n\nJe l'annule ?",
		es: 'He encontrado la reserva *{reference}*: {room}, {checkIn} – {checkOut} ({guests}).\n{policy}\n\n¿La cancelo?',
	},
	alreadyCancelled: {
		en: 'Booking *{reference}* is already cancelled. Is there anything else I can do for you?',
		nl: 'Boeking *{reference}* is al geannuleerd. Kan ik nog ergens anders mee helpen?',
		de: 'Die Buchung *{reference}* ist bereits storniert. Kann ich sonst noch etwas für Sie tun?',
		fr: 'La réservation *{reference}* est déjà annulée. Puis-je faire autre chose pour vous ?',
		es: 'La reserva *{reference}* ya está cancelada. ¿Puedo ayudarle en algo más?',
	},
	changed: {
		en: 'Done ✅ Booking *{reference}* is now {room}, {checkIn} – {checkOut} ({nights}, {guests}), {total} in total.',
		nl: 'Gelukt ✅ Boeking *{reference}* is nu {room}, {checkIn} – {checkOut} ({nights}, {guests}), {total} in totaal.',
		de: 'Erledigt ✅ Die Buchung *{reference}* lautet jetzt: {room}, {checkIn} – {checkOut} ({nights}, {guests}), insgesamt {total}.',
		fr: 'C\'est fait ✅ La réservation *{reference}* est maintenant : {room}, {checkIn} – {checkOut} ({nights}, {guests}), {total} au total.',
		es: 'Hecho ✅ La reserva *{reference}* queda así: {room}, {checkIn} – {checkOut} ({nights}, {guests}), {total} en total.',
	},
	cancelled: {
		en: 'Booking *{reference}* ({checkIn} – {checkOut}) is cancelled. We hope to welcome you another time!',
		nl: 'Boeking *{reference}* ({checkIn} – {checkOut}) is geannuleerd. Hopelijk tot een andere keer!',
		de: 'Die Buchung *{reference}* ({checkIn} – {checkOut}) ist storniert. Wir hoffen, Sie ein anderes Mal begrüßen zu dürfen!',
		fr: 'La réservation *{reference}* ({checkIn} – {checkOut}) est annulée. Au plaisir de vous accueillir une autre fois !',
		es: 'La reserva *{reference}* ({checkIn} – {checkOut}) está cancelada. ¡Esperamos recibirle en otra ocasión!',
	},
	notFound: {
		en: 'I cannot find a booking with reference *{reference}*. Could you check it and send me the right one (for example BK-12345)?',
		nl: 'Ik kan geen boeking met referentie *{reference}* vinden. Wil je die controleren en me de juiste sturen (bijvoorbeeld BK-12345)?',
		de: 'Ich finde keine Buchung mit der Nummer *{reference}*. Könnten Sie sie prüfen und mir die richtige schicken (zum Beispiel BK-12345)?',
		fr: 'Je ne trouve pas de réservation avec la référence *{reference}*. Pourriez-vous la vérifier et m\'envoyer la bonne (par exemple BK-12345) ?',
		es: 'No encuentro ninguna reserva con la referencia *{reference}*. ¿Podría comprobarla y enviarme la correcta (por ejemplo BK-12345)?',
	},
	rates: {
		en: 'Our rooms, per night:\n{rooms}\n\nTell me your dates and how many guests, and I will check what is free.',
		nl: 'Onze kamers, per nacht:\n{rooms}\n\nLaat me je data en het aantal gasten weten, dan kijk ik wat er vrij is.',
		de: 'Unsere Zimmer pro Nacht:\n{rooms}\n\nNennen Sie mir Ihre Daten und die Anzahl der Gäste, dann prüfe ich, was frei ist.',
		fr: 'Nos chambres, par nuit :\n{rooms}\n\nDonnez-moi vos dates et le nombre de personnes, et je vérifie ce qui est libre.',
		es: 'Nuestras habitaciones, por noche:\n{rooms}\n\nDígame sus fechas y cuántas personas son, y compruebo qué hay libre.',
	},
	// The hotel's own wording, as in its knowledge base entry on cancellations.
	cancellationPolicy: {
		en: 'Free cancellation until 48 hours before arrival. After that, the first night is charged. Non-refundable rates cannot be cancelled.',
		nl: 'Gratis annuleren tot 48 uur voor aankomst. Daarna rekenen we de eerste nacht. Niet-restitueerbare tarieven kun je niet annuleren.',
		de: 'Kostenlose Stornierung bis 48 Stunden vor Anreise. Danach berechnen wir die erste Nacht. Nicht erstattbare Raten sind nicht stornierbar.',
		fr: "Annulation gratuite jusqu'à 48 heures avant l'arrivée. Ensuite, la première nuit est facturée. Les tarifs non remboursables ne sont pas annulables.",
		es: 'Cancelación gratuita hasta 48 horas antes de la llegada. Después se cobra la primera noche. Las tarifas no reembolsables no se pueden cancelar.',
	},
	// Restaurant tables. {people} is "4 people"; {times} the free times of that day, nearest first.
	tableOffer: {
		en: 'Good news: a table for {people} on {date} at {time} is free. Shall I book it in the name of {name}?',
		nl: 'Goed nieuws: er is een tafel vrij voor {people} op {date} om {time}. Zal ik hem reserveren op naam van {name}?',
		de: 'Gute Nachricht: Am {date} um {time} ist ein Tisch für {people} frei. Soll ich ihn auf den Namen {name} reservieren?',
		fr: 'Bonne nouvelle : une table pour {people} est libre le {date} à {time}. Je la réserve au nom de {name} ?',
		es: 'Buenas noticias: hay una mesa libre para {people} el {date} a las {time}. ¿La reservo a nombre de {name}?',
	},
	tableFull: {
		en: 'Sorry, at {time} on {date} we have no table free for {people}. Free times that day: {times}. Tap one, or send me another time or day.',
		nl: 'Helaas is er om {time} op {date} geen tafel vrij voor {people}. Vrije tijden die dag: {times}. Kies er een, of stuur me een andere tijd of dag.',
		de: 'Leider ist am {date} um {time} kein Tisch für {people} frei. Freie Zeiten an diesem Tag: {times}. Tippen Sie eine an oder nennen Sie mir eine andere Uhrzeit oder einen anderen Tag.',
		fr: "Désolé, le {date} à {time} nous n'avons plus de table pour {people}. Horaires libres ce jour-là : {times}. Choisissez-en un, ou envoyez-moi une autre heure ou un autre jour.",
		es: 'Lo siento, el {date} a las {time} no tenemos mesa libre para {people}. Horas libres ese día: {times}. Elija una, o envíeme otra hora u otro día.',
	},
	tableNotSeating: {
		en: 'We do not seat guests at {time}. Free times on {date}: {times}. Tap one, or send me another time.',
		nl: 'Om {time} ontvangen we geen gasten. Vrije tijden op {date}: {times}. Kies er een, of stuur me een andere tijd.',
		de: 'Um {time} nehmen wir keine Gäste an. Freie Zeiten am {date}: {times}. Tippen Sie eine an oder nennen Sie mir eine andere Uhrzeit.',
		fr: "Nous n'accueillons pas de clients à {time}. Horaires libres le {date} : {times}. Choisissez-en un, ou envoyez-moi une autre heure.",
		es: 'A las {time} no recibimos clientes. Horas libres el {date}: {times}. Elija una, o envíeme otra hora.',
	},
	tableNoTimes: {
		en: 'Sorry, on {date} we have no table free for {people}. Send me another day and I will check again.',
		nl: 'Helaas is er op {date} geen tafel vrij voor {people}. Stuur me een andere dag, dan kijk ik opnieuw.',
		de: 'Leider ist am {date} kein Tisch für {people} frei. Nennen Sie mir einen anderen Tag, dann prüfe ich erneut.',
		fr: "Désolé, le {date} nous n'avons pas de table libre pour {people}. Envoyez-moi un autre jour et je vérifie à nouveau.",
		es: 'Lo siento, el {date} no tenemos mesa libre para {people}. Envíeme otro día y lo compruebo de nuevo.',
	},
	tableBooked: {
		en: 'Your table is booked ✅\nReference: *{reference}*\n{people}, {date} at {time}, in the name of {name}.\nSee you soon!',
		nl: 'Je tafel is gereserveerd ✅\nReferentie: *{reference}*\n{people}, {date} om {time}, op naam van {name}.\nTot snel!',
		de: 'Ihr Tisch ist reserviert ✅\nReservierungsnummer: *{reference}*\n{people}, {date} um {time}, auf den Namen {name}.\nBis bald!',
		fr: 'Votre table est réservée ✅\nRéférence : *{reference}*\n{people}, le {date} à {time}, au nom de {name}.\nÀ bientôt !',
		es: 'Su mesa está reservada ✅\nReferencia: *{reference}*\n{people}, el {date} a las {time}, a nombre de {name}.\n¡Hasta pronto!',
	},
	// Reply buttons, at most 20 characters.
	confirmButton: { en: 'Confirm', nl: 'Bevestigen', de: 'Bestätigen', fr: 'Confirmer', es: 'Confirmar' },
	changeButton: { en: 'Change', nl: 'Wijzigen', de: 'Ändern', fr: 'Modifier', es: 'Cambiar' },
	cancelButton: { en: 'Cancel', nl: 'Annuleren', de: 'Abbrechen', fr: 'Annuler', es: 'Cancelar' },
};

/** "2 nights", "1 guest": the words around numbers. */
export const COUNT_WORDS: Record<BookingLanguage, { night: [string, string]; guest: [string, string]; person: [string, string]; weekend: string }> = {
	en: { night: ['night', 'nights'], guest: ['guest', 'guests'], person: ['person', 'people'], weekend: 'Fri–Sat' },
	nl: { night: ['nacht', 'nachten'], guest: ['gast', 'gasten'], person: ['persoon', 'personen'], weekend: 'vr–za' },
	de: { night: ['Nacht', 'Nächte'], guest: ['Gast', 'Gäste'], person: ['Person', 'Personen'], weekend: 'Fr–Sa' },
	fr: { night: ['nuit', 'nuits'], guest: ['personne', 'personnes'], person: ['personne', 'personnes'], weekend: 'ven.–sam.' },
	es: { night: ['noche', 'noches'], guest: ['persona', 'personas'], person: ['persona', 'personas'], weekend: 'vie–sáb' },
};

/** The word for "room" when the guest named no room type. */
export const ANY_ROOM: Record<BookingLanguage, string> = { en: 'room', nl: 'kamer', de: 'Zimmer', fr: 'chambre', es: 'habitación' };
