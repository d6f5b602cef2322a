/**
 * The report as an Excel workbook, one sheet per section, as the offices that receive it work in Excel: numbers are
 * numbers (rates formatted as percentages), each block has a header row, and the first sheet says what the report is.
 */
import ExcelJS from 'exceljs';
import { LIGHTS } from '../../domain/lights';
import { OVERDUE_BUCKETS, OVERDUE_BUCKET_NAMES_ZH, formatShanghaiMinute, type ReportContent } from '../../domain/reports';
import { LIGHT_SHORT_ZH } from './charts';

export const REPORT_SHEETS = ['概览', '责任事项亮灯', '亮灯趋势', '逾期事项', '督办升级', '催办通知', '部门排名', '入学办理', '问题台账', '评分规则'] as const;

type Cell = string | number | null;
const when = (iso: string | null | undefined) => (iso ? formatShanghaiMinute(iso) : '');
const PERCENT = '0.0%';

class SheetWriter {
  constructor(readonly ws: ExcelJS.Worksheet) {}

  title(text: string): void {
    const row = this.ws.addRow([text]);
    row.font = { bold: true, size: 13 };
  }

  /** A block: a bold header row and its rows; `percent` lists the columns holding rates. */
  block(headers: string[], rows: Cell[][], percent: number[] = []): void {
    const head = this.ws.addRow(headers);
    head.font = { bold: true };
    head.eachCell((c) => {
      c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFECEFF1' } };
      c.border = { bottom: { style: 'thin' } };
    });
    for (const r of rows) {
      const row = this.ws.addRow(r.map((v) => (v === null ? '' : v)));
      for (const i of percent) if (typeof r[i] === 'number') row.getCell(i + 1).numFmt = PERCENT;
    }
    this.ws.addRow([]);
  }

  widths(widths: number[]): void {
    widths.forEach((w, i) => (this.ws.getColumn(i + 1).width = w));
  }
}

