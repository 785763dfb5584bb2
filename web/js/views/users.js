// users.js - the administrators' user page (§2.2 ユーザ管理): the users of the caller's tenant
// (all for the platform), issue a provisional account, change role, require one-time passwords,
// disable / enable, reset. The provisional password is mailed to the user by suidod: this page
// never sees it. Controls the role cannot use are not shown; the server decides anyway.
import { api, get, post } from '../api.js';
import { h, clear } from '../dom.js';
import { t, fmtTime } from '../i18n.js';

export const NAME = 'users';

// roles an organisation of each kind may hold (the server checks the fit and the caller's family)
const ROLES_OF_KIND = {
  operator: ['operator_admin', 'operator_general'],
  ap_vendor: ['apvendor_admin', 'apvendor_general'],
  gw_vendor: ['gwvendor_admin', 'gwvendor_general'],
  platform: ['platform_admin'],
};
const ADMIN_ROLES = new Set(['platform_admin', 'operator_admin', 'apvendor_admin', 'gwvendor_admin']);

export function mayAdminister(me) { return !!me && ADMIN_ROLES.has(me.user.role); }

export async function render(root, ctx) {
  const me = ctx.app.me.user;
  const platform = me.role === 'platform_admin';
  const msg = h('p', { class: 'notice', id: 'users-msg', role: 'status', hidden: true });
  const err = h('p', { class: 'error', id: 'users-error', role: 'alert' });
  const tbody = h('tbody');
  const orgSel = h('select', { id: 'nu-org', required: true });
  const roleSel = h('select', { id: 'nu-role', required: true });
  const email = h('input', { id: 'nu-email', type: 'email', required: true, maxlength: 254 });
  const name = h('input', { id: 'nu-name', maxlength: 128 });
  const create = h('button', { type: 'submit', id: 'nu-submit' }, t('users.create'));
  const form = h('form', { class: 'card', id: 'users-new' },
    h('h2', null, t('users.new')),
    h('div', { class: 'filters' },
      h('label', null, t('users.email'), email),
      h('label', null, t('users.name'), name),
      h('label', null, t('users.org'), orgSel),
      h('label', null, t('users.role'), roleSel)),
    h('p', null, h('small', null, t('users.mail_note'))),
    create);
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('users.title'))), msg, err, form,
    h('table', { class: 'grid', id: 'users-table' },
      h('thead', null, h('tr', null, ['login', 'email', 'org', 'role', 'totp', 'state', 'last',
        'actions'].map((c) => h('th', { class: `c-${c}` }, t(`users.col.${c}`))))),
      tbody));

  let orgs = new Map();
  const say = (text) => { msg.textContent = text; msg.hidden = !text; err.textContent = ''; };
  const fail = (e) => { msg.hidden = true; err.textContent = t('common.error', { msg: e.message || e.code }); };

  function fillRoles() {
    const o = orgs.get(Number(orgSel.value));
    clear(roleSel);
    for (const r of (o && ROLES_OF_KIND[o.kind]) || [])
      roleSel.append(h('option', { value: r }, t(`role.${r}`)));
  }
  orgSel.addEventListener('change', fillRoles);

  async function load() {
    const [us, os] = await Promise.all([get('/api/v1/users'), get('/api/v1/orgs')]);
    orgs = new Map((os.items || []).map((o) => [o.id, o]));
    const keep = orgSel.value;
    clear(orgSel);
    // an administrator issues accounts in the organisations of its own tenant
    for (const o of orgs.values())
      if (platform || o.tenant_id === me.tenant_id)
        orgSel.append(h('option', { value: o.id, selected: String(o.id) === keep || undefined }, o.name));
    fillRoles();
    clear(tbody);
    const items = us.items || [];
    if (!items.length) tbody.append(h('tr', null, h('td', { colspan: 8 }, t('common.none'))));
    for (const u of items) tbody.append(row(u));
  }

  function row(u) {
    const o = orgs.get(u.org_id);
    const self = u.id === me.id;
    const roles = (o && ROLES_OF_KIND[o.kind]) || [u.role];
    const rsel = h('select', { class: 'u-role', 'aria-label': t('users.role'), disabled: self || undefined },
      roles.map((r) => h('option', { value: r, selected: r === u.role || undefined }, t(`role.${r}`))));
    rsel.addEventListener('change', () => change(u, { role: rsel.value }, t('users.done.role')));
    const acts = h('td', { class: 'c-actions' });
    if (!self) {
      acts.append(
        h('button', { type: 'button', class: 'ghost u-disable', onclick: () =>
          change(u, { disabled: !u.disabled }, t(u.disabled ? 'users.done.enabled' : 'users.done.disabled')) },
        t(u.disabled ? 'users.enable' : 'users.disable')),
        h('button', { type: 'button', class: 'ghost u-reset', onclick: () => reset(u) }, t('users.reset')));
      // only the platform's administrators may require one-time passwords (user.otp_require)
      if (platform && !u.totp_required)
        acts.append(h('button', { type: 'button', class: 'ghost u-otp', onclick: () =>
          change(u, { totp_required: true }, t('users.done.otp')) }, t('users.require_otp')));
    }
    const totp = u.totp_enabled ? t('users.totp.on') : u.totp_required ? t('users.totp.required') : t('users.totp.off');
    return h('tr', { dataset: { id: u.id, email: u.email }, class: u.disabled ? 'disabled' : undefined },
      h('td', { class: 'c-login' }, u.login, u.provisional ? h('small', null, ` (${t('users.provisional')})`) : null),
      h('td', null, u.email),
      h('td', null, o ? o.name : String(u.org_id)),
      h('td', null, rsel),
      h('td', { class: 'c-totp' }, totp),
      h('td', { class: 'c-state' }, u.disabled ? t('users.state.disabled') : t('users.state.active')),
      h('td', null, u.last_login_at ? fmtTime(u.last_login_at) : t('users.never')),
      acts);
  }

  async function change(u, body, done) {
    try {
      await api('PATCH', `/api/v1/users/${u.id}`, body);
      await load();
      say(done);
    } catch (e) { fail(e); await load().catch(() => {}); }
  }

  async function reset(u) {
    if (!window.confirm(t('users.reset_confirm', { email: u.email }))) return;
    try {
      await post(`/api/v1/users/${u.id}/reset`, {});
      await load();
      say(t('users.done.reset', { email: u.email }));
    } catch (e) { fail(e); }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    create.disabled = true;
    try {
      const body = { org_id: Number(orgSel.value), role: roleSel.value, email: email.value.trim() };
      if (name.value.trim()) body.name = name.value.trim();
      await post('/api/v1/users', body); // the credentials go to the address, not to this page
      email.value = ''; name.value = '';
      await load();
      say(t('users.done.created', { email: body.email }));
    } catch (e) {
      fail(e);
    } finally {
      create.disabled = false;
    }
  });

  try { await load(); } catch (e) { fail(e); }
}
