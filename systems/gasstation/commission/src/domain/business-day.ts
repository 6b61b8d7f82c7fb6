/**
 * The business day of an instant: its calendar date in the station's time zone. A sale at 00:30 in
 * Seoul is that day's, though it is still the day before in UTC.
 */
export function businessDayOf(instant: string | Date, timeZone: string): string {
  return dayFormat(timeZone).format(new Date(instant));
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** `en-CA` formats dates as yyyy-MM-dd. Throws RangeError for a time zone the runtime does not know. */
function dayFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, format);
  }
  return format;
}

export function isTimeZone(name: string): boolean {
  try {
    dayFormat(name);
    return true;
  } catch {
    // Intl's only answer for an unknown zone is a RangeError: that is the "no".
    return false;
  }
}

/** `yyyy-MM-dd` naming a day that exists (not 2026-02-30). */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
