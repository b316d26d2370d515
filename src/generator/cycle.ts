/**
 * When people are active: a diurnal curve by local hour and a weekly curve by local weekday, each with mean 1,
 * for the two populations of the network (ru users around UTC+3, en users around UTC-5).
 *
 * The event rate of a minute is `--rate` times {@link activity}; which locale a new session comes from follows
 * {@link localeActivity}, so Moscow evenings and New York evenings both show.
 *
 * @module
 */
import type { LocaleIndex } from "./pools.ts";

/** Relative activity by local hour 0..23 (normalised to mean 1 below): a night trough and an evening peak. */
const HOURLY_RAW = [
  0.42,
  0.26,
  0.16,
  0.11,
  0.1,
  0.13,
  0.27,
  0.52,
  0.78,
  0.92,
  0.97,
  1.02,
  1.08,
  1.06,
  1.02,
  1.02,
  1.07,
  1.18,
  1.38,
  1.62,
  1.82,
  1.86,
  1.52,
  0.9,
];
/** Relative activity by local weekday, Monday first (normalised to mean 1): weekends are busier. */
const WEEKLY_RAW = [0.94, 0.93, 0.95, 0.97, 1.0, 1.13, 1.08];

function normalise(xs: number[]): number[] {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return xs.map((x) => x / mean);
}
const HOURLY = normalise(HOURLY_RAW);
const WEEKLY = normalise(WEEKLY_RAW);

/** UTC offset in hours of each locale's typical user (ru: Moscow; en: US East coast). */
export const LOCALE_UTC_OFFSET: readonly [number, number] = [3, -5];
/** Share of new users by locale. */
export const LOCALE_SHARE: readonly [number, number] = [0.6, 0.4];

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/** Activity of one locale at a UTC instant: diurnal x weekly, linearly interpolated between hours. */
export function localeActivity(utcMs: number, locale: LocaleIndex): number {
  const local = utcMs + LOCALE_UTC_OFFSET[locale] * MS_PER_HOUR;
  const hours = (((local % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / MS_PER_HOUR;
  const h = Math.floor(hours);
  const frac = hours - h;
  const diurnal = HOURLY[h]! * (1 - frac) + HOURLY[(h + 1) % 24]! * frac;
  // 1970-01-01 was a Thursday: (days + 3) % 7 gives 0 for Monday.
  const day = Math.floor(local / MS_PER_DAY);
  const weekday = (((day + 3) % 7) + 7) % 7;
  return diurnal * WEEKLY[weekday]!;
}

/** Activity of the whole network at a UTC instant (mean about 1 over a week). */
export function activity(utcMs: number): number {
  return LOCALE_SHARE[0] * localeActivity(utcMs, 0) + LOCALE_SHARE[1] * localeActivity(utcMs, 1);
}
