// A stand-in for the reverse proxy of the README's production recipe (nginx `limit_conn … ;
// limit_conn_status 503;` on n8n's /webhook/ location): it forwards each request to n8n unless
// `maxInFlight` requests are already being handled there, in which case it answers 503 at once, before
// n8n spends anything on it (with the `vm` engine, n8n creates a V8 isolate for every webhook to a
// community trigger before the trigger's code can refuse it). Meta delivers a 503 again later; the bench
// does the same. Bench-only: n8n does not ship with a proxy, and production uses its own.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FrontLimiter {
	/** Base URL of the limiter (same paths as n8n). */
	baseUrl: string;
	/** Requests passed to n8n, refused with 503, and the most that were in flight at once. */
	counts(): { forwarded: number; refused: number; peakInFlight: number };
	close(): Promise<void>;
}

export async function startFrontLimiter(upstreamBaseUrl: string, maxInFlight: number): Promise<FrontLimiter> {
	if (!Number.isInteger(maxInFlight) || maxInFlight < 1) throw new Error(`front limiter: maxInFlight must be a positive integer, got ${maxInFlight}`);
	const upstream = new URL(upstreamBaseUrl);
	const agent = new http.Agent({ keepAlive: true, maxSockets: maxInFlight });
	let inFlight = 0;
	let peakInFlight = 0;
	let forwarded = 0;
	let refused = 0;

	const server = http.createServer((request, response) => {
		if (inFlight >= maxInFlight) {
			refused += 1;
			request.resume();
			response.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '5', connection: 'close' });
			response.end('busy, try again later\n');
			return;
		}
		inFlight += 1;
		peakInFlight = Math.max(peakInFlight, inFlight);
		forwarded += 1;
		let released = false;
		const release = () => {
			if (released) return;
			released = true;
			inFlight -= 1;
		};
		const forward = http.request(
			{
				host: upstream.hostname,
				port: upstream.port,
				method: request.method,
				path: request.url,
				headers: { ...request.headers, host: upstream.host, 'x-forwarded-for': request.socket.remoteAddress ?? '' },
				agent,
			},
			(answer) => {
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				answer.pipe(response);
				answer.on('end', release);
				answer.on('error', release);
			},
		);
		forward.on('error', () => {
			release();
			if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
			response.end();
		});
		// A client that gives up still frees its slot only when n8n has answered: n8n keeps working on it.
		request.pipe(forward);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}`,
		counts: () => ({ forwarded, refused, peakInFlight }),
		close: async () => {
			agent.destroy();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
