// inquiries.js - 問い合わせ対応 (表2-1 No.2): the list with search and filters, a new inquiry, one
// inquiry's thread with replies, status changes and attached files.
import { ApiError, api, get, post, qs } from '../api.js';
import { h } from '../dom.js';
import { fmtTime, t } from '../i18n.js';

export const NAME = 'inquiries';
const STATUSES = ['received', 'in_progress', 'answered', 'closed'];
const CATEGORIES = ['usage', 'failure', 'account', 'data', 'request', 'other'];

const opt = (v, label, cur) => h('option', { value: v, selected: v === cur ? true : undefined }, label);
const badge = (st) => h('span', { class: `inq-st inq-st-${st}` }, t(`inquiries.st.${st}`));
const errText = (e) => (e.field ? `${e.message} (${e.field})` : e.message);

// A file as the raw body, with its own media type (a cookie upload may not look like a form).
async function upload(id, file) {
  const res = await fetch(`/api/v1/inquiries/${id}/files${qs({ name: file.name })}`, {
    method: 'POST', credentials: 'same-origin', body: file,
    headers: { Accept: 'application/json', 'Content-Type': 'application/octet-stream' },
  });
  if (!res.ok) {
    const e = ((await res.json().catch(() => null)) || {}).error || {};
    throw new ApiError(res.status, e.code, e.message, e.field);
  }
}

export async function render(root, ctx) {
  const id = ctx.params.get('id');
  if (id) return thread(root, ctx, id);
  return list(root, ctx);
}

async function list(root, ctx) {
  const p = ctx.params;
  const q = h('input', { id: 'inq-q', type: 'search', value: p.get('q') || '', maxlength: 200 });
  const selSt = h('select', { id: 'inq-f-status' }, opt('', t('common.all'), p.get('status') || ''),
    STATUSES.map((s) => opt(s, t(`inquiries.st.${s}`), p.get('status') || '')));
  const selCat = h('select', { id: 'inq-f-category' }, opt('', t('common.all'), p.get('category') || ''),
    CATEGORIES.map((c) => opt(c, t(`inquiries.cat.${c}`), p.get('category') || '')));
  const search = () => ctx.go(`#/inquiries${qs({ q: q.value, status: selSt.value, category: selCat.value })}`);
  const filters = h('form', { class: 'filters', id: 'inq-filters',
    onsubmit: (e) => { e.preventDefault(); search(); } },
  h('label', null, t('inquiries.q'), q), h('label', null, t('inquiries.status'), selSt),
  h('label', null, t('inquiries.category'), selCat),
  h('button', { type: 'submit', id: 'inq-search' }, t('inquiries.search')));
  const err = h('p', { class: 'error', role: 'alert', id: 'inq-err' });
  const tbody = h('tbody');
  const table = h('table', { class: 'grid', id: 'inq-table' },
    h('thead', null, h('tr', null, ['#', t('inquiries.subject'), t('inquiries.category'),
      t('inquiries.addressee'), t('inquiries.status'), t('inquiries.updated')].map((c) => h('th', null, c)))),
    tbody);
  const canOpen = ctx.app.me.user.role !== 'platform_admin';
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('inquiries.title'))),
    canOpen ? newForm(ctx) : null, filters, err, table);
  try {
    const r = await get(`/api/v1/inquiries${qs({ q: p.get('q'), status: p.get('status'), category: p.get('category') })}`);
    const items = r.items || [];
    if (!items.length) tbody.append(h('tr', null, h('td', { colspan: 6 }, t('inquiries.empty'))));
    for (const it of items)
      tbody.append(h('tr', { dataset: { id: it.id } }, h('td', null, String(it.id)),
        h('td', null, h('a', { href: `#/inquiries?id=${it.id}` }, it.subject)),
        h('td', null, t(`inquiries.cat.${it.category}`)),
        h('td', null, t(`inquiries.to.${it.addressee}`)),
        h('td', null, badge(it.status)), h('td', null, fmtTime(it.updated_at))));
  } catch (e) {
    err.textContent = t('common.error', { msg: errText(e) });
  }
}

