/**
 * Entities in a guest's message (`nlu.entities`): dates, date ranges, times, nights, party size, room
 * type, e-mail, phone, booking reference and the guest's name, in en, nl, de, fr and es. Offline and
 * cheap: regular expressions, chrono-node for calendar dates, libphonenumber-js for phone numbers.
 */
export * from './types';
export { extractEntities } from './extract';
export { BookingReferencePatternError, bookingReferenceRegExp, DEFAULT_BOOKING_REFERENCE_PATTERN, DEFAULT_PHONE_COUNTRY } from './contacts';
export { DEFAULT_ROOM_TYPES } from './rooms';
export { parseRoomCatalog, RoomCatalogError } from './catalog';
export { extractMessageEntities, messageReferenceTime, type MessageEntityOptions } from './message';
