/**
 * The enrollment application a parent submits once ("入学一件事", seed 004: 一套表格填写): its schema, labels and
 * identifiers. Pure: no I/O, no clock. Error messages are in Chinese because they are shown to the parent next to the
 * field the issue path names; field names stay English because they are the API.
 *
 * The schema is built by `makeApplicationSchema({ today })` rather than exported as a constant: whether a birth
 * date or an issue date lies in the future depends on the day, and a constant built at module load would go stale
 * in a long-running process and make workflow replay depend on when the worker started.
 */
import { z } from 'zod';
import {
  isIsoDate,
  isMainlandMobile,
  normalizeIdNumber,
  validateCreditCode,
  validateIdNumber,
  type IsoDate,
} from './personal-data';
import { SPECIAL_CATEGORIES, SPECIAL_CATEGORY_NAMES_ZH } from './special-categories';

// ---------------------------------------------------------------------------------------------------------------
// Vocabularies and their Chinese labels
// ---------------------------------------------------------------------------------------------------------------

export const STAGES = ['kindergarten', 'primary_1', 'junior_7', 'transfer'] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_NAMES_ZH: Record<Stage, string> = {
  kindergarten: '幼儿园入园',
  primary_1: '小学一年级',
  junior_7: '初中七年级',
  transfer: '插班转学',
};

// Kept in their own module without zod, so that workflow code naming them does not load zod into every workflow.
export { SPECIAL_CATEGORIES, SPECIAL_CATEGORY_NAMES_ZH, type SpecialCategory } from './special-categories';

export const SEXES = ['male', 'female'] as const;
export type Sex = (typeof SEXES)[number];

export const GUARDIAN_RELATIONSHIPS = ['father', 'mother', 'other_guardian'] as const;
export type GuardianRelationship = (typeof GUARDIAN_RELATIONSHIPS)[number];
export const GUARDIAN_RELATIONSHIP_NAMES_ZH: Record<GuardianRelationship, string> = {
  father: '父亲',
  mother: '母亲',
  other_guardian: '其他监护人',
};

export const EMPLOYMENT_TYPES = ['employed', 'self_employed', 'unemployed'] as const;
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number];
export const EMPLOYMENT_TYPE_NAMES_ZH: Record<EmploymentType, string> = {
  employed: '单位就业',
  self_employed: '个体经营',
  unemployed: '无业',
};

/** The materials of seed 003's strict check plus the proofs special categories need. */
export const MATERIAL_KINDS = [
  'household_register',
  'residence_permit',
  'property_certificate',
  'rental_contract',
  'community_residence_proof',
  'employment_proof',
  'business_licence',
  'birth_certificate',
  'special_category_proof',
  'other',
] as const;
export type MaterialKind = (typeof MATERIAL_KINDS)[number];
export const MATERIAL_KIND_NAMES_ZH: Record<MaterialKind, string> = {
  household_register: '户口簿',
  residence_permit: '居住证',
  property_certificate: '房产证（不动产权证书）',
  rental_contract: '租房合同',
  community_residence_proof: '社区居住证明',
  employment_proof: '务工证明',
  business_licence: '营业执照',
  birth_certificate: '出生医学证明',
  special_category_proof: '优待或帮扶对象证明',
  other: '其他材料',
};

export const MATERIAL_MEDIA_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;
export type MaterialMediaType = (typeof MATERIAL_MEDIA_TYPES)[number];
/** 10 MiB: a phone photo or a scanned multi-page PDF fits; the upload store keeps every file for the whole case. */
export const MAX_MATERIAL_BYTES = 10 * 1024 * 1024;
export const MAX_MATERIALS = 30;

export const MIN_ENROLLMENT_YEAR = 2020;
export const MAX_ENROLLMENT_YEAR = 2100;

/** District codes are identifiers ('demo', '331003'); lowercase so the same district is never two keys. */
export const DISTRICT_CODE_PATTERN = /^[a-z0-9_]{1,32}$/;
/** `2026-DEMO-000123`: year, district code uppercased, sequence of at least 6 digits. */
export const APPLICATION_NUMBER_PATTERN = /^\d{4}-[A-Z0-9_]{1,32}-\d{6,}$/;

