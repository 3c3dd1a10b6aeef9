const pad = (n: number): string => String(n).padStart(2, '0');

/** Today's date in the person's own time zone, as YYYY-MM-DD (what a date input holds). */
export function todayLocal(now: Date = new Date()): string {
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

const dayNumber = (ymd: string): number | null => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  if (!m) return null;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000;
};

/** Whole calendar days from `from` to `to` (both YYYY-MM-DD): positive when `to` is later. */
export function daysBetween(from: string, to: string): number | null {
  const a = dayNumber(from);
  const b = dayNumber(to);
  return a === null || b === null ? null : Math.round(b - a);
}

export type DueTone = 'overdue' | 'today' | 'soon' | 'later';

export interface DueInWords {
  text: string;
  tone: DueTone;
}

/** "due today", "due tomorrow", "due in 5 days", "overdue by 1 day", "overdue by 3 days". */
export function dueInWords(dueDate: string, today: string = todayLocal()): DueInWords {
  const days = daysBetween(today, dueDate);
  if (days === null) return { text: `due ${dueDate}`, tone: 'later' };
  if (days < 0) return { text: `overdue by ${-days} ${-days === 1 ? 'day' : 'days'}`, tone: 'overdue' };
  if (days === 0) return { text: 'due today', tone: 'today' };
  if (days === 1) return { text: 'due tomorrow', tone: 'soon' };
  return { text: `due in ${days} days`, tone: days <= 7 ? 'soon' : 'later' };
}

/** Intl formatters are costly to build: one per kind and locale, made on first use. */
function cached<F>(make: (locale: string | undefined) => F): (locale?: string) => F {
  const made = new Map<string | undefined, F>();
  return (locale) => {
    let formatter = made.get(locale);
    if (!formatter) {
      formatter = make(locale);
      made.set(locale, formatter);
    }
    return formatter;
  };
}

const dueDateFormat = cached(
  (locale) => new Intl.DateTimeFormat(locale, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
);
const relativeFormat = cached((locale) => new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }));
const createdFormat = cached(
  (locale) => new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }),
);

/** A calendar date for people: "Fri 5 Dec 2025" (in the browser's language). */
export function formatDueDate(dueDate: string, locale?: string): string {
  const day = dayNumber(dueDate);
  if (day === null) return dueDate;
  return dueDateFormat(locale).format(new Date(day * 86_400_000));
}

/** When a task was created: "just now", "5 minutes ago", "3 hours ago", then the date and time. */
export function formatCreated(createdAt: string, now: Date = new Date(), locale?: string): string {
  const when = new Date(createdAt);
  if (Number.isNaN(when.getTime())) return createdAt;
  const seconds = Math.round((now.getTime() - when.getTime()) / 1000);
  if (seconds < 45) return 'just now';
  const rtf = relativeFormat(locale);
  if (seconds < 3600) return rtf.format(-Math.round(seconds / 60), 'minute');
  if (seconds < 6 * 3600) return rtf.format(-Math.round(seconds / 3600), 'hour');
  return createdFormat(locale).format(when);
}
