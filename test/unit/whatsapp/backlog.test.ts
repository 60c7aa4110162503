import { ExecutionBacklog } from '../../../nodes/domain/whatsapp/backlog';

describe('ExecutionBacklog', () => {
	it('counts executions started and not yet arrived', () => {
		const backlog = new ExecutionBacklog(60_000);
		backlog.started('a', 1_000);
		backlog.started('b', 2_000);
		expect(backlog.size(2_000)).toBe(2);
		backlog.arrived('a');
		expect(backlog.size(2_000)).toBe(1);
		backlog.arrived('unknown');
		expect(backlog.size(2_000)).toBe(1);
	});

	it('forgets an execution that never arrives once it is older than the limit, and only that one', () => {
		const backlog = new ExecutionBacklog(10_000);
		backlog.started('old', 0);
		backlog.started('new', 5_000);
		expect(backlog.size(9_999)).toBe(2);
		expect(backlog.size(10_000)).toBe(1);
		expect(backlog.size(15_000)).toBe(0);
	});
});