function newForm(ctx) {
  const to = h('select', { id: 'inq-addressee' },
    ['tenant', 'platform'].map((a) => opt(a, t(`inquiries.to.${a}`), 'tenant')));
  const cat = h('select', { id: 'inq-category' }, CATEGORIES.map((c) => opt(c, t(`inquiries.cat.${c}`), 'usage')));
  const subject = h('input', { id: 'inq-subject', required: true, maxlength: 200 });
  const body = h('textarea', { id: 'inq-body', required: true, rows: 5, maxlength: 10000 });
  const err = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'card', id: 'inq-new-form', hidden: true, onsubmit: async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      const r = await post('/api/v1/inquiries', { addressee: to.value, category: cat.value,
        subject: subject.value, body: body.value });
      ctx.go(`#/inquiries?id=${r.id}`);
    } catch (x) { err.textContent = t('common.error', { msg: errText(x) }); }
  } },
  h('label', null, t('inquiries.addressee'), to), h('label', null, t('inquiries.category'), cat),
  h('label', null, t('inquiries.subject'), subject), h('label', null, t('inquiries.body'), body),
  err, h('button', { type: 'submit', id: 'inq-submit' }, t('inquiries.submit')));
  const open = h('button', { type: 'button', id: 'inq-new', onclick: () => {
    form.hidden = !form.hidden; if (!form.hidden) subject.focus();
  } }, t('inquiries.new'));
  return h('div', null, open, form);
}

function message(inq, m) {
  const head = h('div', { class: 'inq-msg-head' }, h('strong', null, m.by_login || `#${m.by_user}`),
    ' · ', t(`inquiries.side.${m.side}`), ' · ', fmtTime(m.at));
  let text;
  if (m.kind === 'status') {
    text = h('p', { class: 'inq-moved' }, t('inquiries.moved', {
      from: t(`inquiries.st.${m.from_status}`), to: t(`inquiries.st.${m.to_status}`) }));
  } else if (m.kind === 'file') {
    text = h('p', null, t('inquiries.attached', { name: '' }),
      h('a', { href: `/api/v1/inquiries/${inq.id}/files/${m.file_id}`, download: m.body }, m.body));
  }
  const body = m.body && m.kind !== 'file' ? h('p', { class: 'inq-text' }, m.body) : null;
  return h('li', { class: `inq-msg inq-${m.side}`, dataset: { kind: m.kind } }, head, text, body);
}

async function thread(root, ctx, id) {
  const err = h('p', { class: 'error', role: 'alert', id: 'inq-err' });
  const back = h('a', { href: '#/inquiries', id: 'inq-back' }, t('inquiries.back'));
  let inq;
  try {
    inq = await get(`/api/v1/inquiries/${encodeURIComponent(id)}`);
  } catch (e) {
    root.append(back, h('p', { class: 'error', role: 'alert', id: 'inq-err' },
      t('common.error', { msg: errText(e) })));
    return null;
  }
  const meta = h('p', { class: 'stamp' }, `#${inq.id} · ${t(`inquiries.cat.${inq.category}`)} · `,
    `${t('inquiries.addressee')}: ${t(`inquiries.to.${inq.addressee}`)} · ${fmtTime(inq.created_at)}`);
  root.append(back, h('div', { class: 'page-head' }, h('h1', { id: 'inq-title' }, inq.subject),
    h('span', { id: 'inq-state' }, badge(inq.status))), meta, err,
  h('h2', null, t('inquiries.thread')),
  h('ol', { class: 'inq-thread', id: 'inq-thread' }, inq.messages.map((m) => message(inq, m))));
  if (inq.status === 'closed') {
    root.append(h('p', { class: 'notice', id: 'inq-closed' }, t('inquiries.closed')));
    return null;
  }
  const text = h('textarea', { id: 'inq-reply', rows: 4, maxlength: 10000 });
  const file = h('input', { id: 'inq-file', type: 'file' });
  const reload = () => ctx.render();
  const send = async (e) => {
    e.preventDefault();
    err.textContent = '';
    if (!text.value.trim() && !file.files.length) { err.textContent = t('inquiries.need_text'); return; }
    try {
      if (file.files.length) await upload(inq.id, file.files[0]);
      if (text.value.trim()) await post(`/api/v1/inquiries/${inq.id}/replies`, { body: text.value });
      reload();
    } catch (x) { err.textContent = t('common.error', { msg: errText(x) }); }
  };
  const sel = h('select', { id: 'inq-set-status' },
    STATUSES.filter((s) => s !== inq.status && s !== 'received')
      .map((s) => opt(s, t(`inquiries.st.${s}`), '')));
  const change = async (e) => {
    e.preventDefault();
    err.textContent = '';
    try {
      await api('PATCH', `/api/v1/inquiries/${inq.id}`, { status: sel.value });
      reload();
    } catch (x) { err.textContent = t('common.error', { msg: errText(x) }); }
  };
  root.append(
    h('form', { class: 'card', id: 'inq-reply-form', onsubmit: send }, h('h2', null, t('inquiries.reply')),
      text, h('label', null, t('inquiries.file'), file),
      h('button', { type: 'submit', id: 'inq-send' }, t('inquiries.send'))),
    h('form', { class: 'card', id: 'inq-status-form', onsubmit: change },
      h('label', null, t('inquiries.set_status'), sel),
      h('button', { type: 'submit', id: 'inq-change' }, t('inquiries.change'))));
  return null;
}
