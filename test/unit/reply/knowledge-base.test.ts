import { readFileSync } from 'node:fs';
import path from 'node:path';

import { buildKnowledgeIndex, searchKnowledge, type KnowledgeEntry } from '../../../nodes/domain/reply/knowledge-base';
import { answerOffline } from '../../../nodes/domain/reply/offline-answer';
import { markdownToWhatsApp } from '../../../nodes/domain/reply/whatsapp-format';

const entries = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', 'kb', 'hotel-kb.json'), 'utf8')) as KnowledgeEntry[];
const index = buildKnowledgeIndex(entries);

describe('knowledge-base retrieval', () => {
	it.each([
		['hoe laat is het ontbijt?', 'nl', 'breakfast-nl'],
		['is breakfast included in my room rate', 'en', 'breakfast-en'],
		['wann gibts frühstück', 'de', 'breakfast-de'],
		['où je peux garer ma voiture ? parking ?', 'fr', 'parking-fr'],
		['wifi contraseña por favor', 'es', 'wifi-es'],
		['can I bring my dog', 'en', 'pets-en'],
		['annuleren kosten?', 'nl', 'cancellation-nl'],
		['chekin time?', 'en', 'checkin-en'],
		['parkeren bij jullie hotel mogelijk', 'nl', 'parking-nl'],
	])('"%s" (%s) finds %s first', (query, language, expected) => {
		expect(searchKnowledge(index, query, { language })[0]?.entry.id).toBe(expected);
	});

	it('falls back to other languages when the customer’s language has no entry', () => {
		const englishOnly = buildKnowledgeIndex(entries.filter((entry) => entry.language === 'en'));
		expect(searchKnowledge(englishOnly, 'parking?', { language: 'de' })[0]?.entry.id).toBe('parking-en');
	});

	it('never answers offline in another language when the customer’s language has entries', () => {
		const answer = answerOffline(index, 'Kann ich mein Auto bei Ihnen im Hotel parken?', { language: 'de' });
		expect(answer).toMatchObject({ answered: true, language: 'de' });
		expect(answer.sources.map((source) => source.entry.id)).toEqual(['parking-de']);
	});

	it('answers offline only when an entry clearly matches, in the customer’s language', () => {
		const answer = answerOffline(index, 'Hoe laat is het ontbijt?', { language: 'nl' });
		expect(answer).toMatchObject({ answered: true, language: 'nl' });
		expect(answer.text).toMatch(/7:00 tot 10:30/);
		expect(answer.sources.map((source) => source.entry.id)).toEqual(['breakfast-nl']);
		expect(answerOffline(index, 'Can you recommend a good Thai restaurant nearby?', { language: 'en' }).answered).toBe(false);
		expect(answerOffline(index, 'Kann ich meine Rechnung per E-Mail bekommen?', { language: 'de' }).answered).toBe(false);
	});
});

describe('markdownToWhatsApp', () => {
	it('converts what LLMs write into WhatsApp formatting', () => {
		const markdown = '## Breakfast\n\nServed **7:00–10:30** in the *garden room*.\n\n- Vegan options\n* Kids eat ~~paid~~ free\n\nSee [our menu](https://example.com/menu).';
		expect(markdownToWhatsApp(markdown)).toBe(
			'*Breakfast*\n\nServed *7:00–10:30* in the *garden room*.\n\n• Vegan options\n• Kids eat ~paid~ free\n\nSee our menu (https://example.com/menu).',
		);
	});

	it('leaves code blocks and plain text alone and flattens tables', () => {
		expect(markdownToWhatsApp('Use code:\n```\n**not bold**\n```')).toBe('Use code:\n```\n**not bold**\n```');
		expect(markdownToWhatsApp('| Room | Price |\n|---|---|\n| Double | €120 |')).toBe('Room | Price\nDouble | €120');
		expect(markdownToWhatsApp('5 * 3 = 15 and snake_case stays')).toBe('5 * 3 = 15 and snake_case stays');
	});
});
