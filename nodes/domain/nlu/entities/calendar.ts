/** Calendar days in a business time zone, with Intl only (no fixed calendar, no time-zone tables of our own). */
import type { IsoDate } from './types';

export interface LocalDay {
	year: number;
	month: number;
	day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
	let formatter = formatters.get(timeZone);
	if (!formatter) {
		formatter = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: 'numeric',
			day: 'numeric',
			hour: 'numeric',
			minute: 'numeric',
			second: 'numeric',
		});
		formatters.set(timeZone, formatter);
	}
	return formatter;
}

/** Throws a RangeError naming the zone when Intl does not know it. */
export function assertTimeZone(timeZone: string): void {
	try {
		formatterFor(timeZone);
	} catch {
		throw new RangeError(`Unknown time zone "${timeZone}" (use an IANA name such as Europe/Amsterdam)`);
	}
}

/** The wall clock in `timeZone` at `instant`. */
export function wallClock(instant: Date, timeZone: string): LocalDay & { hour: number; minute: number; second: number } {
	const parts: Record<string, number> = {};
	for (const part of formatterFor(timeZone).formatToParts(instant)) {
		if (part.type !== 'literal') parts[part.type] = Number(part.value);
	}
	return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour % 24, minute: parts.minute, second: parts.second };
}

/** Minutes east of UTC of `timeZone` at `instant` (what chrono-node takes as a reference time zone). */
export function offsetMinutes(instant: Date, timeZone: string): number {
	const clock = wallClock(instant, timeZone);
	const asUtc = Date.UTC(clock.year, clock.month - 1, clock.day, clock.hour, clock.minute, clock.second);
	return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

export function toUtcDay(day: LocalDay): Date {
	return new Date(Date.UTC(day.year, day.month - 1, day.day));
}

export function fromUtcDay(date: Date): LocalDay {
	return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export function addDays(day: LocalDay, days: number): LocalDay {
	const date = toUtcDay(day);
	date.setUTCDate(date.getUTCDate() + days);
	return fromUtcDay(date);
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(day: LocalDay): number {
	return toUtcDay(day).getUTCDay();
}

export function compareDays(a: LocalDay, b: LocalDay): number {
	return toUtcDay(a).getTime() - toUtcDay(b).getTime();
}

export function isValidDay(year: number, month: number, day: number): boolean {
	if (month < 1 || month > 12 || day < 1 || day > 31) return false;
	const date = toUtcDay({ year, month, day });
	return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function formatDay(day: LocalDay): IsoDate {
	return `${String(day.year).padStart(4, '0')}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
}

/** The next day with this month and day, from `today` on (29 February waits for a leap year). */
export function nextMonthDay(today: LocalDay, month: number, day: number): LocalDay | undefined {
	for (let year = today.year; year <= today.year + 8; year++) {
		if (!isValidDay(year, month, day)) continue;
		const candidate = { year, month, day };
		if (compareDays(candidate, today) >= 0) return candidate;
	}
	return undefined;
}

/** The next day with this day of the month, from `today` on. */
export function nextDayOfMonth(today: LocalDay, day: number): LocalDay | undefined {
	let { year, month } = today;
	for (let step = 0; step < 3; step++) {
		if (isValidDay(year, month, day) && compareDays({ year, month, day }, today) >= 0) return { year, month, day };
		month++;
		if (month > 12) {
			month = 1;
			year++;
		}
	}
	return undefined;
}

/** The coming day with this weekday; today counts when `includeToday`. */
export function nextWeekday(today: LocalDay, weekday: number, includeToday = true): LocalDay {
	let distance = (weekday - weekdayOf(today) + 7) % 7;
	if (distance === 0 && !includeToday) distance = 7;
	return addDays(today, distance);
}
