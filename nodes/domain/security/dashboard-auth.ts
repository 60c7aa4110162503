/**
 * Sign-in, roles and the access log in front of the Chats dashboard. One function answers every
 * request of the dashboard's Webhook (GET pages and exports, POST forms):
 * - no session: the sign-in form (401); a POST `action=login` checks the password (scrypt), the TOTP
 *   code when the user enrolled one, and the lockout of the account and the source address;
 * - a session cookie (HttpOnly, SameSite=Lax by default, Secure on https) whose token is kept only as
 *   a SHA-256 hash; every POST other than the sign-in carries the session's form token (CSRF).
 *   n8n serves webhook HTML in a sandbox (an opaque origin), so a browser treats the page's own links
 *   and forms as cross-site: a Strict cookie is never sent with them and a Lax one only with GET
 *   links. A form post is therefore recognised by its form token when the cookie is missing, and must
 *   match the cookie's session when it is there;
 * - roles: admin (everything, raw exports, users, access log), agent (chats with text, no exports),
 *   analyst (metrics and masked chats, masked exports only).
 * Every sign-in, chat view, export, refusal and admin action is written to the access log.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

import { readFeed, waitForFeed } from '../channels/web';
import { buildDashboardResponse, escapeHtml, normalizeQuery, type DashboardOptions, type DashboardResponse } from '../costs/dashboard';
import {
	newTestChatClientId,
	renderTestChat,
	sendTestChatMessage,
	TEST_CHAT_LIVE_SCRIPT,
	TEST_CHAT_FEED_WAIT_MS,
	TEST_CHAT_STYLE,
	testChatConversationId,
	awaitingAnswer,
	type TestChatTransport,
} from '../costs/dashboard-test-chat';
import { DASHBOARD_ROLES, DEFAULT_THROTTLE, type AccessLogEntry, type DashboardRole, type DashboardUser, type ThrottlePolicy } from '../store/access';
import type { SupportStore } from '../store/support-store';
import { PersonalDataMask } from './masking';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import { newTotpSecret, totpUri, verifyTotp } from './totp';

export const SESSION_COOKIE = 'wa_chats_session';

export interface DashboardRequest {
	query?: unknown;
	body?: unknown;
	headers?: Record<string, unknown>;
}

export interface DashboardAuthOptions extends Omit<DashboardOptions, 'exports' | 'mask' | 'headerHtml'> {
	/** The first admin, from the dashboard credential. */
	admin?: { username: string; password: string };
	sessionHours?: number;
	throttle?: ThrottlePolicy;
	/** Force the Secure cookie attribute (otherwise set when the request came over https). */
	secureCookie?: boolean;
	/** Strict only works where n8n serves webhook HTML without its sandbox (see the README). */
	sameSite?: 'Lax' | 'Strict';
	/** How the Test chat reaches a bot's trigger (default: fetch). */
	testChatTransport?: TestChatTransport;
	/** How long a Test chat message waits for the answer before the page is shown (ms). */
	testChatWaitMs?: number;
	/** How long the Test chat page's live feed request waits for a new message (ms). */
	testChatFeedWaitMs?: number;
}

export interface DashboardHttpResponse extends DashboardResponse {
	/** The session cookie, an expired one that clears it, or '' (nothing to set). */
	setCookie: string;
	/** Where a 303 goes; on other responses the page's own address (ignored by browsers). */
	location: string;
}

interface Viewer {
	username: string;
	role: DashboardRole;
	tokenHash: string;
	csrf: string;
	totpEnabled: boolean;
}

const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;

function sha256(value: string): string {
	return createHash('sha256').update(value).digest('hex');
}

/** The CSRF token of a session: derived from the token, which only the signed-in browser holds. */
export function csrfTokenFor(sessionToken: string): string {
	return createHmac('sha256', sessionToken).update('chats-dashboard-csrf').digest('base64url');
}

function sameSecret(a: string, b: string): boolean {
	const left = Buffer.from(a);
	const right = Buffer.from(b);
	return left.length === right.length && timingSafeEqual(left, right);
}

function header(headers: Record<string, unknown>, name: string): string {
	const value = headers[name];
	return (Array.isArray(value) ? String(value[0] ?? '') : typeof value === 'string' ? value : '').trim();
}

