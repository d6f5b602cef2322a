/**
 * The printable report in Chinese: one self-contained HTML page (styles inline, charts as inline SVG, no script, no
 * external resource), so the page the leading group opens, the file it saves and the sheet it prints are the same.
 * Built from the stored content only; every text is escaped.
 */
import { LIGHTS, type Light } from '../../domain/lights';
import { OVERDUE_BUCKETS, OVERDUE_BUCKET_NAMES_ZH, formatShanghaiMinute, type ReportContent } from '../../domain/reports';
import { LIGHT_COLOURS, LIGHT_SHORT_ZH, esc, lightsChart, placementChart, rankingChart, trendChart } from './charts';

export const pct = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)}%`);
const num = (x: number | null | undefined, digits = 0): string => (x === null || x === undefined ? '—' : x.toLocaleString('zh-CN', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const when = (iso: string | null | undefined) => (iso ? formatShanghaiMinute(iso) : '—');
const yuan = (x: number) => `${x.toLocaleString('zh-CN', { minimumFractionDigits: 0, maximumFractionDigits: 2 })}元`;

function badge(l: Light | null): string {
  if (!l) return '<span class="badge">—</span>';
  const c = LIGHT_COLOURS[l];
  return `<span class="badge" data-light="${l}" style="background:${c.fill};color:${c.text};border-color:${c.stroke}">${esc(LIGHT_SHORT_ZH[l])}</span>`;
}

function table(headers: string[], rows: (string | number)[][], opts: { id?: string; numeric?: number[]; empty?: string } = {}): string {
  if (rows.length === 0) return `<p class="empty">${esc(opts.empty ?? '本期无。')}</p>`;
  const numeric = new Set(opts.numeric ?? []);
  const head = headers.map((h, i) => `<th${numeric.has(i) ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((cell, i) => `<td${numeric.has(i) ? ' class="n"' : ''}>${typeof cell === 'number' ? esc(String(cell)) : cell}</td>`).join('')}</tr>`).join('');
  return `<table${opts.id ? ` id="${esc(opts.id)}"` : ''}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const STYLE = `
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: 'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei',sans-serif; color: #111; margin: 0 auto; max-width: 980px; padding: 16px; line-height: 1.55; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
h1 { font-size: 22px; text-align: center; margin: 8px 0 4px; }
h2 { font-size: 17px; border-left: 5px solid #c62828; padding-left: 8px; margin: 22px 0 8px; page-break-after: avoid; break-after: avoid; }
h3 { font-size: 14px; margin: 14px 0 6px; page-break-after: avoid; break-after: avoid; }
.meta { text-align: center; color: #444; font-size: 13px; }
.interim { color: #c62828; font-weight: bold; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 6px 0 10px; }
th, td { border: 1px solid #999; padding: 3px 6px; vertical-align: top; }
th { background: #eceff1; }
td.n, th.n { text-align: right; white-space: nowrap; }
tr { page-break-inside: avoid; break-inside: avoid; }
.badge { display: inline-block; border: 1px solid; border-radius: 3px; padding: 0 5px; font-size: 11px; white-space: nowrap; }
.kpis { display: flex; flex-wrap: wrap; gap: 8px; }
.kpi { border: 1px solid #bbb; border-radius: 4px; padding: 6px 10px; min-width: 140px; }
.kpi b { display: block; font-size: 20px; }
.chart { max-width: 100%; height: auto; display: block; margin: 6px 0; page-break-inside: avoid; break-inside: avoid; }
.empty { color: #666; }
ol.rules { list-style: none; padding-left: 0; }
ol.rules li { margin-bottom: 4px; font-size: 12px; }
.foot { color: #666; font-size: 11px; margin-top: 24px; border-top: 1px solid #ccc; padding-top: 6px; }
`;

