// The education bureau's enrollment work for one published policy (district, year, stage): the applicant pool, a
// what-if allocation on today's pool (nothing published), starting the allocation round and watching it run (the
// round's status is polled until its results are published), and the results: placements with their reasons and
// the numbers against the targets. The supervision office and the leading group read it; only the bureau starts.
import {
  api, el, render, $, initPage, showApiError, showFieldErrors, clearErrors, busy, announce, newKey, errorText,
  fmtDateTime, applicationStateBadge,
} from '../common.js';
import { field } from '../forms.js';

const TYPES = { catchment: '学区内安排', adjusted: '调剂安排', purchased: '政府购买学位', unplaced: '候补（暂未安排）' };
const RUNNING_PHASES = ['freezing', 'allocating', 'publishing'];
const POLL_MS = 700;
const pct = (x) => `${(Math.round(x * 1000) / 10).toFixed(1)}%`;

function numbersTable(n) {
  return el(
    'div',
    {},
    el('dl', { class: 'facts numbers' },
      el('dt', {}, '申请人数'), el('dd', {}, String(n.applicants)),
      el('dt', {}, '已安排'), el('dd', {}, `${n.placed}（学区内 ${n.catchment}，调剂 ${n.adjusted}，政府购买学位 ${n.purchasedSeats}）`),
      el('dt', {}, '未安排（候补）'), el('dd', {}, String(n.unplaced)),
      el('dt', {}, '公办学校就读比例'), el('dd', {}, pct(n.publicShare)),
      el('dt', {}, '购买学位费用'), el('dd', {}, `${n.purchasedCost} 元/年`)),
    el('ul', { class: 'targets' }, n.targets.map((t) => el('li', { class: t.met ? 'ok' : 'bad' }, `${t.met ? '达标' : '未达标'}：${t.nameZh}（实际 ${pct(t.actual)}${t.met ? '' : `，还差 ${t.shortBy} 人`}）`))),
  );
}

