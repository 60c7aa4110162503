// The demo hotel website of `npm start` and the browser tests: one static page that embeds the web chat
// widget with a single script tag, served from its own origin (as a hotel's site would be), so the chat's
// CORS allow-list is exercised for real.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HotelPage {
	url: string;
	origin: string;
	close(): Promise<void>;
}

function escapeAttribute(value: string): string {
	return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function hotelPageHtml(widgetUrl: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hotel Zonneveld, Amsterdam</title>
<style>
body{margin:0;font:16px/1.5 Georgia,serif;color:#222;background:#faf7f2}
header{background:#0b6e4f;color:#fff;padding:28px 24px}header h1{margin:0;font-weight:normal}
main{max-width:760px;margin:0 auto;padding:24px}
.rooms{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:16px}
.room{background:#fff;border-radius:8px;padding:16px;box-shadow:0 1px 4px rgba(0,0,0,.08)}
</style>
</head>
<body>
<header><h1>Hotel Zonneveld</h1><p>Boutique hotel in the heart of Amsterdam · 42 rooms · reception 24/7</p></header>
<main>
<p>Check-in from 15:00, check-out until 11:00. Breakfast 07:00–10:30. Our garage has 40 spaces.</p>
<div class="rooms">
<div class="room"><h3>Standard</h3><p>Cosy double room with canal view.</p></div>
<div class="room"><h3>Deluxe</h3><p>Spacious room with a seating area.</p></div>
<div class="room"><h3>Suite</h3><p>Two rooms, a bath and a balcony.</p></div>
</div>
<p>Questions? Use the chat at the bottom right, in English, Nederlands, Deutsch, Français or Español.</p>
</main>
<script src="${escapeAttribute(widgetUrl)}" defer></script>
</body>
</html>
`;
}

/** Serves the page on 127.0.0.1:`port` (0: a free port). `widgetUrl` may be a function when n8n starts after the page. */
export async function startHotelPage(options: { widgetUrl: string | (() => string); port?: number; host?: string }): Promise<HotelPage> {
	const server: Server = createServer((request, response) => {
		if (request.method !== 'GET' || !['/', '/index.html'].includes((request.url ?? '/').split('?')[0])) {
			response.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
			return;
		}
		const widgetUrl = typeof options.widgetUrl === 'function' ? options.widgetUrl() : options.widgetUrl;
		response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).end(hotelPageHtml(widgetUrl));
	});
	const host = options.host ?? '127.0.0.1';
	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, host, resolve);
	});
	const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
	return {
		url: `${origin}/`,
		origin,
		close: () => new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