export function renderReportHtml(c: ReportContent): string {
  const m = c.meta;
  const s = c.summary;
  const kpi = (label: string, value: string, id: string) => `<div class="kpi" data-kpi="${esc(id)}">${esc(label)}<b>${esc(value)}</b></div>`;

  const itemsRows = c.items.rows.map((r) => [
    String(r.number),
    esc(r.titleZh),
    esc(r.leadDepartmentZh),
    badge(r.light),
    badge(r.previousLight),
    r.parts.map((p) => `${esc(p.nameZh)}${p.role === 'lead' ? '（牵头）' : ''} ${badge(p.light)}`).join('<br>'),
  ]);
  const lightCountRows = LIGHTS.map((l) => [badge(l), c.items.byLight[l], c.items.previous ? c.items.previous.byLight[l] : '—', c.items.change ? (c.items.change[l] > 0 ? `+${c.items.change[l]}` : String(c.items.change[l])) : '—', c.items.partsByLight[l]]);

  const o = c.overdue;
  const overdueDept = o.byDepartment.map((d) => [esc(d.nameZh), d.count, ...OVERDUE_BUCKETS.map((b) => d.buckets[b]), d.maxWorkingDays, d.avgWorkingDays.toFixed(2)]);
  const overdueSteps = o.steps.map((x) => [esc(x.nameZh), esc(x.title), esc(x.subjectTypeZh), esc(when(x.deadlineAt)), x.workingDaysOverdue, esc(x.escalationZh)]);

  const e = c.escalations;
  const u = c.urges;
  const rank = c.ranking.map((r) => [r.rank, esc(r.nameZh), r.completed, r.onTime, r.overdueOpen, esc(pct(r.onTimeRate)), `${r.firstPassAccepted}/${r.reviewed}`, esc(pct(r.firstPassRate)), esc(num(r.avgResponseWorkingDays, 2)), r.score.toFixed(1)]);

  const a = c.applications;
  const stateCols = a.byState.filter((x) => x.count > 0 || ['pre_review', 'verifying', 'in_pool', 'placed', 'enrolled'].includes(x.state));
  const byStage = a.byStage.map((st) => [esc(st.nameZh), st.total, ...stateCols.map((x) => st.byState[x.state] ?? 0)]);
  const verification = a.verification.map((v) => [esc(v.nameZh), v.completed, v.bySystem, v.byPerson, esc(pct(v.completed > 0 ? v.bySystem / v.completed : null)), esc(num(v.avgWorkingDays, 2)), esc(num(v.avgWorkingDaysByPerson, 2)), esc(num(v.maxWorkingDays))]);
  const n = a.placements.totals;
  const targets = n.targets.map((t) => [esc(t.nameZh), esc(pct(t.actual)), esc(pct(t.target, 0)), t.met ? '<span class="badge" style="background:#2e7d32;color:#fff">达标</span>' : `<span class="badge" style="background:#c62828;color:#fff">未达标，差${t.shortBy}人</span>`]);
  const groups = a.placements.byGroup.map((g) => [esc(g.district), g.year, esc(g.stageZh), g.numbers.applicants, g.numbers.placed, g.numbers.catchment, g.numbers.adjusted, g.numbers.purchasedSeats, g.numbers.unplaced, esc(pct(g.numbers.publicShare)), esc(yuan(g.numbers.purchasedCost))]);

  const p = c.problems;

  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(m.titleZh)}</title><style>${STYLE}</style></head>
<body data-report-id="${esc(m.reportId)}">
<h1>${esc(m.titleZh)}</h1>
<p class="meta">统计期间：${esc(when(m.startsAt))} 至 ${esc(when(m.endsAt))}（不含）｜数据截至：${esc(when(m.asOf))}${m.complete ? '' : ' <span class="interim">（阶段性报告，本期尚未结束）</span>'}｜生成时间：${esc(when(m.generatedAt))}｜报告编号：${esc(m.reportId)}</p>

<h2>一、总体情况</h2>
<div class="kpis">
${kpi('责任事项', `${s.itemsRunning}项`, 'itemsRunning')}${kpi('红灯事项', `${s.itemsRed}项`, 'itemsRed')}${kpi('逾期未办结', `${s.overdueSteps}件`, 'overdueSteps')}${kpi('本期升级督办', `${s.escalations}次`, 'escalations')}
${kpi('本期催办', `${s.urgesIssued}次`, 'urgesIssued')}${kpi('催办未回复', `${s.urgesOpen}件`, 'urgesOpen')}${kpi('入学申请', `${s.applications}件`, 'applications')}${kpi('已安排学位', `${s.placed}人`, 'placed')}
${kpi('公办学校就读比例', pct(s.publicShare), 'publicShare')}${kpi('问题台账本期新增', `${s.problemsOpened}件`, 'problemsOpened')}${kpi('问题台账本期办结', `${s.problemsClosed}件`, 'problemsClosed')}${kpi('群众满意率', pct(s.satisfactionRate), 'satisfactionRate')}
</div>

