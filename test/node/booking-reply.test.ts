// The Booking Reply node the way the shipped workflows use it: n8n's HTTP Request node calls the booking
// sandbox (both outputs into one Set node that restores the envelope and keeps the answer in `booking`),
// then Booking Reply writes the guest's text or leaves on Failed.
import type { INode } from 'n8n-workflow';

import { addDays, type BookingSandbox } from '../../sandbox/booking-sandbox';
import { DEMO_BOOKING_SYSTEM } from '../../scripts/demo';
import { startTestBookingSandbox } from '../helpers/booking-sandbox';
import { node, workflow } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

const credentials = { httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key } };
const credentialRef = { httpHeaderAuth: { id: DEMO_BOOKING_SYSTEM.credentialId, name: DEMO_BOOKING_SYSTEM.credentialName } };

function flow(call: Record<string, unknown>, kind: string) {
	const http: INode = node(
		'Call Booking System',
		'n8n-nodes-base.httpRequest',
		{ authentication: 'genericCredentialType', genericAuthType: 'httpHeaderAuth', options: { timeout: 1500 }, ...call } as INode['parameters'],
		{ typeVersion: 4.2, credentials: credentialRef, onError: 'continueErrorOutput' },
	);
	const keep = node('Keep Answer', 'n8n-nodes-base.set', { mode: 'raw', jsonOutput: "={{ { ...$('Start').item.json, booking: $json } }}", options: {} }, { typeVersion: 3.4 });
	return workflow(
		[node('Start', 'n8n-nodes-base.manualTrigger'), http, keep, node('Booking Reply', 'bookingReply', { kind }), node('Send', 'n8n-nodes-base.noOp'), node('Person', 'n8n-nodes-base.noOp')],
		[
			['Start', 'Call Booking System'],
			['Call Booking System', 'Keep Answer'],
			['Call Booking System', 'Keep Answer', 1],
			['Keep Answer', 'Booking Reply'],
			['Booking Reply', 'Send'],
			['Booking Reply', 'Person', 1],
		],
	);
}

describe('Booking Reply node behind an HTTP Request node', () => {
	let sandbox: BookingSandbox;
	beforeAll(async () => {
		sandbox = await startTestBookingSandbox();
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(() => sandbox.reset());

	const envelope = (values: Record<string, unknown>, language: string) => ({
		conversation: { id: 'c1', channel: 'test', customer: { waId: '4915112345678' } },
		message: { id: 'wamid.1', text: 'x' },
		form: { name: 'Book a Room', status: 'confirming', values, language },
	});

	it('offers live availability in the form language, keeping the envelope (pairedItem through the HTTP Request node)', async () => {
		const checkIn = addDays(sandbox.today(), 40);
		const checkOut = addDays(checkIn, 2);
		const result = await runWorkflow(
			flow({ url: `=${sandbox.baseUrl}/availability?checkIn={{ $json.form.values.stay.start }}&checkOut={{ $json.form.values.stay.end }}&guests={{ $json.form.values.guests }}&roomType={{ $json.form.values.room_type }}` }, 'offer'),
			{ credentials, triggerItems: [{ json: envelope({ stay: { start: checkIn, end: checkOut }, guests: 2, room_type: 'double' }, 'nl') }] },
		);
		expect(result.error).toBeUndefined();
		const [item] = result.json('Send');
		expect(item.conversation).toMatchObject({ id: 'c1' });
		expect(item.reply).toMatchObject({ language: 'nl', source: 'booking' });
		expect(String((item.reply as { text: string }).text)).toMatch(/Double room.*vrij/);
		expect(item.bookingReply).toMatchObject({ state: 'offer' });
	});

	it('lists the room types and nightly prices from GET /room-types', async () => {
		const result = await runWorkflow(flow({ url: `${sandbox.baseUrl}/room-types` }, 'rates'), { credentials, triggerItems: [{ json: envelope({}, 'de') }] });
		const [item] = result.json('Send');
		expect(String((item.reply as { text: string }).text)).toMatch(/Unsere Zimmer pro Nacht:\n• Single room: \d+/);
	});

	it('says "not found" for an unknown reference (a 404 on the error output), and sends timeouts, 5xx and garbage to Failed', async () => {
		const lookup = { url: `=${sandbox.baseUrl}/reservations/{{ $json.form.values.booking_ref }}` };
		const notFound = await runWorkflow(flow(lookup, 'cancelFound'), { credentials, triggerItems: [{ json: envelope({ booking_ref: 'BK-99999' }, 'fr') }] });
		expect(notFound.json('Send')[0].bookingReply).toMatchObject({ state: 'not_found' });
		expect(String((notFound.json('Send')[0].reply as { text: string }).text)).toContain('BK-99999');

		const found = await runWorkflow(flow(lookup, 'cancelFound'), { credentials, triggerItems: [{ json: envelope({ booking_ref: 'BK-48213' }, 'en') }] });
		expect(String((found.json('Send')[0].reply as { text: string }).text)).toMatch(/BK-48213[\s\S]*Free cancellation until 48 hours/);

		for (const mode of ['timeout', 'error', 'garbage'] as const) {
			sandbox.failNext({ mode, route: 'GET /reservations/BK-48213' });
			const result = await runWorkflow(flow(lookup, 'cancelFound'), { credentials, triggerItems: [{ json: envelope({ booking_ref: 'BK-48213' }, 'en') }] });
			expect({ mode, sent: result.runCount('Send'), person: result.runCount('Person') }).toEqual({ mode, sent: 0, person: 1 });
			const [item] = result.json('Person');
			expect(item.form).toMatchObject({ values: { booking_ref: 'BK-48213' } });
			expect(item.route).toMatchObject({ decision: 'human' });
			expect(item.reply).toBeUndefined();
		}
	});
});
