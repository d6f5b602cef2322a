import crypto from 'node:crypto';
import { makeApplicationSchema } from '../../domain/application';
import { findFullIdNumbers } from '../../domain/personal-data';
import {
  confirmationFromRecord,
  fullMonthsBetween,
  matchKeyForRow,
  matchKeysForApplication,
  parseRegistryCsv,
  recordForRow,
  type ParsedRow,
  type RegistryDepartment,
} from '../../domain/registries';

// Valid identifiers computed here with the published algorithms, independently of the modules under test.
const ID_W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function makeId(region: string, yyyymmdd: string, seq: string): string {
  const first17 = region + yyyymmdd + seq;
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * ID_W[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}
const CC_ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
function makeCreditCode(first17: string): string {
  const sum = [...first17].reduce((acc, c, i) => acc + CC_ALPHABET.indexOf(c) * CC_W[i]!, 0);
  return first17 + CC_ALPHABET[(31 - (sum % 31)) % 31];
}
/** A wrong check character: the next one in the alphabet of the check. */
function breakCheck(id: string): string {
  const chars = '0123456789X';
  return id.slice(0, 17) + chars[(chars.indexOf(id[17]!) + 1) % chars.length];
}

const FATHER_ID = makeId('412726', '19900101', '031');
const MOTHER_ID = makeId('412726', '19920202', '046');
const CHILD_ID = makeId('330103', '20210315', '023');
const X_ID = '11010519491231002X';
const EMPLOYER = makeCreditCode('91330100MA2H3K4L5');
const SHOP = makeCreditCode('92330106MA2J6P7Q8');

const hmacWith = (secret: string) => (s: string) => crypto.createHmac('sha256', secret).update(s).digest('hex');
const hmac = hmacWith('test-secret-for-registry-domain-tests');

const TODAY = '2026-11-21';
function form(overrides: { fatherEmployment?: unknown; housing?: unknown; permitNumber?: string } = {}) {
  return makeApplicationSchema({ today: TODAY }).parse({
    enrollmentYear: 2027,
    district: 'demo',
    stage: 'primary_1',
    child: { name: '王小明', idNumber: CHILD_ID, birthDate: '2021-03-15', sex: 'male', householdRegistration: '河南省周口市' },
    guardians: [
      {
        name: '王建国',
        idNumber: FATHER_ID,
        phone: '13812345678',
        relationship: 'father',
        employment: overrides.fatherEmployment ?? { type: 'self_employed', employerName: '王记小吃店', creditCode: SHOP },
      },
      {
        name: '李秀英',
        idNumber: MOTHER_ID,
        phone: '13912345678',
        relationship: 'mother',
        employment: { type: 'employed', employerName: '演示企业有限公司', creditCode: EMPLOYER, insuranceMonths: 30 },
      },
    ],
    residencePermit: {
      number: overrides.permitNumber ?? 'JZZ-2023-000123',
      issueDate: '2023-06-01',
      address: { district: '演示区', street: '演示街道', community: '幸福社区', detail: '幸福路8号3单元501室' },
    },
    housing: overrides.housing ?? { type: 'rented', contractNumber: 'ZL-2024-0456', registered: true },
  });
}

const POLICE_HEADER = 'permit_number,id_number,issue_date,valid_until,community';

describe('parsing a registry export', () => {
  it('reads a police export: columns in any order, BOM, CRLF, slashed dates, a lowercase x, extra columns ignored', () => {
    const csv =
      '\uFEFFid_number,community,permit_number,valid_until,issue_date,remark\r\n' +
      `${FATHER_ID},幸福社区,JZZ-2023-000123,2027-06-01,2023/6/1,备注不入库\r\n` +
      `${X_ID.toLowerCase()},,JZZ-2020-000999,2025-01-01,2020-01-01,\r\n`;
    const r = parseRegistryCsv('police', csv);
    expect(r.errors).toEqual([]);
    expect(r.rowsTotal).toBe(2);
    expect(r.rows).toEqual([
      {
        department: 'police',
        row: 2,
        data: { permitNumber: 'JZZ-2023-000123', idNumber: FATHER_ID, issueDate: '2023-06-01', validUntil: '2027-06-01', community: '幸福社区' },
      },
      {
        department: 'police',
        row: 3,
        data: { permitNumber: 'JZZ-2020-000999', idNumber: X_ID, issueDate: '2020-01-01', validUntil: '2025-01-01', community: null },
      },
    ]);
  });

  it('numbers rows as a spreadsheet does: header row 1, blank rows counted, a quoted multi-line cell one row', () => {
    const csv = [POLICE_HEADER, `P-0001,${FATHER_ID},2023-06-01,2027-06-01,幸福社区`, '', `P-0002,${MOTHER_ID},2023-06-01,2027-06-01,"幸福街道\n幸福社区"`, `P-0003,${breakCheck(CHILD_ID)},2023-06-01,2027-06-01,`].join('\n');
    const r = parseRegistryCsv('police', csv);
    expect(r.rows.map((x) => x.row)).toEqual([2, 4]);
    expect(r.rows[1]!.data).toMatchObject({ permitNumber: 'P-0002', community: '幸福街道 幸福社区' });
    expect(r.errors).toEqual([{ row: 5, field: 'id_number', message: '身份证号有误：身份证号校验位错误' }]);
    expect(r.rowsTotal).toBe(3);
  });

  it('reports every bad row and cell, in Chinese, without repeating any ID number', () => {
    const badId = breakCheck(MOTHER_ID);
    const csv = [
      POLICE_HEADER,
      `P-0001,${FATHER_ID},2023-06-01,2027-06-01,幸福社区`,
      `P-0002,${badId},2023-02-30,2027-06-01,幸福社区`,
      `,${MOTHER_ID},2023-06-01,2020-06-01,幸福社区`,
      `P-0004,12345,昨天,,幸福社区`,
      `P-0005,${X_ID},2023-06-01,2027-06-01,幸福社区,多出来的值`,
    ].join('\n');
    const r = parseRegistryCsv('police', csv);
    expect(r.errors).toEqual([
      { row: 3, field: 'id_number', message: '身份证号有误：身份证号校验位错误' },
      { row: 3, field: 'issue_date', message: '签发日期应为真实日期，格式如2024-03-01，实际为“2023-02-30”' },
      { row: 4, field: 'permit_number', message: '请填写居住证号码' },
      { row: 4, field: 'valid_until', message: '有效期至不能早于签发日期' },
      { row: 5, field: 'id_number', message: '身份证号有误：身份证号应为18位，前17位为数字，最后一位为数字或X' },
      { row: 5, field: 'issue_date', message: '签发日期应为真实日期，格式如2024-03-01，实际为“昨天”' },
      { row: 5, field: 'valid_until', message: '请填写有效期至' },
      { row: 6, field: 'columns', message: '本行有6列，多于表头的5列' },
    ]);
    expect(r.rows.map((x) => x.row)).toEqual([2]);
    expect(r.rowsTotal).toBe(5);
    expect(findFullIdNumbers(JSON.stringify(r.errors))).toEqual([]);
    expect(JSON.stringify(r.errors)).not.toContain(badId);
  });

  it('names a missing or repeated column on row 1, and refuses an empty or header-only file', () => {
    expect(parseRegistryCsv('hrss', 'id_number,insurance_months,employed,employed\n').errors).toEqual([
      { row: 1, field: 'employed', message: '表头中“employed”列重复' },
      { row: 1, field: 'employer_credit_code', message: '缺少“employer_credit_code”列（参保单位统一社会信用代码）；表头应为：id_number,employer_credit_code,insurance_months,employed' },
    ]);
    expect(parseRegistryCsv('market', '').errors).toEqual([{ row: 1, field: 'file', message: '文件为空；第1行应为表头：credit_code,holder_id_number,status' }]);
    expect(parseRegistryCsv('market', 'credit_code,holder_id_number,status\n\n').errors).toEqual([{ row: 2, field: 'file', message: '文件只有表头，没有数据行' }]);
  });

  it('reports a broken quote with the row it starts on', () => {
    const r = parseRegistryCsv('hrss', `id_number,employer_credit_code,insurance_months,employed\n${FATHER_ID},,12,是\n"${MOTHER_ID},,12,是\n`);
    expect(r.rows).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ row: 3, field: 'file' });
    expect(r.errors[0]!.message).toContain('引号没有闭合');
  });

  it('reads social insurance rows: 是/否 or true/false, an optional but checked employer code, whole months', () => {
    const csv = [
      'id_number,employer_credit_code,insurance_months,employed',
      `${FATHER_ID},${EMPLOYER.toLowerCase()},36,是`,
      `${MOTHER_ID},,0,FALSE`,
      `${X_ID},${breakCheck(EMPLOYER)},-1,也许`,
      `${CHILD_ID},,1.5,`,
    ].join('\n');
    const r = parseRegistryCsv('hrss', csv);
    expect(r.rows.map((x) => x.data)).toEqual([
      { idNumber: FATHER_ID, employerCreditCode: EMPLOYER, insuranceMonths: 36, employed: true },
      { idNumber: MOTHER_ID, employerCreditCode: null, insuranceMonths: 0, employed: false },
    ]);
    expect(r.errors).toEqual([
      { row: 4, field: 'employer_credit_code', message: expect.stringContaining('参保单位统一社会信用代码') },
      { row: 4, field: 'insurance_months', message: '社保缴费月数应为0至1200的整数，实际为“-1”' },
      { row: 4, field: 'employed', message: '是否在职只能填写“是”或“否”（或true/false），实际为“也许”' },
      { row: 5, field: 'insurance_months', message: '社保缴费月数应为0至1200的整数，实际为“1.5”' },
      { row: 5, field: 'employed', message: '请填写是否在职（是/否）' },
    ]);
  });

  it('reads housing and market rows and reports their own mistakes', () => {
    const housing = parseRegistryCsv(
      'housing',
      ['id_number,kind,certificate_or_contract_number,registered', `${FATHER_ID},rented,ZL-2024-0456,是`, `${MOTHER_ID},自有,浙(2023)杭州市不动产权第0012345号,true`, `${X_ID},借住,X-1,否`].join('\n'),
    );
    expect(housing.rows.map((x) => x.data)).toEqual([
      { idNumber: FATHER_ID, kind: 'rented', number: 'ZL-2024-0456', registered: true },
      { idNumber: MOTHER_ID, kind: 'owned', number: '浙(2023)杭州市不动产权第0012345号', registered: true },
    ]);
    expect(housing.errors).toEqual([{ row: 4, field: 'kind', message: '房屋类型只能填写owned（自有）或rented（租赁），实际为“借住”' }]);

    const market = parseRegistryCsv('market', ['credit_code,holder_id_number,status', `${SHOP},${FATHER_ID},存续`, `${breakCheck(SHOP)},${MOTHER_ID},`].join('\n'));
    expect(market.rows.map((x) => x.data)).toEqual([{ creditCode: SHOP, holderIdNumber: FATHER_ID, status: '存续' }]);
    expect(market.errors).toEqual([
      { row: 3, field: 'credit_code', message: '统一社会信用代码校验位错误' },
      { row: 3, field: 'status', message: '请填写登记状态' },
    ]);
  });

  it('refuses two rows for the same record, naming the first', () => {
    const r = parseRegistryCsv('hrss', ['id_number,employer_credit_code,insurance_months,employed', `${FATHER_ID},,12,是`, `${MOTHER_ID},,12,是`, ` ${FATHER_ID} ,,24,否`].join('\n'));
    expect(r.errors).toEqual([{ row: 4, field: 'id_number', message: '与第2行重复（身份证号相同），同一记录只能出现一次' }]);
  });
});

