// audit.js - the audit log (監査ログ) for administrators: filters by actor, action prefix,
// object and period (JST dates), newest first, paged with the id of the last row seen.
import { get, qs } from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmtTime } from '../i18n.js';

export const NAME = 'audit';
const PAGE = 50;

// a JST calendar date (yyyy-mm-dd) to ms since the epoch at its midnight in Japan
function jstMidnight(d) {
  const ms = Date.parse(`${d}T00:00:00+09:00`);
  return Number.isNaN(ms) ? '' : ms;
}

export async function render(root, ctx) {
  const p = ctx.params;
  const input = (id, v, attrs) => h('input', { id, value: v || '', ...attrs });
  const actor = input('au-actor', p.get('actor'), { placeholder: 'user:3', maxlength: 64 });
  const action = input('au-action', p.get('action'), { placeholder: 'user.', maxlength: 64 });
  const object = input('au-object', p.get('object'), { placeholder: 'user:7', maxlength: 64 });
  const from = input('au-from', p.get('from'), { type: 'date' });
  const to = input('au-to', p.get('to'), { type: 'date' });
  const apply = h('button', { type: 'submit', id: 'au-apply' }, t('audit.apply'));
  const more = h('button', { type: 'button', id: 'au-more', class: 'ghost', hidden: true }, t('audit.more'));
  const err = h('p', { class: 'error', id: 'audit-error', role: 'alert' });
  const tbody = h('tbody');
  const form = h('form', { class: 'filters', id: 'audit-filters' },
    h('label', null, t('audit.actor'), actor),
    h('label', null, t('audit.action'), action),
    h('label', null, t('audit.object'), object),
    h('label', null, t('audit.from'), from),
    h('label', null, t('audit.to'), to),
    apply);
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('audit.title')),
    h('span', { class: 'stamp' }, t('audit.jst'))), form, err,
  h('table', { class: 'grid', id: 'audit-table' },
    h('thead', null, h('tr', null, ['time', 'actor', 'role', 'tenant', 'action', 'object', 'detail']
      .map((c) => h('th', { class: `c-${c}` }, t(`audit.col.${c}`))))), tbody), more);

  let before = 0;
  function query() {
    // the end date is inclusive: records before the next day's midnight
    const until = to.value ? jstMidnight(to.value) : '';
    return { actor: actor.value.trim(), action: action.value.trim(), object: object.value.trim(),
      since: from.value ? jstMidnight(from.value) : '', until: until === '' ? '' : until + 86400000,
      before: before || '', limit: PAGE };
  }
  async function load(append) {
    err.textContent = '';
    if (!append) { before = 0; clear(tbody); }
    try {
      const r = await get(`/api/v1/audit${qs(query())}`);
      const items = r.items || [];
      for (const a of items)
        tbody.append(h('tr', { dataset: { id: a.id } },
          h('td', { class: 'c-time' }, fmtTime(a.ts)),
          h('td', { class: 'c-actor' }, a.actor),
          h('td', null, a.actor_role ? t(`role.${a.actor_role}`) : ''),
          h('td', null, String(a.tenant_id)),
          h('td', { class: 'c-action' }, a.action),
          h('td', { class: 'c-object' }, a.object),
          h('td', { class: 'c-detail' }, h('code', null, a.detail))));
      if (!append && !items.length) tbody.append(h('tr', null, h('td', { colspan: 7 }, t('audit.none'))));
      if (items.length) before = items[items.length - 1].id;
      more.hidden = items.length < PAGE;
    } catch (e) {
      err.textContent = t('common.error', { msg: e.message || e.code });
    }
  }
  form.addEventListener('submit', (ev) => { ev.preventDefault(); load(false); });
  more.addEventListener('click', () => load(true));
  await load(false);
}
