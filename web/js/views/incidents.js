// incidents.js - 障害状況管理 (issue 13): the tenant's incidents with a status filter and CSV
// export, a form to open one (from scratch or from an alarm of the console), and one incident
// with its history, a note / status change and links to alarms of the same tenant.
// Routes: #/incidents, #/incidents?new=1[&alarm=ID], #/incidents?id=ID.
import { api, get, post, qs } from '../api.js';
import { h } from '../dom.js';
import { fmtTime, t } from '../i18n.js';

export const NAME = 'incidents';
const STATUSES = ['open', 'investigating', 'resolved', 'closed'];
// the transitions the server allows (lib/pf/ops/incident.c)
const NEXT = { open: ['investigating', 'resolved'], investigating: ['resolved'],
  resolved: ['investigating', 'closed'], closed: [] };

const sevBadge = (n) => h('span', { class: `sev sev-${n}` }, t(`sev.${n}`));
const stBadge = (s) => h('span', { class: `inc-st inc-st-${s}` }, t(`incidents.st.${s}`));
const errText = (e) => (e.field ? `${e.field}: ${e.message}` : e.message);

export function csvLinks(path, params) {
  return h('span', { class: 'csv-links' },
    h('a', { class: 'button ghost', id: 'csv-utf8', download: '',
      href: `${path}${qs({ ...params, format: 'csv' })}` }, t('incidents.csv_utf8')),
    h('a', { class: 'button ghost', id: 'csv-sjis', download: '',
      href: `${path}${qs({ ...params, format: 'csv', encoding: 'sjis' })}` }, t('incidents.csv_sjis')));
}

// The tenant's alarms for choosing links ([] for a role that reads no plant alarms).
async function tenantAlarms() {
  try {
    return (await get('/api/v1/alarms?state=all&limit=200')).items || [];
  } catch {
    return [];
  }
}

function alarmLabel(a) {
  return `#${a.id} ${a.facility_name || a.facility || ''} ${a.name || a.data_id || ''} ` +
    `(${t(`sev.${a.severity}`)}, ${fmtTime(a.raised_at)})`;
}

// checkboxes for alarms, those in checked ticked
function alarmPicker(alarms, checked, id) {
  if (!alarms.length) return h('p', { class: 'muted', id }, t('incidents.no_alarms'));
  return h('div', { class: 'alarm-pick', id }, alarms.map((a) =>
    h('label', { class: 'check' }, h('input', { type: 'checkbox', value: String(a.id),
      checked: checked.has(a.id) ? true : undefined }), ' ', alarmLabel(a))));
}
const picked = (el) => [...el.querySelectorAll('input:checked')].map((i) => Number(i.value));

export async function render(root, ctx) {
  if (ctx.params.get('new')) return renderNew(root, ctx);
  if (ctx.params.get('id')) return renderOne(root, ctx, Number(ctx.params.get('id')));
  return renderList(root, ctx);
}

async function renderList(root, ctx) {
  const status = ctx.params.get('status') || '';
  const opt = (v, label) => h('option', { value: v, selected: v === status ? true : undefined }, label);
  const sel = h('select', { id: 'inc-status' }, opt('', t('common.all')),
    STATUSES.map((s) => opt(s, t(`incidents.st.${s}`))));
  sel.addEventListener('change', () => ctx.go(`#/incidents${qs({ status: sel.value })}`));
  const tbody = h('tbody');
  const err = h('p', { class: 'error', role: 'alert' });
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('incidents.title')),
    h('a', { class: 'button', id: 'inc-new', href: '#/incidents?new=1' }, t('incidents.new')),
    csvLinks('/api/v1/incidents', { status })),
  h('div', { class: 'filters' }, h('label', null, t('incidents.status'), sel)), err,
  h('table', { class: 'grid incidents', id: 'inc-table' },
    h('thead', null, h('tr', null, ['id', 'sev', 'title', 'facility', 'status', 'opened', 'updated']
      .map((c) => h('th', { class: `c-${c}` }, t(`incidents.col.${c}`))))), tbody));
  try {
    const r = await get(`/api/v1/incidents${qs({ status })}`);
    for (const i of r.items || [])
      tbody.append(h('tr', { dataset: { id: i.id, status: i.status } },
        h('td', { class: 'num' }, String(i.id)),
        h('td', null, sevBadge(i.severity || 3)),
        h('td', null, h('a', { href: `#/incidents?id=${i.id}`, class: 'inc-link' }, i.title)),
        h('td', null, i.facility || '—'),
        h('td', null, stBadge(i.status)),
        h('td', null, fmtTime(i.created_at)),
        h('td', null, fmtTime(i.updated_at))));
    if (!tbody.firstChild)
      tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: 7 }, t('incidents.none'))));
  } catch (e) {
    err.textContent = t('common.error', { msg: errText(e) });
  }
}