describe('match keys', () => {
  const police = parseRegistryCsv('police', `${POLICE_HEADER}\n ＪＺＺ-2023-000123 ,${FATHER_ID},2023-06-01,2027-06-01,幸福社区`).rows[0]!;

  it('finds the registry row from the application: same permit number (full-width, blanks) and a guardian ID number', () => {
    const keys = matchKeysForApplication('police', form(), hmac);
    expect(keys).toHaveLength(2);
    expect(keys).toContain(matchKeyForRow(police, hmac));
    expect(matchKeysForApplication('police', form({ permitNumber: 'JZZ-2023-000124' }), hmac)).not.toContain(matchKeyForRow(police, hmac));
  });

  it('are keyed hashes: never the ID number, different per department and per secret', () => {
    const all = (['police', 'hrss', 'housing', 'market'] as RegistryDepartment[]).flatMap((d) => matchKeysForApplication(d, form(), hmac));
    for (const k of all) {
      expect(k).toMatch(/^[0-9a-f]{64}$/);
      for (const id of [FATHER_ID, MOTHER_ID, CHILD_ID]) expect(k).not.toContain(id.slice(0, 17));
    }
    expect(findFullIdNumbers(all.join(' '))).toEqual([]);
    expect(new Set(all).size).toBe(all.length);
    expect(matchKeysForApplication('hrss', form(), hmacWith('another-secret'))).not.toEqual(matchKeysForApplication('hrss', form(), hmac));
  });

  it('puts the guardian who declared employment first for social insurance', () => {
    const hrssRow = (id: string) => parseRegistryCsv('hrss', `id_number,employer_credit_code,insurance_months,employed\n${id},,1,是`).rows[0]!;
    expect(matchKeysForApplication('hrss', form(), hmac)).toEqual([matchKeyForRow(hrssRow(MOTHER_ID), hmac), matchKeyForRow(hrssRow(FATHER_ID), hmac)]);
  });

  it('matches housing by ID number and the certificate or contract number on the form', () => {
    const row = (id: string, no: string, kind = 'rented') => parseRegistryCsv('housing', `id_number,kind,certificate_or_contract_number,registered\n${id},${kind},${no},是`).rows[0]!;
    expect(matchKeysForApplication('housing', form(), hmac)).toContain(matchKeyForRow(row(MOTHER_ID, 'zl-2024-0456'), hmac));
    expect(matchKeysForApplication('housing', form(), hmac)).not.toContain(matchKeyForRow(row(MOTHER_ID, 'ZL-2024-0457'), hmac));
    const owned = form({ housing: { type: 'owned', certificateNumber: '浙（2023）杭州市不动产权第0012345号' } });
    expect(matchKeysForApplication('housing', owned, hmac)).toContain(matchKeyForRow(row(FATHER_ID, '浙(2023)杭州市不动产权第0012345号', 'owned'), hmac));
  });

  it("matches market supervision by the self-employed guardian's credit code, and has nothing to look up without one", () => {
    const row = parseRegistryCsv('market', `credit_code,holder_id_number,status\n${SHOP},${FATHER_ID},存续`).rows[0]!;
    expect(matchKeysForApplication('market', form(), hmac)).toEqual([matchKeyForRow(row, hmac)]);
    const noShop = form({ fatherEmployment: { type: 'unemployed' } });
    expect(matchKeysForApplication('market', noShop, hmac)).toEqual([]);
  });
});

