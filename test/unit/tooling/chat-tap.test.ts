// `npm run chat -- --tap <n>` and the demo's survey timing: the choices of what the bot sent, the webhook of a
// tap as WhatsApp sends it (read back by the trigger's parser and the survey's answer reader), and the
// survey workflow `npm start` imports.
import path from 'node:path';

import { buildButtonsMessage } from '../../../nodes/domain/whatsapp/outbound';
import { buildSurveyMessage, readSurveyAnswer } from '../../../nodes/domain/survey';
import { parseWebhookPayload } from '../../../nodes/domain/whatsapp/webhook';
import { DEMO_PHONE_NUMBER_ID, DEMO_SURVEY_TIMING, withDemoSurveyTiming } from '../../../scripts/demo';
import { choicesOf, describeSent, lastChoices, tapWebhook, type SentRecord } from '../../../scripts/lib/chat-tap';
import { describeWorkflows } from '../../../scripts/lib/n8n-server';
import { PROJECT_ROOT } from '../../helpers/node-types';

const sent = (id: string, body: Record<string, unknown>): SentRecord => ({ id, to: '31600000001', type: String(body.type), body, timestamp: new Date().toISOString() });

describe('chat --tap', () => {
	const survey = sent('wamid.survey', buildSurveyMessage({ waId: '31600000001' }, 7, 'csat', 'en') as unknown as Record<string, unknown>);

	it('numbers the survey list rows as the guest sees them, and taps one back as a list reply the survey reads', () => {
		const choices = choicesOf(survey);
		expect(choices.map((choice) => choice.title)).toEqual(['5 – Very satisfied', '4 – Satisfied', '3 – Neutral', '2 – Dissatisfied', '1 – Very dissatisfied']);
		expect(describeSent(survey).split('\n').slice(1, 3)).toEqual(['  1. 5 – Very satisfied', '  2. 4 – Satisfied']);

		const payload = tapWebhook({ from: '31600000001', name: 'Demo Guest', phoneNumberId: DEMO_PHONE_NUMBER_ID, message: survey, choice: choices[1] });
		const [event] = parseWebhookPayload(payload).messages;
		expect(event.message).toMatchObject({ type: 'interactive', interactive: { type: 'list_reply', id: 'survey:7:4', title: '4 – Satisfied' }, context: { replyToMessageId: 'wamid.survey' } });
		expect(readSurveyAnswer(event.message as never, 'csat', false)).toEqual({ surveyId: 7, score: 4 });
	});

	it('taps reply buttons as button replies, and finds the latest message that has choices', () => {
		const buttons = sent('wamid.buttons', buildButtonsMessage({ waId: '31600000001' }, { body: 'Which one?', buttons: [{ id: 'intent:breakfast', title: 'Breakfast' }, { id: 'intent:parking', title: 'Parking' }] }) as unknown as Record<string, unknown>);
		const text = sent('wamid.text', { type: 'text', text: { body: 'Thank you!' } });
		expect(lastChoices([survey, buttons, text])?.message.id).toBe('wamid.buttons');
		expect(lastChoices([text])).toBeUndefined();
		const [event] = parseWebhookPayload(tapWebhook({ from: '31600000001', name: 'Demo Guest', phoneNumberId: DEMO_PHONE_NUMBER_ID, message: buttons, choice: choicesOf(buttons)[1] })).messages;
		expect(event.message).toMatchObject({ type: 'interactive', interactive: { type: 'button_reply', id: 'intent:parking', title: 'Parking' } });
	});
});

describe('the demo survey timing', () => {
	const [shipped] = describeWorkflows([path.join(PROJECT_ROOT, 'workflows', 'satisfaction-survey.json')]);

	it('runs the shipped survey every 30 s after one quiet minute in npm start, and leaves the rest as shipped', () => {
		const demo = withDemoSurveyTiming(shipped.workflow);
		const node = (name: string) => demo.nodes.find((each) => each.name === name)!;
		expect(DEMO_SURVEY_TIMING).toEqual({ everySeconds: 30, quietMinutes: 1 });
		expect(node('Every 10 Minutes').parameters.rule).toEqual({ interval: [{ field: 'seconds', secondsInterval: 30 }] });
		expect(node('Send Due Surveys').parameters).toMatchObject({ operation: 'sendDue', idleMinutes: 1, everyDays: 30, kind: 'csat', options: { internalNumbers: '15550100001' } });
		// The shipped file itself keeps its production timing.
		const original = shipped.workflow.nodes.find((each) => each.name === 'Send Due Surveys')!;
		expect(original.parameters.idleMinutes).toBe(30);
		expect(shipped.workflow.nodes.find((each) => each.name === 'Every 10 Minutes')!.parameters.rule).toEqual({ interval: [{ field: 'minutes', minutesInterval: 10 }] });
	});

	it('leaves workflows without Send Due Surveys alone', () => {
		const [hotel] = describeWorkflows([path.join(PROJECT_ROOT, 'workflows', 'hotel-concierge.json')]);
		expect(withDemoSurveyTiming(hotel.workflow)).toBe(hotel.workflow);
	});
});
