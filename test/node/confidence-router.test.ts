import type { IDataObject, INodeParameters } from 'n8n-workflow';

import { conversationIdOf } from '../../nodes/domain/envelope';
import { guest, startNodeTestBed, type NodeTestBed } from '../helpers/node-fixtures';
import { line } from '../helpers/workflow-builder';
import { runWorkflow } from '../helpers/workflow-runner';

const AUTOMATE = 0;
const CLARIFY = 1;
const HUMAN = 2;

function classified(waId: string, text: string, nlu: IDataObject): IDataObject {
	return { conversation: guest(waId), message: { id: `wamid.${waId}`, type: 'text', text }, nlu };
}

const calm = { label: 'neutral', score: 0 };

describe('Confidence Router in n8n', () => {
	let bed: NodeTestBed;
	beforeAll(async () => (bed = await startNodeTestBed('embedded')));
	afterAll(async () => await bed.close());

	async function route(parameters: INodeParameters, items: IDataObject[]) {
		return await runWorkflow(line(bed.ourNode('Router', 'confidenceRouter', parameters)), {
			credentials: bed.credentials,
			triggerItems: items.map((json) => ({ json })),
		});
	}

	it('sends each item to Automate, Clarify or Human with reasons, one per rule', async () => {
		await bed.store.upsertConversation(guest('31000000005'));
		for (let turn = 0; turn < 2; turn++) await bed.store.recordAnswerOutcome(conversationIdOf(guest('31000000005')), false);
		const items = [
			classified('31000000001', 'Is there a pool?', { intent: 'amenities', confidence: 0.93, margin: 0.8, ranking: [{ intent: 'amenities', score: 0.93 }, { intent: 'greeting', score: 0.13 }], sentiment: calm }),
			classified('31000000002', 'change or cancel?', { intent: 'booking_change', confidence: 0.45, margin: 0.05, ranking: [{ intent: 'booking_change', score: 0.45 }, { intent: 'booking_cancel', score: 0.4 }], sentiment: calm }),
			classified('31000000003', 'the room smells awful', { intent: 'complaint', confidence: 0.88, margin: 0.6, sentiment: { label: 'negative', score: -0.7 } }),
			classified('31000000004', 'ik wil een medewerker spreken', { intent: 'amenities', confidence: 0.81, margin: 0.5, sentiment: calm }),
			classified('31000000005', 'and the wifi?', { intent: 'amenities', confidence: 0.9, margin: 0.5, sentiment: calm }),
			classified('31000000006', 'hmm', { intent: 'greeting', confidence: 0.4, margin: 0.3, ranking: [{ intent: 'greeting', score: 0.4 }, { intent: 'thanks_goodbye', score: 0.1 }], sentiment: calm }),
		];
		const result = await route({}, items);
		expect(result.status).toBe('success');
		const customers = (output: number) => result.json('Router', output).map((item) => (item.conversation as { customer: { waId: string } }).customer.waId);
		expect(customers(AUTOMATE)).toEqual(['31000000001']);
		expect(customers(CLARIFY)).toEqual(['31000000002']);
		expect(customers(HUMAN)).toEqual(['31000000003', '31000000004', '31000000005', '31000000006']);
		const rulesOf = (index: number) => (result.json('Router', HUMAN)[index].route as { rules: string[] }).rules;
		expect(rulesOf(0)).toEqual(['always_human_intent', 'negative_sentiment']);
		expect(rulesOf(1)).toEqual(['human_requested']);
		expect(rulesOf(2)).toEqual(['unanswered_turns']);
		expect(rulesOf(3)).toEqual(['low_confidence']);
		expect(result.json('Router', CLARIFY)[0].route).toMatchObject({ decision: 'clarify', clarifyBetween: [{ intent: 'booking_change' }, { intent: 'booking_cancel' }] });
		expect(result.json('Router', AUTOMATE)[0].nlu).toMatchObject({ intent: 'amenities' });
	});

	it('takes every setting from expressions', async () => {
		const item = classified('31000000011', 'what does the minibar cost', { intent: 'billing', confidence: 0.75, margin: 0.4, sentiment: calm, threshold: 0.8, sensitive: 'billing' });
		const strict = await route({ confidenceThreshold: '={{ $json.nlu.threshold }}', maxUnansweredTurns: 0 }, [item]);
		expect(strict.json('Router', HUMAN)).toHaveLength(1);
		const policy = await route({ alwaysHumanIntents: '={{ $json.nlu.sensitive }}', maxUnansweredTurns: 0 }, [item]);
		expect((policy.json('Router', HUMAN)[0].route as { rules: string[] }).rules).toEqual(['always_human_intent']);
		const relaxed = await route({ confidenceThreshold: '={{ 0.5 }}', maxUnansweredTurns: 0 }, [item]);
		expect(relaxed.json('Router', AUTOMATE)).toHaveLength(1);
	});
});
