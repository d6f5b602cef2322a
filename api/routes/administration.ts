/**
 * Administration: user accounts and departments, and per district, year and stage the eligibility regime and the
 * points rules of the published enrollment policy (the checklist and the form stay as published). Administrators only;
 * every change is in the audit trail (db/repositories/administration.ts).
 *
 * Errors name the field in Chinese and in English ("用户名已被使用 (username taken)"), like the rest of the API.
 */
import { z } from 'zod';
import { hashPassword } from '../auth/passwords';
import {
  createDepartment,
  createUserAccount,
  departmentExists,
  findUserById,
  listUsers,
  schoolExists,
  setUserDisabled,
  updateEnrollmentPolicy,
} from '../../db/repositories/administration';
import { findPolicy } from '../../db/repositories/applications';
import { STAGES } from '../../domain/application';
import { ELIGIBILITY_REGIME_KINDS } from '../../domain/eligibility';
import { FLAG_SOURCES, PER_UNIT_SOURCES, PointsRulesSchema } from '../../domain/points';
import { ROLES } from '../../domain/roles';
import type { ApiDeps } from '../deps';
import { HttpError, notFound, validationError, type FieldProblem } from '../http/errors';
import type { RouteTable } from '../http/routes';

const userIdParams = z.object({ userId: z.uuid('用户编号格式不正确 (not a user id)') });
const policyParams = z.object({
  district: z.string().regex(/^[a-z0-9_]{1,32}$/, '区县代码格式不正确 (not a district code)'),
  year: z.coerce.number().int('年度应为整数').min(2000, '年度应在2000至2100之间').max(2100, '年度应在2000至2100之间'),
  stage: z.enum(STAGES, { error: `入学阶段应为 ${STAGES.join('、')} 之一 (stage must be one of ${STAGES.join(', ')})` }),
});

const requiredText = (max: number, zh: string, en: string) =>
  z.string({ error: `请填写${zh} (${en} is required)` }).trim().min(1, `请填写${zh} (${en} is required)`).max(max, `${zh}不能超过${max}个字符 (${en} over ${max} characters)`);

const createUserBody = z
  .object({
    username: z
      .string({ error: '请填写用户名 (username is required)' })
      .trim()
      .regex(/^[A-Za-z0-9_.-]{3,64}$/, '用户名应为3至64位字母、数字、下划线、点或横线 (username: 3–64 letters, digits, _ . -)'),
    displayName: requiredText(50, '姓名或单位名称', 'displayName'),
    password: z.string({ error: '请填写初始密码 (password is required)' }).min(8, '初始密码至少8位 (password: at least 8 characters)').max(200, '密码不能超过200个字符 (password over 200 characters)'),
    role: z.enum(ROLES, { error: '请选择角色 (role must be one of the roles)' }),
    departmentCode: z.string().max(64).nullable().optional(),
    schoolId: z.string().max(64).nullable().optional(),
  })
  .strict();

const pointsValue = z
  .number({ error: '分值应为数字 (a number)' })
  .min(0, '分值不能为负数 (not negative)')
  .max(1000, '分值不能超过1000 (at most 1000)')
  .refine((x) => Math.abs(x * 10 - Math.round(x * 10)) < 1e-9, { error: '分值最多保留一位小数 (one decimal place at most)' });
const ruleCode = z.string({ error: '请填写规则代码 (code is required)' }).regex(/^[a-z0-9_]{1,40}$/, '规则代码应为1至40位小写字母、数字或下划线 (code: a-z, 0-9, _)');

