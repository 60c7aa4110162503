// Headless Chromium for the end-to-end tests: Debian's `chromium` package (`apt-get install chromium`;
// .ci/run installs it) driven through playwright-core, which downloads no browser of its own. Every
// launch gets a fresh profile folder under the OS temp dir, removed again by close().
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_EXECUTABLE = '/usr/bin/chromium';

/** Offline and quiet: no QUIC, no first-run pages, no background calls to Google services. */
export const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];

export type BrowserOptions = Omit<NonNullable<Parameters<typeof chromium.launchPersistentContext>[1]>, 'executablePath' | 'headless' | 'args'>;

export interface HeadlessBrowser {
	context: BrowserContext;
	/** The context's first tab. */
	page: Page;
	/** Closes the browser and deletes its profile folder; idempotent. */
	close(): Promise<void>;
}

export async function launchHeadlessChromium(options: BrowserOptions = {}): Promise<HeadlessBrowser> {
	if (!existsSync(CHROMIUM_EXECUTABLE)) {
		throw new Error(
			`The browser tests need Debian's Chromium at ${CHROMIUM_EXECUTABLE}, which is not there. Install it with \`apt-get install chromium\` (.ci/run does).`,
		);
	}
	const profile = mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
	let context: BrowserContext;
	try {
		context = await chromium.launchPersistentContext(profile, {
			viewport: { width: 1400, height: 1000 },
			...options,
			executablePath: CHROMIUM_EXECUTABLE,
			headless: true,
			args: CHROMIUM_ARGS,
		});
	} catch (error) {
		rmSync(profile, { recursive: true, force: true });
		throw error;
	}
	const page = context.pages()[0] ?? (await context.newPage());
	let closing: Promise<void> | undefined;
	return {
		context,
		page,
		close: () => {
			closing ??= context.close().finally(() => rmSync(profile, { recursive: true, force: true }));
			return closing;
		},
	};
}
