// Form building blocks: a labelled field with its error line, radio / checkbox groups, an upload box with progress,
// and reading a form into a nested object by the fields' names (child.idNumber → { child: { idNumber } }).
import { el, $$, checkMaterialFile, errorText, uploadMaterial, MATERIAL_TYPES } from './common.js';

// Ids must be unique on the page (a label points at one control): several forms may have a field of the same name.
const usedIds = new Set();
function idOf(name) {
  const base = `f-${name.replace(/[^\w-]/g, '-')}`;
  let id = base;
  for (let n = 2; usedIds.has(id) || document.getElementById(id); n++) id = `${base}-${n}`;
  usedIds.add(id);
  return id;
}

function labelText(label, required) {
  return [label, required ? el('span', { class: 'required-mark', 'aria-hidden': 'true' }, '*') : null];
}

/**
 * A labelled input, select or textarea inside a box [data-field=name] that also holds its error line.
 * options: [[value, text], …] makes a select; type 'textarea' a textarea.
 */
export function field({ name, label, type = 'text', required = false, hint, options, value, attrs = {} }) {
  const id = idOf(name);
  const hintId = hint ? `${id}-hint` : null;
  const common = { id, name, 'aria-required': required ? 'true' : null, 'aria-describedby': hintId, ...attrs };
  let input;
  if (options) {
    input = el('select', common, options.map(([v, t]) => el('option', { value: v, selected: String(value ?? '') === String(v) }, t)));
  } else if (type === 'textarea') {
    input = el('textarea', common);
    if (value !== undefined) input.value = value;
  } else {
    input = el('input', { type, value, ...common });
  }
  return el(
    'div',
    { class: 'field', dataset: { field: name } },
    el('label', { for: id }, labelText(label, required)),
    hint ? el('span', { class: 'hint', id: hintId }, hint) : null,
    input,
    el('p', { class: 'field-error', id: `${id}-error` }),
  );
}

/** Radio buttons (type 'radio') or checkboxes (type 'checkbox') with a legend, as one field box. */
export function choices({ name, label, type = 'radio', options, required = false, value, hint, list = false }) {
  const id = idOf(name);
  const selected = Array.isArray(value) ? value.map(String) : [String(value ?? '')];
  return el(
    'fieldset',
    { class: 'field choice-field', dataset: { field: name }, id: `${id}-group`, 'aria-required': required && type === 'radio' ? 'true' : null },
    el('legend', { class: 'label' }, labelText(label, required)),
    hint ? el('span', { class: 'hint' }, hint) : null,
    el(
      'div',
      { class: list ? 'choice-list' : 'choice-group' },
      options.map(([v, t], i) =>
        el('label', { class: 'choice' }, el('input', { type, name, value: v, id: i === 0 ? id : `${id}-${i}`, checked: selected.includes(String(v)) }), t),
      ),
    ),
    el('p', { class: 'field-error', id: `${id}-error` }),
  );
}

/** The value of a named control in a form: a radio's checked value, a checkbox group's values, or the text. */
export function valueOf(form, name) {
  const controls = $$(`[name="${window.CSS.escape(name)}"]`, form);
  if (controls.length === 0) return undefined;
  const first = controls[0];
  if (first.type === 'radio') {
    const c = controls.find((x) => x.checked);
    return c ? c.value : '';
  }
  if (first.type === 'checkbox') return controls.filter((x) => x.checked).map((x) => x.value);
  return first.value.trim();
}

/** Show or hide a part of a form; hidden parts are also disabled, so they are neither read nor checked. */
export function toggle(node, shown) {
  node.hidden = !shown;
  for (const c of $$('input, select, textarea', node)) c.disabled = !shown;
}

/**
 * An upload box: choose files (PDF, JPG, PNG up to 10 MB); each is uploaded at once with a progress bar.
 * Returns { node, files(): [{ fileId, fileName, mediaType, size }], pending(): number of uploads still running }.
 */
export function uploadBox({ name, label, required = false, hint, multiple = true }) {
  const id = idOf(name);
  const uploaded = [];
  let running = 0;
  const list = el('ul', { class: 'upload-list', 'aria-live': 'polite' });
  const input = el('input', {
    type: 'file',
    id,
    class: 'visually-hidden',
    accept: '.pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png',
    multiple,
    'aria-describedby': `${id}-hint`,
  });
  // The browser's own "choose file" button speaks the browser's language; this one always says it in Chinese.
  const chooser = el('label', { for: id, class: 'button secondary file-button', 'aria-hidden': 'true' }, multiple ? '选择文件或拍照（可多选）' : '选择文件或拍照');
  const errorLine = el('p', { class: 'field-error', id: `${id}-error` });
  const node = el(
    'div',
    { class: 'field', dataset: { field: name } },
    el('label', { for: id }, labelText(label, required)),
    el('span', { class: 'hint', id: `${id}-hint` }, hint || `PDF、JPG或PNG格式，每个文件不超过10MB。可拍照上传。`),
    el('div', { class: 'upload' }, input, chooser, list),
    errorLine,
  );

  input.addEventListener('change', () => {
    for (const file of [...input.files]) {
      const problem = checkMaterialFile(file);
      const progress = el('progress', { max: '100', value: '0', 'aria-label': `${file.name} 上传进度` });
      const status = el('span', { class: 'status' }, problem ? '' : '正在上传 0%');
      const item = el('li', { class: 'upload-item' }, el('span', { class: 'name' }, file.name), problem ? null : progress, status);
      list.append(item);
      if (problem) {
        status.textContent = problem;
        status.className = 'status failed';
        continue;
      }
      running++;
      uploadMaterial(file, (f) => {
        const pct = Math.round(f * 100);
        progress.value = pct;
        status.textContent = `正在上传 ${pct}%`;
      })
        .then((stored) => {
          const entry = { fileId: stored.fileId, fileName: file.name.slice(0, 200), mediaType: stored.mediaType, size: stored.size };
          uploaded.push(entry);
          progress.remove();
          status.textContent = `已上传（${MATERIAL_TYPES[stored.mediaType]}，${Math.max(1, Math.round(stored.size / 1024))} KB）`;
          status.className = 'status done';
          item.append(
            el('button', {
              type: 'button',
              class: 'link',
              'aria-label': `删除 ${file.name}`,
              onclick: () => {
                uploaded.splice(uploaded.indexOf(entry), 1);
                item.remove();
              },
            }, '删除'),
          );
          item.dataset.fileId = stored.fileId;
        })
        .catch((err) => {
          progress.remove();
          status.textContent = `上传失败：${errorText(err)}`;
          status.className = 'status failed';
        })
        .finally(() => {
          running--;
          node.dispatchEvent(new window.CustomEvent('uploads-changed'));
        });
    }
    // The same file may be chosen again after a failure.
    input.value = '';
  });
  return { node, input, files: () => uploaded.slice(), pending: () => running };
}
