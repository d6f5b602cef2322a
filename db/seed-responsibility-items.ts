/**
 * DEMO DATA: seed 000 (伊金霍洛旗企业外来用工子女入学保障办法（讨论稿）) as a supervised policy with its 18 responsibility
 * items, each with the lead unit (牵头单位) and cooperating units (配合单位) the document names. The document is an
 * undated draft, so its phases follow seed 004's staging (启动部署 May, 组织实施 Jun–Aug, 总结提炼 Sep–Oct with a report by
 * 20 October) for the 2027 enrollment year; the leaders in charge, reporting rhythms and final deadlines are demo
 * settings an administrator edits through the API. Idempotent: an item that exists is left as it is (edits survive).
 */
import type pg from 'pg';
import { createItem, createPolicy } from './repositories/responsibility-items';
import type { ItemFields, PolicyFields } from '../domain/responsibility-items';
import { SYSTEM_ACTOR } from '../domain/roles';

export const DEMO_SUPERVISION_POLICY_ID = 'yjhl-migrant-enrollment';

const POLICY: PolicyFields = {
  titleZh: '伊金霍洛旗企业外来用工子女入学保障办法（讨论稿）',
  issuingBody: '伊金霍洛旗人民政府',
  issuedOn: null,
  phases: [
    { nameZh: '启动部署阶段', startsOn: '2027-05-01', endsOn: '2027-05-31', milestones: [{ date: '2027-05-10', nameZh: '特定类型招生项目逐级报送审核' }] },
    { nameZh: '组织实施阶段', startsOn: '2027-06-01', endsOn: '2027-08-31' },
    { nameZh: '总结提炼阶段', startsOn: '2027-09-01', endsOn: '2027-10-31', milestones: [{ date: '2027-10-20', nameZh: '报送工作总结' }] },
  ],
  notesZh:
    '讨论稿，尚未印发。由旗委教育工作领导小组统筹推进、旗教体局负责具体实施，纳入旗委政府两办督查室督查范围，实行清单化管理、滚动式推进。' +
    '演示数据：阶段安排参照山西省2025年义务教育阳光招生专项行动，按2027年招生年度设置；分管领导、报送频次与完成时限为演示设置。',
};

const EDU_LEADER = '分管教育工作的副旗长';
const POLICE_LEADER = '分管公安工作的副旗长';
const LEDGER = '工作台账';

type SeedItem = Omit<ItemFields, 'rhythm' | 'finalDeadline'> & Partial<Pick<ItemFields, 'rhythm' | 'finalDeadline'>>;