async function start() {
  const user = await initPage({ roles: ['officer', 'supervisor', 'leader', 'admin'] });
  if (!user) return;
  const content = $('#content');
  content.removeAttribute('aria-busy');
  if (user.role === 'officer' && user.departmentCode !== 'education') {
    render(content, el('div', { class: 'alert warn', role: 'alert' }, el('h2', {}, '无权查看'), el('p', {}, '入学统筹由教育局办理，本部门无权查看。')));
    return;
  }
  const bureau = user.role === 'officer';
  const mayWhatIf = user.role !== 'leader';
  const q = new URLSearchParams(location.search);

  let policies;
  try {
    policies = (await api.get('/api/checklists')).items;
  } catch (err) {
    showApiError(err);
    return;
  }
  const keyOf = (p) => `${p.district}|${p.year}|${p.stage}`;
  const wanted = q.get('district') && q.get('year') && q.get('stage') ? `${q.get('district')}|${q.get('year')}|${q.get('stage')}` : '';
  const choice = field({
    name: 'policy',
    label: '招生政策（区县 · 年度 · 学段）',
    options: policies.map((p) => [keyOf(p), `${p.district} · ${p.year}年 · ${p.stageZh}`]),
    value: policies.some((p) => keyOf(p) === wanted) ? wanted : policies[0] ? keyOf(policies[0]) : '',
  });
  const chooser = el('form', { class: 'card filters', 'aria-label': '选择招生政策' }, choice, el('div', { class: 'actions' }, el('button', { type: 'submit' }, '查看')));
  const poolCard = el('section', { class: 'card', id: 'pool', 'aria-labelledby': 'pool-heading' }, el('h2', { id: 'pool-heading' }, '申请人池'));
  const whatIfCard = mayWhatIf ? el('section', { class: 'card', id: 'what-if', 'aria-labelledby': 'whatif-heading' }, el('h2', { id: 'whatif-heading' }, '模拟安排'), el('p', { class: 'muted' }, '按当前申请人池和学位数模拟一次统筹安排，结果不发布、不通知家长。'), el('button', { type: 'button', id: 'run-what-if', class: 'secondary' }, '模拟安排（不发布）'), el('div', { id: 'what-if-result', 'aria-live': 'polite' })) : null;
  const roundsCard = el('section', { class: 'card', id: 'rounds', 'aria-labelledby': 'rounds-heading' }, el('h2', { id: 'rounds-heading' }, '统筹批次'));
  const roundCard = el('section', { class: 'card', id: 'round', 'aria-labelledby': 'round-heading', 'aria-live': 'polite', hidden: true });

  const startSummary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  let startKey = newKey();
  const startForm = bureau
    ? el(
      'form',
      { class: 'card', id: 'start-round', novalidate: true, 'aria-labelledby': 'start-heading' },
      el('h2', { id: 'start-heading' }, '启动统筹安排'),
      el('p', {}, '启动后冻结申请人池，按优先顺序、积分和就近原则统一安排学位，并逐一通知家长。同一政策同时只能有一个进行中的批次。'),
      startSummary,
      el('div', { class: 'field', dataset: { field: 'confirm' } }, el('label', { class: 'choice' }, el('input', { type: 'checkbox', name: 'confirm', id: 'confirm-start' }), '我已核对申请人池和学位数，确认启动'), el('p', { class: 'field-error' })),
      el('div', { class: 'actions stack' }, el('button', { type: 'submit' }, '启动统筹安排')),
    )
    : null;

  render(content, el('p', { class: 'lead' }, '随迁子女入学统筹：申请人池、模拟安排、统一派位和结果。'), chooser, el('div', { class: 'grid-2' }, el('div', {}, poolCard, whatIfCard), el('div', {}, startForm, roundsCard)), roundCard);

  const current = () => {
    const [district, year, stage] = (chooser.policy.value || '||').split('|');
    return { district, year: Number(year), stage };
  };

  const loadPool = async () => {
    const c = current();
    if (!c.district) {
      render(poolCard, el('h2', { id: 'pool-heading' }, '申请人池'), el('p', { class: 'muted' }, '尚无已发布的招生政策。'));
      return;
    }
    try {
      const r = await api.get(`/api/applications?state=in_pool&district=${encodeURIComponent(c.district)}&year=${c.year}&pageSize=100`);
      const items = r.items.filter((a) => a.stage === c.stage);
      render(
        poolCard,
        el('h2', { id: 'pool-heading' }, `申请人池（${items.length} 人${items.length === 100 ? '以上' : ''}）`),
        items.length === 0
          ? el('p', { class: 'muted' }, '申请人池中暂无儿童。')
          : el('div', { class: 'table-wrap' }, el('table', { class: 'responsive', id: 'pool-table' },
            el('thead', {}, el('tr', {}, ['申请编号', '儿童', '积分', '提交时间'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, items.map((a) => el('tr', { dataset: { applicationNumber: a.applicationNumber } },
              el('td', { 'data-label': '申请编号', class: 'nowrap' }, el('a', { href: `/application?no=${encodeURIComponent(a.applicationNumber)}` }, a.applicationNumber)),
              el('td', { 'data-label': '儿童' }, a.childName),
              el('td', { 'data-label': '积分' }, a.pointsTotal === null ? '—' : String(a.pointsTotal)),
              el('td', { 'data-label': '提交时间', class: 'nowrap' }, fmtDateTime(a.submittedAt))))))),
      );
    } catch (err) {
      render(poolCard, el('h2', { id: 'pool-heading' }, '申请人池'), el('p', { class: 'alert error' }, errorText(err)));
    }
  };

  const loadRounds = async () => {
    const c = current();
    try {
      const { items } = await api.get(`/api/allocation-rounds?district=${encodeURIComponent(c.district)}&year=${c.year}&stage=${encodeURIComponent(c.stage)}`);
      render(
        roundsCard,
        el('h2', { id: 'rounds-heading' }, `统筹批次（${items.length}）`),
        items.length === 0
          ? el('p', { class: 'muted' }, '尚未进行统筹安排。')
          : el('ul', { class: 'plain-list', id: 'round-list' }, items.map((r) => el('li', { dataset: { roundId: r.roundId } },
            el('button', { type: 'button', class: 'link', onclick: () => void showRound(r.roundId) }, `第${r.roundNo}轮`),
            ` ${r.phaseZh} · 申请人 ${r.poolSize} · 启动于 ${fmtDateTime(r.startedAt)}`))),
      );
      return items;
    } catch (err) {
      render(roundsCard, el('h2', { id: 'rounds-heading' }, '统筹批次'), el('p', { class: 'alert error' }, errorText(err)));
      return [];
    }
  };

  let polling = 0;
  /** Show a round; while it runs, read it again every moment and draw its progress, then its results. */
  async function showRound(roundId) {
    const mine = ++polling;
    roundCard.hidden = false;
    const p = new URLSearchParams(location.search);
    p.set('round', roundId);
    history.replaceState(null, '', `${location.pathname}?${p}`);
    for (;;) {
      let r;
      try {
        r = await api.get(`/api/allocation-rounds/${encodeURIComponent(roundId)}`);
      } catch (err) {
        render(roundCard, el('h2', { id: 'round-heading' }, '统筹批次'), el('p', { class: 'alert error' }, errorText(err)));
        return;
      }
      if (mine !== polling) return;
      const running = RUNNING_PHASES.includes(r.phase);
      const live = r.progress || {};
      const published = live.published ?? r.published;
      const total = r.poolSize || live.poolSize || 0;
      render(
        roundCard,
        el('h2', { id: 'round-heading' }, `第${r.roundNo}轮统筹安排（${r.district} · ${r.year}年 · ${r.stageZh}）`),
        el('p', { id: 'round-phase', dataset: { phase: r.phase } }, el('span', { class: `badge ${running ? 'tone-info' : 'tone-ok'}` }, r.phaseZh)),
        el('div', { id: 'round-progress' },
          el('ol', { class: 'steps-progress' }, ['freezing', 'allocating', 'publishing'].map((ph, i) => {
            const at = RUNNING_PHASES.indexOf(r.phase);
            const state = at === -1 || i < at ? '已完成' : i === at ? '进行中' : '待进行';
            return el('li', { dataset: { state } }, `${['冻结申请名单', '统筹安排学位', '发布安排结果'][i]}：${state}`);
          })),
          el('label', { for: 'publish-progress' }, `已发布 ${published}/${total}`),
          el('progress', { id: 'publish-progress', max: String(Math.max(total, 1)), value: String(published) }),
          live.placed !== undefined ? el('p', { class: 'small' }, `已安排 ${live.placed} 人，候补 ${live.unplaced} 人`) : null),
        running ? el('p', { class: 'loading', role: 'status' }, '正在进行，请稍候…') : null,
      );
      if (!running) break;
      await new Promise((res) => window.setTimeout(res, POLL_MS));
      if (mine !== polling) return;
    }
    await showResults(roundId, mine);
    await loadRounds();
    await loadPool();
  }

  async function showResults(roundId, mine) {
    try {
      const [placements, numbers] = await Promise.all([
        api.get(`/api/allocation-rounds/${encodeURIComponent(roundId)}/placements?pageSize=200`),
        api.get(`/api/allocation-rounds/${encodeURIComponent(roundId)}/numbers`).catch(() => null),
      ]);
      if (mine !== polling) return;
      roundCard.append(
        el('section', { id: 'round-results', 'aria-labelledby': 'results-heading' },
          el('h3', { id: 'results-heading' }, `安排结果（${placements.total} 人）`),
          numbers ? numbersTable(numbers.numbers) : null,
          el('div', { class: 'table-wrap' }, el('table', { class: 'responsive', id: 'placements-table' },
            el('thead', {}, el('tr', {}, ['排序', '申请编号', '儿童', '安排', '学校', '理由', '状态'].map((h) => el('th', { scope: 'col' }, h)))),
            el('tbody', {}, placements.items.map((x) => el('tr', { dataset: { applicationNumber: x.applicationNumber } },
              el('td', { 'data-label': '排序' }, String(x.rank)),
              el('td', { 'data-label': '申请编号', class: 'nowrap' }, x.applicationNumber),
              el('td', { 'data-label': '儿童' }, x.childName),
              el('td', { 'data-label': '安排' }, TYPES[x.type] || x.type, x.status === 'released' ? '（已释放）' : ''),
              el('td', { 'data-label': '学校' }, x.schoolNameZh || '—'),
              el('td', { 'data-label': '理由', class: 'small' }, x.reasonZh),
              el('td', { 'data-label': '状态' }, applicationStateBadge(x.applicationState, x.applicationStateZh)))))))),
      );
    } catch (err) {
      roundCard.append(el('p', { class: 'alert error' }, errorText(err)));
    }
  }

  if (whatIfCard) {
    $('#run-what-if').addEventListener('click', async (e) => {
      const c = current();
      const out = $('#what-if-result');
      const button = e.currentTarget;
      button.disabled = true;
      render(out, el('p', { class: 'loading', role: 'status' }, '正在模拟…'));
      try {
        const r = await api.post('/api/allocation/what-if', { district: c.district, year: c.year, stage: c.stage });
        const s = r.stages[0];
        render(
          out,
          el('p', { class: 'small muted' }, `模拟时间 ${fmtDateTime(r.computedAt)}，结果未发布。`),
          s ? numbersTable(s.numbers) : el('p', { class: 'muted' }, '没有可模拟的数据。'),
          r.schools.length
            ? el('div', { class: 'table-wrap' }, el('table', { class: 'responsive', id: 'what-if-schools' },
              el('thead', {}, el('tr', {}, ['学校', '学区内需求', '学位', '缺口', '模拟安排', '剩余学位'].map((h) => el('th', { scope: 'col' }, h)))),
              el('tbody', {}, r.schools.map((x) => el('tr', { dataset: { schoolId: x.schoolId } },
                el('td', { 'data-label': '学校' }, x.nameZh),
                el('td', { 'data-label': '学区内需求' }, String(x.demand)),
                el('td', { 'data-label': '学位' }, String(x.seats)),
                el('td', { 'data-label': '缺口' }, x.shortfall ? el('strong', { class: 'bad' }, String(x.shortfall)) : '0'),
                el('td', { 'data-label': '模拟安排' }, String(x.wouldPlace)),
                el('td', { 'data-label': '剩余学位' }, String(x.freeAfter)))))))
            : null,
        );
      } catch (err) {
        render(out, el('p', { class: 'alert error', role: 'alert' }, errorText(err)));
      } finally {
        button.disabled = false;
      }
    });
  }

  if (startForm) {
    startForm.addEventListener('submit', async (e) => {
      e.preventDefault();
      if (!startForm.confirm.checked) {
        showFieldErrors(startForm, startSummary, [{ field: 'confirm', message: '请先核对并勾选确认' }]);
        return;
      }
      clearErrors(startForm, startSummary);
      const c = current();
      await busy(startForm, async () => {
        try {
          const r = await api.post('/api/allocation-rounds', { district: c.district, year: c.year, stage: c.stage }, { idempotencyKey: startKey });
          startKey = newKey();
          startForm.confirm.checked = false;
          announce(r.created ? `已启动第${r.roundNo}轮统筹安排` : `第${r.roundNo}轮统筹安排正在进行`);
          void loadRounds();
          void showRound(r.roundId);
        } catch (err) {
          showApiError(err, { form: startForm, summary: startSummary });
        }
      });
    });
  }

  const loadAll = async () => {
    roundCard.hidden = true;
    polling++;
    await Promise.all([loadPool(), loadRounds()]);
  };
  chooser.addEventListener('submit', (e) => {
    e.preventDefault();
    const c = current();
    history.replaceState(null, '', `${location.pathname}?district=${encodeURIComponent(c.district)}&year=${c.year}&stage=${encodeURIComponent(c.stage)}`);
    void loadAll();
  });
  await loadAll();
  if (q.get('round')) void showRound(q.get('round'));
}

void start();