describe('stored records and what they confirm', () => {
  const parse1 = <D extends RegistryDepartment>(d: D, csv: string): ParsedRow => parseRegistryCsv(d, csv).rows[0]! as ParsedRow;
  const stored = (p: ParsedRow, importId = 12) => ({ importId, record: JSON.parse(JSON.stringify(recordForRow(p))) });

  it('keeps a masked ID number and the row, never the full ID number', () => {
    const rows = [
      parse1('police', `${POLICE_HEADER}\nJZZ-2023-000123,${FATHER_ID},2023-06-01,2027-06-01,幸福社区`),
      parse1('hrss', `id_number,employer_credit_code,insurance_months,employed\n${FATHER_ID},${EMPLOYER},36,是`),
      parse1('housing', `id_number,kind,certificate_or_contract_number,registered\n${FATHER_ID},rented,ZL-2024-0456,是`),
      parse1('market', `credit_code,holder_id_number,status\n${SHOP},${FATHER_ID},存续`),
    ];
    for (const p of rows) {
      const json = JSON.stringify(recordForRow(p));
      expect(findFullIdNumbers(json)).toEqual([]);
      expect(json).toContain('412726********');
      expect(json).toContain('"row":2');
    }
    expect(recordForRow(rows[0]!)).toEqual({
      row: 2,
      idNumberMasked: `412726********${FATHER_ID.slice(-4)}`,
      permitNumberMasked: '***********0123',
      issueDate: '2023-06-01',
      validUntil: '2027-06-01',
      community: '幸福社区',
    });
  });

  it('police: valid while valid_until is not before the check date, with the full months held', () => {
    const p = parse1('police', `${POLICE_HEADER}\nJZZ-2023-000123,${FATHER_ID},2023-06-01,2027-06-01,幸福社区\n`);
    const ok = confirmationFromRecord('police', stored(p, 12), '2026-05-31');
    expect(ok).toEqual({
      outcome: 'confirmed',
      findings: `公安居住证登记库比对一致：持证人412726********${FATHER_ID.slice(-4)}，居住证号码***********0123，签发日期2023-06-01，有效期至2027-06-01，核查日（2026-05-31）有效，已持证35个月，登记社区：幸福社区。`,
      facts: { valid: true, months: 35 },
      evidence: { name: '公安居住证登记库（第12批导入，第2行）', ref: 'registry:police:import-12:row-2' },
    });
    expect(confirmationFromRecord('police', stored(p), '2027-06-01')).toMatchObject({ outcome: 'confirmed', facts: { valid: true, months: 48 } });
    const expired = confirmationFromRecord('police', stored(p), '2027-06-02');
    expect(expired).toMatchObject({ outcome: 'not_confirmed', facts: { valid: false, months: 48 } });
    expect(expired.findings).toContain('已过期');
  });

  it('reads an instant as its Asia/Shanghai day', () => {
    const p = parse1('police', `${POLICE_HEADER}\nJZZ-2023-000123,${FATHER_ID},2023-06-01,2027-06-01,`);
    // 2027-06-01T16:30Z is already 2027-06-02 00:30 in Beijing: one day past valid_until.
    expect(confirmationFromRecord('police', stored(p), new Date('2027-06-01T15:59:00Z')).outcome).toBe('confirmed');
    expect(confirmationFromRecord('police', stored(p), new Date('2027-06-01T16:30:00Z')).outcome).toBe('not_confirmed');
  });

  it('counts full months, a month ending on the last day of a shorter month', () => {
    expect(fullMonthsBetween('2024-01-31', '2024-02-28')).toBe(0);
    expect(fullMonthsBetween('2024-01-31', '2024-02-29')).toBe(1);
    expect(fullMonthsBetween('2023-01-31', '2023-02-28')).toBe(1);
    expect(fullMonthsBetween('2023-06-15', '2026-06-14')).toBe(35);
    expect(fullMonthsBetween('2023-06-15', '2026-06-15')).toBe(36);
    expect(fullMonthsBetween('2026-06-15', '2023-06-15')).toBe(0);
  });

  it('hrss: confirmed when employed, with the months insured', () => {
    const yes = parse1('hrss', `id_number,employer_credit_code,insurance_months,employed\n${MOTHER_ID},${EMPLOYER},30,是`);
    const c = confirmationFromRecord('hrss', stored(yes, 3), '2026-06-01');
    expect(c).toMatchObject({ outcome: 'confirmed', facts: { employed: true, insuranceMonths: 30 }, evidence: { ref: 'registry:hrss:import-3:row-2' } });
    expect(c.findings).toBe(`人社社会保险参保库比对一致：412726********${MOTHER_ID.slice(-4)}在职参保，参保单位统一社会信用代码${EMPLOYER}，累计缴费30个月。`);
    const no = parse1('hrss', `id_number,employer_credit_code,insurance_months,employed\n${MOTHER_ID},,30,否`);
    expect(confirmationFromRecord('hrss', stored(no), '2026-06-01')).toMatchObject({ outcome: 'not_confirmed', facts: { employed: false, insuranceMonths: 30 } });
  });

  it('housing: answers only the point the record speaks to (owned, or rental registered)', () => {
    const owned = parse1('housing', `id_number,kind,certificate_or_contract_number,registered\n${FATHER_ID},owned,浙(2023)杭州市不动产权第0012345号,是`);
    const o = confirmationFromRecord('housing', stored(owned), '2026-06-01');
    expect(o).toMatchObject({ outcome: 'confirmed', facts: { owned: true } });
    expect(o.facts).not.toHaveProperty('rentalRegistered');
    expect(o.findings).toContain('已办理不动产登记');
    const rented = parse1('housing', `id_number,kind,certificate_or_contract_number,registered\n${FATHER_ID},rented,ZL-2024-0456,否`);
    const r = confirmationFromRecord('housing', stored(rented), '2026-06-01');
    expect(r).toMatchObject({ outcome: 'not_confirmed', facts: { rentalRegistered: false } });
    expect(r.facts).not.toHaveProperty('owned');
    expect(r.findings).toContain('租赁合同********0456未登记备案');
  });

  it('market: 存续 and 在业 are valid licences, anything else is not', () => {
    const licence = (status: string) => parse1('market', `credit_code,holder_id_number,status\n${SHOP},${FATHER_ID},${status}`);
    expect(confirmationFromRecord('market', stored(licence('存续')), '2026-06-01')).toMatchObject({ outcome: 'confirmed', facts: { valid: true } });
    expect(confirmationFromRecord('market', stored(licence('在业')), '2026-06-01')).toMatchObject({ outcome: 'confirmed', facts: { valid: true } });
    const revoked = confirmationFromRecord('market', stored(licence('吊销')), '2026-06-01');
    expect(revoked).toMatchObject({ outcome: 'not_confirmed', facts: { valid: false }, evidence: { ref: 'registry:market:import-12:row-2' } });
    expect(revoked.findings).toContain('登记状态“吊销”，营业执照不在有效状态');
  });

  it('refuses a stored record of the wrong shape or a malformed check date', () => {
    expect(() => confirmationFromRecord('police', { importId: 1, record: { row: 2 } }, '2026-06-01')).toThrow();
    const p = parse1('market', `credit_code,holder_id_number,status\n${SHOP},${FATHER_ID},存续`);
    expect(() => confirmationFromRecord('market', stored(p), '2026-6-1')).toThrow(RangeError);
  });
});
