import { listIntentPacks, loadIntentPack } from '../../../nodes/domain/nlu';
import { humanizeIntentName, intentTitle, packIntentTitles } from '../../../nodes/domain/nlu/intent-titles';

describe('intent titles', () => {
	it('gives every intent of every pack a short title in en, nl, de, fr and es', () => {
		for (const packName of listIntentPacks()) {
			for (const intent of loadIntentPack(packName).intents) {
				const titles = packIntentTitles(intent.name);
				for (const language of ['en', 'nl', 'de', 'fr', 'es']) {
					const title = titles?.[language] ?? '';
					expect({ pack: packName, intent: intent.name, language, ok: title.trim() !== '' && title.length <= 20 && !title.includes('_') }).toMatchObject({ ok: true });
				}
			}
		}
	});

	it('shows the title in the guest\'s language, never the raw name', () => {
		expect(intentTitle('booking_new', 'nl')).toBe('Nieuwe boeking');
		expect(intentTitle('room_service', 'fr')).toBe('Service en chambre');
		expect(intentTitle('billing', 'es')).toBe('Factura y pago');
		expect(intentTitle('billing', 'it')).toBe('Bill & payment');
	});

	it('makes a custom intent without titles readable, within 20 characters', () => {
		expect(humanizeIntentName('opening_hours')).toBe('Opening hours');
		expect(intentTitle('opening_hours', 'de')).toBe('Opening hours');
		expect(intentTitle('a_very_long_custom_intent_name', 'en')).toHaveLength(20);
	});
});
