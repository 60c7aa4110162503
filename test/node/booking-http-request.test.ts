// The booking sandbox called the way the shipped workflows call a booking system: n8n's own HTTP Request
// node with the demo Header Auth credential, in-process through n8n-core's WorkflowExecute. Proves the
// API suits HTTP Request nodes (text numbers from body parameters, the Idempotency-Key header, errors an
// error output can branch on).
import type { INode } from 'n8n-workflow';

import { addDays, type BookingSandbox } from '../../sandbox/booking-sandbox';
import { DEMO_BOOKING_SYSTEM } from '../../scripts/demo';
import { startTestBookingSandbox } from '../helpers/booking-sandbox';
import { line, node, workflow } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

const credentials = { httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: DEMO_BOOKING_SYSTEM.key } };
const credentialRef = { httpHeaderAuth: { id: DEMO_BOOKING_SYSTEM.credentialId, name: DEMO_BOOKING_SYSTEM.credentialName } };

function httpRequest(name: string, parameters: Record<string, unknown>, extra: Partial<INode> = {}): INode {
	return node(
		name,
		'n8n-nodes-base.httpRequest',
		{ authentication: 'genericCredentialType', genericAuthType: 'httpHeaderAuth', options: { timeout: 2000 }, ...parameters } as INode['parameters'],
		{ typeVersion: 4.2, credentials: credentialRef, ...extra },
	);
}

const parameterList = (values: Record<string, string>) => ({ parameters: Object.entries(values).map(([name, value]) => ({ name, value })) });

describe('booking sandbox through n8n HTTP Request nodes', () => {
	let sandbox: BookingSandbox;
	beforeAll(async () => {
		sandbox = await startTestBookingSandbox();
	});
	afterAll(async () => {
		await sandbox.close();
	});
	beforeEach(() => sandbox.reset());

	const checkAndBook = (idempotencyKey: string) =>
		line(
			httpRequest('Check Availability', {
				url: `${sandbox.baseUrl}/availability`,
				sendQuery: true,
				queryParameters: parameterList({ checkIn: '={{ $json.checkIn }}', checkOut: '={{ $json.checkOut }}', guests: '={{ $json.guests }}', roomType: 'double' }),
			}),
			httpRequest('Create Reservation', {
				method: 'POST',
				url: `${sandbox.baseUrl}/reservations`,
				sendHeaders: true,
				headerParameters: parameterList({ 'Idempotency-Key': idempotencyKey }),
				sendBody: true,
				bodyParameters: parameterList({
					roomType: '={{ $json.roomTypes[0].id }}',
					checkIn: '={{ $json.checkIn }}',
					checkOut: '={{ $json.checkOut }}',
					guests: '={{ $json.guests }}',
					name: 'Marie Leroy',
				}),
			}),
		);

	it('checks availability and books with the Header Auth credential; a rerun with the same key books nothing new', async () => {
		const today = sandbox.today();
		const stay = { checkIn: addDays(today, 45), checkOut: addDays(today, 47), guests: 2 };
		const first = await runWorkflow(checkAndBook('wamid.booking-1'), { credentials, triggerItems: [{ json: stay }] });
		expect(first.error).toBeUndefined();
		const [availability] = first.json('Check Availability');
		expect(availability).toMatchObject({ available: true, nights: 2, guests: 2 });
		const [reservation] = first.json('Create Reservation');
		expect(reservation).toMatchObject({ status: 'confirmed', roomType: 'double', guests: 2, name: 'Marie Leroy', checkIn: stay.checkIn });
		expect(reservation.reference).toMatch(/^BK-\d{5}$/);
		expect(reservation.total).toBe((availability.roomTypes as Array<{ total: number }>)[0].total);

		const again = await runWorkflow(checkAndBook('wamid.booking-1'), { credentials, triggerItems: [{ json: stay }] });
		expect(again.json('Create Reservation')[0].reference).toBe(reservation.reference);
		expect(sandbox.reservations().filter((each) => each.name === 'Marie Leroy')).toHaveLength(1);
	});

	it('fails the node on a wrong key, a 5xx, an unreadable body and a timeout, so an error output can hand off', async () => {
		const today = sandbox.today();
		const stay = { checkIn: addDays(today, 45), checkOut: addDays(today, 47), guests: 2 };
		const wrongKey = await runWorkflow(checkAndBook('k-0'), { credentials: { httpHeaderAuth: { name: DEMO_BOOKING_SYSTEM.header, value: 'wrong' } }, triggerItems: [{ json: stay }] });
		expect(wrongKey.failedNodeName).toBe('Check Availability');

		for (const mode of ['error', 'garbage', 'timeout'] as const) {
			sandbox.failNext({ mode, route: 'POST /reservations' });
			const result = await runWorkflow(checkAndBook(`k-${mode}`), { credentials, triggerItems: [{ json: stay }] });
			expect({ mode, status: result.status, failed: result.failedNodeName }).toEqual({ mode, status: 'error', failed: 'Create Reservation' });
		}
		expect(sandbox.reservations().filter((each) => each.name === 'Marie Leroy')).toHaveLength(0);

		// With "On Error: Continue (using error output)" the failure leaves on the error output instead.
		sandbox.failNext({ mode: 'error', route: 'POST /reservations' });
		const flow = checkAndBook('k-branch');
		const create = flow.nodes.find((each) => each.name === 'Create Reservation')!;
		create.onError = 'continueErrorOutput';
		const branched = workflow([...flow.nodes, node('Hand Off', 'n8n-nodes-base.noOp')], [
			['Start', 'Check Availability'],
			['Check Availability', 'Create Reservation'],
			['Create Reservation', 'Hand Off', 1],
		]);
		const result = await runWorkflow(branched, { credentials, triggerItems: [{ json: stay }] });
		expect(result.error).toBeUndefined();
		expect(result.runCount('Hand Off')).toBe(1);
	});

	it('answers a full house with alternatives the workflow can read from the availability call', async () => {
		let friday = '';
		for (let offset = 0; offset < 60 && !friday; offset++) if (sandbox.roomsLeft('double', addDays(sandbox.today(), offset)) === 0) friday = addDays(sandbox.today(), offset);
		const result = await runWorkflow(
			line(
				httpRequest('Check Availability', {
					url: `=${sandbox.baseUrl}/availability?checkIn={{ $json.checkIn }}&checkOut={{ $json.checkOut }}&guests=2&roomType=double`,
				}),
			),
			{ credentials, triggerItems: [{ json: { checkIn: friday, checkOut: addDays(friday, 2) } }] },
		);
		const [availability] = result.json('Check Availability');
		expect(availability.available).toBe(false);
		expect((availability.alternatives as Array<{ checkIn: string }>)[0].checkIn).toBe(addDays(friday, -2));
	});
});
