/**
 * The status light has two implementations: stepLight (domain/lights.ts) for views and events, and its SQL twin
 * LIGHT_SQL (db/repositories/steps.ts) for listing and filtering the dispatch board. They must agree on every
 * combination of state, pause and dates. The SQL is evaluated in the suite's real PostgreSQL over a VALUES list,
 * without touching any table.
 */
import type pg from 'pg';
import { createPool } from '../../db/pool';
import { LIGHT_SQL } from '../../db/repositories/steps';
import { STEP_STATES } from '../../contracts/department-step';
import { LIGHTS, stepLight, type Light, type LightInput } from '../../domain/lights';

const NOW = new Date('2026-11-05T02:00:00Z');
const PAST = new Date('2026-11-04T16:00:00Z');
const FUTURE = new Date('2026-11-05T16:00:00Z');

const INSTANTS = { null: null, past: PAST, now: NOW, future: FUTURE } as const;
type InstantName = keyof typeof INSTANTS;
const INSTANT_NAMES = Object.keys(INSTANTS) as InstantName[];

interface Case {
  id: number;
  name: string;
  input: LightInput;
}

const CASES: Case[] = [];
for (const state of STEP_STATES) {
  for (const paused of [false, true]) {
    for (const deadline of INSTANT_NAMES) {
      for (const dueSoon of INSTANT_NAMES) {
        CASES.push({
          id: CASES.length,
          name: `${state}, ${paused ? 'paused' : 'running'}, deadline ${deadline}, due soon ${dueSoon}`,
          input: { state, paused, deadlineAt: INSTANTS[deadline], dueSoonAt: INSTANTS[dueSoon] },
        });
      }
    }
  }
}

describe('LIGHT_SQL agrees with stepLight', () => {
  let pool: pg.Pool;
  const sqlLights = new Map<number, string>();

  beforeAll(async () => {
    pool = createPool(process.env.TEST_DATABASE_URL!, 2);
    const args: unknown[] = [NOW];
    const rows = CASES.map((c) => {
      const first = args.length + 1;
      args.push(c.id, c.input.state, c.input.paused, c.input.deadlineAt, c.input.dueSoonAt);
      return `($${first}::int, $${first + 1}::text, $${first + 2}::boolean, $${first + 3}::timestamptz, $${first + 4}::timestamptz)`;
    });
    const r = await pool.query<{ id: number; light: string }>(
      `SELECT s.id, ${LIGHT_SQL} AS light FROM (VALUES ${rows.join(', ')}) AS s(id, state, paused, deadline_at, due_soon_at)`,
      args,
    );
    for (const row of r.rows) sqlLights.set(row.id, row.light);
  });
  afterAll(() => pool?.end());

  it('evaluated every case', () => {
    expect(CASES).toHaveLength(8 * 2 * 4 * 4);
    expect(sqlLights.size).toBe(CASES.length);
  });

  it.each(CASES)('$name', ({ id, input }) => {
    const expected = stepLight(input, NOW);
    expect(LIGHTS).toContain(expected);
    expect(sqlLights.get(id)).toBe(expected);
  });

  it('agrees for a single row evaluated on its own, with $1 as the only "now"', async () => {
    const one = await pool.query<{ light: string }>(
      `SELECT ${LIGHT_SQL} AS light FROM (VALUES ($2::text, $3::boolean, $4::timestamptz, $5::timestamptz)) AS s(state, paused, deadline_at, due_soon_at)`,
      [NOW, 'signed', false, FUTURE, PAST],
    );
    expect(one.rows[0]!.light).toBe('yellow');
    // The same row a day later is red, by the same expression.
    const later = await pool.query<{ light: string }>(
      `SELECT ${LIGHT_SQL} AS light FROM (VALUES ($2::text, $3::boolean, $4::timestamptz, $5::timestamptz)) AS s(state, paused, deadline_at, due_soon_at)`,
      [new Date('2026-11-06T02:00:00Z'), 'signed', false, FUTURE, PAST],
    );
    expect(later.rows[0]!.light).toBe('red');
  });
});

describe('stepLight', () => {
  const light = (state: string, o: Partial<Omit<LightInput, 'state'>> = {}): Light =>
    stepLight({ state, paused: false, deadlineAt: null, dueSoonAt: null, ...o }, NOW);
  const overdue = { deadlineAt: PAST, dueSoonAt: PAST };
  const dueSoon = { deadlineAt: FUTURE, dueSoonAt: PAST };
  const early = { deadlineAt: new Date('2026-11-10T16:00:00Z'), dueSoonAt: new Date('2026-11-09T16:00:00Z') };

  it.each(['done', 'accepted'])('green: %s, whatever the dates or a stale pause', (state) => {
    expect(light(state)).toBe('green');
    expect(light(state, overdue)).toBe('green');
    expect(light(state, { ...overdue, paused: true })).toBe('green');
  });

  it('blue: awaiting review, even past the deadline', () => {
    expect(light('awaiting_review')).toBe('blue');
    expect(light('awaiting_review', overdue)).toBe('blue');
    expect(light('awaiting_review', { ...overdue, paused: true })).toBe('blue');
  });

  it.each(['open', 'signed', 'sent_back'])('red: %s past its deadline', (state) => {
    expect(light(state, overdue)).toBe('red');
  });

  it('red: the deadline instant itself counts as overdue', () => {
    expect(light('signed', { deadlineAt: NOW, dueSoonAt: PAST })).toBe('red');
  });

  it('red: sent back by the reviewer, even long before the deadline', () => {
    expect(light('sent_back', early)).toBe('red');
    expect(light('sent_back')).toBe('red');
  });

  it.each(['open', 'signed'])('yellow: %s due soon (from the start of the last working day)', (state) => {
    expect(light(state, dueSoon)).toBe('yellow');
    expect(light(state, { deadlineAt: FUTURE, dueSoonAt: NOW })).toBe('yellow');
  });

  it.each(['open', 'signed'])('white: %s running and not yet due soon, or with no schedule yet', (state) => {
    expect(light(state, early)).toBe('white');
    expect(light(state)).toBe('white');
  });

  it.each(['open', 'signed', 'sent_back'])('grey: %s paused, even when overdue', (state) => {
    expect(light(state, { ...overdue, paused: true })).toBe('grey');
    expect(light(state, { ...early, paused: true })).toBe('grey');
  });

  it.each(['returned', 'cancelled'])('grey: %s, whatever the dates', (state) => {
    expect(light(state)).toBe('grey');
    expect(light(state, overdue)).toBe('grey');
  });

  it('every light is reachable', () => {
    const seen = new Set(CASES.map((c) => stepLight(c.input, NOW)));
    expect([...seen].sort()).toEqual([...LIGHTS].sort());
  });
});