export const ID_NUMBER_ERRORS_ZH = {
  format: '身份证号应为18位，前17位为数字，最后一位为数字或X',
  checksum: '身份证号校验位错误',
  birth_date: '身份证号中的出生日期无效',
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Field builders: each says in Chinese what is missing or wrong
// ---------------------------------------------------------------------------------------------------------------

const missingOr = (label: string, wrong: string, verb: '填写' | '选择' = '填写') => (iss: { input?: unknown }) =>
  iss.input === undefined ? `请${verb}${label}` : wrong;

/**
 * Trimmed text of `min..max` characters. Counted in code points, not UTF-16 units, so a name with a rare character
 * outside the BMP (e.g. 𠮷) is not counted twice.
 */
function textField(label: string, min: number, max: number) {
  return z
    .string({ error: missingOr(label, `${label}应为文字`) })
    .trim()
    .superRefine((s, ctx) => {
      const n = [...s].length;
      if (n === 0) ctx.addIssue({ code: 'custom', message: `请填写${label}` });
      else if (n < min) ctx.addIssue({ code: 'custom', message: `${label}至少${min}个字` });
      else if (n > max) ctx.addIssue({ code: 'custom', message: `${label}不能超过${max}个字` });
      // eslint-disable-next-line no-control-regex -- control characters are exactly what this rejects
      else if (/[\u0000-\u001f\u007f]/.test(s)) ctx.addIssue({ code: 'custom', message: `${label}含有无法显示的字符` });
    });
}

function dateField(label: string, today: IsoDate) {
  return z
    .string({ error: missingOr(label, `${label}格式应为年-月-日，如2020-09-01`) })
    .trim()
    .superRefine((s, ctx) => {
      if (!isIsoDate(s)) ctx.addIssue({ code: 'custom', message: `${label}格式应为年-月-日，如2020-09-01，且须为真实日期` });
      else if (s > today) ctx.addIssue({ code: 'custom', message: `${label}不能晚于今天` });
    });
}

function idNumberField(today: IsoDate) {
  return z
    .string({ error: missingOr('身份证号', ID_NUMBER_ERRORS_ZH.format) })
    // Same canonical form as normalizeIdNumber (trim, 'x' → 'X'), kept as string checks so the schema stays a
    // plain string for the OpenAPI document.
    .trim()
    .toUpperCase()
    .superRefine((id, ctx) => {
      if (id === '') {
        ctx.addIssue({ code: 'custom', message: '请填写身份证号' });
        return;
      }
      const r = validateIdNumber(id, today);
      if (!r.ok) ctx.addIssue({ code: 'custom', message: ID_NUMBER_ERRORS_ZH[r.reason] });
    });
}

function enumField<const T extends readonly [string, ...string[]]>(values: T, label: string, choices: string) {
  return z.enum(values, { error: missingOr(label, `${label}只能选择：${choices}`, '选择') });
}

const phoneField = z
  .string({ error: missingOr('手机号码', '手机号码应为11位数字') })
  .trim()
  .refine(isMainlandMobile, { error: '手机号码应为11位中国大陆手机号，如13812345678' });

const creditCodeField = z
  .string({ error: missingOr('统一社会信用代码', '统一社会信用代码应为18位数字或大写字母') })
  .trim()
  .toUpperCase()
  .superRefine((code, ctx) => {
    const r = validateCreditCode(code);
    if (r.ok) return;
    ctx.addIssue({
      code: 'custom',
      message: r.reason === 'checksum' ? '统一社会信用代码校验位错误' : '统一社会信用代码应为18位数字或大写字母（不含I、O、S、V、Z）',
    });
  });

const monthsField = (label: string) =>
  z
    .number({ error: `${label}应为月数` })
    .int({ error: `${label}应为整数月数` })
    .min(0, { error: `${label}不能为负数` })
    .max(1200, { error: `${label}不能超过1200个月` });

/** Runs a cross-field check only when the fields it compares parsed cleanly, so one mistake is not reported twice. */
function whenValid(schema: z.ZodType) {
  return (payload: { value: unknown }) => schema.safeParse(payload.value).success;
}

// ---------------------------------------------------------------------------------------------------------------
// The form
// ---------------------------------------------------------------------------------------------------------------

export interface ApplicationSchemaOptions {
  /** The current day in Asia/Shanghai, 'YYYY-MM-DD'; dates after it are rejected. */
  today: IsoDate;
}

export function makeApplicationSchema({ today }: ApplicationSchemaOptions) {
  if (!isIsoDate(today)) throw new RangeError(`today must be 'YYYY-MM-DD', got '${today}'`);
  const idNumber = idNumberField(today);
  const sex = enumField(SEXES, '性别', '男、女');

  const child = z
    .object(
      {
        name: textField('儿童姓名', 2, 30),
        idNumber,
        birthDate: dateField('出生日期', today),
        sex,
        householdRegistration: textField('户籍所在地', 2, 100),
      },
      { error: '请填写儿童信息' },
    )
    // Typing the birth date separately catches a mistyped or borrowed ID number; the path names the date field
    // because that is what the parent compares against the birth certificate.
    .superRefine(
      (c, ctx) => {
        const r = validateIdNumber(c.idNumber, today);
        if (!r.ok) return;
        if (r.birthDate !== c.birthDate) ctx.addIssue({ code: 'custom', path: ['birthDate'], message: '出生日期与身份证号不一致' });
        if (r.sex !== c.sex) ctx.addIssue({ code: 'custom', path: ['sex'], message: '性别与身份证号不一致' });
      },
      { when: whenValid(z.object({ idNumber, birthDate: dateField('出生日期', today), sex })) },
    );

  const employment = z.discriminatedUnion(
    'type',
    [
      z.object({
        type: z.enum(['employed', 'self_employed']),
        employerName: textField('工作单位或个体工商户名称', 2, 100),
        creditCode: creditCodeField,
        insuranceMonths: monthsField('社保缴费月数').optional(),
      }),
      z.object({
        type: z.literal('unemployed'),
        insuranceMonths: monthsField('社保缴费月数').optional(),
      }),
    ],
    { error: missingOr('就业情况', '就业情况只能选择：单位就业、个体经营、无业', '选择') },
  );

  const relationship = enumField(GUARDIAN_RELATIONSHIPS, '与儿童关系', '父亲、母亲、其他监护人');
  const guardian = z
    .object(
      {
        name: textField('监护人姓名', 2, 30),
        idNumber,
        phone: phoneField,
        relationship,
        employment,
      },
      { error: '请填写监护人信息' },
    )
    // Father / mother swapped with the other parent's ID number is a common slip; the ID number encodes the sex.
    .superRefine(
      (g, ctx) => {
        const r = validateIdNumber(g.idNumber, today);
        if (!r.ok) return;
        if (g.relationship === 'father' && r.sex !== 'male') {
          ctx.addIssue({ code: 'custom', path: ['relationship'], message: '与儿童关系为父亲，但身份证号显示为女性' });
        }
        if (g.relationship === 'mother' && r.sex !== 'female') {
          ctx.addIssue({ code: 'custom', path: ['relationship'], message: '与儿童关系为母亲，但身份证号显示为男性' });
        }
      },
      { when: whenValid(z.object({ idNumber, relationship })) },
    );

  const guardians = z
    .array(guardian, { error: '请填写监护人信息' })
    .min(1, { error: '请至少填写一位监护人' })
    .max(2, { error: '最多填写两位监护人' })
    .superRefine(
      (gs, ctx) => {
        const seen = new Map<string, number>();
        gs.forEach((g, i) => {
          if (seen.has(g.idNumber)) ctx.addIssue({ code: 'custom', path: [i, 'idNumber'], message: '两位监护人的身份证号不能相同' });
          seen.set(g.idNumber, i);
        });
        for (const rel of ['father', 'mother'] as const) {
          const idx = gs.map((g, i) => (g.relationship === rel ? i : -1)).filter((i) => i >= 0);
          for (const i of idx.slice(1)) {
            ctx.addIssue({ code: 'custom', path: [i, 'relationship'], message: `只能填写一位${GUARDIAN_RELATIONSHIP_NAMES_ZH[rel]}` });
          }
        }
      },
      { when: whenValid(z.array(z.object({ idNumber, relationship }))) },
    );

  const residencePermit = z.object(
    {
      number: textField('居住证号码', 4, 40),
      issueDate: dateField('居住证签发日期', today),
      address: z.object(
        {
          district: textField('居住地所在区县', 2, 50),
          street: textField('居住地所在街道（乡镇）', 2, 50),
          community: textField('居住地所在社区（村）', 2, 50),
          detail: textField('详细地址', 2, 200),
        },
        { error: '请填写居住证登记地址' },
      ),
    },
    { error: '请填写居住证信息' },
  );

  const housing = z.discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('owned'), certificateNumber: textField('房产证（不动产权证书）号', 4, 60) }),
      z.object({
        type: z.literal('rented'),
        contractNumber: textField('租房合同编号', 2, 60),
        registered: z.boolean({ error: '请选择租房合同是否已登记备案' }),
      }),
    ],
    { error: missingOr('住房情况', '住房情况只能选择：自有住房、租房', '选择') },
  );

  const specialCategories = z
    .array(enumField(SPECIAL_CATEGORIES, '特殊群体类别', Object.values(SPECIAL_CATEGORY_NAMES_ZH).join('、')), {
      error: '特殊群体类别应为列表',
    })
    .superRefine((cats, ctx) => {
      cats.forEach((c, i) => {
        if (cats.indexOf(c) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `特殊群体类别“${SPECIAL_CATEGORY_NAMES_ZH[c]}”重复` });
      });
    })
    .default([]);

  const material = z.object(
    {
      kind: enumField(MATERIAL_KINDS, '材料类型', Object.values(MATERIAL_KIND_NAMES_ZH).join('、')),
      fileId: z
        .string({ error: missingOr('文件编号', '文件编号格式不正确') })
        .regex(/^[0-9a-f]{64}$/, { error: '文件编号格式不正确，请重新上传该文件' }),
      fileName: textField('文件名', 1, 200).refine((s) => !/[\\/]/.test(s), { error: '文件名不能包含斜杠' }),
      mediaType: z.enum(MATERIAL_MEDIA_TYPES, { error: '只能上传PDF、JPG或PNG格式的文件' }),
      size: z
        .number({ error: '文件大小应为字节数' })
        .int({ error: '文件大小应为整数字节数' })
        .min(1, { error: '文件为空，请重新上传' })
        .max(MAX_MATERIAL_BYTES, { error: '文件不能超过10MB，请压缩后重新上传' }),
    },
    { error: '材料信息格式不正确' },
  );

  return z
    .object(
      {
        enrollmentYear: z
          .number({ error: missingOr('入学年份', '入学年份应为数字') })
          .int({ error: '入学年份应为整数' })
          .min(MIN_ENROLLMENT_YEAR, { error: `入学年份应在${MIN_ENROLLMENT_YEAR}年至${MAX_ENROLLMENT_YEAR}年之间` })
          .max(MAX_ENROLLMENT_YEAR, { error: `入学年份应在${MIN_ENROLLMENT_YEAR}年至${MAX_ENROLLMENT_YEAR}年之间` }),
        district: z
          .string({ error: missingOr('报名区县', '报名区县代码格式不正确') })
          .regex(DISTRICT_CODE_PATTERN, { error: '报名区县代码格式不正确' }),
        stage: enumField(STAGES, '入学阶段', Object.values(STAGE_NAMES_ZH).join('、')),
        transferGrade: z
          .number({ error: '转入年级应为1至9的整数' })
          .int({ error: '转入年级应为1至9的整数' })
          .min(1, { error: '转入年级应为1至9的整数' })
          .max(9, { error: '转入年级应为1至9的整数' })
          .optional(),
        child,
        guardians,
        residencePermit,
        housing,
        specialCategories,
        siblingApplicationNumber: z
          .string({ error: '兄姐的申请编号格式不正确' })
          .trim()
          .regex(APPLICATION_NUMBER_PATTERN, { error: '兄姐的申请编号格式应如2026-DEMO-000123' })
          .optional(),
        siblingSchoolId: textField('兄姐就读学校', 1, 64).optional(),
        materials: z
          .array(material, { error: '材料应为列表' })
          .max(MAX_MATERIALS, { error: `最多上传${MAX_MATERIALS}份材料` })
          .default([]),
      },
      { error: '申请表格式不正确，请刷新页面后重新填写' },
    )
    .superRefine(
      (f, ctx) => {
        if (f.stage === 'transfer' && f.transferGrade === undefined) {
          ctx.addIssue({ code: 'custom', path: ['transferGrade'], message: '插班转学请填写转入年级（1至9年级）' });
        }
        if (f.stage !== 'transfer' && f.transferGrade !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['transferGrade'], message: '只有插班转学需要填写转入年级' });
        }
      },
      { when: whenValid(z.object({ stage: z.enum(STAGES), transferGrade: z.number().optional() })) },
    )
    .superRefine(
      (f, ctx) => {
        f.guardians.forEach((g, i) => {
          if (g.idNumber === f.child.idNumber) {
            ctx.addIssue({ code: 'custom', path: ['guardians', i, 'idNumber'], message: '监护人的身份证号不能与儿童相同' });
          }
        });
      },
      { when: whenValid(z.object({ child: z.object({ idNumber }), guardians: z.array(z.object({ idNumber })) })) },
    )
    .superRefine(
      (f, ctx) => {
        // 多孩长幼随学 is decided by placing the child with the sibling, so the sibling must be identifiable.
        if (f.specialCategories.includes('sibling_enrolled') && !f.siblingApplicationNumber && !f.siblingSchoolId) {
          ctx.addIssue({ code: 'custom', path: ['siblingSchoolId'], message: '选择多孩子女长幼随学时，请填写兄姐就读学校或兄姐的申请编号' });
        }
      },
      {
        when: whenValid(
          z.object({
            specialCategories: z.array(z.string()).default([]),
            siblingApplicationNumber: z.string().optional(),
            siblingSchoolId: z.string().optional(),
          }),
        ),
      },
    );
}

