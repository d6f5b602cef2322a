/**
 * The working-day calendar as activities see it: loaded from PostgreSQL and kept until the stored calendar's
 * fingerprint changes (an administrator loaded a year), so a deadline computation costs one tiny query.
 */
import type pg from 'pg';
import { calendarVersion, loadCalendar } from './repositories/calendar';
import type { WorkingDayCalendar } from '../domain/working-days';

export class CalendarSource {
  private cached: { version: string; calendar: WorkingDayCalendar } | undefined;
  private checkedAt = 0;

  constructor(
    private readonly pool: pg.Pool,
    /** How long a loaded calendar is trusted without asking for the fingerprint again. */
    private readonly recheckMs = 1000,
  ) {}

  async get(opts: { fresh?: boolean } = {}): Promise<WorkingDayCalendar> {
    const now = Date.now();
    if (this.cached && !opts.fresh && now - this.checkedAt < this.recheckMs) return this.cached.calendar;
    const version = await calendarVersion(this.pool);
    this.checkedAt = now;
    if (this.cached?.version !== version) this.cached = { version, calendar: await loadCalendar(this.pool) };
    return this.cached.calendar;
  }
}
