// GraphClient transport errors against a raw TCP server on 127.0.0.1 that speaks just enough HTTP/1.1:
// which connection resets are retried (a keep-alive connection the server dropped before the request
// reached it) and which are not (a reset that may come after Meta took the message).
import net from 'node:net';

import { GraphClient } from '../../../nodes/domain/whatsapp/graph-client';
import { GraphApiError } from '../../../nodes/domain/whatsapp/graph-errors';

interface RawServer {
	port: number;
	/** Requests whose head arrived, per connection number (1-based), in order. */
	requests: Array<{ connection: number; line: string }>;
	/** Decides per request whether to reset the connection instead of answering. */
	resetWhen: (connection: number, requestOnConnection: number) => boolean;
	close(): Promise<void>;
}

async function startRawServer(): Promise<RawServer> {
	const sockets = new Set<net.Socket>();
	let connections = 0;
	const state: RawServer = {
		port: 0,
		requests: [],
		resetWhen: () => false,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
	const server = net.createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		const connection = ++connections;
		let served = 0;
		let buffer = '';
		socket.on('data', (chunk) => {
			buffer += chunk.toString('latin1');
			for (;;) {
				const headEnd = buffer.indexOf('\r\n\r\n');
				if (headEnd < 0) return;
				const head = buffer.slice(0, headEnd);
				const length = Number(/content-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
				if (buffer.length < headEnd + 4 + length) return;
				buffer = buffer.slice(headEnd + 4 + length);
				served++;
				state.requests.push({ connection, line: head.split('\r\n')[0] });
				if (state.resetWhen(connection, served)) {
					socket.resetAndDestroy();
					return;
				}
				const body = JSON.stringify({ messaging_product: 'whatsapp', contacts: [{ wa_id: '31612345678' }], messages: [{ id: `wamid.raw.${connection}.${served}` }] });
				socket.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`);
			}
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	state.port = (server.address() as net.AddressInfo).port;
	return state;
}

const textMessage = { messaging_product: 'whatsapp', to: '31612345678', type: 'text', text: { body: 'Hallo' } };

describe('GraphClient transport errors', () => {
	let server: RawServer;
	let client: GraphClient;

	beforeEach(async () => {
		server = await startRawServer();
		client = new GraphClient({
			accessToken: 'test-token',
			phoneNumberId: '1065000000001',
			baseUrl: `http://127.0.0.1:${server.port}`,
			retry: { maxRetries: 2 },
			sleep: async () => {},
		});
	});
	afterEach(async () => await server.close());

	it('retries a request that failed on a kept-alive connection the server had dropped', async () => {
		// Connection 1 answers its first request, then is reset when the next request arrives on it.
		server.resetWhen = (connection, request) => connection === 1 && request === 2;
		await expect(client.sendMessage(textMessage)).resolves.toMatchObject({ messageId: 'wamid.raw.1.1', attempts: 1 });
		const second = await client.sendMessage(textMessage);
		expect(second).toMatchObject({ messageId: 'wamid.raw.2.1', attempts: 2 });
		expect(server.requests.map((request) => request.connection)).toEqual([1, 1, 2]);
	});

	it('does not retry a reset on a new connection: the message may have been taken', async () => {
		server.resetWhen = () => true;
		const failure = await client.sendMessage(textMessage).catch((error: unknown) => error);
		expect(failure).toBeInstanceOf(GraphApiError);
		expect(failure).toMatchObject({ neverDelivered: false, attempts: 1, message: expect.stringMatching(/ECONNRESET/) });
		expect(server.requests).toHaveLength(1);
	});
});
