// export.js - CSV入出力: stored values of chosen points over a JST period as one sheet (a download
// of GET /api/v1/values.csv), and the same sheet uploaded back (POST /api/v1/values.csv), its
// findings listed by row and column when the file is refused (nothing is stored then).
import { ApiError, get, qs } from '../api.js';
import { clear, h } from '../dom.js';
import { t } from '../i18n.js';

export const NAME = 'export';
const AGGS = ['raw', 'hour', 'day', 'month', 'year'];

// "2026-11-20" (a JST date) -> its JST midnight as ISO 8601
const jstStart = (d) => `${d}T00:00:00+09:00`;
function jstToday(days = 0) {
  const ms = Date.now() + 9 * 3600000 + days * 86400000;
  return new Date(ms).toISOString().slice(0, 10);
}
function nextDay(d) {
  return new Date(Date.parse(`${d}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
}

// The import: the file's bytes as they are (UTF-8 or Shift_JIS), the answer or the findings.
async function upload(file) {
  const res = await fetch('/api/v1/values.csv', { method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'text/csv', Accept: 'application/json' },
    body: await file.arrayBuffer() });
  let data = null;
  try { data = await res.json(); } catch { data = null; }
  if (res.ok) return { data };
  const e = (data && data.error) || {};
  if (res.status === 400 && data && Array.isArray(data.errors)) return { findings: data };
  throw new ApiError(res.status, e.code, e.message, e.field);
}

export async function render(root, ctx) {
  const role = ctx.app.me && ctx.app.me.user ? ctx.app.me.user.role : '';
  const err = h('p', { class: 'error', role: 'alert' });
  const list = h('div', { id: 'ex-points', class: 'checklist' });
  const from = h('input', { id: 'ex-from', type: 'date', value: jstToday(-1) });
  const to = h('input', { id: 'ex-to', type: 'date', value: jstToday(0) });
  const agg = h('select', { id: 'ex-agg' },
    AGGS.map((a) => h('option', { value: a }, t(`export.agg.${a}`))));
  const enc = h('select', { id: 'ex-enc' },
    h('option', { value: 'utf-8' }, t('export.utf8')), h('option', { value: 'sjis' }, t('export.sjis')));
  const link = h('a', { class: 'button', id: 'ex-download', download: '', href: '#' }, t('export.download'));
  const hint = h('p', { class: 'stamp', id: 'ex-hint' });
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('export.title'))),
    h('p', null, t('export.jst')), err,
    h('h2', null, t('export.out')), list,
    h('div', { class: 'filters' },
      h('label', null, t('export.from'), from), h('label', null, t('export.to'), to),
      h('label', null, t('export.agg'), agg), h('label', null, t('export.encoding'), enc)),
    h('p', null, link), hint);

  let points = [];
  try {
    points = ((await get('/apif/v1/master/points')).items || []).filter((x) => x.signal !== 'output');
  } catch (e) {
    err.textContent = t('common.error', { msg: e.message });
    return undefined;
  }
  for (const p of points)
    list.append(h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: p.data_id, class: 'ex-point' }), ` ${p.name} (${p.data_id})`));

  // the link is the request: the browser downloads it with the session cookie
  function update() {
    const ids = [...list.querySelectorAll('input.ex-point:checked')].map((x) => x.value);
    const ok = ids.length > 0 && from.value && to.value && from.value <= to.value;
    link.href = ok ? `/api/v1/values.csv${qs({ data_ids: ids.join(','), from: jstStart(from.value),
      to: jstStart(nextDay(to.value)), agg: agg.value, encoding: enc.value })}` : '#';
    link.classList.toggle('disabled', !ok);
    hint.textContent = ok ? t('export.n', { n: ids.length }) : t('export.choose');
  }
  link.addEventListener('click', (ev) => { if (link.getAttribute('href') === '#') ev.preventDefault(); });
  for (const el of [list, from, to, agg, enc]) el.addEventListener('change', update);
  update();

  // the import: data.write (operator staff) only; others see no form (the API says 403 anyway)
  if (role !== 'operator_general' && role !== 'operator_admin') return undefined;
  const file = h('input', { id: 'ex-file', type: 'file', accept: '.csv,text/csv' });
  const send = h('button', { id: 'ex-import', type: 'button' }, t('export.import'));
  const out = h('div', { id: 'ex-result' });
  root.append(h('h2', null, t('export.in')), h('p', null, t('export.in_help')),
    h('div', { class: 'filters' }, file, send), out);
  send.addEventListener('click', async () => {
    clear(out);
    if (!file.files || !file.files[0]) { out.append(h('p', { class: 'error' }, t('export.nofile'))); return; }
    send.disabled = true;
    try {
      const r = await upload(file.files[0]);
      if (r.data) {
        out.append(h('p', { class: 'ok', id: 'ex-stored' },
          t('export.stored', { n: r.data.stored, p: r.data.points })));
      } else {
        const f = r.findings;
        out.append(h('p', { class: 'error', id: 'ex-refused' },
          t('export.refused', { n: f.errors.length + (f.dropped || 0) })),
        h('table', { class: 'grid', id: 'ex-findings' },
          h('thead', null, h('tr', null, h('th', null, t('export.row')), h('th', null, t('export.col')),
            h('th', null, t('export.reason')))),
          h('tbody', null, f.errors.map((x) => h('tr', null, h('td', null, String(x.row)),
            h('td', null, String(x.column)), h('td', null, x.reason))))));
      }
    } catch (e) {
      out.append(h('p', { class: 'error' }, t('common.error', { msg: e.message })));
    } finally {
      send.disabled = false;
    }
  });
  return undefined;
}
