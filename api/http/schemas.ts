/** Input schemas more than one route shares, so each rule and its Chinese message lives once. */
import { z } from 'zod';
import { MAX_CALENDAR_YEAR, MIN_CALENDAR_YEAR, isCalendarDate } from '../../domain/working-days';

/** Required text, trimmed, at most `max` characters. */
export const text = (max: number, required: string) => z.string().trim().min(1, required).max(max);

/**
 * A calendar date the service can count working days on: YYYY-MM-DD within the calendar's years. A date past them
 * would be accepted and then never planned (an item whose final deadline is in 2300 could open no period).
 */
export const serviceDate = z
  .string()
  .refine(isCalendarDate, '日期格式应为YYYY-MM-DD，且须是实际存在的日期')
  .refine((d) => {
    const year = Number(d.slice(0, 4));
    return year >= MIN_CALENDAR_YEAR && year <= MAX_CALENDAR_YEAR;
  }, `日期须在${MIN_CALENDAR_YEAR}年至${MAX_CALENDAR_YEAR}年之间`);
