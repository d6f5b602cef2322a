/** What the API needs from the outside world; the composition root (api/main.ts or a test) builds it. */
import type { Client } from '@temporalio/client';
import type pg from 'pg';
import type { CalendarSource } from '../db/calendar-source';
import type { Logger } from '../platform/logger';

export interface ApiDeps {
  pool: pg.Pool;
  temporal: Client;
  taskQueue: string;
  sessionTtlHours: number;
  log: Logger;
  /** The working-day calendar, for "working days left" in lists. */
  calendar: CalendarSource;
  /** Secret for keyed hashes of personal data (PERSONAL_DATA_KEY). */
  personalDataKey: string;
  /** Where people find the Temporal Web UI (shown on the home page and in /health). */
  temporalUiUrl?: string;
}
