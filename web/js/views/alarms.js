// alarms.js - the alarm console: a live list (changes polled every 2 s by sequence number),
// acknowledge, shelve, comment, history, filters, and alarm floods collapsed into one row.
import { get, post, qs } from '../api.js';
import { clear, h } from '../dom.js';
import { fmtTime, t } from '../i18n.js';
import { csvLinks } from './incidents.js';

export const NAME = 'alarms';
const POLL_MS = 2000;
const FULL_EVERY = 15; // polls: the whole list every 30 s
const UNACKED = ['unacked', 'rtn_unacked'];

// The filter is applied here to every alarm the server reports, so an alarm that changes into
// or out of it (cleared, shelved) moves at once without reloading the list.
function matches(a, f) {
  if (f.state === 'active' && a.state === 'cleared') return false;
  if (f.state === 'unacked' && !UNACKED.includes(a.state)) return false;
  if (f.state === 'shelved' && a.state !== 'shelved') return false;
  if (f.facility && a.facility !== f.facility) return false;
  if (f.severity && !(a.severity <= Number(f.severity))) return false;
  return true;
}

// unacknowledged first, then the most severe, then the newest
function order(a, b) {
  const ua = UNACKED.includes(a.state) ? 0 : 1, ub = UNACKED.includes(b.state) ? 0 : 1;
  return ua - ub || a.severity - b.severity || String(b.raised_at).localeCompare(String(a.raised_at));
}

const sevBadge = (n) => h('span', { class: `sev sev-${n}` }, t(`sev.${n}`));

