import { MAX_TEXT_LENGTH, openFormatting, splitText } from '../../../nodes/domain/whatsapp/text';

describe('splitText', () => {
	it('leaves text within the limit alone', () => {
		expect(splitText('Breakfast is *7:00–10:30*.')).toEqual(['Breakfast is *7:00–10:30*.']);
		const exactly = 'a'.repeat(MAX_TEXT_LENGTH);
		expect(splitText(exactly)).toEqual([exactly]);
	});

	it('splits past 4096 characters at paragraph breaks, every part within the limit, nothing lost', () => {
		const paragraph = 'Our spa is open daily from 9:00 to 21:00. Towels are provided. '.repeat(10).trim();
		const text = Array.from({ length: 12 }, (_value, index) => `${index + 1}. ${paragraph}`).join('\n\n');
		expect(text.length).toBeGreaterThan(MAX_TEXT_LENGTH);
		const parts = splitText(text);
		expect(parts.length).toBe(2);
		for (const part of parts) expect(part.length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
		expect(parts.join('\n\n')).toBe(text);
		expect(parts[1]).toMatch(/^\d+\. Our spa/);
	});

	it('closes and reopens bold and code blocks cut across parts', () => {
		const bold = `*${'very important words '.repeat(300).trim()}*`;
		const boldParts = splitText(bold, 1000);
		expect(boldParts.length).toBeGreaterThan(1);
		for (const part of boldParts) {
			expect(part.startsWith('*')).toBe(true);
			expect(part.endsWith('*')).toBe(true);
			expect(openFormatting(part)).toEqual([]);
		}

		const code = '```\n' + 'line of config\n'.repeat(200) + '```';
		const codeParts = splitText(code, 1000);
		expect(codeParts.length).toBeGreaterThan(1);
		for (const part of codeParts) {
			expect(openFormatting(part)).toEqual([]);
			expect(part.length).toBeLessThanOrEqual(1000);
		}
	});

	it('never cuts an emoji in half when there is no space to break at', () => {
		const text = '😀'.repeat(3000); // 6000 UTF-16 units, no spaces
		const parts = splitText(text);
		expect(parts.join('')).toBe(text);
		for (const part of parts) {
			expect(part.length).toBeLessThanOrEqual(MAX_TEXT_LENGTH);
			expect(/^[\uDC00-\uDFFF]/.test(part)).toBe(false);
		}
	});
});

describe('openFormatting', () => {
	it('tracks WhatsApp markers, ignoring ones inside words and arithmetic', () => {
		expect(openFormatting('*bold* and _italic_ and ~gone~')).toEqual([]);
		expect(openFormatting('*still open')).toEqual(['*']);
		expect(openFormatting('snake_case_name and 5 * 3')).toEqual([]);
		expect(openFormatting('```\ncode')).toEqual(['```']);
	});
});
