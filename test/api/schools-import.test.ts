/**
 * Loading the bureau's school spreadsheets over HTTP, on the real servers: a good workbook loads everything; a
 * malformed XLSX or CSV is refused with every problem named by sheet, row and Chinese column, and changes nothing.
 */
import crypto from 'node:crypto';
import ExcelJS from 'exceljs';
import { startHarness, type Harness } from '../support/harness';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

let h: Harness;
let adminToken: string;
let adminId: string;
beforeAll(async () => {
  h = await startHarness();
  // An administrator of this file's own: other files load school data beside it, so "nothing changed" is asked of
  // this file's imports and of the rows its files name.
  const admin = await h.newUser('admin');
  adminToken = admin.token!;
  adminId = admin.userId;
});
afterAll(() => h.stop());

async function upload(kind: string, bytes: Buffer | string, contentType: string, fileName: string, token = adminToken) {
  const res = await fetch(`${h.baseUrl}/api/school-data/${kind}/imports?fileName=${encodeURIComponent(fileName)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: typeof bytes === 'string' ? bytes : new Uint8Array(bytes),
  });
  return { status: res.status, body: (await res.json()) as any };
}

async function workbook(sheets: Record<string, (string | number)[][]>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  for (const [name, rows] of Object.entries(sheets)) {
    const ws = wb.addWorksheet(name);
    for (const r of rows) ws.addRow(r);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Everything the imports write about these districts and schools, and this file's imports, for "nothing changed". */
async function snapshot(districts: readonly string[], schoolIds: readonly string[]) {
  const q = async (sql: string) => (await h.pool.query(sql, [districts, schoolIds])).rows;
  return {
    schools: await q(`SELECT id, name_zh, district, kind, stages, address FROM schools WHERE district = ANY($1::text[]) OR id = ANY($2::text[]) ORDER BY id`),
    seats: await q(`SELECT school_id, year, stage, seats, purchasable_seats, seat_price FROM school_seats WHERE school_id = ANY($2::text[]) OR school_id IN (SELECT id FROM schools WHERE district = ANY($1::text[])) ORDER BY 1, 2, 3`),
    catchments: await q(`SELECT district, stage, street, community, school_id FROM catchments WHERE district = ANY($1::text[]) OR school_id = ANY($2::text[]) ORDER BY 1, 2, 3, 4`),
    distances: (await h.pool.query(`SELECT school_id, other_school_id, distance FROM school_distances WHERE school_id = ANY($1::text[]) OR other_school_id = ANY($1::text[]) ORDER BY 1, 2`, [schoolIds])).rows,
    imports: (await h.pool.query(`SELECT count(*)::int AS n FROM school_data_imports WHERE imported_by = $1`, [adminId])).rows,
  };
}

const SCHOOL_HEADER = ['学校代码', '学校名称', '区县代码', '办学性质', '学段', '地址'];
const SEAT_HEADER = ['学校代码', '年度', '学段', '招生学位数', '政府购买学位数', '购买单价（元/生·年）'];
const CATCHMENT_HEADER = ['区县代码', '学段', '街道（乡镇）', '社区（村）', '划片学校代码'];
const DISTANCE_HEADER = ['学校代码', '相邻学校代码', '距离（公里）'];

describe('a good workbook', () => {
  it('loads schools, seats, catchments and distances in one go, and reads them back', async () => {
    const d = `si${crypto.randomBytes(3).toString('hex')}`;
    const bytes = await workbook({
      填表说明: [['本工作簿由教育局维护']],
      学校: [SCHOOL_HEADER, [`${d}-p1`, '城东小学', d, '公办', '小学一年级', '城东路1号'], [`${d}-r1`, '明德民办学校', d, '民办', '小学一年级', '']],
      学位: [SEAT_HEADER, [`${d}-p1`, 2027, '小学一年级', 45, '', ''], [`${d}-r1`, 2027, '小学一年级', 60, 10, 8000]],
      划片: [CATCHMENT_HEADER, [d, '小学一年级', '演示街道', '幸福社区', `${d}-p1`]],
      距离: [DISTANCE_HEADER, [`${d}-r1`, `${d}-p1`, 2.5]],
    });
    const r = await upload('workbook', bytes, XLSX, '2027年学校学位.xlsx');
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ format: 'xlsx', rowsLoaded: { schools: 2, seats: 2, catchments: 1, distances: 1 } });

    const edu = await h.as('edu');
    const schools = await edu.get(`/api/schools?district=${d}&year=2027`);
    expect(schools.body.items).toEqual([
      expect.objectContaining({ id: `${d}-p1`, kind: 'public', stages: ['primary_1'], seats: [{ year: 2027, stage: 'primary_1', seats: 45, purchasableSeats: null, seatPrice: null }] }),
      expect.objectContaining({ id: `${d}-r1`, kind: 'private', address: null, seats: [{ year: 2027, stage: 'primary_1', seats: 60, purchasableSeats: 10, seatPrice: 8000 }] }),
    ]);
    // Catchments are published to parents (seed 004): no login needed.
    const catchments = await h.anonymous.get(`/api/catchments?district=${d}`);
    expect(catchments.body.items).toEqual([{ district: d, stage: 'primary_1', street: '演示街道', community: '幸福社区', schoolId: `${d}-p1`, schoolNameZh: '城东小学' }]);
    const dist = await h.pool.query(`SELECT school_id, other_school_id, distance::float8 AS d FROM school_distances WHERE school_id LIKE $1`, [`${d}%`]);
    expect(dist.rows).toEqual([{ school_id: `${d}-p1`, other_school_id: `${d}-r1`, d: 2.5 }]); // stored once, in id order

    // Loading the same file again changes nothing but the import log (rows are upserted).
    expect((await upload('workbook', bytes, XLSX, '2027年学校学位.xlsx')).status).toBe(201);
    expect((await edu.get(`/api/schools?district=${d}&year=2027`)).body.items).toEqual(schools.body.items);
  });

  it('takes a CSV per kind, also in GB18030 as Excel in China saves it', async () => {
    const d = `si${crypto.randomBytes(3).toString('hex')}`;
    const schoolsCsv = `${SCHOOL_HEADER.join(',')}\n${d}-p1,城西小学,${d},公办,小学一年级,城西路2号\n`;
    expect((await upload('schools', schoolsCsv, 'text/csv; charset=utf-8', 'schools.csv')).status).toBe(201);
    // The seats header in GBK (as Excel's "CSV (逗号分隔)" writes it), then an ASCII row.
    const gbk = Buffer.concat([
      Buffer.from('d1a7d0a3b4fac2eb2cc4eab6c82cd1a7b6ce2cd5d0c9fad1a7cebbcafd2cd5feb8aeb9bac2f2d1a7cebbcafd2cb9bac2f2b5a5bcdba3a8d4aa2fc9faa1a4c4eaa3a9', 'hex'),
      Buffer.from(`\r\n${d}-p1,2027,primary_1,30,,\r\n`, 'ascii'),
    ]);
    expect((await upload('seats', gbk, 'text/csv', 'seats.csv')).status).toBe(201);
    const rows = await h.pool.query(`SELECT seats FROM school_seats WHERE school_id = $1`, [`${d}-p1`]);
    expect(rows.rows).toEqual([{ seats: 30 }]);
  });
});

describe('a malformed spreadsheet', () => {
  it('XLSX: refused with a row-by-row report naming the sheet and Chinese column, nothing written', async () => {
    const d = `si${crypto.randomBytes(3).toString('hex')}`;
    const bytes = await workbook({
      学校: [
        SCHOOL_HEADER,
        [`${d}-p1`, '城东小学', d, '公办', '小学一年级', ''], // good: must not be written either
        [`${d}-p2`, '城南小学', d, '公立', '小学一年级', ''], // 公立 is not a kind
        [`${d}-p1`, '城东小学重复', d, '公办', '小学一年级', ''], // duplicate id
      ],
      学位: [
        SEAT_HEADER,
        [`${d}-p1`, 2027, '小学一年级', 'abc', '', ''], // seats not a number
        [`${d}-p1`, 2028, '小学一年级', 40, 5, 8000], // a public school cannot sell seats
        [`${d}-zz`, 2027, '小学一年级', 10, '', ''], // unknown school
      ],
      划片: [CATCHMENT_HEADER, [d, '大学', '演示街道', '', `${d}-p1`]], // no such stage
    });
    const scope = [[d], [`${d}-p1`, `${d}-r1`, `${d}-zz`]] as const;
    const before = await snapshot(...scope);
    const r = await upload('workbook', bytes, XLSX, 'bad.xlsx');
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('invalid_rows');
    expect(r.body.error.message).toContain('未导入任何数据');
    const fields = r.body.error.fields.map((f: any) => f.field);
    expect(fields).toEqual([
      '学校.row 3.办学性质',
      '学校.row 4.学校代码',
      '学位.row 2.招生学位数',
      '学位.row 3.政府购买学位数',
      '学位.row 4.学校代码',
      '划片.row 2.学段',
    ]);
    const messages = r.body.error.fields.map((f: any) => f.message);
    expect(messages[0]).toBe('【学校】第3行“办学性质”：办学性质只能填写“公办”或“民办”，实际为“公立”');
    expect(messages[1]).toContain('与第2行重复');
    expect(messages[3]).toContain('公办学校，政府购买学位只适用于民办学校');
    expect(messages[4]).toContain(`学校代码“${d}-zz”不存在`);
    expect(await snapshot(...scope)).toEqual(before);
  });

  it('CSV: refused with a row-by-row report, nothing written', async () => {
    const d = `si${crypto.randomBytes(3).toString('hex')}`;
    const csv = [
      CATCHMENT_HEADER.join(','),
      `${d},小学一年级,演示街道,幸福社区,demo-primary-1`, // good row, but demo-primary-1 is in district demo
      '',
      `${d},小学一年级,,幸福社区,demo-primary-1`, // street missing (row 4: the blank row still counts)
      `${d},小学一年级,演示街道,光明社区,demo-private-1`, // a private school cannot have a catchment
    ].join('\n');
    const scope = [[d], ['demo-primary-1', 'demo-private-1']] as const;
    const before = await snapshot(...scope);
    const r = await upload('catchments', csv, 'text/csv', 'catchments.csv');
    expect(r.status).toBe(422);
    expect(r.body.error.fields).toEqual([
      { field: '划片.row 2.划片学校代码', message: `【划片】第2行“划片学校代码”：demo-primary-1属于区县demo，不能划入区县${d}的招生片区` },
      { field: '划片.row 4.街道（乡镇）', message: '【划片】第4行“街道（乡镇）”：请填写街道（乡镇）' },
      { field: '划片.row 5.划片学校代码', message: '【划片】第5行“划片学校代码”：demo-private-1是民办学校，划片只能划给公办学校' },
    ]);
    expect(await snapshot(...scope)).toEqual(before);
  });

  it('CSV with a missing column or in GBK: the header is named; a file that is not XLSX says so', async () => {
    const scope = [[], ['A', 'demo-primary-1', 'demo-primary-2']] as const;
    const before = await snapshot(...scope);
    const missing = await upload('distances', '学校代码,距离（公里）\nA,1\n', 'text/csv', 'd.csv');
    expect(missing.status).toBe(422);
    expect(missing.body.error.fields).toEqual([{ field: '距离.row 1.相邻学校代码', message: expect.stringContaining('缺少“相邻学校代码”列') }]);
    // "学校代码,相邻学校代码,距离（公里）" in GBK, then a row with a negative distance.
    const gbk = Buffer.concat([
      Buffer.from('d1a7d0a3b4fac2eb2ccfe0c1dad1a7d0a3b4fac2eb2cbee0c0eba3a8b9abc0efa3a90a', 'hex'),
      Buffer.from('demo-primary-1,demo-primary-2,-1\n', 'ascii'),
    ]);
    const neg = await upload('distances', gbk, 'text/csv', 'd.csv');
    expect(neg.status).toBe(422);
    expect(neg.body.error.fields).toEqual([{ field: '距离.row 2.距离（公里）', message: expect.stringContaining('应为不小于0的数字') }]);
    const notXlsx = await upload('workbook', Buffer.from('PK\u0003\u0004 not really a zip'), XLSX, 'x.xlsx');
    expect(notXlsx.status).toBe(422);
    expect(notXlsx.body.error.fields[0].message).toContain('无法按Excel（.xlsx）格式读取');
    expect(await snapshot(...scope)).toEqual(before);
  });

  it('only administrators load school data', async () => {
    const edu = await h.as('edu');
    const r = await upload('schools', `${SCHOOL_HEADER.join(',')}\n`, 'text/csv', 's.csv', edu.token);
    expect(r.status).toBe(403);
  });
});
