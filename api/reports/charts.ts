/**
 * The report's charts as inline SVG, drawn on the server from the stored content: they appear the same on screen, in a
 * saved file and on paper, with no script and nothing fetched. Every text is escaped; every chart has a title and a
 * description for screen readers, and says its numbers in words as well as in bars.
 */
import { LIGHTS, LIGHT_NAMES_ZH, type Light } from '../../domain/lights';
import type { ReportContent } from '../../domain/reports';

export const LIGHT_COLOURS: Record<Light, { fill: string; stroke: string; text: string }> = {
  green: { fill: '#2e7d32', stroke: '#1b5e20', text: '#ffffff' },
  blue: { fill: '#1565c0', stroke: '#0d47a1', text: '#ffffff' },
  red: { fill: '#c62828', stroke: '#8e0000', text: '#ffffff' },
  yellow: { fill: '#f9a825', stroke: '#c17900', text: '#000000' },
  white: { fill: '#fafafa', stroke: '#757575', text: '#000000' },
  grey: { fill: '#9e9e9e', stroke: '#616161', text: '#000000' },
};

/** Short names for axes and legends. */
export const LIGHT_SHORT_ZH: Record<Light, string> = { green: '绿灯', blue: '蓝灯', red: '红灯', yellow: '黄灯', white: '办理中', grey: '暂停/终止' };

const FONT = `font-family="'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei','PingFang SC','WenQuanYi Micro Hei',sans-serif"`;

