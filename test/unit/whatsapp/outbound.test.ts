import {
	buildButtonsMessage,
	buildListMessage,
	buildMediaMessage,
	buildReplyMessages,
	buildTemplateMessage,
	chooseTemplateLanguage,
	buildTextMessages,
	messageBase,
	OutgoingMessageError,
} from '../../../nodes/domain/whatsapp/outbound';

const guest = { waId: '31612345678' };

describe('outgoing messages', () => {
	it('addresses by wa_id, else by business-scoped user id, with reply context and callback data', () => {
		expect(messageBase(guest, { replyToMessageId: 'wamid.in', callbackData: 'c=1' })).toEqual({
			messaging_product: 'whatsapp',
			recipient_type: 'individual',
			to: '31612345678',
			context: { message_id: 'wamid.in' },
			biz_opaque_callback_data: 'c=1',
		});
		expect(messageBase({ userId: 'NL.1234' })).toMatchObject({ recipient: 'NL.1234' });
		expect(() => messageBase({})).toThrow(OutgoingMessageError);
		expect(() => messageBase(guest, { callbackData: 'x'.repeat(513) })).toThrow(/at most 512/);
	});

	it('splits long text, quoting the customer only on the first part', () => {
		const messages = buildTextMessages(guest, `${'a '.repeat(1500)}\n\n${'b '.repeat(1500)}`, {
			replyToMessageId: 'wamid.in',
			callbackData: 'c',
		});
		expect(messages).toHaveLength(2);
		expect(messages[0]).toMatchObject({ type: 'text', context: { message_id: 'wamid.in' }, biz_opaque_callback_data: 'c' });
		expect(messages[1].context).toBeUndefined();
		expect(messages[1].biz_opaque_callback_data).toBe('c');
		expect(() => buildTextMessages(guest, '   ')).toThrow(/Text is empty/);
	});

	it('builds templates with positional, named, media and button parameters', () => {
		const message = buildTemplateMessage(guest, {
			name: 'booking_reminder',
			languageCode: 'nl',
			headerParameters: [{ type: 'image', value: 'https://example.com/hotel.jpg' }],
			bodyParameters: [{ value: 'Anna' }, { value: '12 december' }],
			buttonParameters: [{ subType: 'url', index: 0, value: 'ABC123' }],
		});
		expect(message.template).toEqual({
			name: 'booking_reminder',
			language: { code: 'nl' },
			components: [
				{ type: 'header', parameters: [{ type: 'image', image: { link: 'https://example.com/hotel.jpg' } }] },
				{ type: 'body', parameters: [{ type: 'text', text: 'Anna' }, { type: 'text', text: '12 december' }] },
				{ type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'ABC123' }] },
			],
		});
		const named = buildTemplateMessage(guest, {
			name: 'checkin_info',
			languageCode: 'en_US',
			bodyParameters: [{ value: 'Anna', parameterName: 'guest_name' }],
		});
		expect((named.template as { components: unknown[] }).components[0]).toEqual({
			type: 'body',
			parameters: [{ type: 'text', text: 'Anna', parameter_name: 'guest_name' }],
		});
		expect(() =>
			buildTemplateMessage(guest, {
				name: 'x',
				languageCode: 'en',
				bodyParameters: [{ value: 'a', parameterName: 'n' }, { value: 'b' }],
			}),
		).toThrow(/mix named and positional/);
		expect(() => buildTemplateMessage(guest, { name: 'Booking Reminder', languageCode: 'en' })).toThrow(/not a valid/);
	});

	it('checks reply button limits before sending', () => {
		const ok = buildButtonsMessage(guest, {
			body: 'Would you like breakfast?',
			buttons: [
				{ id: 'yes', title: 'Yes please' },
				{ id: 'no', title: 'No thanks' },
			],
			footer: 'Hotel Zonneveld',
		});
		expect(ok.interactive).toMatchObject({ type: 'button', footer: { text: 'Hotel Zonneveld' } });
		const four = [1, 2, 3, 4].map((n) => ({ id: `b${n}`, title: `Option ${n}` }));
		expect(() => buildButtonsMessage(guest, { body: 'Pick', buttons: four })).toThrow(/1 to 3/);
		expect(() => buildButtonsMessage(guest, { body: 'Pick', buttons: [{ id: 'a', title: 'A title that is far too long' }] })).toThrow(
			/at most 20/,
		);
		expect(() =>
			buildButtonsMessage(guest, {
				body: 'Pick',
				buttons: [
					{ id: 'same', title: 'A' },
					{ id: 'same', title: 'B' },
				],
			}),
		).toThrow(/used twice/);
	});

	it('checks list limits before sending', () => {
		const rows = (count: number) => Array.from({ length: count }, (_v, n) => ({ id: `r${n}`, title: `Room ${n}` }));
		const list = buildListMessage(guest, { body: 'Choose a room', buttonText: 'Rooms', sections: [{ rows: rows(10) }] });
		expect((list.interactive as { action: { sections: Array<{ rows: unknown[] }> } }).action.sections[0].rows).toHaveLength(10);
		expect(() => buildListMessage(guest, { body: 'Choose', buttonText: 'Rooms', sections: [{ rows: rows(11) }] })).toThrow(
			/1 to 10/,
		);
		expect(() =>
			buildListMessage(guest, {
				body: 'Choose',
				buttonText: 'Rooms',
				sections: [{ rows: rows(2) }, { title: 'Suites', rows: [{ id: 's', title: 'Suite' }] }],
			}),
		).toThrow(/title on each/);
		expect(() =>
			buildListMessage(guest, {
				body: 'Choose',
				buttonText: 'Rooms',
				sections: [{ rows: [{ id: 'r', title: 'A row title beyond 24 chars' }] }],
			}),
		).toThrow(/at most 24/);
	});

	it('sends media by id or link, never both', () => {
		expect(buildMediaMessage(guest, { mediaType: 'image', link: 'https://example.com/a.jpg', caption: 'Pool' })).toMatchObject({
			type: 'image',
			image: { link: 'https://example.com/a.jpg', caption: 'Pool' },
		});
		expect(buildMediaMessage(guest, { mediaType: 'document', id: '123', filename: 'invoice.pdf' })).toMatchObject({
			document: { id: '123', filename: 'invoice.pdf' },
		});
		expect(() => buildMediaMessage(guest, { mediaType: 'image', id: '1', link: 'https://x' })).toThrow(/either a media id or a link/);
		expect(() => buildMediaMessage(guest, { mediaType: 'audio', id: '1', caption: 'x' })).toThrow(/cannot have a caption/);
	});
});

