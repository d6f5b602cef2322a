/**
 * DEMO DATA: the published enrollment policies of two demonstration districts, so the service can be tried and
 * tested end to end. 'demo' applies the strict regime of seed 003; 'demo_ample' is a district with ample seats
 * where a residence permit alone suffices (seed 004). Real districts load their own through the administration API.
 */
import type pg from 'pg';
import { MATERIAL_KIND_NAMES_ZH, type MaterialKind } from '../domain/application';
import { DEMO_POINTS_RULES } from '../domain/points';
import { upsertPolicy } from './repositories/applications';

const item = (kind: MaterialKind, required: boolean, noteZh?: string) => ({ kind, nameZh: MATERIAL_KIND_NAMES_ZH[kind], required, ...(noteZh ? { noteZh } : {}) });

const STRICT_CHECKLIST = [
  item('household_register', true),
  item('residence_permit', true),
  item('property_certificate', false, '有自有住房的提供'),
  item('rental_contract', false, '无自有住房的提供，须经住房部门登记备案'),
  item('community_residence_proof', false, '租房居住的提供'),
  item('employment_proof', false, '务工人员提供；经商人员提供营业执照'),
  item('business_licence', false, '个体经营者提供'),
  item('birth_certificate', true),
  item('special_category_proof', false, '享受优待或帮扶政策的提供'),
];

const PERMIT_ONLY_CHECKLIST = [item('residence_permit', true), item('birth_certificate', true), item('special_category_proof', false, '享受优待或帮扶政策的提供')];

export const DEMO_POLICY_YEARS = [2026, 2027];
export const DEMO_STAGES = ['primary_1', 'junior_7'];

export async function seedDemoPolicies(pool: pg.Pool): Promise<void> {
  for (const year of DEMO_POLICY_YEARS) {
    for (const stage of DEMO_STAGES) {
      await upsertPolicy(pool, {
        district: 'demo',
        districtNameZh: '示范区',
        year,
        stage,
        eligibility: { regime: { kind: 'strict' }, basisZh: '演示数据：参照梅河口市教育局实施方案的严格查验原则' },
        pointsRules: { basisZh: DEMO_POINTS_RULES.basisZh, rules: DEMO_POINTS_RULES.rules },
        checklist: STRICT_CHECKLIST,
        notesZh: '演示数据，非真实政策。',
      });
      await upsertPolicy(pool, {
        district: 'demo_ample',
        districtNameZh: '学位充足示范区',
        year,
        stage,
        eligibility: { regime: { kind: 'permit_only' }, basisZh: '演示数据：学位充足地区，凭居住证入学（参照山西省2025年阳光招生专项行动）' },
        pointsRules: { basisZh: DEMO_POINTS_RULES.basisZh, rules: DEMO_POINTS_RULES.rules },
        checklist: PERMIT_ONLY_CHECKLIST,
        notesZh: '演示数据，非真实政策。',
      });
    }
  }
}
