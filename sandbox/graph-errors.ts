// Meta's Graph / WhatsApp Cloud API error envelope, and the HTTP status Meta pairs with each code.
//
// HTTP statuses follow the "HTTP Status Code" column of Meta's Cloud API error-code table
// (developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes):
//   0, 190 (token)                                   → 401 Unauthorized
//   10, 200–299 (permissions), 368, 131031            → 403 Forbidden
//   132001 (template does not exist)                 → 404 Not Found
//   131000 (something went wrong), 1, 3, 131045, 131057 → 500 Internal Server Error
//   2, 131016 (service unavailable)                   → 503 Service Unavailable
//   everything else, including the throttling codes 4, 80007, 130429, 131048 and 131056, and the
//   delivery codes 131026, 131047, 131049, 131050     → 400 Bad Request
// Meta does NOT answer 429 for 130429 / 131056: throttling arrives as 400 plus the code, so clients
// must branch on `error.code`, not on the HTTP status.

export interface GraphErrorBody {
	error: {
		message: string;
		type: string;
		code: number;
		error_subcode?: number;
		error_data?: { messaging_product: 'whatsapp'; details: string };
		fbtrace_id: string;
	};
}

export interface GraphErrorResponse {
	status: number;
	body: GraphErrorBody;
	headers: Record<string, string>;
}

export interface CatalogEntry {
	title: string;
	details: string;
}

/** Titles and details as Meta words them (titles are also the `message` after the `(#code)` prefix). */
const whatsappErrorCatalog: Record<number, CatalogEntry> = {
	4: { title: 'Application request limit reached', details: 'The app has reached its API call rate limit.' },
	80007: { title: 'Rate limit issues', details: 'The WhatsApp Business Account has reached its rate limit.' },
	100: { title: 'Invalid parameter', details: 'The request included one or more unsupported or misspelled parameters.' },
	130429: {
		title: 'Rate limit hit',
		details: 'Message failed to send because there were too many messages sent from this phone number in a short period of time',
	},
	130472: { title: "User's number is part of an experiment", details: 'Message was not sent as part of an experiment.' },
	131000: { title: 'Something went wrong', details: 'Message failed to send due to an unknown error.' },
	131005: { title: 'Access denied', details: 'Permission is either not granted or has been removed.' },
	131008: { title: 'Required parameter is missing', details: 'The request is missing a required parameter.' },
	131009: { title: 'Parameter value is not valid', details: 'One or more parameter values are invalid.' },
	131016: { title: 'Service unavailable', details: 'A service is temporarily unavailable. Please check the status page.' },
	131021: { title: 'Recipient cannot be sender', details: 'Sender and recipient phone number is the same.' },
	131026: {
		title: 'Message undeliverable',
		details: 'Message failed to send because the recipient is not a WhatsApp user, has not accepted the latest terms, or uses an outdated client.',
	},
	131031: { title: 'Account has been locked', details: 'The WhatsApp Business Account is restricted or disabled for a policy violation.' },
	131042: { title: 'Business eligibility payment issue', details: 'There was an error related to your payment method.' },
	131047: {
		title: 'Re-engagement message',
		details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
	},
	131048: {
		title: 'Spam rate limit hit',
		details: 'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
	},
	131049: {
		title: 'This message was not delivered to maintain healthy ecosystem engagement.',
		details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
	},
	131050: {
		title: 'User has stopped receipt of marketing messages',
		details: 'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
	},
	131051: { title: 'Unsupported message type', details: 'Message type is not currently supported.' },
	131052: { title: 'Media download error', details: 'Unable to download the media sent by the user.' },
	131053: { title: 'Media upload error', details: 'Unable to upload the media used in the message.' },
	131056: {
		title: '(Business Account, Consumer Account) pair rate limit hit',
		details:
			'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
	},
	131057: { title: 'Account in maintenance mode', details: 'Business Account is in maintenance mode.' },
	131062: {
		title: 'Business-scoped User ID recipients are not supported for this message',
		details: 'This message type cannot be sent to a business-scoped user ID. Send it to the phone number instead.',
	},
	132000: { title: 'Number of parameters does not match the expected number of params', details: 'Template parameter count mismatch.' },
	132001: { title: 'Template does not exist', details: 'Template name does not exist in the translation.' },
	132012: { title: 'Parameter format does not match format in the created template', details: 'Template parameter format mismatch.' },
};