async function renderNew(root, ctx) {
  const from = Number(ctx.params.get('alarm') || 0);
  const [alarms, facilities] = await Promise.all([tenantAlarms(),
    get('/apif/v1/master/facilities').then((r) => r.items || []).catch(() => [])]);
  const src = alarms.find((a) => a.id === from);
  const title = h('input', { id: 'inc-title', maxlength: 200, required: true,
    value: src ? `${src.facility_name || src.facility || ''} ${src.name || src.message || ''}`.trim() : '' });
  const sev = h('select', { id: 'inc-severity' }, [1, 2, 3, 4].map((n) =>
    h('option', { value: String(n), selected: n === (src ? src.severity : 3) ? true : undefined },
      t(`sev.${n}`))));
  const fac = h('select', { id: 'inc-facility' }, h('option', { value: '' }, '—'),
    facilities.map((f) => h('option', { value: f.code,
      selected: src && src.facility === f.code ? true : undefined }, `${f.name} (${f.code})`)));
  const desc = h('textarea', { id: 'inc-description', rows: 4, maxlength: 4000,
    value: src && src.message ? src.message : '' });
  const pick = alarmPicker(alarms, new Set(src ? [src.id] : []), 'inc-alarms');
  const msg = h('p', { class: 'error', id: 'inc-error', role: 'alert' });
  const form = h('form', { class: 'card', id: 'inc-form' },
    h('label', null, t('incidents.f.title'), title),
    h('label', null, t('incidents.f.severity'), sev),
    h('label', null, t('incidents.f.facility'), fac),
    h('label', null, t('incidents.f.description'), desc),
    h('fieldset', null, h('legend', null, t('incidents.f.alarms')), pick), msg,
    h('p', { class: 'actions' }, h('button', { type: 'submit', id: 'inc-submit' }, t('incidents.open')),
      h('a', { class: 'button ghost', href: '#/incidents' }, t('common.cancel'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    const body = { title: title.value.trim(), severity: Number(sev.value),
      description: desc.value, alarm_ids: picked(pick) };
    if (fac.value) body.facility = fac.value;
    if (!body.title) { msg.textContent = t('incidents.title_required'); return; }
    try {
      const r = await post('/api/v1/incidents', body);
      ctx.go(`#/incidents?id=${r.id}`);
    } catch (e) {
      msg.textContent = t('common.error', { msg: errText(e) });
    }
  });
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('incidents.new'))), form);
  title.focus();
}