export function esc(text: unknown): string {
  return String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function svg(id: string, width: number, height: number, title: string, desc: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${esc(id)}" role="img" aria-labelledby="${esc(id)}-title ${esc(id)}-desc" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12"><title id="${esc(id)}-title">${esc(title)}</title><desc id="${esc(id)}-desc">${esc(desc)}</desc>${body}</svg>`;
}

const signed = (n: number) => (n > 0 ? `+${n}` : n < 0 ? `−${-n}` : '±0');

/** Items by light: one bar per light, with the change since the previous report. */
export function lightsChart(c: ReportContent): string {
  const counts = c.items.byLight;
  const max = Math.max(1, ...LIGHTS.map((l) => counts[l]));
  const rowH = 30;
  const left = 150;
  const barW = 380;
  const width = left + barW + 120;
  const height = LIGHTS.length * rowH + 20;
  const rows = LIGHTS.map((l, i) => {
    const y = 10 + i * rowH;
    const w = Math.round((counts[l] / max) * barW);
    const col = LIGHT_COLOURS[l];
    const change = c.items.change ? `（较上期${signed(c.items.change[l])}）` : '';
    return `<g data-light="${l}" data-count="${counts[l]}"><text x="${left - 8}" y="${y + 19}" text-anchor="end">${esc(LIGHT_SHORT_ZH[l])}</text>` +
      `<rect x="${left}" y="${y + 4}" width="${Math.max(w, 1)}" height="${rowH - 10}" fill="${col.fill}" stroke="${col.stroke}"/>` +
      `<text x="${left + Math.max(w, 1) + 6}" y="${y + 19}">${counts[l]}项${esc(change)}</text></g>`;
  }).join('');
  const desc = LIGHTS.map((l) => `${LIGHT_NAMES_ZH[l]}${counts[l]}项${c.items.change ? `，较上期${signed(c.items.change[l])}` : ''}`).join('；');
  return svg('lights', width, height, '责任事项亮灯情况', desc, rows);
}

/** The item lights over the last periods: one stacked column per period, worst light on top. */
export function trendChart(c: ReportContent): string {
  const points = c.items.trend;
  const order: Light[] = ['green', 'white', 'blue', 'yellow', 'red', 'grey'];
  const totals = points.map((p) => LIGHTS.reduce((s, l) => s + p.byLight[l], 0));
  const max = Math.max(1, ...totals);
  const left = 40;
  const top = 20;
  const plotH = 180;
  const colW = 56;
  const gap = 18;
  const width = Math.max(left + 6 * 90 + 10, left + points.length * (colW + gap) + 20);
  const legendY = top + plotH + 44;
  const height = legendY + 24;
  const axis = [0, 0.5, 1].map((f) => {
    const v = Math.round(max * f);
    const y = top + plotH - (v / max) * plotH;
    return `<line x1="${left}" x2="${width - 10}" y1="${y}" y2="${y}" stroke="#e0e0e0"/><text x="${left - 6}" y="${y + 4}" text-anchor="end">${v}</text>`;
  }).join('');
  const cols = points.map((p, i) => {
    const x = left + gap / 2 + i * (colW + gap);
    let y = top + plotH;
    const segs = order.map((l) => {
      const h = (p.byLight[l] / max) * plotH;
      y -= h;
      const col = LIGHT_COLOURS[l];
      return h > 0 ? `<rect data-light="${l}" data-count="${p.byLight[l]}" x="${x}" y="${y.toFixed(1)}" width="${colW}" height="${h.toFixed(1)}" fill="${col.fill}" stroke="${col.stroke}"/>` : '';
    }).join('');
    const short = p.label.replace(/^\d{4}-/, '');
    return `<g data-period="${esc(p.label)}">${segs}<text x="${x + colW / 2}" y="${top + plotH + 16}" text-anchor="middle">${esc(short)}</text><text x="${x + colW / 2}" y="${top + plotH + 30}" text-anchor="middle" fill="#555">${totals[i]}项</text></g>`;
  }).join('');
  const legend = order.map((l, i) => `<rect x="${left + i * 90}" y="${legendY}" width="12" height="12" fill="${LIGHT_COLOURS[l].fill}" stroke="${LIGHT_COLOURS[l].stroke}"/><text x="${left + i * 90 + 16}" y="${legendY + 10}">${esc(LIGHT_SHORT_ZH[l])}</text>`).join('');
  const desc = points.map((p) => `${p.labelZh}：${LIGHTS.filter((l) => p.byLight[l] > 0).map((l) => `${LIGHT_SHORT_ZH[l]}${p.byLight[l]}项`).join('，') || '无'}`).join('；');
  return svg('trend', width, height, '责任事项亮灯趋势', desc, `${axis}<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#757575"/>${cols}${legend}`);
}

/** Departments by score, best first. */
export function rankingChart(c: ReportContent): string {
  const rows = c.ranking;
  const rowH = 26;
  const left = 190;
  const barW = 360;
  const width = left + barW + 70;
  const height = Math.max(1, rows.length) * rowH + 30;
  if (rows.length === 0) return svg('ranking', width, 50, '部门综合得分排名', '本期无参与排名的部门', `<text x="10" y="30">本期无参与排名的部门</text>`);
  const ticks = [0, 50, 100].map((v) => `<line x1="${left + (v / 100) * barW}" x2="${left + (v / 100) * barW}" y1="6" y2="${height - 18}" stroke="#e0e0e0"/><text x="${left + (v / 100) * barW}" y="${height - 4}" text-anchor="middle">${v}</text>`).join('');
  const bars = rows.map((r, i) => {
    const y = 8 + i * rowH;
    const w = Math.round((r.score / 100) * barW);
    const fill = r.score >= 90 ? '#2e7d32' : r.score >= 60 ? '#1565c0' : '#c62828';
    return `<g data-department="${esc(r.departmentCode)}" data-rank="${r.rank}" data-score="${r.score}"><text x="${left - 8}" y="${y + 16}" text-anchor="end">${r.rank}. ${esc(r.nameZh)}</text><rect x="${left}" y="${y + 3}" width="${Math.max(w, 1)}" height="${rowH - 8}" fill="${fill}"/><text x="${left + Math.max(w, 1) + 6}" y="${y + 16}">${r.score.toFixed(1)}</text></g>`;
  }).join('');
  const desc = rows.map((r) => `第${r.rank}名${r.nameZh}，${r.score.toFixed(1)}分`).join('；');
  return svg('ranking', width, height, '部门综合得分排名', desc, ticks + bars);
}

/** The public-school share against the 95% and 100% targets. */
export function placementChart(c: ReportContent): string {
  const n = c.applications.placements.totals;
  const width = 560;
  const left = 20;
  const barW = 500;
  const share = n.placed > 0 ? n.publicShare : 0;
  const x95 = left + 0.95 * barW;
  const desc = `已安排学位${n.placed}人，其中公办学校${n.publicPlaced}人（划片${n.catchment}人、调剂${n.adjusted}人），政府购买学位${n.purchasedSeats}人；公办学校就读比例${(share * 100).toFixed(1)}%，目标95%以上。`;
  const body =
    `<rect x="${left}" y="20" width="${barW}" height="26" fill="#eeeeee" stroke="#9e9e9e"/>` +
    `<rect data-share="${share}" x="${left}" y="20" width="${(share * barW).toFixed(1)}" height="26" fill="${share >= 0.95 ? '#2e7d32' : '#c62828'}"/>` +
    `<line x1="${x95}" x2="${x95}" y1="12" y2="54" stroke="#000" stroke-dasharray="4 2"/><text x="${x95}" y="10" text-anchor="middle">目标95%</text>` +
    `<text x="${left}" y="70">公办学校就读比例 ${(share * 100).toFixed(1)}%（${n.publicPlaced}/${n.placed}人）</text>`;
  return svg('placements', width, 80, '公办学校就读比例与目标', desc, body);
}