<h2>二、责任事项推进情况（挂图作战亮灯）</h2>
<p>按各责任事项各单位最近一期报送事项的状态亮灯：绿灯为已办结，蓝灯为待审核，红灯为逾期或退回重办，黄灯为即将到期；事项的灯色取其各单位中最严重者。${c.items.previous ? `上期（${esc(c.items.previous.labelZh)}）对比见下表。` : ''}</p>
${lightsChart(c)}
${table(['灯色', '事项数（本期）', '事项数（上期）', '变化', '单位报送项数'], lightCountRows, { id: 'item-lights', numeric: [1, 2, 3, 4] })}
<h3>亮灯趋势</h3>
${trendChart(c)}
${c.items.changed.length ? `<h3>灯色变化的事项</h3>${table(['序号', '事项', '上期', '本期'], c.items.changed.map((x) => [String(x.number), esc(x.titleZh), badge(x.from), badge(x.to)]))}` : ''}
<h3>事项清单</h3>
${table(['序号', '事项', '牵头单位', '本期', '上期', '各单位报送'], itemsRows, { id: 'items', empty: '截至期末无已启动的责任事项。' })}

<h2>三、逾期事项</h2>
<p>截至期末仍未办结且已超过办理期限的事项共 <b data-figure="overdue-total">${o.total}</b> 件（逾期时长按工作日计算）。</p>
${table(['部门', '逾期件数', ...OVERDUE_BUCKETS.map((b) => OVERDUE_BUCKET_NAMES_ZH[b]), '最长（工作日）', '平均（工作日）'], overdueDept, { id: 'overdue-by-department', numeric: [1, 2, 3, 4, 5, 6, 7], empty: '截至期末无逾期事项。' })}
${o.steps.length ? `<h3>逾期事项明细（按逾期时长，前${o.steps.length}件）</h3>${table(['部门', '事项', '类别', '办理期限', '逾期工作日', '升级情况'], overdueSteps, { id: 'overdue-steps', numeric: [4] })}` : ''}

<h2>四、督办升级与催办</h2>
<p>本期升级督办 <b data-figure="escalations-total">${e.total}</b> 次：${e.byLevel.map((l) => `${esc(l.nameZh)}${l.count}次`).join('，')}；其中逾期未办结${e.byCause.deadline}次，群众评价不满意${e.byCause.unsatisfiedRating}次。</p>
${table(['部门', '升级次数'], e.byDepartment.map((d) => [esc(d.nameZh), d.count]), { id: 'escalations-by-department', numeric: [1] })}
${e.rows.length ? table(['时间', '部门', '升级至', '原因', '事项'], e.rows.map((r) => [esc(when(r.at)), esc(r.nameZh), esc(r.levelZh), esc(r.cause), esc(r.title)]), { id: 'escalations' }) : ''}
<p>本期发出催办通知 <b data-figure="urges-issued">${u.issued}</b> 件（${u.issuedByLevel.map((l) => `${esc(l.nameZh)}${l.count}件`).join('，')}），已回复 ${u.repliedOfIssued} 件，平均回复用时 ${esc(num(u.avgReplyWorkingDays, 2))} 个工作日；本期收到回复 ${u.repliesInPeriod} 件；截至期末未回复 <b data-figure="urges-open">${u.openAtEnd}</b> 件。</p>
${table(['部门', '本期催办', '已回复', '未回复（累计）'], u.byDepartment.map((d) => [esc(d.nameZh), d.issued, d.replied, d.open]), { id: 'urges-by-department', numeric: [1, 2, 3] })}
${u.rows.length ? table(['通知编号', '部门', '级别', '催办时间', '回复时间', '回复内容', '事项'], u.rows.map((r) => [esc(r.number), esc(r.nameZh), esc(r.levelZh), esc(when(r.issuedAt)), esc(when(r.repliedAt)), esc(r.reply ?? '未回复'), esc(r.title)]), { id: 'urges' }) : ''}

