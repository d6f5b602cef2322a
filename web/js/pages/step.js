// One department step: what it is about (the application and its materials), its deadline and light, urging
// notices, the audit timeline, and the acts this user may take now. The department's officers sign, complete with
// findings and evidence, return, ask for more days, pause and resume the clock, answer urging notices and comment;
// the supervision office urges, reviews, decides extensions, changes the deadline class and reassigns.
import {
  api, el, render, $, initPage, param, showApiError, showFieldErrors, clearErrors, busy, announce, newKey, pageMessage,
  fmtDateTime, fmtDeadline, lightBadge, stepStateBadge, workingDaysBadge, departmentName, materialButton,
  applicationStateBadge, DEPARTMENT_NAMES, ESCALATION_NAMES, WORKING_STATES, ROLE_NAMES, STEP_ACTION_NAMES,
  checkMaterialFile, materialType, uploadFile, errorText, MATERIAL_TYPES,
} from '../common.js';
import { field, choices, toggle, valueOf } from '../forms.js';

const ACTIONS = STEP_ACTION_NAMES;
const OUTCOMES = { confirmed: '核验属实', not_confirmed: '核验不属实', done: '已办结' };
const URGE_LEVELS = { normal: '一般', serious: '重要', severe: '紧急' };
const CLASSES = { urgent: '紧急（1个工作日）', ordinary: '一般（3个工作日）', complex: '复杂（5个工作日）', custom: '指定工作日' };
const MATERIAL_NAMES = {
  household_register: '户口簿', residence_permit: '居住证', property_certificate: '房产证（不动产权证书）', rental_contract: '租房合同',
  community_residence_proof: '社区居住证明', employment_proof: '务工证明', business_licence: '营业执照', birth_certificate: '出生医学证明',
  special_category_proof: '优待或帮扶对象证明', other: '其他材料',
};

/** Structured findings each kind of verification records (read by eligibility and points). */
const FACTS = {
  'verification.residence_permit': [['valid', '居住证是否有效', 'bool'], ['months', '居住证持有月数', 'int']],
  'verification.employment': [['employed', '是否在本地就业', 'bool'], ['insuranceMonths', '社保缴费月数', 'int']],
  'verification.housing': [['owned', '是否有自有住房', 'bool'], ['rentalRegistered', '租房合同是否已备案', 'bool'], ['communityResidenceProof', '社区是否出具居住证明', 'bool']],
  'verification.business_licence': [['valid', '营业执照是否有效', 'bool']],
  aid: [['amount', '资助金额（元/年）', 'int']],
};

