/**
 * The pure rules of responsibility items: a department's role on an item, the cross-field checks naming the field,
 * the field-by-field changes of an edit, and seed 000's 18 items as loaded for the demo.
 */
import { SEED_000_ITEMS, demoItemId } from '../../db/seed-responsibility-items';
import { changesBetween, itemProblems, itemRoleOf, policyProblems, type ItemFields } from '../../domain/responsibility-items';
import { DEPARTMENTS } from '../../domain/roles';

const known = new Set(DEPARTMENTS.map((d) => d.code));
const nameOf = (code: string) => DEPARTMENTS.find((d) => d.code === code)?.nameZh;

const item: ItemFields = {
  number: 7,
  titleZh: '简化材料，最短时间办理居住证',
  contentZh: '',
  leadDepartment: 'police',
  cooperatingDepartments: ['education'],
  leaderInCharge: '分管公安工作的副旗长',
  rhythm: 'monthly',
  finalDeadline: null,
  evidenceRequirements: ['工作台账'],
};

describe('a department on an item', () => {
  it('is the lead, a cooperating department, or not on it', () => {
    expect(itemRoleOf(item, 'police')).toBe('lead');
    expect(itemRoleOf(item, 'education')).toBe('cooperating');
    expect(itemRoleOf(item, 'hrss')).toBeNull();
    expect(itemRoleOf(item, null)).toBeNull();
  });
});

describe('checks across fields', () => {
  it('accept a well-formed item', () => {
    expect(itemProblems(item, known)).toEqual([]);
  });

  it('name each bad field', () => {
    const bad = { ...item, leadDepartment: 'nowhere', cooperatingDepartments: ['education', 'police', 'education', 'mars'], rhythm: null };
    expect(itemProblems(bad, known).map((p) => p.field)).toEqual([
      'body.leadDepartment',
      'body.cooperatingDepartments.2',
      'body.cooperatingDepartments.3',
      'body.rhythm',
    ]);
    expect(itemProblems({ ...item, cooperatingDepartments: ['police'] }, known)).toEqual([
      { field: 'body.cooperatingDepartments.0', message: 'police is the lead department and cannot also cooperate' },
    ]);
    expect(itemProblems({ ...item, rhythm: null, finalDeadline: '2027-05-31' }, known)).toEqual([]);
  });

  it('a policy phase may not end before it starts, and its milestones lie inside it', () => {
    const problems = policyProblems({
      titleZh: 't',
      issuingBody: 'b',
      issuedOn: null,
      notesZh: null,
      phases: [
        { nameZh: '启动部署阶段', startsOn: '2027-05-01', endsOn: '2027-04-30' },
        { nameZh: '总结提炼阶段', startsOn: '2027-09-01', endsOn: '2027-10-31', milestones: [{ date: '2027-11-20', nameZh: '报送总结' }] },
      ],
    });
    expect(problems.map((p) => p.field)).toEqual(['body.phases.0.endsOn', 'body.phases.1.milestones.0.date']);
  });
});

describe('the changes of an edit', () => {
  it('lists each changed field with its old and new value, and nothing for an unchanged item', () => {
    expect(changesBetween(item, { ...item })).toEqual({});
    expect(changesBetween(item, { ...item, cooperatingDepartments: ['education', 'hrss'], leaderInCharge: '副旗长' })).toEqual({
      cooperatingDepartments: { from: ['education'], to: ['education', 'hrss'] },
      leaderInCharge: { from: '分管公安工作的副旗长', to: '副旗长' },
    });
  });
});

describe("seed 000's items", () => {
  it('are the 18 items in order, each with known departments and a lead that does not also cooperate', () => {
    expect(SEED_000_ITEMS.map((i) => i.number)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    for (const i of SEED_000_ITEMS) {
      expect(itemProblems({ rhythm: 'monthly', finalDeadline: null, ...i }, known)).toEqual([]);
      expect(i.titleZh.length).toBeGreaterThan(0);
      expect(i.contentZh.length).toBeGreaterThan(i.titleZh.length - 1);
    }
    expect(demoItemId(3)).toBe('yjhl-migrant-enrollment-03');
  });

  it('name the lead and cooperating units as the document does', () => {
    const names = (n: number) => {
      const i = SEED_000_ITEMS[n - 1]!;
      return [nameOf(i.leadDepartment), i.cooperatingDepartments.map(nameOf)];
    };
    expect(names(1)).toEqual(['教育局', ['财政局', '发展和改革委员会']]);
    expect(names(3)).toEqual(['教育局', ['政务服务局']]);
    expect(names(6)).toEqual(['公安局', ['教育局']]);
    expect(names(8)).toEqual(['政法委', ['教育局']]);
    expect(names(9)).toEqual(['教育局', []]);
    expect(names(11)).toEqual(['教育局', ['各学校', '各镇（苏木）', '各街道（街区）及所属社区']]);
    expect(names(14)).toEqual(['教育局', ['总工会', '红十字会', '民政局']]);
    expect(names(16)).toEqual(['教育局', ['残疾人联合会', '财政局', '民政局', '卫生健康委员会']]);
    expect(names(18)).toEqual(['宣传部', ['文化和旅游局', '各镇（苏木）', '各街道（街区）及所属社区']]);
  });
});