<h2>五、部门排名</h2>
${rankingChart(c)}
${table(['名次', '部门', '本期办结', '按期办结', '逾期未办结', '按期办结率', '首次审核通过/审核', '首次审核通过率', '平均响应（工作日）', '综合得分'], rank, { id: 'ranking', numeric: [0, 2, 3, 4, 5, 7, 8, 9], empty: '本期无参与排名的部门。' })}
<h3>评分规则</h3>
<ol class="rules">${c.scoringRulesZh.map((r) => `<li>${esc(r)}</li>`).join('')}</ol>

<h2>六、随迁子女入学办理</h2>
<p>截至期末入学申请共 <b data-figure="applications-total">${a.total}</b> 件，本期新受理 ${a.submittedInPeriod} 件。</p>
${table(['学段', '合计', ...stateCols.map((x) => x.nameZh)], byStage, { id: 'applications-by-stage', numeric: [1, ...stateCols.map((_, i) => i + 2)], empty: '截至期末无入学申请。' })}
<h3>部门核验时效与数据共享</h3>
<p>本期完成核验 ${a.dataSharing.completed} 项，其中通过数据共享由系统自动核验、无需人工办理的 <b data-figure="data-sharing">${a.dataSharing.bySystem}</b> 项，占 ${esc(pct(a.dataSharing.share))}。</p>
${table(['部门', '本期完成核验', '数据共享自动核验', '人工核验', '自动核验占比', '平均用时（工作日）', '人工核验平均用时', '最长用时'], verification, { id: 'verification', numeric: [1, 2, 3, 4, 5, 6, 7] })}
<h3>学位安排</h3>
${placementChart(c)}
<p>已安排学位 <b data-figure="placed">${n.placed}</b> 人：划片入学 ${n.catchment} 人，就近调剂 ${n.adjusted} 人，政府购买学位 ${n.purchasedSeats} 人；待安排 ${n.unplaced} 人。</p>
${table(['目标', '实际', '目标值', '完成情况'], targets, { id: 'targets' })}
${table(['区县', '年度', '学段', '符合条件', '已安排', '划片', '调剂', '购买学位', '待安排', '公办比例', '购买学位费用'], groups, { id: 'placements', numeric: [1, 3, 4, 5, 6, 7, 8, 9, 10] })}
<p>政府购买学位（截至期末有效）${a.purchasedSeats.active} 个，费用 <b data-figure="purchased-cost">${esc(yuan(a.purchasedSeats.cost))}</b>/年${a.purchasedSeats.withoutPrice ? `，另有${a.purchasedSeats.withoutPrice}个学位尚未核定单价` : ''}。学生资助：本期审核 ${a.aid.decidedInPeriod} 人，给予资助 ${a.aid.grantedInPeriod} 人、${esc(yuan(a.aid.amountInPeriod))}；累计资助 ${a.aid.grantedTotal} 人、${esc(yuan(a.aid.amountTotal))}。</p>

<h2>七、问题台账</h2>
<p>本期新增问题 <b data-figure="problems-opened">${p.openedInPeriod}</b> 件（${p.openedBySource.map((x) => `${esc(x.nameZh)}${x.count}件`).join('，')}），办结 ${p.closedInPeriod} 件（其中群众满意 ${p.closedResolved} 件，仍不满意报领导小组 ${p.closedUnresolved} 件）；截至期末在办 ${p.openAtEnd} 件，其中办理逾期 ${p.overdueAtEnd} 件。本期群众评价 ${p.ratingsInPeriod.satisfied + p.ratingsInPeriod.unsatisfied} 次，满意率 ${esc(pct(p.ratingsInPeriod.rate))}（累计 ${esc(pct(p.ratingsTotal.rate))}）。</p>
${table(['状态', '件数'], p.byState.map((x) => [esc(x.nameZh), x.count]), { id: 'problems-by-state', numeric: [1] })}

<p class="foot">本报告由随迁子女入学与部门协同督办服务根据办理留痕自动生成，生成后不再改变；数据截至 ${esc(when(m.asOf))}，以该时刻前已记录的办理事件为准。报告不含身份证号、手机号等个人信息。工作日按国务院公布的节假日安排计算。</p>
</body></html>`;
}