const pointsRule = z.discriminatedUnion(
  'kind',
  [
    z
      .object({
        code: ruleCode,
        labelZh: requiredText(100, '规则名称', 'labelZh'),
        kind: z.literal('per_unit'),
        source: z.enum(PER_UNIT_SOURCES, { error: '计分依据不正确 (unknown source)' }),
        unitSize: z.number({ error: '计量单位应为整数 (unitSize is a whole number)' }).int('计量单位应为整数').min(1, '计量单位至少为1 (unitSize ≥ 1)').max(1200, '计量单位过大'),
        pointsPerUnit: pointsValue,
        cap: pointsValue,
      })
      .strict(),
    z
      .object({
        code: ruleCode,
        labelZh: requiredText(100, '规则名称', 'labelZh'),
        kind: z.literal('flag'),
        source: z.enum(FLAG_SOURCES, { error: '计分依据不正确 (unknown source)' }),
        points: pointsValue,
      })
      .strict(),
  ],
  { error: '规则类型应为“按数量计分”（per_unit）或“符合条件计分”（flag） (kind must be per_unit or flag)' },
);

export function registerAdministrationRoutes(routes: RouteTable, deps: Pick<ApiDeps, 'pool'>): void {
  // ---- Users ----

  routes.add({
    method: 'get',
    path: '/api/users',
    summary: 'User accounts (newest first), filterable by role, department and school (administrators)',
    tag: 'administration',
    auth: ['admin'],
    query: z.object({
      role: z.enum(ROLES).optional(),
      department: z.string().max(64).optional(),
      schoolId: z.string().max(64).optional(),
    }),
    handler: async ({ query }) => ({ items: await listUsers(deps.pool, { role: query.role, departmentCode: query.department, schoolId: query.schoolId }) }),
  });

  routes.add({
    method: 'post',
    path: '/api/users',
    summary: 'Create a user account: officers belong to one department, school users to one school, nobody else to either',
    tag: 'administration',
    auth: ['admin'],
    body: createUserBody,
    successStatus: 201,
    handler: async ({ body, actor, requestId }) => {
      const problems: FieldProblem[] = [];
      const departmentCode = body.departmentCode || null;
      const schoolId = body.schoolId || null;
      if (body.role === 'officer' && !departmentCode) problems.push({ field: 'body.departmentCode', message: '部门经办人须选择所属部门 (an officer needs a department)' });
      if (body.role !== 'officer' && departmentCode) problems.push({ field: 'body.departmentCode', message: '只有部门经办人属于部门 (only officers have a department)' });
      if (body.role === 'school' && !schoolId) problems.push({ field: 'body.schoolId', message: '学校账号须选择所属学校 (a school user needs a school)' });
      if (body.role !== 'school' && schoolId) problems.push({ field: 'body.schoolId', message: '只有学校账号属于学校 (only school users have a school)' });
      if (departmentCode && !(await departmentExists(deps.pool, departmentCode))) problems.push({ field: 'body.departmentCode', message: `没有代码为“${departmentCode}”的部门 (unknown department)` });
      if (schoolId && !(await schoolExists(deps.pool, schoolId))) problems.push({ field: 'body.schoolId', message: `没有代码为“${schoolId}”的学校 (unknown school)` });
      if (problems.length) throw validationError(problems);
      const created = await createUserAccount(
        deps.pool,
        { username: body.username, displayName: body.displayName, passwordHash: await hashPassword(body.password), role: body.role, departmentCode, schoolId },
        actor!,
        requestId,
      );
      if (created === 'username_taken') {
        throw new HttpError(409, 'conflict', `用户名“${body.username}”已被使用 (username taken)`, [{ field: 'body.username', message: `用户名“${body.username}”已被使用，请换一个` }]);
      }
      return created;
    },
  });

  routes.add({
    method: 'put',
    path: '/api/users/:userId/disabled',
    summary: 'Disable an account (its sessions end at once) or enable it again; administrators cannot disable themselves',
    tag: 'administration',
    auth: ['admin'],
    params: userIdParams,
    body: z.object({ disabled: z.boolean({ error: '请说明停用（true）或启用（false） (disabled must be true or false)' }) }).strict(),
    handler: async ({ params, body, actor, requestId }) => {
      if (params.userId === actor!.userId && body.disabled) throw new HttpError(409, 'conflict', '不能停用自己的账号 (you cannot disable your own account)');
      if (!(await findUserById(deps.pool, params.userId))) throw notFound(`user ${params.userId}`);
      return setUserDisabled(deps.pool, params.userId, body.disabled, actor!, requestId);
    },
  });

  // ---- Departments ----

  routes.add({
    method: 'post',
    path: '/api/departments',
    summary: 'Add a department (code and Chinese name)',
    tag: 'administration',
    auth: ['admin'],
    body: z
      .object({
        code: z.string({ error: '请填写部门代码 (code is required)' }).regex(/^[a-z][a-z0-9_]{1,40}$/, '部门代码应为2至41位小写字母、数字或下划线，以字母开头 (code: a-z, 0-9, _)'),
        nameZh: requiredText(50, '部门名称', 'nameZh'),
      })
      .strict(),
    successStatus: 201,
    handler: async ({ body, actor, requestId }) => {
      if (!(await createDepartment(deps.pool, body.code, body.nameZh, actor!, requestId))) {
        throw new HttpError(409, 'conflict', `部门代码“${body.code}”已存在 (department exists)`, [{ field: 'body.code', message: `部门代码“${body.code}”已存在` }]);
      }
      return { code: body.code, nameZh: body.nameZh };
    },
  });

  // ---- The enrollment policy's eligibility regime and points rules ----

  routes.add({
    method: 'put',
    path: '/api/enrollment-policies/:district/:year/:stage/eligibility',
    summary: 'Set the eligibility regime of a published policy (permit_only or strict) and the document it rests on',
    tag: 'administration',
    auth: ['admin'],
    params: policyParams,
    body: z
      .object({
        regime: z.enum(ELIGIBILITY_REGIME_KINDS, { error: '入学条件应为“凭居住证入学”（permit_only）或“严格查验”（strict） (regime must be permit_only or strict)' }),
        basisZh: requiredText(500, '政策依据', 'basisZh'),
      })
      .strict(),
    handler: async ({ params, body, actor, requestId }) => {
      const updated = await updateEnrollmentPolicy(deps.pool, params, { eligibility: { regime: { kind: body.regime }, basisZh: body.basisZh } }, actor!, requestId);
      if (!updated) throw notFound(`${params.district}区${params.year}年${params.stage}招生政策 (enrollment policy)`);
      return findPolicy(deps.pool, params.district, params.year, params.stage);
    },
  });

  routes.add({
    method: 'put',
    path: '/api/enrollment-policies/:district/:year/:stage/points-rules',
    summary: 'Replace the points rules of a published policy: per_unit rules (points per unit of a quantity, capped) and flag rules (points for a fact)',
    tag: 'administration',
    auth: ['admin'],
    params: policyParams,
    body: z
      .object({
        basisZh: requiredText(500, '积分细则依据', 'basisZh'),
        rules: z.array(pointsRule, { error: '请至少设置一条积分规则 (rules is required)' }).min(1, '请至少设置一条积分规则 (at least one rule)').max(50, '积分规则不能超过50条 (at most 50 rules)'),
      })
      .strict(),
    handler: async ({ params, body, actor, requestId }) => {
      // The domain's own schema has the last word (the assessment activity parses the rules with it).
      const checked = PointsRulesSchema.safeParse({ district: params.district, enrollmentYear: params.year, ...body });
      if (!checked.success) {
        throw validationError(checked.error.issues.map((i) => ({ field: ['body', ...i.path.map(String)].join('.'), message: i.message })));
      }
      const updated = await updateEnrollmentPolicy(deps.pool, params, { pointsRules: { basisZh: body.basisZh, rules: body.rules } }, actor!, requestId);
      if (!updated) throw notFound(`${params.district}区${params.year}年${params.stage}招生政策 (enrollment policy)`);
      return findPolicy(deps.pool, params.district, params.year, params.stage);
    },
  });
}
