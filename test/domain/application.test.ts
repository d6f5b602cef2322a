import {
  APPLICATION_NUMBER_PATTERN,
  MAX_MATERIAL_BYTES,
  MAX_MATERIALS,
  applicationKey,
  makeApplicationNumber,
  makeApplicationSchema,
} from '../../domain/application';

// Valid ID numbers computed here with the GB 11643 algorithm, independently of the module under test.
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
function makeId(region: string, yyyymmdd: string, seq: string): string {
  const first17 = region + yyyymmdd + seq;
  const sum = [...first17].reduce((acc, d, i) => acc + Number(d) * W[i]!, 0);
  return first17 + '10X98765432'[sum % 11];
}

const TODAY = '2026-11-21';
const schema = makeApplicationSchema({ today: TODAY });

const CHILD_ID = makeId('330103', '20210315', '023'); // odd sequence digit: a boy born 2021-03-15
const FATHER_ID = makeId('412726', '19900101', '031');
const MOTHER_ID = makeId('412726', '19920202', '046');
const WELL_KNOWN_ID = '11010519491231002X'; // female, born 1949-12-31
const CREDIT_CODE = '91350100M000100Y43'; // the example of GB 32100-2015
const SHA256 = 'a'.repeat(64);

/** A complete, valid application as a client would send it; each test changes one thing. */
function validInput(): any {
  return {
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
        employment: { type: 'employed', employerName: '演示重点企业有限公司', creditCode: CREDIT_CODE, insuranceMonths: 36 },
      },
      { name: '李秀英', idNumber: MOTHER_ID, phone: '13912345678', relationship: 'mother', employment: { type: 'unemployed' } },
    ],
    residencePermit: {
      number: 'JZZ-2023-000123',
      issueDate: '2023-06-01',
      address: { district: '演示区', street: '演示街道', community: '幸福社区', detail: '幸福路8号3单元501室' },
    },
    housing: { type: 'rented', contractNumber: 'ZL-2024-0456', registered: true },
    specialCategories: ['key_enterprise'],
    materials: [
      { kind: 'residence_permit', fileId: SHA256, fileName: '居住证.jpg', mediaType: 'image/jpeg', size: 1_200_000 },
      { kind: 'rental_contract', fileId: 'b'.repeat(64), fileName: '租房合同.pdf', mediaType: 'application/pdf', size: 3_400_000 },
    ],
  };
}

/** The issues of a failed parse as 'path: message' pairs, so a test can name the field the parent must fix. */
function issues(input: unknown): Record<string, string> {
  const r = schema.safeParse(input);
  if (r.success) return {};
  return Object.fromEntries(r.error.issues.map((i) => [i.path.join('.'), i.message]));
}