/** The 18 items of seed 000, section 二 (任务举措), in its order and words. */
export const SEED_000_ITEMS: SeedItem[] = [
  {
    number: 1,
    titleZh: '落实“两为主”“两纳入”，保障平等接受义务教育权利',
    contentZh: '认真落实《中华人民共和国义务教育法》《中华人民共和国教育法》有关规定，按照《鄂尔多斯市中小学学籍管理办法》《伊金霍洛旗随迁子女就学暂行管理办法》等，坚持“两为主”“两纳入”，全力保障企业外来用工子女平等接受义务教育权利。',
    leadDepartment: 'education',
    cooperatingDepartments: ['finance', 'development_reform'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '随迁子女入学情况统计表', '经费保障文件'],
  },
  {
    number: 2,
    titleZh: '扩大学位供给，优化基础教育资源布局',
    contentZh: '扩大学位供给，优化基础教育资源布局，满足企业用工子女的入学需求。',
    leadDepartment: 'education',
    cooperatingDepartments: ['housing', 'natural_resources'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '新增学位统计表', '建设项目进度材料'],
  },
  {
    number: 3,
    titleZh: '简化入学流程，实现入学办理“零跑腿”',
    contentZh: '简化入学流程，减少不必要的环节，凡符合政策的企业外来用工子女，只需在“蒙速办APP”上注册登记、上传材料，旗教体局统一进行分配，家长在规定时间内到APP上查询分配结果，并直接去学校报到，实现入学办理“零跑腿”。',
    leadDepartment: 'education',
    cooperatingDepartments: ['government_services'],
    leaderInCharge: EDU_LEADER,
    rhythm: 'monthly',
    finalDeadline: '2027-05-31',
    evidenceRequirements: [LEDGER, '线上报名平台运行截图', '入学流程图'],
  },
  {
    number: 4,
    titleZh: '重大项目、重点企业职工及引进人才子女入学优待',
    contentZh: '支持伊金霍洛旗社会经济发展的重大项目、重点企业职工子女以及引进人才子女及为教育体育事业发展作出突出贡献人员子女，提供相关证明材料，入学时结合居住地、住房情况给予一定的优待政策。',
    leadDepartment: 'education',
    cooperatingDepartments: ['hrss'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '享受优待政策学生名单（脱敏）'],
  },
  {
    number: 5,
    titleZh: '集团化办学，扩大优质教育资源覆盖面',
    contentZh: '通过集团化办学等举措，促进校际骨干教师流动、干部互派交流、课程资源共享、文化沟通融合，扩大优质教育资源覆盖面，为企业外来用工子女入学提供质量保障。',
    leadDepartment: 'education',
    cooperatingDepartments: ['hrss'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '教师交流轮岗名单', '集团化办学活动记录'],
  },
  {
    number: 6,
    titleZh: '强化落户入学保障，为申请落户提供便利',
    contentZh: '强化落户入学保障，企业外来用工人员申请落户为我旗户籍，公安局根据我旗落户政策，提供便利政策。',
    leadDepartment: 'police',
    cooperatingDepartments: ['education'],
    leaderInCharge: POLICE_LEADER,
    evidenceRequirements: [LEDGER, '落户办理情况统计表'],
  },
  {
    number: 7,
    titleZh: '简化材料，最短时间办理居住证',
    contentZh: '居住证办理，企业外来用工子女来我旗入学，简化材料提交，以最短最快的时间为企业外来用工人员办理居住证。',
    leadDepartment: 'police',
    cooperatingDepartments: ['education'],
    leaderInCharge: POLICE_LEADER,
    evidenceRequirements: [LEDGER, '居住证办理时限统计'],
  },
  {
    number: 8,
    titleZh: '强化积分入学保障，提升学位类型',
    contentZh: '强化积分入学保障，根据《伊金霍洛旗“多多评  伊手办”品德积分助力新生入学实施办法》，将符合学位升级的企业外来用工子女，提升学位类型。',
    leadDepartment: 'political_legal',
    cooperatingDepartments: ['education'],
    leaderInCharge: '旗委政法委书记',
    evidenceRequirements: [LEDGER, '积分认定及学位升级名单（脱敏）'],
  },
  {
    number: 9,
    titleZh: '升学保障：同等享受高中段学校分招政策',
    contentZh: '加强对企业外来用工子女的升学保障，根据《鄂尔多斯中考招生入学方案》，在伊金霍洛旗参加初中阳光分班且学籍满三年或初二第一学期前转入且学籍满两年的外来用工子女考生和本旗考生享受同等报考高中段学校的分招政策。',
    leadDepartment: 'education',
    cooperatingDepartments: [],
    leaderInCharge: EDU_LEADER,
    rhythm: 'quarterly',
    evidenceRequirements: [LEDGER, '中考报名及录取情况统计'],
  },
  {
    number: 10,
    titleZh: '优化“5+2”课后服务，优先提供延时托管',
    contentZh: '全面优化“5+2”中小学课后服务，丰富课后服务内容，为有特殊需要的企业外来用工子女优先提供延时托管服务，确保所有义务教育学校100%覆盖和有需要的学生100%覆盖。',
    leadDepartment: 'education',
    cooperatingDepartments: [],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '课后服务覆盖情况统计表'],
  },
  {
    number: 11,
    titleZh: '依托学校提供午休、午餐和寒暑期托管服务',
    contentZh: '依托学校，为企业外来用工子女提供午休、午餐和寒暑期“托管”服务。同时精心设计寒暑期“1+N”（1项学科作业辅导+艺体类、综合实践活动）服务项目，多样化配备师资队伍，帮助学生解决学习上的疑难问题，开放各类功能教室和场馆，满足学生个性化需求。',
    leadDepartment: 'education',
    cooperatingDepartments: ['schools', 'towns', 'subdistricts'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '托管服务开展情况及照片'],
  },
  {
    number: 12,
    titleZh: '完善家庭教育指导服务体系',
    contentZh: '完善家庭教育指导服务体系，在社区及学校设立家庭教育服务指导室，实施“全方位、全天候、全覆盖”的家庭教育服务，帮助企业职工提升家庭教育能力。',
    leadDepartment: 'education',
    cooperatingDepartments: ['schools', 'towns', 'subdistricts'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '家庭教育服务指导室设立情况'],
  },
  {
    number: 13,
    titleZh: '优化心理健康教育服务保障体系',
    contentZh: '优化心理健康教育服务保障体系，实施关爱青少年生命“润心”健康行动，搭建平台，共建“心理健康”驿站，充分发挥未成年心理健康指导中心的作用，促进企业外来用工子女身心健康成长。',
    leadDepartment: 'education',
    cooperatingDepartments: ['health', 'towns', 'subdistricts'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '心理健康驿站建设及活动记录'],
  },
  {
    number: 14,
    titleZh: '建立健全关爱帮扶机制，落实教育资助政策',
    contentZh: '建立健全企业外来用工子女关爱帮扶机制，落实各类教育资助政策，为有需要的企业外来用工子女提供资助和帮扶。',
    leadDepartment: 'education',
    cooperatingDepartments: ['federation_trade_unions', 'red_cross', 'civil_affairs'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '资助发放情况统计表'],
  },
  {
    number: 15,
    titleZh: '开通入学转学绿色窗口和电话咨询',
    contentZh: '开通绿色窗口，为外来企业用工子女入学转学提供电话咨询，为企业外来用工子女入学转学提供绿色登记窗口。',
    leadDepartment: 'education',
    cooperatingDepartments: ['government_services'],
    leaderInCharge: EDU_LEADER,
    rhythm: 'monthly',
    finalDeadline: '2027-05-31',
    evidenceRequirements: [LEDGER, '绿色窗口及咨询电话公布材料'],
  },
  {
    number: 16,
    titleZh: '推进融合教育资源中心建设，加大特殊教育服务供给',
    contentZh: '深入推进普通学校融合教育资源中心建设，加大特殊教育服务供给，提升特殊教育服务水平，为有需要的企业外来用工子女提供优质特殊教育服务。',
    leadDepartment: 'education',
    cooperatingDepartments: ['disabled_persons_federation', 'finance', 'civil_affairs', 'health'],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '融合教育资源中心建设材料'],
  },
  {
    number: 17,
    titleZh: '用好国家中小学智慧教育平台，推进资源共享',
    contentZh: '用好国家中小学智慧教育等平台，推进资源共享，构建互联互通、共建共享的数字教育平台体系，服务企业外来用工子女个性化学习。',
    leadDepartment: 'education',
    cooperatingDepartments: [],
    leaderInCharge: EDU_LEADER,
    evidenceRequirements: [LEDGER, '平台应用情况统计'],
  },
  {
    number: 18,
    titleZh: '广泛开展关爱公益行动，增强地方文化认同',
    contentZh: '广泛开展企业外来用工子女关爱公益行动，开展多种文化活动进企业、进社区，进家庭，增强地方文化认同感，帮助其融入伊金霍洛旗城市生活。',
    leadDepartment: 'publicity',
    cooperatingDepartments: ['culture_tourism', 'towns', 'subdistricts'],
    leaderInCharge: '旗委宣传部部长',
    evidenceRequirements: [LEDGER, '活动开展情况及照片'],
  },
];

export const demoItemId = (number: number): string => `${DEMO_SUPERVISION_POLICY_ID}-${String(number).padStart(2, '0')}`;

export async function seedResponsibilityItems(pool: pg.Pool): Promise<void> {
  await createPolicy(pool, DEMO_SUPERVISION_POLICY_ID, POLICY, SYSTEM_ACTOR, null);
  for (const item of SEED_000_ITEMS) {
    await createItem(pool, demoItemId(item.number), DEMO_SUPERVISION_POLICY_ID, { rhythm: 'monthly', finalDeadline: null, ...item }, SYSTEM_ACTOR, null);
  }
}
