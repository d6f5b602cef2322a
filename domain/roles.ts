/** Who may do what: the roles of the service and the departments officers belong to. Pure data, no I/O. */

export const ROLES = ['applicant', 'officer', 'school', 'supervisor', 'leader', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES_ZH: Record<Role, string> = {
  applicant: '申请人（家长）',
  officer: '部门经办人',
  school: '学校',
  supervisor: '督查室',
  leader: '领导小组',
  admin: '系统管理员',
};

/**
 * The departments named in the policy documents (seeds 000, 001). Codes are stable identifiers used in URLs,
 * workflow ids and the audit trail; names are what officials read.
 */
export const DEPARTMENTS = [
  { code: 'education', nameZh: '教育局' },
  { code: 'police', nameZh: '公安局' },
  { code: 'hrss', nameZh: '人力资源和社会保障局' },
  { code: 'housing', nameZh: '住房和城乡建设局' },
  { code: 'natural_resources', nameZh: '自然资源局' },
  { code: 'market', nameZh: '市场监督管理局' },
  { code: 'finance', nameZh: '财政局' },
  { code: 'development_reform', nameZh: '发展和改革委员会' },
  { code: 'civil_affairs', nameZh: '民政局' },
  { code: 'health', nameZh: '卫生健康委员会' },
  { code: 'federation_trade_unions', nameZh: '总工会' },
  { code: 'supervision_office', nameZh: '政府督查室' },
  // Further units named by seed 000's responsibility items (教体局 is the education bureau above).
  { code: 'government_services', nameZh: '政务服务局' },
  { code: 'political_legal', nameZh: '政法委' },
  { code: 'publicity', nameZh: '宣传部' },
  { code: 'culture_tourism', nameZh: '文化和旅游局' },
  { code: 'disabled_persons_federation', nameZh: '残疾人联合会' },
  { code: 'red_cross', nameZh: '红十字会' },
  { code: 'schools', nameZh: '各学校' },
  { code: 'towns', nameZh: '各镇（苏木）' },
  { code: 'subdistricts', nameZh: '各街道（街区）及所属社区' },
] as const;
export type DepartmentCode = (typeof DEPARTMENTS)[number]['code'];
export const DEPARTMENT_CODES = DEPARTMENTS.map((d) => d.code) as unknown as readonly [DepartmentCode, ...DepartmentCode[]];

/** The acting person behind every state change, as recorded in the audit trail. */
export interface Actor {
  userId: string;
  username: string;
  displayName: string;
  role: Role;
  departmentCode: string | null;
  schoolId: string | null;
}

/** The system itself acting (a timer firing, a registry match), named as such in the audit trail. */
export const SYSTEM_ACTOR: Actor = {
  userId: 'system',
  username: 'system',
  displayName: '系统',
  role: 'admin',
  departmentCode: null,
  schoolId: null,
};
