/**
 * The special categories of applicants (seed 000 item 4, seed 004 (六)) and their Chinese names. A module of its own,
 * free of zod, because workflow code names them (the allocation round's priority groups): every module a workflow
 * imports is evaluated again for every workflow in the worker's cache, so a schema library there costs memory and
 * start-up time per workflow (bench/worker-memory.ts).
 */

/** Groups with preferential treatment or a guarantee: seed 000 item 4 (key enterprises, talents), seed 004 (六). */
export const SPECIAL_CATEGORIES = [
  'key_enterprise',
  'introduced_talent',
  'military_family',
  'martyr_family',
  'disability',
  'needy_family',
  'sibling_enrolled',
  'left_behind',
  'orphan',
] as const;
export type SpecialCategory = (typeof SPECIAL_CATEGORIES)[number];

export const SPECIAL_CATEGORY_NAMES_ZH: Record<SpecialCategory, string> = {
  key_enterprise: '重大项目、重点企业职工子女',
  introduced_talent: '引进人才子女',
  military_family: '现役军人子女',
  martyr_family: '烈士子女',
  disability: '适龄残疾儿童少年',
  needy_family: '家庭经济困难学生',
  sibling_enrolled: '多孩子女长幼随学',
  left_behind: '农村留守儿童',
  orphan: '孤儿或事实无人抚养儿童',
};