export type ApplicationSchema = ReturnType<typeof makeApplicationSchema>;
/** A parsed, normalized application (ID numbers and credit codes uppercased, text trimmed, defaults filled). */
export type ApplicationForm = z.output<ApplicationSchema>;
/** What a client sends (optional lists may be left out). */
export type ApplicationFormInput = z.input<ApplicationSchema>;
export type Guardian = ApplicationForm['guardians'][number];
export type Housing = ApplicationForm['housing'];
export type Material = ApplicationForm['materials'][number];

// ---------------------------------------------------------------------------------------------------------------
// Identifiers
// ---------------------------------------------------------------------------------------------------------------

/**
 * The idempotency key "the same child in the same enrollment year": a second submission with the same key must
 * find the existing application instead of opening another (DOMAIN.md: one application per child per year).
 *
 * It CONTAINS THE FULL ID NUMBER. Use it only to look up or compare; before it becomes a workflow id, a search
 * attribute, a log field or a URL, replace it with a keyed hash (e.g. HMAC with a server secret) at that boundary.
 */
export function applicationKey(form: { enrollmentYear: number; child: { idNumber: string } }): string {
  return `${form.enrollmentYear}:${normalizeIdNumber(form.child.idNumber)}`;
}

/**
 * The application number shown to parents and officials, e.g. `2026-DEMO-000123`. Built from a per-district
 * sequence so it reveals nothing about the child (no ID number, no birth date).
 */
export function makeApplicationNumber(year: number, district: string, sequence: number): string {
  if (!Number.isInteger(year) || year < MIN_ENROLLMENT_YEAR || year > MAX_ENROLLMENT_YEAR) {
    throw new RangeError(`year must be an integer in ${MIN_ENROLLMENT_YEAR}..${MAX_ENROLLMENT_YEAR}, got ${year}`);
  }
  if (!DISTRICT_CODE_PATTERN.test(district)) throw new RangeError(`invalid district code '${district}'`);
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new RangeError(`sequence must be a positive integer, got ${sequence}`);
  return `${year}-${district.toUpperCase()}-${String(sequence).padStart(6, '0')}`;
}
