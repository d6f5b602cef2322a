/** Brings a database to the current schema and reference data. Every process calls it at start; it is idempotent. */
import type pg from 'pg';
import { migrate } from './migrate';
import { seedOfficialCalendar } from './repositories/calendar';
import { seedReferenceData } from './seed-demo';

export async function prepareDatabase(pool: pg.Pool): Promise<void> {
  await migrate(pool);
  await seedReferenceData(pool);
  await seedOfficialCalendar(pool);
}