export async function renderReportWorkbook(c: ReportContent): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '随迁子女入学与部门协同督办服务';
  wb.title = c.meta.titleZh;
  wb.created = new Date(c.meta.generatedAt);
  const sheet = (name: (typeof REPORT_SHEETS)[number]) => new SheetWriter(wb.addWorksheet(name));
  const m = c.meta;
  const s = c.summary;

  const overview = sheet('概览');
  overview.title(m.titleZh);
  overview.block(['项目', '内容'], [
    ['报告编号', m.reportId],
    ['报告类型', m.kindZh],
    ['统计期间', `${when(m.startsAt)} 至 ${when(m.endsAt)}（不含）`],
    ['数据截至', when(m.asOf)],
    ['是否阶段性报告', m.complete ? '否' : '是（本期尚未结束）'],
    ['生成时间', when(m.generatedAt)],
  ]);
  overview.block(['指标', '数值'], [
    ['责任事项（项）', s.itemsRunning],
    ['红灯事项（项）', s.itemsRed],
    ['逾期未办结（件）', s.overdueSteps],
    ['本期升级督办（次）', s.escalations],
    ['本期催办（次）', s.urgesIssued],
    ['催办未回复（件）', s.urgesOpen],
    ['参与排名部门（个）', s.rankedDepartments],
    ['入学申请（件）', s.applications],
    ['已安排学位（人）', s.placed],
    ['公办学校就读比例', s.publicShare],
    ['问题台账本期新增（件）', s.problemsOpened],
    ['问题台账本期办结（件）', s.problemsClosed],
    ['本期群众满意率', s.satisfactionRate],
  ], []);
  // The two rates of the overview are in rows of the second column: format them by label.
  overview.ws.eachRow((row) => {
    if (['公办学校就读比例', '本期群众满意率'].includes(String(row.getCell(1).value)) && typeof row.getCell(2).value === 'number') row.getCell(2).numFmt = PERCENT;
  });
  overview.widths([26, 60]);

  const items = sheet('责任事项亮灯');
  items.title('责任事项亮灯情况（事项灯色取其各单位中最严重者）');
  items.block(['灯色', '事项数（本期）', '事项数（上期）', '变化', '单位报送项数'], LIGHTS.map((l) => [LIGHT_SHORT_ZH[l], c.items.byLight[l], c.items.previous ? c.items.previous.byLight[l] : null, c.items.change ? c.items.change[l] : null, c.items.partsByLight[l]]));
  items.block(['序号', '事项', '牵头单位', '本期灯色', '上期灯色', '各单位报送'], c.items.rows.map((r) => [
    r.number, r.titleZh, r.leadDepartmentZh, LIGHT_SHORT_ZH[r.light], r.previousLight ? LIGHT_SHORT_ZH[r.previousLight] : '', r.parts.map((p) => `${p.nameZh}${p.role === 'lead' ? '（牵头）' : ''}：${LIGHT_SHORT_ZH[p.light]}`).join('；'),
  ]));
  items.widths([14, 48, 18, 12, 12, 70]);

  const trend = sheet('亮灯趋势');
  trend.title('责任事项亮灯趋势');
  trend.block(['期间', '截至', ...LIGHTS.map((l) => LIGHT_SHORT_ZH[l]), '合计'], c.items.trend.map((t) => [t.labelZh, when(t.asOf), ...LIGHTS.map((l) => t.byLight[l]), LIGHTS.reduce((x, l) => x + t.byLight[l], 0)]));
  trend.widths([34, 18, 10, 10, 10, 10, 10, 12, 10]);

  const overdue = sheet('逾期事项');
  overdue.title(`逾期未办结事项（截至期末共${c.overdue.total}件）`);
  overdue.block(['部门', '逾期件数', ...OVERDUE_BUCKETS.map((b) => OVERDUE_BUCKET_NAMES_ZH[b]), '最长（工作日）', '平均（工作日）'], c.overdue.byDepartment.map((d) => [d.nameZh, d.count, ...OVERDUE_BUCKETS.map((b) => d.buckets[b]), d.maxWorkingDays, d.avgWorkingDays]));
  overdue.block(['部门', '事项', '类别', '办理期限', '逾期工作日', '升级情况', '事项编号'], c.overdue.steps.map((x) => [x.nameZh, x.title, x.subjectTypeZh, when(x.deadlineAt), x.workingDaysOverdue, x.escalationZh, x.stepId]));
  overdue.widths([22, 56, 16, 18, 12, 18, 40]);

  const esc = sheet('督办升级');
  esc.title(`本期升级督办${c.escalations.total}次`);
  esc.block(['升级至', '次数'], [...c.escalations.byLevel.map((l) => [l.nameZh, l.count] as Cell[]), ['其中：逾期未办结', c.escalations.byCause.deadline], ['其中：群众评价不满意', c.escalations.byCause.unsatisfiedRating]]);
  esc.block(['部门', '升级次数'], c.escalations.byDepartment.map((d) => [d.nameZh, d.count]));
  esc.block(['时间', '部门', '升级至', '原因', '事项', '事项编号'], c.escalations.rows.map((r) => [when(r.at), r.nameZh, r.levelZh, r.cause, r.title, r.stepId]));
  esc.widths([20, 22, 14, 16, 56, 40]);

  const urges = sheet('催办通知');
  const u = c.urges;
  urges.title('催办通知及回复');
  urges.block(['指标', '数值'], [
    ['本期发出催办（件）', u.issued],
    ...u.issuedByLevel.map((l) => [`其中：${l.nameZh}`, l.count] as Cell[]),
    ['本期催办已回复（件）', u.repliedOfIssued],
    ['本期收到回复（件）', u.repliesInPeriod],
    ['截至期末未回复（件）', u.openAtEnd],
    ['平均回复用时（工作日）', u.avgReplyWorkingDays],
  ]);
  urges.block(['部门', '本期催办', '已回复', '未回复（累计）'], u.byDepartment.map((d) => [d.nameZh, d.issued, d.replied, d.open]));
  urges.block(['通知编号', '部门', '级别', '催办时间', '回复时间', '回复内容', '事项'], u.rows.map((r) => [r.number, r.nameZh, r.levelZh, when(r.issuedAt), when(r.repliedAt), r.reply ?? '未回复', r.title]));
  urges.widths([22, 22, 10, 18, 18, 40, 50]);

  const ranking = sheet('部门排名');
  ranking.title('部门排名（评分规则见“评分规则”工作表）');
  ranking.block(
    ['名次', '部门', '本期办结', '按期办结', '逾期办结', '逾期未办结', '按期办结率', '首次审核数', '首次审核通过', '首次审核通过率', '平均响应（工作日）', '响应时效分', '综合得分'],
    c.ranking.map((r) => [r.rank, r.nameZh, r.completed, r.onTime, r.late, r.overdueOpen, r.onTimeRate, r.reviewed, r.firstPassAccepted, r.firstPassRate, r.avgResponseWorkingDays, r.responseScore, r.score]),
    [6, 9, 11],
  );
  ranking.widths([8, 24, 10, 10, 10, 12, 12, 12, 14, 16, 18, 12, 10]);

  const apps = sheet('入学办理');
  const a = c.applications;
  apps.title(`入学申请（截至期末${a.total}件，本期新受理${a.submittedInPeriod}件）`);
  apps.block(['状态', '件数'], a.byState.map((x) => [x.nameZh, x.count]));
  apps.block(['学段', '合计', ...a.byState.map((x) => x.nameZh)], a.byStage.map((st) => [st.nameZh, st.total, ...a.byState.map((x) => st.byState[x.state] ?? 0)]));
  apps.block(['部门', '本期完成核验', '数据共享自动核验', '人工核验', '平均用时（工作日）', '人工核验平均用时', '最长用时'], a.verification.map((v) => [v.nameZh, v.completed, v.bySystem, v.byPerson, v.avgWorkingDays, v.avgWorkingDaysByPerson, v.maxWorkingDays]));
  apps.block(['数据共享', '数值'], [['本期完成核验（项）', a.dataSharing.completed], ['系统自动核验（项）', a.dataSharing.bySystem], ['自动核验占比', a.dataSharing.share]]);
  const n = a.placements.totals;
  apps.block(['学位安排', '人数'], [['符合条件（人）', n.applicants], ['已安排（人）', n.placed], ['划片入学', n.catchment], ['就近调剂', n.adjusted], ['政府购买学位', n.purchasedSeats], ['待安排', n.unplaced], ['公办学校就读', n.publicPlaced], ['公办学校就读比例', n.publicShare]]);
  apps.block(['目标', '实际', '目标值', '是否达标', '差额（人）'], n.targets.map((t) => [t.nameZh, t.actual, t.target, t.met ? '达标' : '未达标', t.shortBy]), [1, 2]);
  apps.block(['区县', '年度', '学段', '符合条件', '已安排', '划片', '调剂', '购买学位', '待安排', '公办比例', '购买学位费用（元/年）'], a.placements.byGroup.map((g) => [g.district, g.year, g.stageZh, g.numbers.applicants, g.numbers.placed, g.numbers.catchment, g.numbers.adjusted, g.numbers.purchasedSeats, g.numbers.unplaced, g.numbers.publicShare, g.numbers.purchasedCost]), [9]);
  apps.block(['政府购买学位与资助', '数值'], [
    ['有效购买学位（个）', a.purchasedSeats.active],
    ['购买学位费用（元/年）', a.purchasedSeats.cost],
    ['未核定单价学位（个）', a.purchasedSeats.withoutPrice],
    ['本期资助审核（人）', a.aid.decidedInPeriod],
    ['本期给予资助（人）', a.aid.grantedInPeriod],
    ['本期资助金额（元）', a.aid.amountInPeriod],
    ['累计给予资助（人）', a.aid.grantedTotal],
    ['累计资助金额（元）', a.aid.amountTotal],
  ]);
  apps.ws.eachRow((row) => {
    if (['自动核验占比', '公办学校就读比例'].includes(String(row.getCell(1).value)) && typeof row.getCell(2).value === 'number') row.getCell(2).numFmt = PERCENT;
  });
  apps.widths([26, 12, 14, 12, 12, 14, 12, 12, 12, 12, 18]);

  const problems = sheet('问题台账');
  const p = c.problems;
  problems.title('问题台账');
  problems.block(['指标', '数值'], [
    ['本期新增（件）', p.openedInPeriod],
    ...p.openedBySource.map((x) => [`其中：${x.nameZh}`, x.count] as Cell[]),
    ['本期办结（件）', p.closedInPeriod],
    ['其中：群众满意', p.closedResolved],
    ['其中：仍不满意报领导小组', p.closedUnresolved],
    ['截至期末在办（件）', p.openAtEnd],
    ['其中：办理逾期（件）', p.overdueAtEnd],
    ['本期评价满意（次）', p.ratingsInPeriod.satisfied],
    ['本期评价不满意（次）', p.ratingsInPeriod.unsatisfied],
    ['本期满意率', p.ratingsInPeriod.rate],
    ['累计满意率', p.ratingsTotal.rate],
  ]);
  problems.ws.eachRow((row) => {
    if (['本期满意率', '累计满意率'].includes(String(row.getCell(1).value)) && typeof row.getCell(2).value === 'number') row.getCell(2).numFmt = PERCENT;
  });
  problems.block(['状态', '件数'], p.byState.map((x) => [x.nameZh, x.count]));
  problems.widths([30, 12]);

  const rules = sheet('评分规则');
  rules.title('部门排名评分规则');
  rules.block(['规则'], c.scoringRulesZh.map((r) => [r]));
  rules.ws.getColumn(1).width = 140;
  rules.ws.getColumn(1).alignment = { wrapText: true, vertical: 'top' };

  return Buffer.from(await wb.xlsx.writeBuffer());
}