describe('the application form', () => {
  it('accepts a complete application and normalizes what people type', () => {
    const input = validInput();
    input.child.idNumber = ` ${CHILD_ID.toLowerCase()} `;
    input.guardians[0].employment.creditCode = CREDIT_CODE.toLowerCase();
    input.child.name = ' 王小明 ';
    delete input.specialCategories;
    const form = schema.parse(input);
    expect(form.child.idNumber).toBe(CHILD_ID);
    expect(form.child.name).toBe('王小明');
    expect(form.guardians[0]!.employment).toMatchObject({ type: 'employed', creditCode: CREDIT_CODE });
    expect(form.specialCategories).toEqual([]);
  });

  it('names a wrong ID check character in Chinese on the ID field', () => {
    const input = validInput();
    input.child.idNumber = `${CHILD_ID.slice(0, 17)}${CHILD_ID[17] === '0' ? '1' : '0'}`;
    expect(issues(input)).toEqual({ 'child.idNumber': '身份证号校验位错误' });
  });

  it('points a birth date that does not match the ID number at child.birthDate', () => {
    const input = validInput();
    input.child.birthDate = '2021-03-16';
    expect(issues(input)).toEqual({ 'child.birthDate': '出生日期与身份证号不一致' });
  });

  it('reports the birth date mismatch together with unrelated mistakes, not one at a time', () => {
    const input = validInput();
    input.child.birthDate = '2021-03-16';
    input.guardians[1].phone = '12345';
    delete input.residencePermit;
    expect(Object.keys(issues(input)).sort()).toEqual(['child.birthDate', 'guardians.1.phone', 'residencePermit']);
  });

  it('does not report a mismatch when the ID number itself is wrong (one mistake, one message)', () => {
    const input = validInput();
    input.child.idNumber = '123';
    input.child.birthDate = '2020-01-01';
    expect(issues(input)).toEqual({ 'child.idNumber': expect.stringContaining('18位') });
  });

  it('checks the sex against the ID number', () => {
    const input = validInput();
    input.child.sex = 'female';
    expect(issues(input)).toEqual({ 'child.sex': '性别与身份证号不一致' });
  });

  it('rejects an ID number whose birth date is after today', () => {
    const input = validInput();
    input.child.idNumber = makeId('330103', '20261122', '023');
    input.child.birthDate = '2026-11-22';
    expect(issues(input)).toMatchObject({ 'child.idNumber': '身份证号中的出生日期无效' });
  });

  it('rejects an unknown stage on the stage field', () => {
    const input = validInput();
    input.stage = 'grade_12';
    expect(issues(input)).toEqual({ stage: expect.stringContaining('入学阶段只能选择') });
  });

  describe('transfer grade', () => {
    it('is required for a transfer', () => {
      const input = validInput();
      input.stage = 'transfer';
      expect(issues(input)).toEqual({ transferGrade: '插班转学请填写转入年级（1至9年级）' });
      input.transferGrade = 3;
      expect(schema.parse(input).transferGrade).toBe(3);
    });

    it('is 1 to 9', () => {
      const input = validInput();
      input.stage = 'transfer';
      for (const bad of [0, 10, 2.5]) {
        input.transferGrade = bad;
        expect(Object.keys(issues(input))).toEqual(['transferGrade']);
      }
    });

    it('is refused for the other stages', () => {
      const input = validInput();
      input.transferGrade = 3;
      expect(issues(input)).toEqual({ transferGrade: '只有插班转学需要填写转入年级' });
    });
  });

  describe('materials', () => {
    it('accepts exactly the size limit and names the size of an oversized file', () => {
      const input = validInput();
      input.materials[0].size = MAX_MATERIAL_BYTES;
      expect(schema.safeParse(input).success).toBe(true);
      input.materials[0].size = MAX_MATERIAL_BYTES + 1;
      expect(issues(input)).toEqual({ 'materials.0.size': '文件不能超过10MB，请压缩后重新上传' });
    });

    it('names the media type of a file that is not PDF, JPEG or PNG', () => {
      const input = validInput();
      input.materials[1].mediaType = 'image/gif';
      expect(issues(input)).toEqual({ 'materials.1.mediaType': '只能上传PDF、JPG或PNG格式的文件' });
    });

    it('refuses empty files, file ids that are not SHA-256 hex, and too many files', () => {
      const input = validInput();
      input.materials[0].size = 0;
      input.materials[1].fileId = 'not-a-hash';
      expect(Object.keys(issues(input)).sort()).toEqual(['materials.0.size', 'materials.1.fileId']);
      const many = validInput();
      many.materials = Array.from({ length: MAX_MATERIALS + 1 }, () => many.materials[0]);
      expect(Object.keys(issues(many))).toEqual(['materials']);
    });
  });

  describe('guardians', () => {
    it('requires the employer credit code of an employed or self-employed guardian, but not of an unemployed one', () => {
      const input = validInput();
      delete input.guardians[0].employment.creditCode;
      expect(issues(input)).toEqual({ 'guardians.0.employment.creditCode': '请填写统一社会信用代码' });
      input.guardians[0].employment = { type: 'self_employed', employerName: '王记小吃店' };
      expect(issues(input)).toEqual({ 'guardians.0.employment.creditCode': '请填写统一社会信用代码' });
      input.guardians[0].employment = { type: 'unemployed' };
      expect(schema.safeParse(input).success).toBe(true);
    });

    it('checks the credit code check character', () => {
      const input = validInput();
      input.guardians[0].employment.creditCode = '91350100M000100Y44';
      expect(issues(input)).toEqual({ 'guardians.0.employment.creditCode': '统一社会信用代码校验位错误' });
    });

    it('wants one or two guardians', () => {
      const none = validInput();
      none.guardians = [];
      expect(Object.keys(issues(none))).toEqual(['guardians']);
      const three = validInput();
      three.guardians.push({ ...three.guardians[1], idNumber: WELL_KNOWN_ID, relationship: 'other_guardian' });
      expect(Object.keys(issues(three))).toEqual(['guardians']);
    });

    it('catches swapped or repeated ID numbers', () => {
      const same = validInput();
      same.guardians[1].idNumber = FATHER_ID;
      same.guardians[1].relationship = 'other_guardian';
      expect(issues(same)).toEqual({ 'guardians.1.idNumber': '两位监护人的身份证号不能相同' });

      const childAsGuardian = validInput();
      childAsGuardian.guardians[1].idNumber = CHILD_ID;
      childAsGuardian.guardians[1].relationship = 'other_guardian';
      expect(issues(childAsGuardian)).toEqual({ 'guardians.1.idNumber': '监护人的身份证号不能与儿童相同' });

      const motherAsFather = validInput();
      motherAsFather.guardians[0].idNumber = MOTHER_ID;
      motherAsFather.guardians[1].idNumber = FATHER_ID;
      expect(issues(motherAsFather)).toEqual({
        'guardians.0.relationship': '与儿童关系为父亲，但身份证号显示为女性',
        'guardians.1.relationship': '与儿童关系为母亲，但身份证号显示为男性',
      });
    });
  });

  it('requires the registration state of a rented home and refuses unknown housing types', () => {
    const input = validInput();
    delete input.housing.registered;
    expect(issues(input)).toEqual({ 'housing.registered': '请选择租房合同是否已登记备案' });
    input.housing = { type: 'dormitory' };
    expect(Object.keys(issues(input))).toEqual(['housing.type']);
  });

  it('refuses duplicate and unknown special categories, and a sibling claim without the sibling', () => {
    const dup = validInput();
    dup.specialCategories = ['key_enterprise', 'military_family', 'key_enterprise'];
    expect(issues(dup)).toEqual({ 'specialCategories.2': expect.stringContaining('重复') });

    const unknown = validInput();
    unknown.specialCategories = ['vip'];
    expect(Object.keys(issues(unknown))).toEqual(['specialCategories.0']);

    const sibling = validInput();
    sibling.specialCategories = ['sibling_enrolled'];
    expect(issues(sibling)).toEqual({ siblingSchoolId: expect.stringContaining('兄姐') });
    sibling.siblingApplicationNumber = '2026-DEMO-000042';
    expect(schema.safeParse(sibling).success).toBe(true);
    sibling.siblingApplicationNumber = CHILD_ID;
    expect(Object.keys(issues(sibling))).toEqual(['siblingApplicationNumber']);
  });

  it('refuses a residence permit issued after today and impossible dates', () => {
    const input = validInput();
    input.residencePermit.issueDate = '2026-11-22';
    expect(issues(input)).toEqual({ 'residencePermit.issueDate': '居住证签发日期不能晚于今天' });
    input.residencePermit.issueDate = '2023-02-29';
    expect(Object.keys(issues(input))).toEqual(['residencePermit.issueDate']);
  });

  it.each([2019, 2101, 2027.5, '2027'])('refuses enrollment year %p', (year) => {
    const input = validInput();
    input.enrollmentYear = year;
    expect(Object.keys(issues(input))).toEqual(['enrollmentYear']);
  });

  it('counts a name in characters, so a rare character outside the BMP is one character', () => {
    const input = validInput();
    input.child.name = '𠮷'; // one character, two UTF-16 units
    expect(issues(input)).toEqual({ 'child.name': '儿童姓名至少2个字' });
    input.child.name = '𠮷𠮷';
    expect(schema.safeParse(input).success).toBe(true);
  });

  it('speaks Chinese to the parent for every issue, including missing and mistyped fields', () => {
    const garbage = {
      enrollmentYear: 'next year',
      stage: 7,
      child: { name: 1, idNumber: null, sex: 'x' },
      guardians: [{ phone: 138, employment: {} }],
      residencePermit: { address: 'somewhere' },
      housing: {},
      specialCategories: 'none',
      materials: [{}],
    };
    const nulls = { child: null, guardians: [null], residencePermit: { address: null }, housing: null, materials: [null] };
    const all = { ...issues(garbage), ...issues(nulls), ...issues({}), ...issues(null) };
    expect(Object.keys(all).length).toBeGreaterThan(15);
    for (const [path, message] of Object.entries(all)) {
      expect(`${path}: ${message}`).toMatch(/[\u4e00-\u9fff]/);
      expect(`${path}: ${message}`).not.toMatch(/Invalid|expected|received/i);
    }
  });

  it('needs a valid today', () => {
    expect(() => makeApplicationSchema({ today: '21.11.2026' })).toThrow(RangeError);
  });
});