export async function render(root, ctx) {
  const f = { state: ctx.params.get('state') || 'active', facility: ctx.params.get('facility') || '',
    severity: ctx.params.get('severity') || '' };
  const alarms = new Map();
  let seq = null, groups = [], timer = null, alive = true;
  let busy = false, again = false, gen = 0, polls = 0;
  const expanded = new Set();

  const opt = (v, label, cur) => h('option', { value: v, selected: v === cur ? true : undefined }, label);
  const selState = h('select', { id: 'f-state' },
    ['active', 'unacked', 'shelved', 'all'].map((s) => opt(s, t(`alarm.f.${s}`), f.state)));
  const selFac = h('select', { id: 'f-facility' }, opt('', t('common.all'), f.facility));
  if (f.facility) selFac.append(opt(f.facility, f.facility, f.facility));
  const selSev = h('select', { id: 'f-severity' }, opt('', t('common.all'), f.severity),
    [1, 2, 3].map((n) => opt(String(n), t('alarm.sev_le', { s: t(`sev.${n}`) }), f.severity)));
  const count = h('span', { class: 'stamp', id: 'alarm-count' });
  const err = h('p', { class: 'error', role: 'alert' });
  const panel = h('section', { class: 'card panel', id: 'alarm-panel', hidden: true });
  const tbody = h('tbody');
  const table = h('table', { class: 'grid alarms', id: 'alarm-table' },
    h('thead', null, h('tr', null, ['sev', 'time', 'facility', 'name', 'state', 'actions']
      .map((c) => h('th', { class: `c-${c}` }, t(`alarm.col.${c}`))))), tbody);
  const csv = h('span');
  const exportLinks = () => clear(csv).append(csvLinks('/api/v1/alarms', { state: f.state, facility: f.facility, severity: f.severity }));
  exportLinks();
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('alarm.title')), count, csv),
    h('div', { class: 'filters' },
      h('label', null, t('alarm.filter.state'), selState),
      h('label', null, t('alarm.filter.facility'), selFac),
      h('label', null, t('alarm.filter.severity'), selSev)),
    err, panel, table);

  get('/apif/v1/master/facilities').then((r) => {
    for (const fc of r.items || [])
      if (fc.code !== f.facility) selFac.append(opt(fc.code, `${fc.name} (${fc.code})`, f.facility));
      else selFac.lastChild.textContent = `${fc.name} (${fc.code})`;
  }).catch(() => { /* the filter still works on codes seen in alarms */ });

  function refilter() {
    f.state = selState.value; f.facility = selFac.value; f.severity = selSev.value;
    seq = null; // reload: the server's list for the new state filter, then changes again
    gen += 1;   // and whatever a poll still out brings back is for the old filter
    alarms.clear();
    draw();
    poll();
  }
  selState.addEventListener('change', refilter);
  selFac.addEventListener('change', refilter);
  selSev.addEventListener('change', () => { f.severity = selSev.value; draw(); });

  async function act(path, body) {
    err.textContent = '';
    try {
      await post(path, body);
      closePanel();
      await poll();
    } catch (e) {
      err.textContent = t('common.error', { msg: e.message });
    }
  }

  function closePanel() { panel.hidden = true; clear(panel); }

  function openForm(a, kind) {
    clear(panel);
    const comment = h('textarea', { id: 'panel-comment', rows: 2, maxlength: 1000 });
    const minutes = h('input', { id: 'panel-minutes', type: 'number', min: 1, max: 10080, value: '60' });
    const msg = h('p', { class: 'error' });
    const form = h('form', { id: 'panel-form' },
      h('h2', null, t(`alarm.${kind}`), ': ', a.name || a.message),
      kind === 'shelve' ? h('label', null, t('alarm.minutes'), minutes) : null,
      h('label', null, t('alarm.comment_text'), comment), msg,
      h('p', { class: 'actions' },
        h('button', { type: 'submit', id: 'panel-ok' }, t('common.ok')),
        h('button', { type: 'button', class: 'ghost', onclick: closePanel }, t('common.cancel'))));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const c = comment.value.trim();
      if (!c) { msg.textContent = t('alarm.comment_required'); return; }
      if (kind === 'shelve') act(`/api/v1/alarms/${a.id}/shelve`, { minutes: Number(minutes.value), comment: c });
      else act(`/api/v1/alarms/${a.id}/comment`, { comment: c });
    });
    panel.append(form);
    panel.hidden = false;
    (kind === 'shelve' ? minutes : comment).focus();
  }

  async function openHistory(a) {
    clear(panel);
    panel.hidden = false;
    panel.append(h('h2', null, t('alarm.history'), ': ', a.name || a.message),
      h('p', null, t('common.loading')));
    try {
      const d = await get(`/api/v1/alarms/${a.id}`);
      const list = h('ol', { class: 'history', id: 'alarm-history' }, (d.history || []).map((x) =>
        h('li', null, h('time', null, fmtTime(x.at)), ' ', h('b', null, t(`tr.${x.transition}`)),
          ' ', x.by || '', x.comment ? h('q', null, x.comment) : null)));
      panel.lastChild.replaceWith(list);
    } catch (e) {
      panel.lastChild.textContent = t('common.error', { msg: e.message });
    }
    panel.append(h('button', { type: 'button', class: 'ghost', onclick: closePanel }, t('common.close')));
  }

  function row(a, extra) {
    const acts = [];
    if (UNACKED.includes(a.state))
      acts.push(h('button', { type: 'button', class: 'act-ack',
        onclick: () => act(`/api/v1/alarms/${a.id}/ack`, {}) }, t('alarm.ack')));
    if (a.state === 'shelved')
      acts.push(h('button', { type: 'button', class: 'ghost act-unshelve',
        onclick: () => act(`/api/v1/alarms/${a.id}/unshelve`, {}) }, t('alarm.unshelve')));
    else if (a.state !== 'cleared' && a.state !== 'out_of_service')
      acts.push(h('button', { type: 'button', class: 'ghost act-shelve',
        onclick: () => openForm(a, 'shelve') }, t('alarm.shelve')));
    acts.push(h('button', { type: 'button', class: 'ghost act-comment',
      onclick: () => openForm(a, 'comment') }, t('alarm.comment')));
    acts.push(h('button', { type: 'button', class: 'ghost act-detail',
      onclick: () => openHistory(a) }, t('alarm.detail')));
    acts.push(h('a', { class: 'button ghost act-incident', href: `#/incidents?new=1&alarm=${a.id}` },
      t('incidents.from_alarm')));
    return h('tr', { class: `sev-${a.severity} st-${a.state}${a.active ? ' active' : ''}${extra || ''}`,
      dataset: { id: a.id, state: a.state, facility: a.facility || '' } },
    h('td', { class: 'c-sev' }, sevBadge(a.severity)),
    h('td', { class: 'c-time' }, fmtTime(a.raised_at)),
    h('td', { class: 'c-facility' }, a.facility_name || a.facility || '—'),
    h('td', { class: 'c-name' }, h('div', { class: 'a-name' }, a.name || a.data_id || ''),
      a.message && a.message !== a.name ? h('div', { class: 'a-msg' }, a.message) : null,
      a.device ? h('div', { class: 'a-dev' }, a.device) : null),
    h('td', { class: 'c-state' }, t(`ast.${a.state}`),
      a.state === 'shelved' && a.shelved_until
        ? h('div', { class: 'a-until' }, t('alarm.until', { t: fmtTime(a.shelved_until) })) : null),
    h('td', { class: 'c-actions' }, acts));
  }

  function groupRow(g, members) {
    const open = expanded.has(g.id);
    const facs = [...new Set(members.map((a) => a.facility_name || a.facility).filter(Boolean))];
    return h('tr', { class: `group sev-${g.max_severity || 4}`, dataset: { group: g.id } },
      h('td', { class: 'c-sev' }, sevBadge(g.max_severity || 4)),
      h('td', { class: 'c-time' }, fmtTime(g.opened_at)),
      h('td', { class: 'c-facility' }, facs.length <= 2 ? facs.join('、') : t('alarm.facilities', { n: facs.length })),
      h('td', { class: 'c-name' }, h('div', { class: 'a-name' }, t('alarm.group', { title: g.title })),
        h('div', { class: 'a-msg' }, t('alarm.group_count', { n: g.count, a: g.active_count }))),
      h('td', { class: 'c-state' }, t('alarm.count', { n: members.length })),
      h('td', { class: 'c-actions' },
        h('button', { type: 'button', class: 'ghost act-expand', onclick: () => {
          if (open) expanded.delete(g.id); else expanded.add(g.id);
          draw();
        } }, t(open ? 'alarm.collapse' : 'alarm.expand')),
        members.some((a) => UNACKED.includes(a.state))
          ? h('button', { type: 'button', class: 'act-group-ack',
            onclick: () => act(`/api/v1/alarm-groups/${g.id}/ack`, {}) }, t('alarm.group_ack')) : null));
  }

  function draw() {
    exportLinks();
    const shown = [...alarms.values()].filter((a) => matches(a, f)).sort(order);
    const floods = new Map(groups.filter((g) => g.kind === 'flood').map((g) => [g.id, g]));
    const members = new Map();
    for (const a of shown)
      if (a.group_id !== null && a.group_id !== undefined && floods.has(a.group_id)) {
        if (!members.has(a.group_id)) members.set(a.group_id, []);
        members.get(a.group_id).push(a);
      }
    const rows = [], placed = new Set();
    for (const a of shown) {
      const gm = members.get(a.group_id);
      if (!gm) { rows.push(row(a)); continue; }
      if (placed.has(a.group_id)) continue; // the whole flood sits where its first alarm would
      placed.add(a.group_id);
      rows.push(groupRow(floods.get(a.group_id), gm));
      if (expanded.has(a.group_id)) rows.push(...gm.map((m) => row(m, ' in-group')));
    }
    clear(tbody).append(...rows);
    if (!rows.length) tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: 6 }, t('alarm.none'))));
    const unacked = [...alarms.values()].filter((a) => UNACKED.includes(a.state)).length;
    count.textContent = t('alarm.count', { n: shown.length });
    // the tab's title tells of unacknowledged alarms even when another tab is in front
    document.title = `${unacked ? `(${unacked}) ` : ''}${t('alarm.title')} - ${t('app.title')}`;
  }

  async function poll() {
    if (busy) { again = true; return; } // a filter change or an action while a poll is out
    busy = true;
    again = false;
    clearTimeout(timer);
    const g = gen;
    // a full reload now and then heals any change an incremental poll could have missed
    if (++polls % FULL_EVERY === 0) seq = null;
    try {
      if (seq === null) {
        const r = await get(`/api/v1/alarms${qs({ state: f.state, facility: f.facility, limit: 500 })}`);
        if (g !== gen) { again = true; return; }
        alarms.clear();
        for (const a of r.items || []) alarms.set(a.id, a);
        seq = r.seq;
      } else {
        const r = await get(`/api/v1/alarms${qs({ state: 'all', after_seq: seq, limit: 1000 })}`);
        if (g !== gen) { again = true; return; }
        for (const a of r.items || []) alarms.set(a.id, a);
        if (r.seq !== undefined) seq = r.seq;
      }
      try {
        groups = (await get('/api/v1/alarm-groups?active=1')).items || [];
      } catch { groups = []; /* without groups every alarm is shown on its own */ }
      if (!alive) return;
      err.textContent = '';
      draw();
    } catch (e) {
      if (!alive) return;
      err.textContent = e.status === 404 || e.status === 405
        ? t('common.unavailable', { msg: e.status }) : t('common.error', { msg: e.message });
    } finally {
      busy = false;
      if (alive) timer = setTimeout(poll, again ? 0 : POLL_MS);
    }
  }
  await poll();
  return () => { alive = false; clearTimeout(timer); document.title = t('app.title'); };
}