/** The client address: the first X-Forwarded-For hop (set by your reverse proxy), else X-Real-IP. */
export function sourceAddressOf(headers: Record<string, unknown>): string {
	const forwarded = header(headers, 'x-forwarded-for').split(',')[0]?.trim();
	return (forwarded || header(headers, 'x-real-ip') || 'unknown').slice(0, 64);
}

function cookieValue(headers: Record<string, unknown>, name: string): string | undefined {
	for (const part of header(headers, 'cookie').split(';')) {
		const [key, ...rest] = part.trim().split('=');
		if (key === name) return rest.join('=');
	}
	return undefined;
}

function isHttps(headers: Record<string, unknown>, force?: boolean): boolean {
	return force === true || header(headers, 'x-forwarded-proto').split(',')[0]?.trim().toLowerCase() === 'https';
}

function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean, sameSite: 'Lax' | 'Strict'): string {
	return `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=${sameSite}; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

function formFields(body: unknown): Record<string, string> {
	const fields: Record<string, string> = {};
	if (body && typeof body === 'object' && !Array.isArray(body)) {
		for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
			const first = Array.isArray(value) ? value[0] : value;
			if (typeof first === 'string' || typeof first === 'number') fields[key] = String(first).slice(0, 500);
		}
	}
	return fields;
}

/** The browser's Origin must be this host: a cross-site form post is refused before anything else. */
function crossSite(headers: Record<string, unknown>): boolean {
	const origin = header(headers, 'origin');
	if (!origin || origin === 'null') return false;
	const host = header(headers, 'x-forwarded-host') || header(headers, 'host');
	try {
		return new URL(origin).host !== host;
	} catch {
		return true;
	}
}

// The credential's admin is synchronised once per process and password, not on every request
// (scrypt is deliberately slow).
const SYNCED_ADMINS_KEY = Symbol.for('n8n-nodes-whatsapp-ai-support.dashboardAdmins');
const syncedAdmins: Set<string> = ((globalThis as Record<symbol, unknown>)[SYNCED_ADMINS_KEY] ??= new Set<string>()) as Set<string>;

async function ensureCredentialAdmin(store: SupportStore, admin: { username: string; password: string }): Promise<void> {
	const username = admin.username.trim().toLowerCase();
	const key = sha256(`${store.backend}|${store.schema}|${username}|${admin.password}`);
	if (syncedAdmins.has(key)) return;
	if (!USERNAME.test(username) || !admin.password) throw new Error('The dashboard credential needs a user name (letters, digits, . _ @ -) and a password');
	await store.access.ensureCredentialAdmin(
		username,
		async (hash) => await verifyPassword(admin.password, hash),
		async () => await hashPassword(admin.password),
	);
	syncedAdmins.add(key);
}

const PAGE_STYLE = `*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2327;background:#f4f6f5}
header{background:#075e54;color:#fff;padding:12px 20px;display:flex;flex-wrap:wrap;gap:8px 20px;align-items:baseline}header h1{margin:0;font-size:20px}header a{color:#fff}
main{padding:16px 20px;max-width:1100px}.card{background:#fff;border:1px solid #dde3e0;border-radius:8px;padding:14px 16px;margin:0 0 16px}
.notice{background:#fff4e5;border:1px solid #f0c36d;border-radius:6px;padding:8px 12px;margin:0 0 12px}.ok{background:#e8f7ee;border-color:#8fd3a8}
label{display:block;margin:6px 0}input,select,button{font:inherit;padding:5px 8px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #eef1ef;vertical-align:top}
form.inline{display:inline}code{word-break:break-all}.muted{color:#68737d}`;

function page(title: string, body: string, headerHtml = '', head = ''): string {
	return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${PAGE_STYLE}</style>${head}</head>
<body><header><h1>${escapeHtml(title)}</h1>${headerHtml}</header><main>${body}</main></body></html>
`;
}

function notice(text: string | undefined, kind: 'error' | 'ok' = 'error'): string {
	return text ? `<div class="notice${kind === 'ok' ? ' ok' : ''}" role="${kind === 'ok' ? 'status' : 'alert'}">${escapeHtml(text)}</div>` : '';
}

function loginPage(title: string, message?: string): string {
	return page(
		title,
		`${notice(message)}<form class="card login" method="post" action="?"><input type="hidden" name="action" value="login">
<label>User name <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<label>Authenticator code <span class="muted">(if you set one up)</span> <input name="code" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*"></label>
<button type="submit">Sign in</button></form>`,
	);
}

function csrfField(viewer: Viewer): string {
	return `<input type="hidden" name="csrf" value="${escapeHtml(viewer.csrf)}">`;
}

function navigation(viewer: Viewer): string {
	const links = [`<a href="?" data-nav="chats">Chats</a>`];
	if (viewer.role !== 'analyst') links.push(`<a href="?view=test" data-nav="test">Test chat</a>`);
	links.push(`<a href="?view=security" data-nav="security">Sign-in security</a>`);
	if (viewer.role === 'admin') links.push(`<a href="?view=users" data-nav="users">Users</a>`, `<a href="?view=access-log" data-nav="access-log">Access log</a>`);
	return `<nav class="session" style="margin-left:auto;display:flex;gap:12px;align-items:baseline"><span data-user="${escapeHtml(viewer.username)}" data-role="${viewer.role}">${escapeHtml(viewer.username)} (${viewer.role})</span>${links.join('')}<form class="inline logout" method="post" action="?"><input type="hidden" name="action" value="logout">${csrfField(viewer)}<button type="submit">Sign out</button></form></nav>`;
}

function usersPage(title: string, viewer: Viewer, users: DashboardUser[], message?: { text: string; kind: 'error' | 'ok' }): string {
	const roleOptions = (selected: DashboardRole) => DASHBOARD_ROLES.map((role) => `<option value="${role}"${role === selected ? ' selected' : ''}>${role}</option>`).join('');
	const rows = users
		.map(
			(user) => `<tr data-username="${escapeHtml(user.username)}"><td>${escapeHtml(user.username)}${user.source === 'credential' ? ' <span class="muted">(from the credential)</span>' : ''}</td>
<td><form class="inline" method="post" action="?view=users"><input type="hidden" name="action" value="user-update">${csrfField(viewer)}<input type="hidden" name="username" value="${escapeHtml(user.username)}"><select name="role">${roleOptions(user.role)}</select> <select name="disabled"><option value="no"${user.disabled ? '' : ' selected'}>active</option><option value="yes"${user.disabled ? ' selected' : ''}>disabled</option></select> <input name="password" type="password" placeholder="new password (optional)" autocomplete="new-password"> <button type="submit">Save</button></form></td>
<td>${user.totpSecret ? 'TOTP' : '–'}</td>
<td><form class="inline" method="post" action="?view=users"><input type="hidden" name="action" value="user-delete">${csrfField(viewer)}<input type="hidden" name="username" value="${escapeHtml(user.username)}"><button type="submit">Delete</button></form></td></tr>`,
		)
		.join('');
	return page(
		`${title} · Users`,
		`${message ? notice(message.text, message.kind) : ''}<section class="card"><table class="users"><thead><tr><th>User</th><th>Role, status, password</th><th>2nd factor</th><th></th></tr></thead><tbody>${rows}</tbody></table></section>
<form class="card add-user" method="post" action="?view=users"><h2>Add a user</h2><input type="hidden" name="action" value="user-create">${csrfField(viewer)}
<label>User name <input name="username" required pattern="[a-zA-Z0-9][a-zA-Z0-9._@-]*"></label><label>Role <select name="role">${roleOptions('agent')}</select></label>
<label>Password <input name="password" type="password" required autocomplete="new-password"></label><button type="submit">Add user</button>
<p class="muted">admin: everything, raw exports, users, access log · agent: chats with their text, no exports · analyst: metrics and chats with personal data masked, masked exports only.</p></form>`,
		navigation(viewer),
	);
}

function accessLogPage(title: string, viewer: Viewer, entries: AccessLogEntry[], timeZone: string): string {
	const format = (iso: string) =>
		new Intl.DateTimeFormat('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(iso));
	const rows = entries
		.map(
			(entry) =>
				`<tr class="log-row" data-action="${escapeHtml(entry.action)}" data-outcome="${escapeHtml(entry.outcome)}"><td>${escapeHtml(format(entry.at))}</td><td>${escapeHtml(entry.actor ?? '–')}${entry.role ? ` <span class="muted">${escapeHtml(entry.role)}</span>` : ''}</td><td>${escapeHtml(entry.action)}</td><td>${escapeHtml(entry.target ?? '')}</td><td>${escapeHtml(entry.outcome)}</td><td>${escapeHtml(entry.sourceIp ?? '')}</td><td class="muted">${escapeHtml(entry.detail ? JSON.stringify(entry.detail) : '')}</td></tr>`,
		)
		.join('');
	return page(
		`${title} · Access log`,
		`<section class="card"><p class="muted">Sign-ins, chat views, exports, desk calls and admin actions of the last 90 days (older rows are purged by the retention run), newest first.</p>
<table class="access-log"><thead><tr><th>When</th><th>Who</th><th>Action</th><th>What</th><th>Outcome</th><th>From</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table></section>`,
		navigation(viewer),
	);
}

function securityPage(title: string, viewer: Viewer, pending: { secret: string; uri: string } | undefined, message?: { text: string; kind: 'error' | 'ok' }): string {
	const body = viewer.totpEnabled
		? `<p data-totp="enabled">An authenticator app is set up for your account: sign-in asks for its code.</p>
<form method="post" action="?view=security"><input type="hidden" name="action" value="totp-disable">${csrfField(viewer)}<label>Current code <input name="code" inputmode="numeric" required></label><button type="submit">Turn off</button></form>`
		: pending
			? `<p data-totp="pending">Add this key to your authenticator app (Google Authenticator, Aegis, 1Password…), then type the code it shows.</p>
<p>Key: <code class="totp-secret">${escapeHtml(pending.secret)}</code></p><p class="muted">Or as a link: <code>${escapeHtml(pending.uri)}</code></p>
<form method="post" action="?view=security"><input type="hidden" name="action" value="totp-confirm">${csrfField(viewer)}<label>Code <input name="code" inputmode="numeric" required></label><button type="submit">Confirm</button></form>`
			: `<p data-totp="off">Sign-in asks for your password only.${viewer.role === 'admin' ? ' As an admin, add a second factor.' : ''}</p>
<form method="post" action="?view=security"><input type="hidden" name="action" value="totp-start">${csrfField(viewer)}<button type="submit">Set up an authenticator app</button></form>`;
	return page(`${title} · Sign-in security`, `${message ? notice(message.text, message.kind) : ''}<section class="card totp">${body}</section>`, navigation(viewer));
}

/** Answers one request of the Chats dashboard. */
export async function handleDashboardRequest(store: SupportStore, request: DashboardRequest, options: DashboardAuthOptions): Promise<DashboardHttpResponse> {
	const headers = request.headers ?? {};
	const now = options.now ?? new Date();
	const title = options.title || 'Chats';
	const sourceIp = sourceAddressOf(headers);
	const secure = isHttps(headers, options.secureCookie);
	const sessionSeconds = Math.round((options.sessionHours ?? 8) * 3600);
	const rawQuery = (request.query ?? {}) as Record<string, unknown>;
	const query = normalizeQuery(rawQuery);
	const view = typeof rawQuery.view === 'string' ? rawQuery.view : '';
	const fields = formFields(request.body);
	const action = fields.action ?? '';
	const sameSite = options.sameSite ?? 'Lax';
	const clearCookie = sessionCookie('', 0, secure, sameSite);
	const html = (statusCode: number, body: string, setCookie = clearCookie, location = '?'): DashboardHttpResponse => ({
		statusCode,
		format: 'html',
		contentType: 'text/html; charset=utf-8',
		contentDisposition: 'inline',
		body,
		setCookie,
		location,
	});
	const redirect = (location: string, setCookie: string): DashboardHttpResponse => ({ ...html(303, '', setCookie, location) });
	const log = async (entry: Parameters<SupportStore['access']['logAccess']>[0]) => await store.access.logAccess({ sourceIp, at: now, ...entry });

	if (options.admin) await ensureCredentialAdmin(store, options.admin);

	if (action && crossSite(headers)) {
		await log({ action: 'csrf', outcome: 'denied', target: action, detail: { reason: 'cross-site origin', origin: header(headers, 'origin').slice(0, 200) } });
		return html(403, page(title, notice('This form was sent from another site and was refused.')), '');
	}

	if (action === 'login') {
		const username = (fields.username ?? '').trim().toLowerCase().slice(0, 64);
		const keys = [
			{ kind: 'user' as const, subject: username || '-' },
			{ kind: 'ip' as const, subject: sourceIp },
		];
		const locked = await store.access.lockedUntil(keys, now);
		if (locked) {
			await log({ actor: username || null, action: 'login', outcome: 'locked', detail: { until: locked.toISOString() } });
			const minutes = Math.max(1, Math.ceil((locked.getTime() - now.getTime()) / 60_000));
			return html(429, loginPage(title, `Too many failed sign-ins. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`));
		}
		const user = USERNAME.test(username) ? await store.access.getUser(username) : undefined;
		// A missing user still costs one scrypt, so timing does not tell which names exist.
		const passwordOk = user ? await verifyPassword(fields.password ?? '', user.passwordHash) : (await verifyPassword(fields.password ?? '', await hashPassword('-')), false);
		let reason = !user ? 'unknown user' : user.disabled ? 'disabled' : !passwordOk ? 'wrong password' : undefined;
		if (!reason && user?.totpSecret) {
			const step = await verifyTotp(user.totpSecret, fields.code ?? '', user.totpLastStep);
			if (step === undefined || !(await store.access.useTotpStep(user.username, step))) reason = fields.code ? 'wrong code' : 'code missing';
		}
		if (reason || !user) {
			const lockedNow = await store.access.recordLoginFailure(keys, options.throttle ?? DEFAULT_THROTTLE, now);
			await log({ actor: username || null, action: 'login', outcome: 'failed', detail: { reason, ...(lockedNow ? { lockedUntil: lockedNow.toISOString() } : {}) } });
			return html(401, loginPage(title, reason === 'code missing' ? 'Type the code from your authenticator app.' : 'Wrong user name, password or code.'));
		}
		await store.access.clearLoginFailures('user', user.username);
		const token = randomBytes(32).toString('base64url');
		await store.access.createSession({
			tokenHash: sha256(token),
			formTokenHash: sha256(csrfTokenFor(token)),
			username: user.username,
			expiresAt: new Date(now.getTime() + sessionSeconds * 1000),
			sourceIp,
		});
		await log({ actor: user.username, role: user.role, action: 'login', detail: { secondFactor: Boolean(user.totpSecret) } });
		return redirect('?', sessionCookie(token, sessionSeconds, secure, sameSite));
	}

	const cookieToken = cookieValue(headers, SESSION_COOKIE);
	const token = cookieToken && /^[A-Za-z0-9_-]{20,100}$/.test(cookieToken) ? cookieToken : undefined;
	let session = token ? await store.access.getSession({ tokenHash: sha256(token) }, now) : undefined;
	let csrf = token ? csrfTokenFor(token) : '';
	if (action && session && (!fields.csrf || !sameSecret(fields.csrf, csrf))) {
		await log({ actor: session.username, role: session.role, action: 'csrf', outcome: 'denied', target: action, detail: { reason: fields.csrf ? 'wrong token' : 'no token' } });
		return html(403, page(title, notice('This form has expired or did not come from the dashboard. Reload the page and try again.')), '');
	}
	if (action && !session && fields.csrf) {
		// The sandboxed page's form posts arrive without the cookie: the form token names the session.
		session = await store.access.getSession({ formTokenHash: sha256(fields.csrf) }, now);
		csrf = fields.csrf;
	}
	if (!session) {
		if (action) {
			await log({ action: 'csrf', outcome: 'denied', target: action, detail: { reason: fields.csrf ? 'unknown or expired form token' : 'no session and no form token' } });
			return html(403, loginPage(title, 'Your session has ended or the form did not come from the dashboard. Sign in again.'));
		}
		if (query.format) await log({ action: 'export', outcome: 'denied', target: query.dataset ?? query.format, detail: { reason: 'not signed in' } });
		return html(401, loginPage(title));
	}
	const viewer: Viewer = { username: session.username, role: session.role, tokenHash: session.tokenHash, csrf, totpEnabled: session.totpEnabled };
	const keepCookie = token ? sessionCookie(token, Math.max(0, Math.round((new Date(session.expiresAt).getTime() - now.getTime()) / 1000)), secure, sameSite) : '';
	const actor = { actor: viewer.username, role: viewer.role };

	if (action) {
		if (action === 'logout') {
			await store.access.deleteSession(viewer.tokenHash);
			await log({ ...actor, action: 'logout' });
			return redirect('?', clearCookie);
		}
		if (action.startsWith('totp-')) return await totpAction(action);
		if (action === 'test-send') return await testChatView(true);
		if (action === 'test-feed') return await testChatFeed();
		if (action.startsWith('user-')) {
			if (viewer.role !== 'admin') {
				await log({ ...actor, action, outcome: 'denied', target: fields.username ?? null });
				return html(403, page(title, notice('Only an admin can manage users.'), navigation(viewer)), keepCookie);
			}
			return await userAction(action);
		}
		return html(400, page(title, notice(`Unknown action "${action}".`), navigation(viewer)), keepCookie);
	}

	if (view === 'users' || view === 'access-log') {
		if (viewer.role !== 'admin') {
			await log({ ...actor, action: `view_${view.replace('-', '_')}`, outcome: 'denied' });
			return html(403, page(title, notice('Only an admin can see this page.'), navigation(viewer)), keepCookie);
		}
		if (view === 'users') return html(200, usersPage(title, viewer, await store.access.listUsers()), keepCookie);
		await log({ ...actor, action: 'view_access_log' });
		return html(200, accessLogPage(title, viewer, await store.access.listAccessLog({ limit: 500 }), options.timeZone || 'UTC'), keepCookie);
	}
	if (view === 'security') return html(200, securityPage(title, viewer, undefined), keepCookie);
	if (view === 'test') return await testChatView(false);

	if (query.format && viewer.role === 'agent') {
		await log({ ...actor, action: 'export', outcome: 'denied', target: query.dataset ?? query.format });
		return html(403, page(title, notice('Your role (agent) has no exports.'), navigation(viewer)), keepCookie);
	}
	const mask = viewer.role === 'analyst' ? new PersonalDataMask(await store.keyedHashSecret()) : undefined;
	const response = await buildDashboardResponse(store, rawQuery, { ...options, exports: viewer.role !== 'agent', mask, headerHtml: navigation(viewer) });
	if (response.format !== 'html') {
		await log({ ...actor, action: 'export', target: query.chat ?? null, detail: { format: response.format, dataset: query.format === 'json' ? 'chats+messages' : (query.dataset ?? (query.chat ? 'messages' : 'chats')), rows: response.rows ?? 0, masked: Boolean(mask), from: query.from ?? null, to: query.to ?? null } });
	} else if (query.chat) {
		await log({ ...actor, action: 'view_chat', target: query.chat, outcome: response.statusCode === 404 ? 'failed' : 'ok', detail: mask ? { masked: true } : undefined });
	}
	return { ...response, setCookie: keepCookie, location: '?' };

	/** The Test chat: admins and agents chat with a published bot; a post sends one message first. */
	async function testChatView(send: boolean): Promise<DashboardHttpResponse> {
		if (viewer.role === 'analyst') {
			await log({ ...actor, action: send ? 'test_chat' : 'view_test_chat', outcome: 'denied' });
			return html(403, page(title, notice('Your role (analyst) cannot chat with the bots.'), navigation(viewer)), keepCookie);
		}
		const bots = await store.chatBots.listActive();
		const botId = send ? fields.bot : typeof rawQuery.bot === 'string' ? rawQuery.bot : undefined;
		const bot = bots.find((each) => each.id === botId) ?? (send || botId ? undefined : bots.length === 1 ? bots[0] : undefined);
		let problem = botId && !bot ? 'That bot is not published any more: pick another.' : undefined;
		if (send && bot) {
			const result = await sendTestChatMessage(
				store,
				bot,
				{ user: viewer.username, text: fields.text ?? '', clientId: /^[\w-]{8,64}$/.test(fields.id ?? '') ? fields.id! : newTestChatClientId(), choiceId: fields.choice || undefined },
				{ transport: options.testChatTransport, waitMs: options.testChatWaitMs },
			);
			await log({ ...actor, action: 'test_chat', target: bot.id, outcome: result.ok ? 'ok' : 'failed' });
			problem = result.problem;
		}
		const conversationId = bot ? testChatConversationId(bot, viewer.username) : undefined;
		const messages = conversationId ? await readFeed(store, conversationId, 0, 100) : [];
		const withPerson = conversationId ? Boolean(await store.getOpenHandoff(conversationId)) : false;
		const body = renderTestChat({ bots, bot, messages, csrfField: csrfField(viewer), clientId: newTestChatClientId(), withPerson, problem });
		// While the answer is awaited the page looks again every 2 s (the page has no script).
		const refresh = bot && awaitingAnswer(messages) && !withPerson ? `<meta http-equiv="refresh" content="2;url=${escapeHtml(`?view=test&bot=${encodeURIComponent(bot.id)}`)}">` : '';
		// The page's script asks test-feed for later messages (a person's reply after a handoff) and shows
		// them live; the meta refresh above is the fallback where scripts do not run.
		const live = bot ? `<script>${TEST_CHAT_LIVE_SCRIPT}</script>` : '';
		return html(problem ? 400 : 200, page(`${title} · Test chat`, body, navigation(viewer), `${refresh}<style>${TEST_CHAT_STYLE}</style>${live}`), keepCookie);
	}

	/**
	 * The Test chat's live feed (a POST from the page's script, named by its form token): the user's test
	 * chat messages after `after`, as JSON, as soon as there are any or after a wait with none.
	 */
	async function testChatFeed(): Promise<DashboardHttpResponse> {
		const json = (statusCode: number, value: unknown): DashboardHttpResponse => ({
			statusCode,
			format: 'json',
			contentType: 'application/json; charset=utf-8',
			contentDisposition: 'inline',
			body: JSON.stringify(value),
			setCookie: keepCookie,
			location: '?',
		});
		if (viewer.role === 'analyst') return json(403, { error: 'Your role (analyst) cannot chat with the bots.' });
		const bot = (await store.chatBots.listActive()).find((each) => each.id === fields.bot);
		if (!bot) return json(404, { error: 'That bot is not published any more.' });
		const after = Number(fields.after);
		if (!Number.isSafeInteger(after) || after < 0) return json(400, { error: 'after must be a message id.' });
		const conversationId = testChatConversationId(bot, viewer.username);
		const messages = await waitForFeed(store, conversationId, after, { timeoutMs: options.testChatFeedWaitMs ?? TEST_CHAT_FEED_WAIT_MS });
		return json(200, { messages, withPerson: Boolean(await store.getOpenHandoff(conversationId)) });
	}

	async function totpAction(name: string): Promise<DashboardHttpResponse> {
		const user = await store.access.getUser(viewer.username);
		if (!user) return redirect('?', clearCookie);
		const reply = (text: string, kind: 'error' | 'ok', statusCode = kind === 'ok' ? 200 : 400, current = viewer, pending?: { secret: string; uri: string }) =>
			html(statusCode, securityPage(title, current, pending, { text, kind }), keepCookie);
		if (name === 'totp-start') {
			if (user.totpSecret) return reply('An authenticator app is already set up.', 'error', 409);
			const secret = newTotpSecret();
			await store.access.setTotpPending(user.username, secret);
			await log({ ...actor, action: 'totp_enrolment_started', target: user.username });
			return html(200, securityPage(title, viewer, { secret, uri: totpUri(title, user.username, secret) }), keepCookie);
		}
		if (name === 'totp-confirm') {
			if (!user.totpPendingSecret) return reply('Start the set-up first.', 'error');
			const step = await verifyTotp(user.totpPendingSecret, fields.code ?? '');
			if (step === undefined) {
				await log({ ...actor, action: 'totp_enrolment', outcome: 'failed', target: user.username });
				return reply('That code is not right. Check the clock of your phone and type the current code.', 'error', 400, viewer, { secret: user.totpPendingSecret, uri: totpUri(title, user.username, user.totpPendingSecret) });
			}
			await store.access.setTotpSecret(user.username, user.totpPendingSecret, step);
			await log({ ...actor, action: 'totp_enrolment', target: user.username });
			return reply('The authenticator app is set up: sign-in now asks for its code.', 'ok', 200, { ...viewer, totpEnabled: true });
		}
		if (name === 'totp-disable') {
			if (!user.totpSecret) return reply('No authenticator app is set up.', 'error', 409);
			const step = await verifyTotp(user.totpSecret, fields.code ?? '', user.totpLastStep);
			if (step === undefined || !(await store.access.useTotpStep(user.username, step))) return reply('That code is not right.', 'error');
			await store.access.setTotpSecret(user.username, null, null);
			await log({ ...actor, action: 'totp_removed', target: user.username });
			return reply('The authenticator app is turned off.', 'ok', 200, { ...viewer, totpEnabled: false });
		}
		return reply(`Unknown action "${name}".`, 'error');
	}

	async function userAction(name: string): Promise<DashboardHttpResponse> {
		const username = (fields.username ?? '').trim().toLowerCase();
		const role = fields.role as DashboardRole | undefined;
		const reply = async (statusCode: number, text: string, kind: 'error' | 'ok') =>
			html(statusCode, usersPage(title, viewer, await store.access.listUsers(), { text, kind }), keepCookie);
		if (!USERNAME.test(username)) return await reply(400, 'A user name has letters, digits and . _ @ - only (up to 64).', 'error');
		if (role !== undefined && !DASHBOARD_ROLES.includes(role)) return await reply(400, 'The role must be admin, agent or analyst.', 'error');
		const password = fields.password ?? '';
		const problem = password ? passwordProblem(password, username) : undefined;
		if (problem) return await reply(400, problem, 'error');
		if (name === 'user-create') {
			if (!password || !role) return await reply(400, 'A new user needs a role and a password.', 'error');
			const created = await store.access.createUser({ username, role, passwordHash: await hashPassword(password), createdBy: viewer.username });
			if (!created) return await reply(409, `There is already a user "${username}".`, 'error');
			await log({ ...actor, action: 'user_created', target: username, detail: { role } });
			return await reply(200, `User "${username}" (${role}) added.`, 'ok');
		}
		if (name === 'user-update') {
			const existing = await store.access.getUser(username);
			if (!existing) return await reply(404, `There is no user "${username}".`, 'error');
			const disabled = fields.disabled === undefined ? undefined : fields.disabled === 'yes';
			const losesAdmin = existing.role === 'admin' && !existing.disabled && ((role && role !== 'admin') || disabled === true);
			if (losesAdmin && (await store.access.countActiveAdmins()) <= 1) return await reply(409, 'This is the last active admin: add another admin first.', 'error');
			const changes = {
				role: role !== existing.role ? role : undefined,
				disabled: disabled !== existing.disabled ? disabled : undefined,
				passwordHash: password ? await hashPassword(password) : undefined,
			};
			await store.access.updateUser(username, changes);
			await log({ ...actor, action: 'user_updated', target: username, detail: { role: changes.role ?? null, disabled: changes.disabled ?? null, passwordChanged: Boolean(password) } });
			if (username === viewer.username && (changes.role || changes.disabled || changes.passwordHash)) return redirect('?', clearCookie);
			return await reply(200, `User "${username}" saved.`, 'ok');
		}
		if (name === 'user-delete') {
			if (username === viewer.username) return await reply(409, 'You cannot delete yourself.', 'error');
			const result = await store.access.deleteUser(username);
			if (result === 'not_found') return await reply(404, `There is no user "${username}".`, 'error');
			if (result === 'last_admin') return await reply(409, 'This is the last active admin: add another admin first.', 'error');
			await log({ ...actor, action: 'user_deleted', target: username });
			return await reply(200, `User "${username}" deleted.`, 'ok');
		}
		return await reply(400, `Unknown action "${name}".`, 'error');
	}
}
