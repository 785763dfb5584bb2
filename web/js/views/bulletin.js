// bulletin.js - the bulletin board (掲示板, 表2-1): the home tenant's board and the common one,
// a category filter, unread posts marked, a post opened (and so marked read) with its
// attachments as download links; admins post. Upcoming maintenance windows head the page.
import { ApiError, get, post, qs } from '../api.js';
import { clear, h } from '../dom.js';
import { fmtTime, t } from '../i18n.js';

export const NAME = 'bulletin';
const CATS = ['notice', 'failure', 'maintenance'];
const POSTERS = ['operator_admin', 'apvendor_admin', 'gwvendor_admin', 'platform_admin'];
const iso = (ms) => (ms ? new Date(ms).toISOString() : '');
// a datetime-local value is Japan time (the plants' time), sent with its zone
const jst = (v) => (v ? `${v}:00+09:00` : null);

async function upload(id, file) {
  let res;
  try {
    res = await fetch(`/api/v1/bulletin/${id}/attachments${qs({ name: file.name })}`, {
      method: 'POST', credentials: 'same-origin', body: file,
      headers: { Accept: 'application/json', 'Content-Type': 'application/octet-stream' },
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  if (!res.ok) {
    const e = ((await res.json().catch(() => null)) || {}).error || {};
    throw new ApiError(res.status, e.code, e.message, e.field);
  }
}

function openPost(box, p, done) {
  clear(box).append(
    h('article', { class: 'post', id: 'bb-post', dataset: { id: p.id } },
      h('h2', null, h('span', { class: `badge cat-${p.category}` }, t(`bulletin.cat.${p.category}`)),
        ' ', p.title),
      h('p', { class: 'stamp' }, t('bulletin.period', {
        from: fmtTime(iso(p.valid_from)), until: p.valid_until ? fmtTime(iso(p.valid_until)) : '—' })),
      h('pre', { class: 'body' }, p.body || ''),
      (p.attachments || []).length ? h('ul', { class: 'attachments' }, p.attachments.map((a) =>
        h('li', null, h('a', { href: `/api/v1/bulletin/${p.id}/attachments/${a.id}`, download: a.name },
          a.name), ` (${a.size} B)`))) : null,
      h('button', { type: 'button', class: 'ghost', onclick: done }, t('common.close'))));
}

export async function render(root, ctx) {
  const role = ctx.app.me && ctx.app.me.user ? ctx.app.me.user.role : '';
  const cat = ctx.params.get('category') || '';
  const open = ctx.params.get('id') || ''; // #/bulletin?id=N: a post by its address
  const err = h('p', { class: 'error', role: 'alert', id: 'bb-err' });
  const maint = h('div', { id: 'bb-maintenance' });
  const list = h('div', { id: 'bb-list' });
  const detail = h('div', { id: 'bb-detail' });
  const filter = h('select', { id: 'bb-category', onchange: (e) => ctx.go(`#/bulletin${qs({ category: e.target.value })}`) },
    h('option', { value: '' }, t('common.all')),
    CATS.map((c) => h('option', { value: c, selected: c === cat }, t(`bulletin.cat.${c}`))));
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('bulletin.title')), filter),
    err, maint, detail, list);

  async function load() {
    try {
      const w = await get('/api/v1/maintenance').catch(() => ({ items: [] }));
      const now = Date.now();
      const next = (w.items || []).filter((x) => x.ends_at > now).reverse();
      clear(maint).append(next.length ? h('section', { class: 'maintenance' },
        h('h2', null, t('bulletin.upcoming')),
        h('ul', null, next.map((x) => h('li', null,
          `${fmtTime(iso(x.starts_at))} – ${fmtTime(iso(x.ends_at))} `, x.title)))) : null);
      // a poster also sees its board's posts out of their period (all=1: its own and, as a
      // manager, the board's), marked, or a post starting later would vanish once posted
      const r = await get(`/api/v1/bulletin${qs({ category: cat, all: POSTERS.includes(role) ? 1 : '' })}`);
      const items = r.items || [];
      clear(list).append(h('table', { class: 'grid', id: 'bb-table' },
        h('thead', null, h('tr', null, ['bulletin.category', 'bulletin.subject', 'bulletin.posted',
          'bulletin.files'].map((k) => h('th', null, t(k))))),
        h('tbody', null, items.length ? items.map((p) => h('tr', {
          class: `${p.read ? 'read' : 'unread'}${p.current === false ? ' outside' : ''}`,
          dataset: { id: p.id, board: p.tenant_id === 1 ? 'common' : 'tenant' },
        },
        h('td', null, h('span', { class: `badge cat-${p.category}` }, t(`bulletin.cat.${p.category}`))),
        h('td', null, p.read ? null : h('span', { class: 'badge unread-mark' }, t('bulletin.unread')), ' ',
          h('a', { href: `#/bulletin${qs({ category: cat, id: p.id })}`,
            onclick: (e) => { e.preventDefault(); show(p.id); } }, p.title),
          p.tenant_id === 1 ? h('span', { class: 'board' }, ` · ${t('bulletin.common')}`) : null,
          p.current === false ? [' ', h('span', { class: 'badge outside-mark' }, t('bulletin.outside'))]
            : null),
        h('td', null, fmtTime(iso(p.created_at))),
        h('td', { class: 'num' }, p.attachments ? String(p.attachments) : ''))) :
          h('tr', { class: 'empty' }, h('td', { colspan: 4 }, t('common.none'))))));
    } catch (e) {
      err.textContent = t('common.error', { msg: e.message });
    }
  }

  async function show(id) {
    err.textContent = '';
    try {
      const p = await get(`/api/v1/bulletin/${id}`);
      openPost(detail, p, () => clear(detail));
      if (!p.read) {
        await post(`/api/v1/bulletin/${id}/read`);
        window.dispatchEvent(new Event('suido:bulletin-read'));
        await load();
      }
    } catch (e) {
      err.textContent = t('common.error', { msg: e.message });
    }
  }

  if (POSTERS.includes(role)) {
    const f = h('form', { id: 'bb-form', class: 'card' },
      h('h2', null, t('bulletin.new')),
      h('label', null, t('bulletin.category'), h('select', { name: 'category' },
        CATS.map((c) => h('option', { value: c }, t(`bulletin.cat.${c}`))))),
      h('label', null, t('bulletin.subject'), h('input', { name: 'title', required: true, maxlength: 200 })),
      h('label', null, t('bulletin.body'), h('textarea', { name: 'body', rows: 4 })),
      h('label', null, t('bulletin.from'), h('input', { name: 'from', type: 'datetime-local' })),
      h('label', null, t('bulletin.until'), h('input', { name: 'until', type: 'datetime-local' })),
      h('label', null, t('bulletin.attach'), h('input', { name: 'file', type: 'file' })),
      h('button', { type: 'submit' }, t('bulletin.submit')));
    f.addEventListener('submit', async (e) => {
      e.preventDefault();
      err.textContent = '';
      try {
        const el = f.elements;
        const p = await post('/api/v1/bulletin', { category: el.category.value,
          title: el.title.value, body: el.body.value, valid_from: jst(el.from.value),
          valid_until: jst(el.until.value) });
        if (el.file.files[0]) await upload(p.id, el.file.files[0]);
        f.reset();
        await load();
      } catch (x) {
        err.textContent = t('common.error', { msg: x.message });
      }
    });
    root.append(f);
  }
  await load();
  if (open) await show(open);
  return null;
}
