// The booking-system sandbox for tests: started with the demo key (so the demo "Booking System (demo
// sandbox)" credential works against it), demo data relative to the test's clock, a small JSON client,
// and the shipped workflows pointed at its port.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type BookingSandbox, type BookingSandboxOptions, defaultBookingSeed, startBookingSandbox } from '../../sandbox/booking-sandbox';
import { describeWorkflows, type WorkflowJson } from '../../scripts/lib/n8n-server';
import { DEMO_BOOKING_SYSTEM, withBookingSystemUrl } from '../../scripts/demo';

export interface BookingResponse<T = unknown> {
	status: number;
	headers: Headers;
	/** The parsed body, or undefined when it is not JSON. */
	json: T;
	text: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read response fields directly
export type BookingCall = <T = any>(
	method: string,
	path: string,
	options?: { body?: unknown; headers?: Record<string, string>; key?: string | null; timeoutMs?: number },
) => Promise<BookingResponse<T>>;

/** Starts the sandbox on a free port with the demo key; demo data relative to `options.now` unless a seed is given. */
export async function startTestBookingSandbox(options: BookingSandboxOptions = {}): Promise<BookingSandbox> {
	const now = options.now ?? (() => new Date());
	return await startBookingSandbox({ apiKeys: [DEMO_BOOKING_SYSTEM.key], seed: options.seed ?? defaultBookingSeed(now()), ...options, now });
}

/** A JSON client with the demo key (`key: null` sends none). */
export function bookingClient(sandbox: Pick<BookingSandbox, 'baseUrl'>): BookingCall {
	return async (method, path, options = {}) => {
		const headers: Record<string, string> = { ...options.headers };
		if (options.key !== null) headers[DEMO_BOOKING_SYSTEM.header] = options.key ?? DEMO_BOOKING_SYSTEM.key;
		let body: string | undefined;
		if (options.body !== undefined) {
			body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
			headers['content-type'] ??= 'application/json';
		}
		const response = await fetch(`${sandbox.baseUrl}${path}`, { method, headers, body, signal: AbortSignal.timeout(options.timeoutMs ?? 10_000) });
		const text = await response.text();
		// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see BookingCall
		let json: any;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		return { status: response.status, headers: response.headers, json, text };
	};
}

/** Workflow files as n8n would import them (same ids), with their HTTP Request nodes calling `baseUrl`. */
export function workflowsCallingBookingSandbox(files: string[], baseUrl: string): WorkflowJson[] {
	return describeWorkflows(files).map((workflow) => withBookingSystemUrl(workflow.workflow, baseUrl));
}

/**
 * The same, written as files with the original names into a new temporary folder (returned paths), for
 * importWorkflows(): the imported workflows keep their file names (`path.basename(entry.source)`) and ids.
 * The caller removes the folder (path.dirname of any returned path).
 */
export function writeWorkflowsCallingBookingSandbox(files: string[], baseUrl: string): string[] {
	const folder = mkdtempSync(path.join(tmpdir(), 'workflows-booking-'));
	const described = describeWorkflows(files);
	return described.map((workflow) => {
		const target = path.join(folder, path.basename(workflow.source));
		writeFileSync(target, JSON.stringify(withBookingSystemUrl(workflow.workflow, baseUrl), null, '\t'));
		return target;
	});
}
