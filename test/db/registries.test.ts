import crypto from 'node:crypto';
import type pg from 'pg';
import { createPool } from '../../db/pool';
import { findRegistryRecord, hmac, importRegistry, listRegistryImports } from '../../db/repositories/registries';
import { findUserByUsername } from '../../db/repositories/users';
import { findFullIdNumbers } from '../../domain/personal-data';
import { confirmationFromRecord, matchKeyForRow, parseRegistryCsv, type ParsedRow } from '../../domain/registries';

const ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function makeId(region: string, yyyymmdd: string, seq: string): string {
  const first17 = region + yyyymmdd + seq;
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * ID_W[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}
/** A valid ID number no other test uses: random region digits and sequence. */
const freshId = () => makeId(`41${crypto.randomInt(1000, 9999)}`, '19900101', String(crypto.randomInt(100, 999)));
function breakCheck(id: string): string {
  const chars = '0123456789X';
  return id.slice(0, 17) + chars[(chars.indexOf(id[17]!) + 1) % chars.length];
}
const unique = () => crypto.randomUUID().slice(0, 8);

const SECRET = 'db-test-personal-data-key-0123456789abcdef';
const keyed = hmac(SECRET);
const HRSS_HEADER = 'id_number,employer_credit_code,insurance_months,employed';

let pool: pg.Pool;
let hrssUserId: string;
beforeAll(async () => {
  pool = createPool(process.env.TEST_DATABASE_URL!, 3);
  hrssUserId = (await findUserByUsername(pool, 'hrss'))!.user.id;
});
afterAll(() => pool.end());

const keyOf = (department: 'hrss' | 'police', csv: string, i = 0) => matchKeyForRow(parseRegistryCsv(department, csv).rows[i]! as ParsedRow, keyed);
const hrssKey = (id: string) => keyOf('hrss', `${HRSS_HEADER}\n${id},,1,是`);

async function importsNamed(fileName: string): Promise<number> {
  return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM registry_imports WHERE file_name = $1', [fileName])).rows[0]!.n;
}
async function recordsWithKeys(keys: string[]): Promise<number> {
  return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM registry_records WHERE match_key = ANY($1)', [keys])).rows[0]!.n;
}

describe('the keyed hash', () => {
  it('is HMAC-SHA256 in hex, and refuses an empty key', () => {
    expect(keyed('abc')).toBe(crypto.createHmac('sha256', SECRET).update('abc').digest('hex'));
    expect(() => hmac('')).toThrow();
  });
});

describe('importing a registry export', () => {
  it('writes nothing for a file with a bad row, and reports every bad row', async () => {
    const good = [freshId(), freshId()];
    const fileName = `社保-${unique()}.csv`;
    const csv = [HRSS_HEADER, `${good[0]},,12,是`, `${breakCheck(freshId())},,12,是`, `${good[1]},,12,是`, `${freshId()},,十二,是`].join('\n');
    const r = await importRegistry(pool, { department: 'hrss', fileName, csvText: csv, importedBy: hrssUserId, hmacSecret: SECRET });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rowsTotal).toBe(4);
    expect(r.errors).toEqual([
      { row: 3, field: 'id_number', message: '身份证号有误：身份证号校验位错误' },
      { row: 5, field: 'insurance_months', message: '社保缴费月数应为0至1200的整数，实际为“十二”' },
    ]);
    expect(await importsNamed(fileName)).toBe(0);
    expect(await recordsWithKeys(good.map(hrssKey))).toBe(0);
  });

  it('loads a good file in one import, keyed by HMAC, with no full ID number stored', async () => {
    const ids = [freshId(), freshId(), freshId()];
    const fileName = `社保-${unique()}.csv`;
    const csv = [HRSS_HEADER, `${ids[0]},,36,是`, '', `${ids[1]},,0,否`, `${ids[2]},,120,true`].join('\n');
    const r = await importRegistry(pool, { department: 'hrss', fileName, csvText: csv, importedBy: hrssUserId, hmacSecret: SECRET });
    expect(r).toEqual({ ok: true, importId: expect.any(Number), department: 'hrss', fileName, rowsTotal: 3, rowsLoaded: 3, inserted: 3, replaced: 0 });
    if (!r.ok) return;

    const stored = await pool.query('SELECT match_key, record, import_id FROM registry_records WHERE import_id = $1 ORDER BY record->>\'row\'', [r.importId]);
    expect(stored.rows.map((x) => x.record.row)).toEqual([2, 4, 5]);
    expect(stored.rows.map((x) => x.match_key).sort()).toEqual(ids.map(hrssKey).sort());
    const dump = JSON.stringify(stored.rows);
    expect(findFullIdNumbers(dump)).toEqual([]);
    for (const id of ids) expect(dump).not.toContain(id.slice(0, 17));

    const imp = await pool.query('SELECT department_code, file_name, rows_total, rows_loaded, imported_by FROM registry_imports WHERE id = $1', [r.importId]);
    expect(imp.rows[0]).toEqual({ department_code: 'hrss', file_name: fileName, rows_total: 3, rows_loaded: 3, imported_by: hrssUserId });
    const history = await listRegistryImports(pool, 'hrss');
    expect(history.items.find((i) => i.id === r.importId)).toMatchObject({ fileName, rowsTotal: 3, rowsLoaded: 3, importedBy: { userId: hrssUserId, displayName: '人社局经办人' } });
  });

  it('loads a file larger than one statement batch', async () => {
    const ids = Array.from({ length: 2500 }, (_, i) => makeId('5101' + String(10 + (i % 90)), '19850101', String(100 + Math.floor(i / 90))));
    const r = await importRegistry(pool, { department: 'hrss', fileName: `big-${unique()}.csv`, csvText: [HRSS_HEADER, ...ids.map((id) => `${id},,24,是`)].join('\n'), importedBy: hrssUserId, hmacSecret: SECRET });
    expect(r).toMatchObject({ ok: true, rowsTotal: 2500, rowsLoaded: 2500 });
    if (!r.ok) return;
    expect((await pool.query('SELECT count(*)::int AS n FROM registry_records WHERE import_id = $1', [r.importId])).rows[0].n).toBe(2500);
    expect(await findRegistryRecord(pool, 'hrss', [hrssKey(ids[2499]!)])).toMatchObject({ importId: r.importId, record: { row: 2501 } });
  });

  it('replaces the record for the same key with the newer import, and keeps the others', async () => {
    const [a, b, c] = [freshId(), freshId(), freshId()];
    const first = await importRegistry(pool, { department: 'hrss', fileName: `v1-${unique()}.csv`, csvText: `${HRSS_HEADER}\n${a},,12,是\n${b},,12,是`, importedBy: hrssUserId, hmacSecret: SECRET });
    const second = await importRegistry(pool, { department: 'hrss', fileName: `v2-${unique()}.csv`, csvText: `${HRSS_HEADER}\n${c},,1,是\n${a},,13,否`, importedBy: hrssUserId, hmacSecret: SECRET });
    expect(first).toMatchObject({ ok: true, inserted: 2, replaced: 0 });
    expect(second).toMatchObject({ ok: true, inserted: 1, replaced: 1 });
    if (!first.ok || !second.ok) return;

    const ra = await findRegistryRecord(pool, 'hrss', [hrssKey(a)]);
    expect(ra).toMatchObject({ importId: second.importId, record: { row: 3, insuranceMonths: 13, employed: false } });
    const rb = await findRegistryRecord(pool, 'hrss', [hrssKey(b)]);
    expect(rb).toMatchObject({ importId: first.importId, record: { row: 3, insuranceMonths: 12, employed: true } });
    expect(confirmationFromRecord('hrss', ra!, '2026-06-01')).toMatchObject({ outcome: 'not_confirmed', evidence: { ref: `registry:hrss:import-${second.importId}:row-3` } });
  });

  it("keeps departments apart: the same ID number in another department's registry is another record", async () => {
    const id = freshId();
    const police = `permit_number,id_number,issue_date,valid_until,community\nJZZ-${unique()},${id},2024-01-01,2028-01-01,幸福社区`;
    const policeUser = (await findUserByUsername(pool, 'police'))!.user.id;
    const p = await importRegistry(pool, { department: 'police', fileName: 'police.csv', csvText: police, importedBy: policeUser, hmacSecret: SECRET });
    expect(p).toMatchObject({ ok: true, inserted: 1 });
    expect(await findRegistryRecord(pool, 'hrss', [keyOf('police', police)])).toBeUndefined();
    expect(await findRegistryRecord(pool, 'police', [keyOf('police', police)])).toMatchObject({ department: 'police', record: { validUntil: '2028-01-01' } });
  });
});