describe('the item\'s reply', () => {
	it('sends text, reply buttons or a list, as the reply says', () => {
		expect(buildReplyMessages(guest, { text: 'Graag gedaan!', language: 'nl', source: 'small_talk' })).toEqual([
			{ messaging_product: 'whatsapp', recipient_type: 'individual', to: '31612345678', type: 'text', text: { body: 'Graag gedaan!', preview_url: false } },
		]);
		const [buttons] = buildReplyMessages(guest, { text: 'Hallo!', buttons: [{ id: 'amenities', title: 'Faciliteiten' }, { id: 'billing', title: 'Rekening & betalen' }] });
		expect(buttons).toMatchObject({
			type: 'interactive',
			interactive: { type: 'button', body: { text: 'Hallo!' }, action: { buttons: [{ type: 'reply', reply: { id: 'amenities', title: 'Faciliteiten' } }, { reply: { id: 'billing' } }] } },
		});
		const [list] = buildReplyMessages(guest, { text: 'Choose', list: { button: 'Topics', sections: [{ rows: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B', description: 'bee' }] }] } });
		expect(list).toMatchObject({ interactive: { type: 'list', action: { button: 'Topics', sections: [{ rows: [{ id: 'a', title: 'A' }, { id: 'b', title: 'B', description: 'bee' }] }] } } });
		expect(buildReplyMessages(guest, { text: `${'x '.repeat(2500)}` })).toHaveLength(2);
	});

	it('keeps WhatsApp\'s limits and says what is missing', () => {
		expect(() => buildReplyMessages(guest, undefined)).toThrow(/no reply to send/);
		expect(() => buildReplyMessages(guest, { language: 'en' })).toThrow(OutgoingMessageError);
		const four = [1, 2, 3, 4].map((index) => ({ id: `b${index}`, title: `B${index}` }));
		expect(() => buildReplyMessages(guest, { text: 'pick', buttons: four })).toThrow(/1 to 3/);
		expect(() => buildReplyMessages(guest, { text: 'pick', buttons: [{ id: 'x', title: 'a title longer than twenty' }] })).toThrow(/at most 20/);
		expect(() => buildReplyMessages(guest, { text: 'pick', list: { button: 'Go' } })).toThrow(/sections/);
	});
});

describe('chooseTemplateLanguage', () => {
	it('takes the first of the guest\'s languages the template is approved in, exactly or by language', () => {
		expect(chooseTemplateLanguage(['nl', 'en'], ['en', 'nl', 'de'], 'en')).toBe('nl');
		expect(chooseTemplateLanguage(['de'], ['en_US', 'de_DE'], 'en_US')).toBe('de_DE');
		expect(chooseTemplateLanguage(['pt_BR'], ['pt_PT', 'pt_BR'], 'en')).toBe('pt_BR');
		expect(chooseTemplateLanguage([undefined, 'unknown', 'fr'], ['en', 'fr'], 'en')).toBe('fr');
	});

	it('falls back along the chain to the node\'s language code', () => {
		expect(chooseTemplateLanguage(['it', 'es'], ['en', 'es'], 'en')).toBe('es');
		expect(chooseTemplateLanguage(['it'], ['en', 'nl'], 'nl')).toBe('nl');
		expect(chooseTemplateLanguage([], ['en'], 'en')).toBe('en');
	});
});
