/** The bureau's school spreadsheets: what a valid one says, and every problem named by sheet, row and column. */
import { checkReferences, kindOfSheet, parseSchoolData, type SheetInput } from '../../domain/school-data';

const sheet = (name: string, rows: string[][]): SheetInput => ({ name, rows: rows.map((cells, i) => ({ row: i + 1, cells })) });

describe('parsing', () => {
  it('reads the template columns in any order, with aliases and Chinese stage names', () => {
    const r = parseSchoolData([
      { kind: 'schools', sheet: sheet('学校', [['学校名称', '学校代码', '区县代码', '办学性质', '学段', '备注'], ['第一小学', 'S1', 'demo', '公办', '小学一年级、初中七年级', '随便']]) },
      { kind: 'seats', sheet: sheet('学位', [['学校代码', '年度', '学段', '招生学位数', '可购买学位数', '单价'], ['S1', '2027', 'primary_1', '1,200', '', '']]) },
    ]);
    expect(r.problems).toEqual([]);
    expect(r.data.schools[0]).toMatchObject({ id: 'S1', kind: 'public', stages: ['primary_1', 'junior_7'], address: null });
    expect(r.data.seats[0]).toMatchObject({ schoolId: 'S1', year: 2027, stage: 'primary_1', seats: 1200, purchasableSeats: null });
  });

  it('reports every bad cell with its row and Chinese column, duplicates naming the first row', () => {
    const r = parseSchoolData([
      {
        kind: 'seats',
        sheet: sheet('学位', [
          ['学校代码', '年度', '学段', '招生学位数', '政府购买学位数', '购买单价（元/生·年）'],
          ['S1', '2027', '小学一年级', 'abc', '', ''],
          ['S2', '1999', '大学', '10', '', ''],
          ['S3', '2027', '小学一年级', '10', '20', '8000'],
          ['S4', '2027', '小学一年级', '10', '5', ''],
          ['S5', '2027', '小学一年级', '10', '', ''],
          ['S5', '2027', 'primary_1', '12', '', ''],
        ]),
      },
    ]);
    expect(r.problems.map((p) => `${p.row}.${p.column}`)).toEqual(['2.招生学位数', '3.年度', '3.学段', '4.政府购买学位数', '5.购买单价（元/生·年）', '7.学校代码']);
    expect(r.problems[0]?.message).toBe('招生学位数应为0至100000的整数，实际为“abc”');
    expect(r.problems[5]?.message).toContain('与第6行重复');
    expect(r.data.seats.map((s) => s.schoolId)).toEqual(['S5']);
  });

  it('refuses a sheet with a missing column, naming the template', () => {
    const r = parseSchoolData([{ kind: 'catchments', sheet: sheet('划片', [['区县代码', '学段', '街道'], ['demo', '小学一年级', '演示街道']]) }]);
    expect(r.unreadableSheets).toEqual(['划片']);
    expect(r.problems).toEqual([expect.objectContaining({ row: 1, column: '划片学校代码', message: expect.stringContaining('缺少“划片学校代码”列') })]);
  });

  it('knows the workbook sheets by their names', () => {
    expect(kindOfSheet(' 学位 ')).toBe('seats');
    expect(kindOfSheet('Catchments')).toBe('catchments');
    expect(kindOfSheet('填表说明')).toBeUndefined();
  });
});

describe('references', () => {
  it('checks schools against the file and the database', () => {
    const r = parseSchoolData([
      { kind: 'schools', sheet: sheet('学校', [['学校代码', '学校名称', '区县代码', '办学性质', '学段'], ['R1', '民办学校', 'demo', '民办', '小学一年级']]) },
      { kind: 'seats', sheet: sheet('学位', [['学校代码', '年度', '学段', '招生学位数', '政府购买学位数', '购买单价'], ['P1', '2027', '小学一年级', '10', '5', '8000'], ['R1', '2027', '初中七年级', '10', '', ''], ['NOPE', '2027', '小学一年级', '1', '', '']]) },
      { kind: 'catchments', sheet: sheet('划片', [['区县代码', '学段', '街道', '社区', '学校代码'], ['demo', '小学一年级', '演示街道', '', 'R1'], ['other', '小学一年级', '演示街道', '', 'P1']]) },
    ]);
    expect(r.problems).toEqual([]);
    const problems = checkReferences(r.data, new Map([['P1', { id: 'P1', district: 'demo', kind: 'public' as const, stages: ['primary_1'] }]]));
    expect(problems.map((p) => `${p.sheet}.${p.row}.${p.column}: ${p.message}`)).toEqual([
      '划片.2.划片学校代码: R1是民办学校，划片只能划给公办学校',
      '划片.3.划片学校代码: P1属于区县demo，不能划入区县other的招生片区',
      '学位.2.政府购买学位数: P1是公办学校，政府购买学位只适用于民办学校，请留空',
      '学位.3.学段: R1不招收初中七年级（学校学段为小学一年级）',
      expect.stringMatching(/^学位\.4\.学校代码: 学校代码“NOPE”不存在/),
    ]);
  });
});