const facts = (...pairs) => el('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
const str = (v) => (v === null || v === undefined ? '' : String(v));

/** Why a deadline moved: the workflow records it in English for acts, in Chinese for calendar notices. */
function replanReason(reason) {
  let m;
  if (/^clock resumed after a pause$/.test(reason)) return '恢复计时后重新计算';
  if ((m = /^extension of (\d+) working days approved$/.exec(reason))) return `批准延期 ${m[1]} 个工作日`;
  if ((m = /^deadline class changed: (.*)$/s.exec(reason))) return `调整期限类别：${m[1]}`;
  if ((m = /^reassigned from (\S+) to (\S+)$/.exec(reason))) return `由${departmentName(m[1])}改派至${departmentName(m[2])}`;
  return reason;
}

function eventDetails(e) {
  const d = e.details || {};
  switch (e.action) {
    case 'assigned': return d.schedule ? `办理期限 ${fmtDeadline(d.schedule.deadlineAt)}（${d.workingDays} 个工作日）` : '';
    case 'completed': return `${OUTCOMES[d.outcome] || str(d.outcome)}：${str(d.findings)}${(d.evidence || []).length ? `；证据：${d.evidence.map((x) => `${x.name}（${x.ref}）`).join('、')}` : ''}`;
    case 'return': case 'pause': return str(d.reason);
    case 'resume': return d.note ? str(d.note) : '';
    case 'request_extension': return `${d.workingDays} 个工作日：${str(d.reason)}`;
    case 'decide_extension': return `${d.approve ? '批准' : '不批准'}延期 ${d.workingDays} 个工作日${d.comment ? `：${d.comment}` : ''}`;
    case 'urge': return `${str(d.urgeNumber)}（${URGE_LEVELS[d.level] || str(d.level)}）：${str(d.message)}`;
    case 'reply_urge': return `${str(d.urgeNumber)}：${str(d.reply)}`;
    case 'reassign': return `${departmentName(d.from)} → ${departmentName(d.to)}：${str(d.reason)}`;
    case 'comment': return str(d.text);
    case 'change_deadline': return `${d.from} → ${d.to} 个工作日：${str(d.reason)}`;
    case 'review': return `${d.decision === 'accept' ? '审核通过' : '退回重办'}${d.feedback ? `：${d.feedback}` : ''}`;
    case 'reminder_sent': return `办理期限 ${fmtDeadline(d.deadlineAt)}`;
    case 'overdue': case 'escalated': return `第 ${d.rung} 级：报${ESCALATION_NAMES[d.rung] || str(d.level)}`;
    case 'deadline_changed': return `${d.oldDeadlineAt ? fmtDeadline(d.oldDeadlineAt) : '—'} → ${fmtDeadline(d.newDeadlineAt)}${d.reason ? `（${replanReason(str(d.reason))}）` : ''}`;
    case 'cancelled': return str(d.reason);
    default: return '';
  }
}

async function start() {
  const user = await initPage({ roles: ['officer', 'supervisor', 'leader', 'admin'] });
  if (!user) return;
  const id = (param('id') || '').trim();
  if (!/^[\w:.-]{1,200}$/.test(id)) {
    pageMessage('未找到该事项', '链接中的事项编号不正确。');
    return;
  }
  await load(user, id);
}

async function load(user, id) {
  const content = $('#content');
  let s;
  try {
    s = await api.get(`/api/steps/${encodeURIComponent(id)}`);
  } catch (err) {
    content.removeAttribute('aria-busy');
    if (err.status === 403) pageMessage('无权查看', '该事项属于其他部门，您无权查看或办理。');
    else if (err.status === 404) pageMessage('未找到该事项', '没有找到这个事项，请从待办列表进入。');
    else {
      render(content);
      showApiError(err);
    }
    return;
  }
  content.removeAttribute('aria-busy');
  $('#page-title').textContent = s.title;
  document.title = `${s.title} · 随迁子女入学与部门协同督办`;
  const reload = async (minSeq) => {
    // The read model follows the workflow within moments: wait until it shows the act just done.
    for (let i = 0; i < 30 && minSeq; i++) {
      try {
        const fresh = await api.get(`/api/steps/${encodeURIComponent(id)}`);
        if (Math.max(0, ...fresh.timeline.map((t) => t.seq)) >= minSeq) break;
      } catch {
        break;
      }
      await new Promise((r) => window.setTimeout(r, 200));
    }
    await load(user, id);
  };

  const running = WORKING_STATES.includes(s.state);
  const summary = el(
    'section',
    { class: 'card', id: 'step-summary', 'aria-labelledby': 'summary-heading' },
    el('h2', { id: 'summary-heading' }, '办理情况'),
    el('p', {}, lightBadge(s.light), ' ', stepStateBadge(s.state), s.paused ? [' ', el('span', { class: 'badge tone-grey' }, '暂停计时')] : null),
    facts(
      ['承办部门', departmentName(s.departmentCode)],
      ['办理期限', s.deadlineAt ? [fmtDeadline(s.deadlineAt), s.deadlineProvisional ? el('span', { class: 'small muted' }, '（按预排日历，正式安排公布后可能调整）') : null] : '—'],
      running || s.paused ? ['剩余时间', workingDaysBadge(s.workingDaysLeft, { paused: Boolean(s.paused) })] : null,
      ['期限类别', s.deadlineClass === 'custom' ? `${s.workingDays} 个工作日` : CLASSES[s.deadlineClass] || s.deadlineClass],
      ['分派时间', fmtDateTime(s.assignedAt)],
      s.escalationLevel > 0 ? ['逾期督办', el('span', { class: 'badge tone-bad', id: 'escalation' }, `已升级至第 ${s.escalationLevel} 级：${ESCALATION_NAMES[s.escalationLevel] || ''}`)] : null,
      s.paused ? ['暂停', `自 ${fmtDateTime(s.paused.since)}：${s.paused.reason}（恢复后还有 ${s.paused.remainingWorkingDays} 个工作日）`] : null,
      s.pendingExtension ? ['延期申请', `${s.pendingExtension.requestedBy}申请延期 ${s.pendingExtension.workingDays} 个工作日：${s.pendingExtension.reason}（待督查室审批）`] : null,
    ),
  );

  const left = [summary];
  if (s.subjectType === 'application') left.push(await subjectSection(s));
  if (s.outcome) {
    left.push(
      el(
        'section',
        { class: 'card', id: 'outcome', 'aria-labelledby': 'outcome-heading' },
        el('h2', { id: 'outcome-heading' }, '办理结果'),
        facts(['结论', OUTCOMES[s.outcome] || s.outcome], ['办理意见', s.findings || ''], s.evidence.length ? ['证据', el('ul', {}, s.evidence.map((e) => el('li', {}, evidenceText(s, e))))] : null),
      ),
    );
  }
  const files = await evidenceFilesSection(s);
  if (files) left.push(files);
  left.push(urgesSection(user, s, reload));
  left.push(timelineSection(s));
  render(content, el('div', { class: 'grid-2' }, el('div', {}, left), el('div', {}, actionsSection(user, s, reload))));
}

async function subjectSection(s) {
  const no = s.subjectId;
  const section = el(
    'section',
    { class: 'card', id: 'subject', 'aria-labelledby': 'subject-heading' },
    el('h2', { id: 'subject-heading' }, '办理对象'),
    el('p', {}, '入学申请 ', el('a', { href: `/application?no=${encodeURIComponent(no)}`, id: 'application-link' }, no)),
  );
  try {
    const a = await api.get(`/api/applications/${encodeURIComponent(no)}`);
    const f = a.form;
    const g = f.guardians[0];
    section.append(
      facts(
        ['申请状态', applicationStateBadge(a.state, a.stateZh)],
        ['儿童', `${f.child.name}（${f.child.idNumber}）`],
        ['入学', `${a.year}年 · ${a.stageZh} · ${a.district}`],
        g ? ['监护人', `${g.name}（${g.idNumber}，${g.phone}）`] : null,
        ['居住证', `${f.residencePermit.number}，${f.residencePermit.issueDate} 签发`],
        ['住房', f.housing.type === 'owned' ? `自有住房（${f.housing.certificateNumber}）` : `租房（合同 ${f.housing.contractNumber}，${f.housing.registered ? '已登记备案' : '未登记备案'}）`],
      ),
      el('h3', {}, '材料'),
      (f.materials || []).length + (f.supplements || []).length
        ? el(
          'ul',
          { id: 'materials-list' },
          (f.materials || []).map((m) => el('li', {}, materialButton(m.fileId, `${MATERIAL_NAMES[m.kind] || m.kind}（${m.fileName}）`))),
          (f.supplements || []).flatMap((sup, i) => sup.materials.map((fid, j) => el('li', {}, materialButton(fid, `补正材料 ${i + 1}-${j + 1}`)))),
        )
        : el('p', { class: 'muted' }, '申请人未上传材料。'),
    );
  } catch {
    section.append(el('p', { class: 'muted' }, '申请详情暂不可查看。'));
  }
  return section;
}

function urgesSection(user, s, reload) {
  const own = user.role === 'officer' && user.departmentCode === s.departmentCode;
  return el(
    'section',
    { class: 'card', id: 'urges', 'aria-labelledby': 'urges-heading' },
    el('h2', { id: 'urges-heading' }, '催办通知'),
    s.urges.length === 0
      ? el('p', { class: 'muted' }, '暂无催办。')
      : s.urges.map((u) => {
        const box = el(
          'div',
          { class: `urge${u.reply !== null ? ' replied' : ''}`, dataset: { urgeNumber: u.number } },
          el('strong', {}, `${u.number}（${URGE_LEVELS[u.level] || u.level}）`),
          el('div', {}, u.message),
          el('div', { class: 'small muted' }, `${u.issuedBy} · ${fmtDateTime(u.issuedAt)}`),
          u.reply !== null ? el('div', {}, el('strong', {}, '回复：'), u.reply, el('span', { class: 'small muted' }, ` · ${fmtDateTime(u.repliedAt)}`)) : el('div', { class: 'small' }, el('span', { class: 'badge tone-bad' }, '待回复')),
        );
        if (own && u.reply === null) {
          box.append(
            actForm(s, reload, {
              key: `reply-${u.seq}`,
              path: 'urge-replies',
              submit: '回复催办',
              fields: [field({ name: 'reply', label: '回复内容', type: 'textarea', required: true, hint: '说明办理进展和预计办结时间' })],
              check: (f) => (valueOf(f, 'reply') ? [] : [{ field: 'reply', message: '请填写回复内容' }]),
              body: (f) => ({ urgeNumber: u.number, reply: valueOf(f, 'reply') }),
              done: `已回复催办通知 ${u.number}`,
            }),
          );
        }
        return box;
      }),
  );
}

/** Who did it: the person and their department (or role), without saying the same name twice. */
function actorText(e) {
  const unit = e.actorDepartment ? departmentName(e.actorDepartment) : e.actorName === '系统' ? '' : ROLE_NAMES[e.actorRole] || e.actorRole || '';
  return unit && unit !== e.actorName ? `${e.actorName}（${unit}）` : e.actorName;
}

function timelineSection(s) {
  return el(
    'section',
    { class: 'card', 'aria-labelledby': 'timeline-heading' },
    el('h2', { id: 'timeline-heading' }, '办理记录'),
    el(
      'ol',
      { class: 'timeline', id: 'timeline' },
      [...s.timeline].reverse().map((e) =>
        el(
          'li',
          { dataset: { action: e.action } },
          el('time', { datetime: e.at }, fmtDateTime(e.at)),
          el('strong', {}, ACTIONS[e.action] || e.action),
          ` · ${actorText(e)}`,
          eventDetails(e) ? el('div', { class: 'small' }, eventDetails(e)) : null,
        ),
      ),
    ),
  );
}

/** A form for one act: checks in the browser, sends once (idempotency key), then reloads the step. */
function actForm(s, reload, { key, path, submit, fields, check, body, done, danger }) {
  const summary = el('div', { class: 'alert error', role: 'alert', tabindex: '-1', hidden: true });
  const idem = newKey();
  const form = el('form', { novalidate: true, id: `act-${key}` }, summary, fields, el('div', { class: 'actions stack' }, el('button', { type: 'submit', class: danger ? 'danger' : null }, submit)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const problems = check ? check(form) : [];
    if (problems.length) {
      showFieldErrors(form, summary, problems);
      return;
    }
    clearErrors(form, summary);
    await busy(form, async () => {
      try {
        const r = await api.post(`/api/steps/${encodeURIComponent(s.stepId)}/${path}`, body(form), { idempotencyKey: idem });
        announce(done);
        await reload(r && r.seq);
      } catch (err) {
        showApiError(err, { form, summary });
      }
    });
  });
  return form;
}

const section = (title, form, open = false) => el('details', { class: 'action', open }, el('summary', {}, title), el('div', { class: 'body' }, form));
const required = (f, name, message) => (valueOf(f, name) ? [] : [{ field: name, message }]);

const evidenceUrl = (s, fileId) => `/api/steps/${encodeURIComponent(s.stepId)}/evidence-files/${encodeURIComponent(fileId)}`;

/** One piece of evidence: a reference as text, or an uploaded file (ref "file:<id>") that opens in the viewer. */
function evidenceText(s, e) {
  const m = /^file:([0-9a-f]{64})$/.exec(e.ref);
  return m ? materialButton(m[1], e.name, evidenceUrl(s, m[1])) : `${e.name}：${e.ref}`;
}

/** The evidence files attached to the step so far (by its department), each opening in the viewer. */
async function evidenceFilesSection(s) {
  let items;
  try {
    items = (await api.get(`/api/steps/${encodeURIComponent(s.stepId)}/evidence-files`)).items;
  } catch {
    return null;
  }
  if (items.length === 0) return null;
  return el(
    'section',
    { class: 'card', id: 'evidence-files', 'aria-labelledby': 'evidence-files-heading' },
    el('h2', { id: 'evidence-files-heading' }, '证据文件'),
    el('ul', {}, items.map((f) => el('li', { dataset: { fileId: f.fileId } }, materialButton(f.fileId, f.fileName, evidenceUrl(s, f.fileId)), el('span', { class: 'small muted' }, ` ${MATERIAL_TYPES[f.mediaType] || ''}，${Math.max(1, Math.round(f.size / 1024))} KB，${f.uploadedBy} 上传于 ${fmtDateTime(f.uploadedAt)}`)))),
  );
}

/**
 * Evidence files for the completion: each chosen file is uploaded at once to the step (with a progress bar) and
 * becomes a piece of evidence of the completion, referred to as file:<id>.
 */
function evidenceUploads(s) {
  const uploaded = [];
  let running = 0;
  const list = el('ul', { class: 'upload-list', id: 'evidence-upload-list', 'aria-live': 'polite' });
  const input = el('input', { type: 'file', id: 'evidence-file', name: 'evidenceFile', class: 'visually-hidden', multiple: true, accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png', 'aria-describedby': 'evidence-file-hint' });
  const node = el(
    'div',
    { class: 'field', dataset: { field: 'evidenceFiles' } },
    el('label', { for: 'evidence-file' }, '证据文件'),
    el('span', { class: 'hint', id: 'evidence-file-hint' }, 'PDF、JPG或PNG格式，每个不超过10MB；上传后随办结一并提交，只有本部门、督查室和领导小组可以查看。'),
    el('div', { class: 'upload' }, input, el('label', { for: 'evidence-file', class: 'button secondary file-button', 'aria-hidden': 'true' }, '选择证据文件'), list),
    el('p', { class: 'field-error' }),
  );
  input.addEventListener('change', () => {
    for (const file of [...input.files]) {
      const problem = checkMaterialFile(file);
      const progress = el('progress', { max: '100', value: '0', 'aria-label': `${file.name} 上传进度` });
      const status = el('span', { class: 'status' }, problem ? problem : '正在上传 0%');
      const item = el('li', { class: 'upload-item' }, el('span', { class: 'name' }, file.name), problem ? null : progress, status);
      list.append(item);
      if (problem) {
        status.className = 'status failed';
        continue;
      }
      running++;
      const url = `/api/steps/${encodeURIComponent(s.stepId)}/evidence-files?fileName=${encodeURIComponent(file.name.slice(0, 200))}`;
      uploadFile(url, file, materialType(file), (f) => {
        progress.value = Math.round(f * 100);
        status.textContent = `正在上传 ${Math.round(f * 100)}%`;
      })
        .then((stored) => {
          const entry = { name: stored.fileName, ref: stored.ref };
          uploaded.push(entry);
          progress.remove();
          status.textContent = `已上传（${MATERIAL_TYPES[stored.mediaType]}，${Math.max(1, Math.round(stored.size / 1024))} KB）`;
          status.className = 'status done';
          item.dataset.fileId = stored.fileId;
          item.append(el('button', { type: 'button', class: 'link', 'aria-label': `不提交 ${file.name}`, onclick: () => { uploaded.splice(uploaded.indexOf(entry), 1); item.remove(); } }, '不提交'));
        })
        .catch((err) => {
          progress.remove();
          status.textContent = `上传失败：${errorText(err)}`;
          status.className = 'status failed';
        })
        .finally(() => {
          running--;
        });
    }
    input.value = '';
  });
  return { node, files: () => uploaded.slice(), pending: () => running };
}

function completeForm(s, reload) {
  const uploads = evidenceUploads(s);
  const evidence = el('div', { id: 'evidence-rows' });
  const addEvidence = () => {
    const n = evidence.children.length;
    evidence.append(
      el(
        'div',
        { class: 'evidence-row', dataset: { row: String(n) } },
        field({ name: `evidence.${n}.name`, label: '证据名称', hint: '如：居住证信息查询结果' }),
        field({ name: `evidence.${n}.ref`, label: '编号或链接', hint: '文号、登记编号或系统记录号' }),
      ),
    );
  };
  addEvidence();
  const factFields = (FACTS[s.kind] || []).map(([name, label, type]) =>
    type === 'bool'
      ? field({ name: `facts.${name}`, label, options: [['', '不填'], ['true', '是'], ['false', '否']] })
      : field({ name: `facts.${name}`, label, type: 'number', attrs: { min: '0', inputmode: 'numeric' } }),
  );
  return actForm(s, reload, {
    key: 'complete',
    path: 'complete',
    submit: '办结',
    fields: [
      choices({ name: 'outcome', label: '办理结论', required: true, options: s.kind.startsWith('verification') || s.kind === 'pre_review' || s.kind === 'aid' ? [['confirmed', '核验属实 / 同意'], ['not_confirmed', '核验不属实 / 不同意']] : [['done', '已办结'], ['confirmed', '核验属实'], ['not_confirmed', '核验不属实']] }),
      field({ name: 'findings', label: '办理意见', type: 'textarea', required: true, hint: '写明核验了什么、依据和结论' }),
      factFields.length ? el('fieldset', {}, el('legend', {}, '核验数据（用于资格审核和积分）'), factFields) : null,
      el('fieldset', {}, el('legend', {}, '证据'), evidence, el('button', { type: 'button', class: 'secondary', onclick: addEvidence }, '添加一条证据'), uploads.node),
    ],
    check: (f) => {
      const problems = [...required(f, 'outcome', '请选择办理结论'), ...required(f, 'findings', '请填写办理意见')];
      if (uploads.pending() > 0) problems.push({ field: 'evidenceFiles', message: '证据文件正在上传，请等上传完成后再办结' });
      for (const row of evidence.children) {
        const n = row.dataset.row;
        const name = valueOf(f, `evidence.${n}.name`);
        const ref = valueOf(f, `evidence.${n}.ref`);
        if (name && !ref) problems.push({ field: `evidence.${n}.ref`, message: '请填写证据的编号或链接' });
        if (ref && !name) problems.push({ field: `evidence.${n}.name`, message: '请填写证据名称' });
      }
      for (const [name, , type] of FACTS[s.kind] || []) {
        const v = valueOf(f, `facts.${name}`);
        if (type === 'int' && v && !/^\d+$/.test(v)) problems.push({ field: `facts.${name}`, message: '应为不小于0的整数' });
      }
      return problems;
    },
    body: (f) => {
      const result = { outcome: valueOf(f, 'outcome'), findings: valueOf(f, 'findings'), evidence: [] };
      for (const row of evidence.children) {
        const n = row.dataset.row;
        if (valueOf(f, `evidence.${n}.name`)) result.evidence.push({ name: valueOf(f, `evidence.${n}.name`), ref: valueOf(f, `evidence.${n}.ref`) });
      }
      result.evidence.push(...uploads.files());
      const factValues = {};
      for (const [name, , type] of FACTS[s.kind] || []) {
        const v = valueOf(f, `facts.${name}`);
        if (v !== '') factValues[name] = type === 'bool' ? v === 'true' : Number(v);
      }
      if (Object.keys(factValues).length) result.facts = factValues;
      return result;
    },
    done: '已办结',
  });
}

function actionsSection(user, s, reload) {
  const running = WORKING_STATES.includes(s.state);
  const own = user.role === 'officer' && user.departmentCode === s.departmentCode;
  const supervisor = user.role === 'supervisor';
  const parts = [];
  if (own) {
    if (s.state === 'open') {
      parts.push(el('div', { class: 'card' }, actForm(s, reload, { key: 'sign', path: 'sign', submit: '签收', fields: [el('p', { class: 'small muted' }, '签收表示本部门已接收此事项并开始办理。')], body: () => ({}), done: '已签收' })));
    }
    if (running && !s.paused) parts.push(section('办结', completeForm(s, reload), true));
    if (running) {
      parts.push(section('退回', actForm(s, reload, {
        key: 'return', path: 'return', submit: '退回', danger: true,
        fields: [field({ name: 'reason', label: '退回理由', type: 'textarea', required: true, hint: '如：非本部门职责，应由××部门办理' })],
        check: (f) => required(f, 'reason', '请填写退回理由'),
        body: (f) => ({ reason: valueOf(f, 'reason') }),
        done: '已退回',
      })));
      if (!s.pendingExtension) {
        parts.push(section('申请延期', actForm(s, reload, {
          key: 'extension', path: 'extension-requests', submit: '提交延期申请',
          fields: [field({ name: 'workingDays', label: '延长工作日数', type: 'number', required: true, attrs: { min: '1', max: '250', inputmode: 'numeric' } }), field({ name: 'reason', label: '延期理由', type: 'textarea', required: true })],
          check: (f) => {
            const days = valueOf(f, 'workingDays');
            return [...(/^\d+$/.test(days) && Number(days) >= 1 && Number(days) <= 250 ? [] : [{ field: 'workingDays', message: '延长工作日数应为1至250的整数' }]), ...required(f, 'reason', '请填写延期理由')];
          },
          body: (f) => ({ workingDays: Number(valueOf(f, 'workingDays')), reason: valueOf(f, 'reason') }),
          done: '延期申请已提交，等待督查室审批',
        })));
      }
      if (!s.paused) {
        parts.push(section('暂停计时', actForm(s, reload, {
          key: 'pause', path: 'pause', submit: '暂停计时',
          fields: [el('p', { class: 'small muted' }, '等待部门以外的人（如申请人、其他单位）时暂停计时，恢复后按剩余工作日重新计算期限。'), field({ name: 'reason', label: '暂停理由', type: 'textarea', required: true })],
          check: (f) => required(f, 'reason', '请填写暂停理由'),
          body: (f) => ({ reason: valueOf(f, 'reason') }),
          done: '已暂停计时',
        })));
      }
    }
    if (s.paused) {
      parts.push(section('恢复计时', actForm(s, reload, {
        key: 'resume', path: 'resume', submit: '恢复计时',
        fields: [field({ name: 'note', label: '说明（选填）', type: 'textarea' })],
        body: (f) => (valueOf(f, 'note') ? { note: valueOf(f, 'note') } : {}),
        done: '已恢复计时',
      }), true));
    }
  }
  if (supervisor) {
    const urgeable = running && (s.light === 'red' || s.light === 'yellow' || s.state === 'sent_back');
    if (urgeable) {
      parts.push(section('催办', actForm(s, reload, {
        key: 'urge', path: 'urges', submit: '发出催办通知',
        fields: [
          field({ name: 'level', label: '催办等级', options: Object.entries(URGE_LEVELS), value: s.escalationLevel >= 2 ? 'serious' : 'normal' }),
          field({ name: 'message', label: '催办内容', type: 'textarea', required: true, value: `请${departmentName(s.departmentCode)}抓紧办理“${s.title}”，并于收到后回复办理进展。` }),
        ],
        check: (f) => required(f, 'message', '请填写催办内容'),
        body: (f) => ({ level: valueOf(f, 'level'), message: valueOf(f, 'message') }),
        done: '催办通知已发出',
      }), !s.urges.some((u) => u.reply === null)));
    }
    if (s.state === 'awaiting_review') {
      parts.push(section('审核', actForm(s, reload, {
        key: 'review', path: 'review', submit: '提交审核意见',
        fields: [choices({ name: 'decision', label: '审核结论', required: true, options: [['accept', '审核通过'], ['send_back', '退回重办']] }), field({ name: 'feedback', label: '审核意见', type: 'textarea', hint: '退回重办时必填' })],
        check: (f) => [...required(f, 'decision', '请选择审核结论'), ...(valueOf(f, 'decision') === 'send_back' && !valueOf(f, 'feedback') ? [{ field: 'feedback', message: '退回重办请填写审核意见' }] : [])],
        body: (f) => ({ decision: valueOf(f, 'decision'), feedback: valueOf(f, 'feedback') }),
        done: '审核意见已提交',
      }), true));
    }
    if (s.pendingExtension && running) {
      parts.push(section('延期审批', actForm(s, reload, {
        key: 'decide', path: 'extension-decision', submit: '提交审批',
        fields: [
          el('p', {}, `${s.pendingExtension.requestedBy}申请延期 ${s.pendingExtension.workingDays} 个工作日：${s.pendingExtension.reason}`),
          choices({ name: 'approve', label: '审批结论', required: true, options: [['true', '批准'], ['false', '不批准']] }),
          field({ name: 'comment', label: '审批意见（选填）', type: 'textarea' }),
        ],
        check: (f) => required(f, 'approve', '请选择审批结论'),
        body: (f) => ({ approve: valueOf(f, 'approve') === 'true', ...(valueOf(f, 'comment') ? { comment: valueOf(f, 'comment') } : {}) }),
        done: '延期申请已审批',
      }), true));
    }
    if (running || s.state === 'awaiting_review') {
      const days = field({ name: 'workingDays', label: '工作日数', type: 'number', required: true, attrs: { min: '1', max: '250', inputmode: 'numeric' } });
      const classField = field({ name: 'class', label: '期限类别', options: Object.entries(CLASSES), value: s.deadlineClass });
      const sync = () => toggle(days, classField.querySelector('select').value === 'custom');
      classField.querySelector('select').addEventListener('change', sync);
      sync();
      parts.push(section('调整期限类别', actForm(s, reload, {
        key: 'deadline', path: 'deadline', submit: '调整期限',
        fields: [classField, days, field({ name: 'reason', label: '调整理由', type: 'textarea', required: true })],
        check: (f) => {
          const problems = required(f, 'reason', '请填写调整理由');
          const d = valueOf(f, 'workingDays');
          if (valueOf(f, 'class') === 'custom' && !(/^\d+$/.test(d) && Number(d) >= 1 && Number(d) <= 250)) problems.push({ field: 'workingDays', message: '工作日数应为1至250的整数' });
          return problems;
        },
        body: (f) => ({ deadline: valueOf(f, 'class') === 'custom' ? { workingDays: Number(valueOf(f, 'workingDays')) } : { class: valueOf(f, 'class') }, reason: valueOf(f, 'reason') }),
        done: '期限已调整',
      })));
    }
    if (running) {
      parts.push(section('改派', actForm(s, reload, {
        key: 'reassign', path: 'reassign', submit: '改派',
        fields: [
          field({ name: 'departmentCode', label: '改派给', required: true, options: [['', '请选择部门'], ...Object.entries(DEPARTMENT_NAMES).filter(([c]) => c !== s.departmentCode)] }),
          field({ name: 'reason', label: '改派理由', type: 'textarea', required: true }),
        ],
        check: (f) => [...required(f, 'departmentCode', '请选择改派的部门'), ...required(f, 'reason', '请填写改派理由')],
        body: (f) => ({ departmentCode: valueOf(f, 'departmentCode'), reason: valueOf(f, 'reason') }),
        done: '已改派',
      })));
    }
  }
  if (own || ['supervisor', 'leader', 'admin'].includes(user.role)) {
    parts.push(section('评论', actForm(s, reload, {
      key: 'comment', path: 'comments', submit: '发表评论',
      fields: [field({ name: 'text', label: '评论内容', type: 'textarea', required: true })],
      check: (f) => required(f, 'text', '请填写评论内容'),
      body: (f) => ({ text: valueOf(f, 'text') }),
      done: '评论已发表',
    })));
  }
  return el(
    'section',
    { 'aria-labelledby': 'actions-heading', id: 'actions' },
    el('h2', { id: 'actions-heading' }, '办理'),
    parts.length ? parts : el('p', { class: 'card muted' }, running ? '您可以查看此事项，但不能办理。' : '此事项已结束办理。'),
  );
}

start();
