/**
 * The chat widget a site embeds with one script tag. Plain browser JavaScript (no build step, no
 * framework), served by the Web Chat Trigger from its own URL, so it finds the chat's endpoints next to
 * itself. Guest and bot text is only ever set with textContent.
 */

/** Interface strings in the five languages every guest-facing text exists in; chosen from the browser's language. */
export const WIDGET_STRINGS: Record<'en' | 'nl' | 'de' | 'fr' | 'es', Record<string, string>> = {
	en: {
		open: 'Chat with us',
		close: 'Close chat',
		placeholder: 'Type your message…',
		send: 'Send',
		typing: 'Typing…',
		error: 'The message could not be sent. Please try again.',
		slowDown: 'You are sending messages quickly. Please wait a moment.',
		tooLong: 'This message is too long.',
		offline: 'Connection lost, reconnecting…',
		agent: 'Staff',
	},
	nl: {
		open: 'Chat met ons',
		close: 'Chat sluiten',
		placeholder: 'Typ je bericht…',
		send: 'Verstuur',
		typing: 'Aan het typen…',
		error: 'Het bericht kon niet worden verstuurd. Probeer het opnieuw.',
		slowDown: 'Je stuurt snel berichten. Wacht even.',
		tooLong: 'Dit bericht is te lang.',
		offline: 'Verbinding verbroken, opnieuw verbinden…',
		agent: 'Medewerker',
	},
	de: {
		open: 'Chatten Sie mit uns',
		close: 'Chat schließen',
		placeholder: 'Ihre Nachricht…',
		send: 'Senden',
		typing: 'Schreibt…',
		error: 'Die Nachricht konnte nicht gesendet werden. Bitte versuchen Sie es erneut.',
		slowDown: 'Sie senden sehr schnell. Bitte warten Sie einen Moment.',
		tooLong: 'Diese Nachricht ist zu lang.',
		offline: 'Verbindung unterbrochen, verbinde neu…',
		agent: 'Mitarbeiter',
	},
	fr: {
		open: 'Discutez avec nous',
		close: 'Fermer le chat',
		placeholder: 'Votre message…',
		send: 'Envoyer',
		typing: 'En train d’écrire…',
		error: 'Le message n’a pas pu être envoyé. Veuillez réessayer.',
		slowDown: 'Vous envoyez des messages rapidement. Veuillez patienter un instant.',
		tooLong: 'Ce message est trop long.',
		offline: 'Connexion perdue, reconnexion…',
		agent: 'Équipe',
	},
	es: {
		open: 'Chatea con nosotros',
		close: 'Cerrar el chat',
		placeholder: 'Escribe tu mensaje…',
		send: 'Enviar',
		typing: 'Escribiendo…',
		error: 'No se pudo enviar el mensaje. Inténtalo de nuevo.',
		slowDown: 'Estás enviando mensajes muy rápido. Espera un momento.',
		tooLong: 'Este mensaje es demasiado largo.',
		offline: 'Conexión perdida, reconectando…',
		agent: 'Personal',
	},
};

export interface WidgetConfig {
	title: string;
	color: string;
	maxMessageLength: number;
}