/** Title and details of a WhatsApp error code (used for `failed` status webhooks too). */
export function whatsappErrorInfo(code: number): CatalogEntry {
	return whatsappErrorCatalog[code] ?? { title: 'Unknown error', details: 'Unknown error' };
}

/** HTTP status Meta answers with for a Graph error code (see the table at the top of this file). */
export function httpStatusForCode(code: number): number {
	if (code === 0 || code === 190) return 401;
	if (code === 10 || (code >= 200 && code <= 299) || code === 368 || code === 131005 || code === 131031) return 403;
	if (code === 132001) return 404;
	if (code === 1 || code === 3 || code === 131000 || code === 131045 || code === 131057) return 500;
	if (code === 2 || code === 131016) return 503;
	return 400;
}

/** Meta's fbtrace_id: a short opaque id, different on every response. */
export function newTraceId(): string {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
	let id = 'A';
	for (let i = 0; i < 22; i++) id += alphabet[Math.floor(Math.random() * alphabet.length)];
	return id;
}

function respond(status: number, error: GraphErrorBody['error']): GraphErrorResponse {
	const headers: Record<string, string> = { 'x-fb-trace-id': error.fbtrace_id };
	if (status === 401) headers['www-authenticate'] = `OAuth "Facebook Platform" "invalid_token" "${error.message.replace(/"/g, "'")}"`;
	return { status, body: { error }, headers };
}

/**
 * A WhatsApp messaging error the way Cloud API sends it: `(#code) title`, type OAuthException,
 * `error_data.details`, a fresh fbtrace_id. `details` overrides the catalog text (used by validation
 * errors to name the offending field).
 */
export function whatsappError(code: number, options: { details?: string; title?: string; httpStatus?: number; subcode?: number } = {}): GraphErrorResponse {
	const entry = whatsappErrorCatalog[code];
	const title = options.title ?? entry?.title ?? 'Unknown error';
	const error: GraphErrorBody['error'] = {
		message: `(#${code}) ${title}`,
		type: 'OAuthException',
		code,
		error_data: { messaging_product: 'whatsapp', details: options.details ?? entry?.details ?? title },
		fbtrace_id: newTraceId(),
	};
	if (options.subcode !== undefined) error.error_subcode = options.subcode;
	return respond(options.httpStatus ?? httpStatusForCode(code), error);
}

/** The "(#100) Invalid parameter" answer to a body that breaks Meta's rules; `details` names the field. */
export function invalidParameter(details: string): GraphErrorResponse {
	return whatsappError(100, { details });
}

/**
 * Graph's own token error (code 190). Like the real Graph API it carries no `error_data`; the
 * subcode 463 ("session has expired") is only set when a test scripts an expired token.
 */
export function accessTokenError(reason: 'missing' | 'invalid' | 'expired'): GraphErrorResponse {
	const messages = {
		missing: 'An access token is required to request this resource.',
		invalid: 'Invalid OAuth access token - Cannot parse access token',
		expired: 'Error validating access token: Session has expired.',
	};
	const error: GraphErrorBody['error'] = { message: messages[reason], type: 'OAuthException', code: 190, fbtrace_id: newTraceId() };
	if (reason === 'expired') error.error_subcode = 463;
	return respond(401, error);
}

/** Graph's answer for an id that is not a node this token can see: code 100, subcode 33. */
export function unknownObject(method: string, objectId: string): GraphErrorResponse {
	const verb = method.toLowerCase() === 'get' ? 'get' : method.toLowerCase() === 'delete' ? 'delete' : 'post';
	return respond(400, {
		message:
			`Unsupported ${verb} request. Object with ID '${objectId}' does not exist, cannot be loaded due to missing permissions, ` +
			'or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api',
		type: 'GraphMethodException',
		code: 100,
		error_subcode: 33,
		fbtrace_id: newTraceId(),
	});
}

/** Graph's answer for a path it cannot route (bad version segment, unknown edge). */
export function unknownPath(path: string): GraphErrorResponse {
	return respond(400, { message: `Unknown path components: ${path}`, type: 'OAuthException', code: 2500, fbtrace_id: newTraceId() });
}

/** Graph's answer for `?fields=` naming a field the node does not have. */
export function nonexistingField(field: string, nodeType: string): GraphErrorResponse {
	return respond(400, {
		message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`,
		type: 'OAuthException',
		code: 100,
		fbtrace_id: newTraceId(),
	});
}