describe('identifiers', () => {
  it('keys an application by child and year, whatever case the parent typed the check x in', () => {
    expect(applicationKey({ enrollmentYear: 2027, child: { idNumber: WELL_KNOWN_ID } })).toBe(`2027:${WELL_KNOWN_ID}`);
    expect(applicationKey({ enrollmentYear: 2027, child: { idNumber: WELL_KNOWN_ID.toLowerCase() } })).toBe(
      applicationKey({ enrollmentYear: 2027, child: { idNumber: WELL_KNOWN_ID } }),
    );
    expect(applicationKey({ enrollmentYear: 2028, child: { idNumber: WELL_KNOWN_ID } })).not.toBe(
      applicationKey({ enrollmentYear: 2027, child: { idNumber: WELL_KNOWN_ID } }),
    );
  });

  it('gives the same key for the same child submitted twice through the schema', () => {
    const a = validInput();
    const b = validInput();
    b.child.idNumber = ` ${CHILD_ID.toLowerCase()}`;
    b.guardians[0].phone = '13700000000';
    expect(applicationKey(schema.parse(a))).toBe(applicationKey(schema.parse(b)));
  });

  it('numbers applications without any trace of the ID number', () => {
    const n = makeApplicationNumber(2026, 'demo', 123);
    expect(n).toBe('2026-DEMO-000123');
    expect(n).toMatch(APPLICATION_NUMBER_PATTERN);
    expect(makeApplicationNumber(2026, '331003', 1_234_567)).toBe('2026-331003-1234567');
  });

  it.each([
    [2019, 'demo', 1],
    [2026, 'DEMO', 1],
    [2026, 'de-mo', 1],
    [2026, 'demo', 0],
    [2026, 'demo', 1.5],
  ])('refuses to number (%p, %p, %p)', (year, district, seq) => {
    expect(() => makeApplicationNumber(year, district, seq)).toThrow(RangeError);
  });
});
