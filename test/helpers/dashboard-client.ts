// Talks to the Chats dashboard over HTTP like a browser with cookies: form posts (urlencoded), the
// session cookie and the CSRF token the page puts in its forms.
export interface DashboardResponseSummary {
	status: number;
	body: string;
	headers: Headers;
}

export class DashboardClient {
	cookie = '';

	/** `sourceIp` is sent as X-Forwarded-For, as a reverse proxy would, so each client has its own address. */
	constructor(
		readonly url: string,
		readonly sourceIp = `192.0.2.${Math.floor(Math.random() * 250) + 1}`,
	) {}

	private remember(response: Response): void {
		const setCookie = response.headers.get('set-cookie');
		const match = setCookie ? /wa_chats_session=([^;]*)/.exec(setCookie) : null;
		if (match) this.cookie = match[1] ? `wa_chats_session=${match[1]}` : '';
	}

	async get(query: Record<string, string> = {}): Promise<DashboardResponseSummary> {
		const search = new URLSearchParams(query).toString();
		const response = await fetch(`${this.url}${search ? `?${search}` : ''}`, { headers: { 'x-forwarded-for': this.sourceIp, ...(this.cookie ? { cookie: this.cookie } : {}) }, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
		this.remember(response);
		return { status: response.status, body: await response.text(), headers: response.headers };
	}

	async post(fields: Record<string, string>, options: { query?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<DashboardResponseSummary> {
		const search = new URLSearchParams(options.query ?? {}).toString();
		const response = await fetch(`${this.url}${search ? `?${search}` : ''}`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': this.sourceIp, ...(this.cookie ? { cookie: this.cookie } : {}), ...options.headers },
			body: new URLSearchParams(fields).toString(),
			redirect: 'manual',
			signal: AbortSignal.timeout(30_000),
		});
		this.remember(response);
		return { status: response.status, body: await response.text(), headers: response.headers };
	}

	async login(username: string, password: string, code?: string): Promise<DashboardResponseSummary> {
		return await this.post({ action: 'login', username, password, ...(code ? { code } : {}) });
	}

	/** The CSRF token of the signed-in session, read from a page's forms. */
	async csrf(): Promise<string> {
		const page = await this.get({ view: 'security' });
		const token = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
		if (!token) throw new Error(`No CSRF token on the page (status ${page.status})`);
		return token;
	}
}
