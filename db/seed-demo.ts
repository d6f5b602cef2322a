/**
 * Reference data every installation needs (the departments) and, on the embedded default, demo users for every
 * role so the service can be tried at once. Idempotent: running it again changes nothing.
 */
import type pg from 'pg';
import { DEPARTMENTS, type Role } from '../domain/roles';
import { hashPassword } from '../api/auth/passwords';
import { ensureUser, upsertDepartment, upsertSchool } from './repositories/users';
import { seedDemoPolicies } from './seed-policies';
import { seedDemoSchools } from './seed-schools';
import { seedResponsibilityItems } from './seed-responsibility-items';

export const DEMO_PASSWORD = 'demo12345';

export interface DemoUser {
  username: string;
  displayName: string;
  role: Role;
  departmentCode?: string;
  schoolId?: string;
}

export const DEMO_SCHOOL = { id: 'demo-primary-1', nameZh: '示范区第一小学', district: 'demo' };

export const DEMO_USERS: DemoUser[] = [
  { username: 'parent', displayName: '张家长', role: 'applicant' },
  { username: 'edu', displayName: '教育局经办人', role: 'officer', departmentCode: 'education' },
  { username: 'police', displayName: '公安局经办人', role: 'officer', departmentCode: 'police' },
  { username: 'hrss', displayName: '人社局经办人', role: 'officer', departmentCode: 'hrss' },
  { username: 'housing', displayName: '住建局经办人', role: 'officer', departmentCode: 'housing' },
  { username: 'market', displayName: '市场监管局经办人', role: 'officer', departmentCode: 'market' },
  { username: 'finance', displayName: '财政局经办人', role: 'officer', departmentCode: 'finance' },
  { username: 'school', displayName: '第一小学招生办', role: 'school', schoolId: DEMO_SCHOOL.id },
  { username: 'supervisor', displayName: '督查室', role: 'supervisor' },
  { username: 'leader', displayName: '领导小组', role: 'leader' },
  { username: 'admin', displayName: '系统管理员', role: 'admin' },
];

export async function seedReferenceData(pool: pg.Pool): Promise<void> {
  for (const d of DEPARTMENTS) await upsertDepartment(pool, d.code, d.nameZh);
}

export async function seedDemoData(pool: pg.Pool): Promise<DemoUser[]> {
  await seedReferenceData(pool);
  await upsertSchool(pool, DEMO_SCHOOL);
  await seedDemoPolicies(pool);
  await seedDemoSchools(pool);
  await seedResponsibilityItems(pool);
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const u of DEMO_USERS) await ensureUser(pool, { ...u, passwordHash });
  return DEMO_USERS;
}
