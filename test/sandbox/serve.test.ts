import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

import { formatRequestLine, main } from '../../sandbox/serve';

const repositoryRoot = path.resolve(__dirname, '../..');

describe('serve main()', () => {
	it('logs one redacted line per request and never prints the token', async () => {
		const lines: string[] = [];
		const secret = 'EAAG-serve-secret-789';
		const sandbox = await main(['--port', '0', '--token', secret], (line) => lines.push(line));
		try {
			const headers = { authorization: `Bearer ${secret}`, 'content-type': 'application/json' };
			const sent = await fetch(`${sandbox.baseUrl}/v24.0/1065000000001/messages`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ messaging_product: 'whatsapp', to: '15551234567', type: 'text', text: { body: 'Hi' } }),
			});
			const { messages } = (await sent.json()) as { messages: Array<{ id: string }> };
			await fetch(`${sandbox.baseUrl}/v24.0/1065000000001?access_token=${secret}`);
			await fetch(`${sandbox.baseUrl}/v24.0/1065000000001/messages`, { method: 'POST', headers: { ...headers, authorization: 'Bearer wrong-token-000' }, body: '{}' });
			await fetch(`${sandbox.baseUrl}/v24.0/1065000000001/messages`, {
				method: 'POST',
				headers,
				body: JSON.stringify({ messaging_product: 'whatsapp', status: 'read', message_id: 'wamid.X', typing_indicator: { type: 'text' } }),
			});

			expect(lines[0]).toBe(`WhatsApp Graph sandbox listening on ${sandbox.baseUrl} (1 accepted token(s); phone number id 1065000000001)`);
			const requestLines = lines.slice(1);
			expect(requestLines).toHaveLength(4);
			expect(requestLines[0]).toMatch(new RegExp(`^\\S+Z POST /v24\\.0/1065000000001/messages → 200 \\d+ms type=text id=${messages[0].id.replace('.', '\\.')}$`));
			expect(requestLines[1]).toMatch(/GET \/v24\.0\/1065000000001\?access_token=\*\*\* → 200/);
			expect(requestLines[2]).toMatch(/→ 401 \d+ms error=190$/);
			expect(requestLines[3]).toMatch(/→ 200 \d+ms read\+typing$/);
			const everything = lines.join('\n');
			expect(everything).not.toContain(secret);
			expect(everything).not.toContain('wrong-token-000');
		} finally {
			await sandbox.close();
		}
	});

	it('is quiet with --quiet', async () => {
		const lines: string[] = [];
		const sandbox = await main(['--port', '0', '--quiet'], (line) => lines.push(line));
		try {
			await fetch(`${sandbox.baseUrl}/__sandbox/health`);
			expect(lines).toHaveLength(1);
		} finally {
			await sandbox.close();
		}
	});

	it('needs an app secret to sign status webhooks, and refuses bad ports', async () => {
		const previous = process.env.WHATSAPP_APP_SECRET;
		delete process.env.WHATSAPP_APP_SECRET;
		try {
			await expect(main(['--port', '0', '--webhook-url', 'http://127.0.0.1:9/x'], () => undefined)).rejects.toThrow('needs --app-secret');
		} finally {
			if (previous !== undefined) process.env.WHATSAPP_APP_SECRET = previous;
		}
		await expect(main(['--port', 'eighty'], () => undefined)).rejects.toThrow('--port must be a port number');
	});

	it('formats errors from the response code', () => {
		const line = formatRequestLine({
			seq: 1,
			method: 'POST',
			path: '/v24.0/1/messages',
			query: {},
			headers: { authorization: 'Bearer ***' },
			body: {},
			response: { status: 400, body: { error: { code: 131047 } } },
			timestamp: '2026-11-21T12:00:00.000Z',
			durationMs: 3,
		});
		expect(line).toBe('2026-11-21T12:00:00.000Z POST /v24.0/1/messages → 400 3ms error=131047');
	});
});

describe('serve CLI', () => {
	let child: ChildProcess | undefined;

	afterEach(async () => {
		if (child && child.exitCode === null) {
			const exited = new Promise((resolve) => child?.once('exit', resolve));
			child.kill('SIGTERM');
			await exited;
		}
	});

	it('runs standalone through scripts/run-ts.js and stops on SIGTERM', async () => {
		child = spawn(process.execPath, ['scripts/run-ts.js', 'sandbox/serve.ts', '--port', '0', '--token', 'cli-secret'], { cwd: repositoryRoot, stdio: ['ignore', 'pipe', 'pipe'] });
		let output = '';
		const baseUrl = await new Promise<string>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`no listening line; output so far: ${output}`)), 20_000);
			child?.stdout?.on('data', (chunk: Buffer) => {
				output += chunk.toString();
				const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
				if (match) {
					clearTimeout(timer);
					resolve(match[1]);
				}
			});
			child?.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		});
		const response = await fetch(`${baseUrl}/v24.0/1065000000001`, { headers: { authorization: 'Bearer cli-secret' } });
		expect(response.status).toBe(200);
		await new Promise((resolve) => setTimeout(resolve, 100));
		expect(output).toMatch(/GET \/v24\.0\/1065000000001 → 200/);
		expect(output).not.toContain('cli-secret');
		const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
		child.kill('SIGTERM');
		expect(await exited).toBe(0);
	});
});
