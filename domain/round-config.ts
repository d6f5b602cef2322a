/**
 * What the education bureau decides for an allocation round, and its priority groups in words. Pure, and free of zod
 * and of the allocation code on purpose: the allocation round's workflow imports it, and every module a workflow
 * imports is evaluated again for every workflow the worker holds (bench/worker-memory.ts).
 */
import { SPECIAL_CATEGORY_NAMES_ZH, type SpecialCategory } from './special-categories';

export interface PriorityGroupConfig {
  nameZh: string;
  categories: SpecialCategory[];
}

/** What the education bureau decides for a round (stored with the round, so its results can be explained later). */
export interface RoundConfig {
  /** Highest first. */
  priorityGroups: PriorityGroupConfig[];
  /** The name of the last group: everyone in none of the above. */
  otherGroupNameZh: string;
  /** Place siblings who asked for it at the same school (seed 004). */
  allowSiblingsTogether: boolean;
  /** The check-in window after results are published, in working days. */
  checkInWorkingDays: number;
}

/**
 * DEMO DEFAULTS, to be set by each bureau: servicemen's and martyrs' children first (优抚对象), then the guarantee
 * groups of seed 004 that need a stable place (orphans, disabled children), then key enterprises' employees and
 * introduced talents (seed 000 item 4), then everyone else by points.
 */
export const DEFAULT_ROUND_CONFIG: RoundConfig = {
  priorityGroups: [
    { nameZh: '优抚对象子女（现役军人、烈士子女）', categories: ['military_family', 'martyr_family'] },
    { nameZh: '特殊保障儿童（孤儿、残疾儿童）', categories: ['orphan', 'disability'] },
    { nameZh: '重点企业职工及引进人才子女', categories: ['key_enterprise', 'introduced_talent'] },
  ],
  otherGroupNameZh: '其他随迁子女',
  allowSiblingsTogether: true,
  checkInWorkingDays: 5,
};

export function priorityOrderZh(config: RoundConfig): string[] {
  return [...config.priorityGroups.map((g) => g.nameZh), config.otherGroupNameZh];
}

export function priorityGroupOf(config: RoundConfig, categories: readonly string[]): number {
  const i = config.priorityGroups.findIndex((g) => g.categories.some((c) => categories.includes(c)));
  return i >= 0 ? i : config.priorityGroups.length;
}

/** The rules in words, for the record of a round: which categories make up each group. */
export function priorityGroupsZh(config: RoundConfig): string[] {
  return [
    ...config.priorityGroups.map((g, i) => `第${i + 1}类：${g.nameZh}（${g.categories.map((c) => SPECIAL_CATEGORY_NAMES_ZH[c]).join('、')}）`),
    `第${config.priorityGroups.length + 1}类：${config.otherGroupNameZh}`,
  ];
}