async function renderOne(root, ctx, id) {
  let inc;
  try {
    inc = await get(`/api/v1/incidents/${id}`);
  } catch (e) {
    root.append(h('h1', null, t('incidents.title')), h('p', { class: 'error', id: 'inc-error',
      role: 'alert' }, e.status === 404 ? t('incidents.not_found') : t('common.error', { msg: errText(e) })),
    h('a', { href: '#/incidents' }, t('incidents.back')));
    return;
  }
  const alarms = await tenantAlarms();
  const byId = new Map(alarms.map((a) => [a.id, a]));
  const linked = new Set(inc.alarm_ids || []);
  root.append(h('div', { class: 'page-head' },
    h('h1', { id: 'inc-h' }, `#${inc.id} `, inc.title), stBadge(inc.status)),
  h('p', null, h('a', { href: '#/incidents' }, t('incidents.back'))),
  h('dl', { class: 'card facts', id: 'inc-facts' },
    h('dt', null, t('incidents.f.severity')), h('dd', null, sevBadge(inc.severity || 3)),
    h('dt', null, t('incidents.f.facility')), h('dd', null, inc.facility || '—'),
    h('dt', null, t('incidents.f.description')), h('dd', { class: 'pre' }, inc.description || '—'),
    h('dt', null, t('incidents.col.opened')), h('dd', null, fmtTime(inc.created_at)),
    h('dt', null, t('incidents.f.alarms')), h('dd', { id: 'inc-linked' }, linked.size
      ? h('ul', null, [...linked].map((a) => h('li', null, byId.has(a) ? alarmLabel(byId.get(a)) : `#${a}`)))
      : '—')),
  h('h2', null, t('incidents.history')),
  h('ol', { class: 'history', id: 'inc-history' }, (inc.history || []).map((x) =>
    h('li', null, h('time', null, fmtTime(x.at)), ' ',
      h('b', null, x.from ? `${t(`incidents.st.${x.from}`)} → ${t(`incidents.st.${x.to}`)}`
        : t(`incidents.st.${x.to}`)),
      ' ', t('incidents.by', { u: x.by }), x.note ? h('q', null, x.note) : null))));
  if (inc.status === 'closed') {
    root.append(h('p', { class: 'muted', id: 'inc-closed' }, t('incidents.closed_final')));
    return;
  }
  const patch = async (body, msg) => {
    msg.textContent = '';
    try {
      await api('PATCH', `/api/v1/incidents/${id}`, body);
      ctx.render();
    } catch (e) {
      msg.textContent = e.status === 403 ? t('incidents.forbidden') : t('common.error', { msg: errText(e) });
    }
  };
  const to = h('select', { id: 'upd-status' }, h('option', { value: '' }, t('incidents.no_change')),
    NEXT[inc.status].map((s) => h('option', { value: s }, t(`incidents.st.${s}`))));
  const note = h('textarea', { id: 'upd-note', rows: 3, maxlength: 2000 });
  const msg = h('p', { class: 'error', id: 'upd-error', role: 'alert' });
  const upd = h('form', { class: 'card', id: 'upd-form' }, h('h2', null, t('incidents.update')),
    h('label', null, t('incidents.f.status'), to), h('label', null, t('incidents.f.note'), note), msg,
    h('p', { class: 'actions' }, h('button', { type: 'submit', id: 'upd-submit' }, t('incidents.save'))));
  upd.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = {};
    if (to.value) body.status = to.value;
    if (note.value.trim()) body.note = note.value.trim();
    if (!body.status && !body.note) { msg.textContent = t('incidents.nothing'); return; }
    patch(body, msg);
  });
  root.append(upd);
  const free = alarms.filter((a) => !linked.has(a.id));
  if (free.length) {
    const pick = alarmPicker(free, new Set(), 'link-alarms');
    const lmsg = h('p', { class: 'error', id: 'link-error', role: 'alert' });
    const lf = h('form', { class: 'card', id: 'link-form' }, h('h2', null, t('incidents.link')), pick,
      lmsg, h('p', { class: 'actions' }, h('button', { type: 'submit', id: 'link-submit' }, t('incidents.link_do'))));
    lf.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const add = picked(pick);
      if (!add.length) { lmsg.textContent = t('incidents.pick'); return; }
      patch({ alarm_ids: [...linked, ...add], note: t('incidents.linked_note', { ids: add.join(', ') }) }, lmsg);
    });
    root.append(lf);
  }
}