// Written as plain ES2017 for the browser; `CONFIG` and `STRINGS` are filled in by `widgetScript`.
const WIDGET_SOURCE = String.raw`(function () {
	'use strict';
	var CONFIG = __CONFIG__;
	var STRINGS = __STRINGS__;
	var script = document.currentScript;
	if (!script || window.__webChatWidgetLoaded) return;
	window.__webChatWidgetLoaded = true;
	var base = script.src.replace(/\/widget\.js(\?.*)?$/, '');
	var data = script.dataset || {};
	var langs = (navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en']);
	var lang = 'en';
	for (var i = 0; i < langs.length; i++) {
		var code = String(langs[i]).slice(0, 2).toLowerCase();
		if (STRINGS[code]) { lang = code; break; }
	}
	if (data.lang && STRINGS[data.lang]) lang = data.lang;
	var t = STRINGS[lang];
	var storageKey = 'webchat:' + base;
	var state = { ready: null, session: null, cursor: 0, seen: {}, source: null, polling: false, typingTimer: null, pendingSince: 0, sseFailures: 0 };

	function el(tag, cls, text) {
		var node = document.createElement(tag);
		if (cls) node.className = cls;
		if (text !== undefined) node.textContent = text;
		return node;
	}

	var css = '.wc-root{position:fixed;right:16px;bottom:16px;z-index:2147483000;font:15px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2327}' +
		'.wc-launch{background:' + CONFIG.color + ';color:#fff;border:0;border-radius:24px;padding:12px 18px;font:inherit;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.2)}' +
		'.wc-panel{display:none;flex-direction:column;width:360px;height:540px;max-height:calc(100vh - 32px);background:#fff;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden}' +
		'.wc-open .wc-panel{display:flex}.wc-open .wc-launch{display:none}' +
		'.wc-head{background:' + CONFIG.color + ';color:#fff;padding:12px 14px;display:flex;justify-content:space-between;align-items:center;font-weight:600}' +
		'.wc-head button{background:none;border:0;color:#fff;font-size:22px;cursor:pointer;line-height:1}' +
		'.wc-log{flex:1;overflow-y:auto;padding:12px;background:#f4f5f7}' +
		'.wc-msg{max-width:80%;margin:6px 0;padding:8px 12px;border-radius:12px;white-space:pre-wrap;word-wrap:break-word;clear:both}' +
		'.wc-in{float:right;background:' + CONFIG.color + ';color:#fff;border-bottom-right-radius:4px}' +
		'.wc-out{float:left;background:#fff;border:1px solid #e1e4e8;border-bottom-left-radius:4px}' +
		'.wc-agent{border-color:#f0b429}.wc-who{display:block;font-size:12px;color:#8a6d00;margin-bottom:2px}' +
		'.wc-buttons{clear:both;display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px}' +
		'.wc-buttons button{border:1px solid ' + CONFIG.color + ';color:' + CONFIG.color + ';background:#fff;border-radius:16px;padding:6px 12px;font:inherit;cursor:pointer}' +
		'.wc-typing,.wc-notice{clear:both;font-size:13px;color:#667;padding:4px 2px}' +
		'.wc-form{display:flex;border-top:1px solid #e1e4e8;background:#fff}' +
		'.wc-form textarea{flex:1;border:0;padding:12px;font:inherit;resize:none;height:48px;outline:none}' +
		'.wc-form button{border:0;background:none;color:' + CONFIG.color + ';font:inherit;font-weight:600;padding:0 14px;cursor:pointer}' +
		'@media (max-width:480px){.wc-open{right:0;bottom:0;left:0;top:0}.wc-open .wc-panel{width:100vw;height:100%;max-height:none;border-radius:0}}';

	var root = el('div', 'wc-root');
	root.setAttribute('data-web-chat', '');
	var style = el('style');
	style.textContent = css;
	var launch = el('button', 'wc-launch', t.open);
	launch.type = 'button';
	var panel = el('div', 'wc-panel');
	panel.setAttribute('role', 'dialog');
	panel.setAttribute('aria-label', CONFIG.title);
	var head = el('div', 'wc-head');
	head.appendChild(el('span', '', CONFIG.title));
	var close = el('button', '', '\u00d7');
	close.type = 'button';
	close.setAttribute('aria-label', t.close);
	head.appendChild(close);
	var log = el('div', 'wc-log');
	log.setAttribute('aria-live', 'polite');
	var typing = el('div', 'wc-typing', t.typing);
	typing.style.display = 'none';
	var notice = el('div', 'wc-notice');
	notice.style.display = 'none';
	var form = el('form', 'wc-form');
	var input = el('textarea');
	input.placeholder = t.placeholder;
	input.maxLength = CONFIG.maxMessageLength;
	input.setAttribute('aria-label', t.placeholder);
	var sendButton = el('button', '', t.send);
	sendButton.type = 'submit';
	form.appendChild(input);
	form.appendChild(sendButton);
	panel.appendChild(head);
	panel.appendChild(log);
	panel.appendChild(form);
	root.appendChild(style);
	root.appendChild(launch);
	root.appendChild(panel);
	document.body.appendChild(root);

	function showNotice(text) {
		notice.textContent = text || '';
		notice.style.display = text ? 'block' : 'none';
		log.appendChild(notice);
		scroll();
	}
	function scroll() { log.scrollTop = log.scrollHeight; }
	function setTyping(on) {
		clearTimeout(state.typingTimer);
		typing.style.display = on ? 'block' : 'none';
		if (on) {
			log.appendChild(typing);
			state.typingTimer = setTimeout(function () { setTyping(false); }, 30000);
		}
		scroll();
	}
	function clearButtons() {
		var old = log.querySelectorAll('.wc-buttons');
		for (var i = 0; i < old.length; i++) old[i].parentNode.removeChild(old[i]);
	}

	// WhatsApp's *bold* (the knowledge base is written for both channels), as an element with textContent:
	// formatting without HTML.
	function appendFormatted(parent, text) {
		var pattern = /\*([^*\n]+)\*/g;
		var last = 0;
		var match;
		while ((match = pattern.exec(text))) {
			if (match.index > last) parent.appendChild(document.createTextNode(text.slice(last, match.index)));
			parent.appendChild(el('strong', '', match[1]));
			last = pattern.lastIndex;
		}
		if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
	}

	function render(message) {
		if (state.seen[message.id]) return;
		state.seen[message.id] = true;
		if (message.id > state.cursor) state.cursor = message.id;
		var bubble = el('div', 'wc-msg ' + (message.direction === 'inbound' ? 'wc-in' : 'wc-out'));
		bubble.setAttribute('data-id', String(message.id));
		bubble.setAttribute('data-author', message.author);
		if (message.author === 'agent') {
			bubble.className += ' wc-agent';
			bubble.appendChild(el('span', 'wc-who', t.agent));
		}
		appendFormatted(bubble, message.text);
		if (message.direction === 'inbound') {
			var local = log.querySelector('.wc-local');
			if (local && local.textContent === message.text) { local.parentNode.removeChild(local); }
		} else {
			clearButtons();
			if (!state.pendingSince || message.id > state.pendingSince) setTyping(false);
		}
		log.appendChild(bubble);
		if (message.buttons && message.buttons.length) {
			var row = el('div', 'wc-buttons');
			message.buttons.forEach(function (choice) {
				var button = el('button', '', choice.title);
				button.type = 'button';
				button.addEventListener('click', function () { clearButtons(); send(choice.title, { id: choice.id, title: choice.title }); });
				row.appendChild(button);
			});
			log.appendChild(row);
		}
		if (typing.style.display !== 'none') log.appendChild(typing);
		scroll();
	}

	function request(method, path, body) {
		var options = { method: method, headers: {} };
		if (body) { options.headers['Content-Type'] = 'application/json'; options.body = JSON.stringify(body); }
		return fetch(base + path, options).then(function (response) {
			return response.text().then(function (text) {
				var json = {};
				try { json = text ? JSON.parse(text) : {}; } catch (e) { json = {}; }
				return { status: response.status, json: json, retryAfter: response.headers.get('Retry-After') };
			});
		});
	}

	function startSession() {
		var identity = data.customerSignature ? { email: data.customerEmail, phone: data.customerPhone, signature: data.customerSignature } : undefined;
		return request('POST', '/session', { identity: identity }).then(function (answer) {
			if (answer.status !== 201) throw new Error('session ' + answer.status);
			state.session = answer.json.session;
			try { localStorage.setItem(storageKey, state.session); } catch (e) { /* private mode */ }
		});
	}

	function connect() {
		if (state.source) { state.source.close(); state.source = null; }
		if (state.polling || typeof EventSource === 'undefined' || state.sseFailures >= 2) return poll();
		var source = new EventSource(base + '/events?session=' + encodeURIComponent(state.session) + '&after=' + state.cursor);
		var opened = false;
		state.source = source;
		source.addEventListener('message', function (event) {
			opened = true;
			showNotice('');
			try { JSON.parse(event.data).forEach(render); } catch (e) { /* ignore a broken event */ }
		});
		source.addEventListener('open', function () { opened = true; state.sseFailures = 0; showNotice(''); });
		source.addEventListener('error', function () {
			source.close();
			if (state.source !== source) return;
			state.source = null;
			if (!opened) state.sseFailures++;
			// The server ends each stream after a while; come back from the cursor.
			setTimeout(resume, opened ? 100 : 1500);
		});
	}

	function poll() {
		state.polling = true;
		request('GET', '/poll?session=' + encodeURIComponent(state.session) + '&after=' + state.cursor).then(function (answer) {
			if (answer.status === 401) return startSession().then(poll);
			if (answer.status !== 200) throw new Error('poll ' + answer.status);
			showNotice('');
			(answer.json.messages || []).forEach(render);
			poll();
		}).catch(function () { showNotice(t.offline); setTimeout(poll, 3000); });
	}

	// Loads what is new (all of the history on a fresh page), checking the session, then listens live.
	function resume() {
		return request('GET', '/poll?wait=0&session=' + encodeURIComponent(state.session || '') + '&after=' + state.cursor).then(function (answer) {
			if (answer.status === 401) return startSession().then(resume);
			if (answer.status !== 200) throw new Error('feed ' + answer.status);
			(answer.json.messages || []).forEach(render);
			connect();
		}).catch(function () { showNotice(t.offline); setTimeout(resume, 3000); });
	}

	function newId() {
		var bytes = new Uint8Array(12);
		(window.crypto || window.msCrypto).getRandomValues(bytes);
		return Array.prototype.map.call(bytes, function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
	}

	function send(text, button, retried) {
		text = String(text || '').trim();
		if (!text) return;
		if (text.length > CONFIG.maxMessageLength) { showNotice(t.tooLong); return; }
		showNotice('');
		var id = newId();
		var local = el('div', 'wc-msg wc-in wc-local', text);
		log.appendChild(local);
		state.pendingSince = state.cursor;
		setTyping(true);
		return (state.ready || Promise.resolve()).then(function () {
			var body = { session: state.session, id: id, text: text, language: navigator.language };
			if (button) body.button = button;
			return request('POST', '/message', body);
		}).then(function (answer) {
			if (answer.status === 401 && !retried) {
				// The session expired (or the secret changed): a new session, a new chat.
				local.parentNode.removeChild(local);
				state.ready = startSession().then(function () { state.cursor = 0; state.seen = {}; log.textContent = ''; return resume(); });
				return send(text, button, true);
			}
			if (answer.status === 202 || answer.status === 200) {
				if (answer.json.id && answer.json.id > state.pendingSince) state.pendingSince = answer.json.id;
				if (answer.json.withPerson) setTyping(false);
				return;
			}
			setTyping(false);
			local.parentNode.removeChild(local);
			showNotice(answer.status === 429 ? t.slowDown : answer.status === 413 ? t.tooLong : t.error);
		}).catch(function () { setTyping(false); showNotice(t.error); });
	}

	form.addEventListener('submit', function (event) {
		event.preventDefault();
		var text = input.value;
		input.value = '';
		send(text);
	});
	input.addEventListener('keydown', function (event) {
		if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); form.dispatchEvent(new Event('submit', { cancelable: true })); }
	});
	var started = false;
	function open() {
		root.className = 'wc-root wc-open';
		try { sessionStorage.setItem(storageKey + ':open', '1'); } catch (e) { /* private mode */ }
		input.focus();
		if (started) return;
		started = true;
		try { state.session = localStorage.getItem(storageKey); } catch (e) { state.session = null; }
		state.ready = (state.session ? resume() : startSession().then(resume)).catch(function () { showNotice(t.error); started = false; });
	}
	launch.addEventListener('click', open);
	close.addEventListener('click', function () {
		root.className = 'wc-root';
		try { sessionStorage.removeItem(storageKey + ':open'); } catch (e) { /* private mode */ }
	});
	window.WebChat = { open: open, send: function (text) { open(); return send(text); } };
	var reopen = false;
	try { reopen = sessionStorage.getItem(storageKey + ':open') === '1'; } catch (e) { reopen = false; }
	if (data.open === 'true' || reopen) open();
})();
`;

/** The widget script with its configuration; `<` is escaped so nothing in it can close a script element. */
export function widgetScript(config: WidgetConfig): string {
	const literal = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');
	return WIDGET_SOURCE.replace('__CONFIG__', () => literal(config)).replace('__STRINGS__', () => literal(WIDGET_STRINGS));
}
