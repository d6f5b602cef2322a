/**
 * Notifications carry officials' free text (a step's title, a reply to an urging notice) to people who are not
 * entitled to personal data: the leading group, the supervision office, a department's whole staff. Whatever an
 * official pasted into that text, the stored notification shows no full ID number or mobile number.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../db/pool';
import { insertNotification } from '../../db/repositories/steps';
import { findFullIdNumbers } from '../../domain/personal-data';

let pool: pg.Pool;
beforeAll(() => {
  pool = createPool(process.env.TEST_DATABASE_URL!, 2);
});
afterAll(async () => {
  await pool.end();
});

// A valid ID number (check character computed), not a real person's: 110105 + 1990-03-07 + 123 + check.
const ID = '11010519900307123' + checkChar('11010519900307123');
function checkChar(d17: string): string {
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...d17].reduce((s, c, i) => s + Number(c) * w[i]!, 0);
  return '10X98765432'[sum % 11]!;
}

describe('a stored notification', () => {
  it('masks ID and mobile numbers in its title and body, and keeps everything else', async () => {
    const key = `test-mask-${crypto.randomUUID()}`;
    await insertNotification(
      pool,
      key,
      { key: 'escalated', to: { role: 'leader' }, kind: 'escalated', title: `核查 ${ID} 的居住证`, body: `联系电话13812345678，申请编号 A2027000123` },
      null,
    );
    const row = (await pool.query<{ title: string; body: string }>('SELECT title, body FROM notifications WHERE dedupe_key = $1', [key])).rows[0]!;
    expect(findFullIdNumbers(row.title + row.body)).toEqual([]);
    expect(row.title).toBe(`核查 110105********${ID.slice(-4)} 的居住证`);
    expect(row.body).toBe('联系电话138****5678，申请编号 A2027000123');
  });
});