describe('finding a record', () => {
  it('returns the first of the keys, in their order, that the registry holds; nothing for unknown or no keys', async () => {
    const [x, y] = [freshId(), freshId()];
    const r = await importRegistry(pool, { department: 'hrss', fileName: `find-${unique()}.csv`, csvText: `${HRSS_HEADER}\n${x},,5,是\n${y},,6,是`, importedBy: hrssUserId, hmacSecret: SECRET });
    expect(r.ok).toBe(true);
    const unknown = hrssKey(freshId());
    expect(await findRegistryRecord(pool, 'hrss', [unknown, hrssKey(y), hrssKey(x)])).toMatchObject({ matchKey: hrssKey(y), record: { insuranceMonths: 6 } });
    expect(await findRegistryRecord(pool, 'hrss', [hrssKey(x), hrssKey(y)])).toMatchObject({ matchKey: hrssKey(x), record: { insuranceMonths: 5 } });
    expect(await findRegistryRecord(pool, 'hrss', [unknown])).toBeUndefined();
    expect(await findRegistryRecord(pool, 'hrss', [])).toBeUndefined();
    // A different key (another server secret) finds nothing: the keys are not the ID numbers.
    const otherKey = matchKeyForRow(parseRegistryCsv('hrss', `${HRSS_HEADER}\n${x},,1,是`).rows[0]! as ParsedRow, hmac('another-secret-another-secret-1234'));
    expect(await findRegistryRecord(pool, 'hrss', [otherKey])).toBeUndefined();
  });
});
