// account.js - the caller's own account: first-login password change, TOTP enrolment with its
// QR code (drawn by suidod from the sealed pending secret), and the account summary.
import { post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export const NAME = 'account';

export function render(root, ctx) {
  const u = ctx.app.me.user;
  root.appendChild(h('section', { class: 'card narrow', id: 'account' },
    h('h1', null, t('acct.title')),
    h('dl', { class: 'facts' },
      h('dt', null, t('acct.login')), h('dd', { id: 'acct-login' }, u.login),
      h('dt', null, t('acct.email')), h('dd', null, u.email),
      h('dt', null, t('acct.role')), h('dd', null, t(`role.${u.role}`)),
      h('dt', null, t('acct.totp')),
      h('dd', { id: 'acct-totp' }, u.totp_enabled ? t('acct.totp_on') : t('acct.totp_off'))),
    h('p', { class: 'actions' },
      u.totp_enabled ? null : h('a', { class: 'button', href: '#/enrol', id: 'acct-enrol' }, t('acct.enrol')),
      h('a', { class: 'button ghost', href: '#/password' }, t('acct.password')))));
}

export const passwordView = {
  NAME: 'password',
  render(root, ctx) {
    const me = ctx.app.me;
    const first = me.password_change_required;
    const msg = h('p', { class: 'error', id: 'pw-error', role: 'alert' });
    const cur = h('input', { id: 'pw-current', type: 'password', autocomplete: 'current-password',
      required: true, value: first ? ctx.app.lastPassword : '' });
    const login = h('input', { id: 'pw-login', autocomplete: 'username', placeholder: me.user.email });
    const npw = h('input', { id: 'pw-new', type: 'password', autocomplete: 'new-password', required: true });
    const npw2 = h('input', { id: 'pw-confirm', type: 'password', autocomplete: 'new-password',
      required: true });
    const btn = h('button', { type: 'submit', id: 'pw-submit' }, t('pw.submit'));
    const form = h('form', { class: 'card narrow', id: 'pw-form' },
      h('h1', null, t('pw.title')),
      first ? h('p', { class: 'notice' }, t('pw.first')) : null,
      h('label', { hidden: first && !!ctx.app.lastPassword }, t('pw.current'), cur),
      me.user.provisional ? h('label', null, t('pw.login'), login) : null,
      h('label', null, t('pw.new'), npw, h('small', null, t('pw.hint'))),
      h('label', null, t('pw.confirm'), npw2),
      msg, btn);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      msg.textContent = '';
      if (npw.value !== npw2.value) { msg.textContent = t('pw.mismatch'); return; }
      const body = { current_password: cur.value, new_password: npw.value };
      if (me.user.provisional && login.value.trim()) body.login = login.value.trim();
      btn.disabled = true;
      try {
        await post('/api/v1/me/password', body);
        ctx.app.lastPassword = '';
        await ctx.refreshMe();
        ctx.app.notice = t('pw.done');
        ctx.go('#/facilities');
      } catch (e) {
        msg.textContent = e.field === 'current_password' || e.status === 401
          ? t('login.failed') : (e.message || e.code);
        if (e.status === 401 && first) form.querySelector('label[hidden]')?.removeAttribute('hidden');
      } finally {
        btn.disabled = false;
      }
    });
    root.appendChild(form);
    (first && ctx.app.lastPassword ? npw : cur).focus();
  },
};

export const enrolView = {
  NAME: 'enrol',
  render(root, ctx) {
    const me = ctx.app.me;
    const msg = h('p', { class: 'error', id: 'totp-error', role: 'alert' });
    const step2 = h('div', { id: 'totp-step2', hidden: true });
    const start = h('button', { type: 'button', id: 'totp-start' }, t('totp.start'));
    const card = h('section', { class: 'card narrow', id: 'totp' },
      h('h1', null, t('totp.title')),
      me.totp_enrolment_required ? h('p', { class: 'notice' }, t('totp.required')) : null,
      h('p', null, t('totp.intro')),
      start, step2, msg);
    start.addEventListener('click', async () => {
      msg.textContent = '';
      start.disabled = true;
      let r;
      try {
        r = await post('/api/v1/me/totp');
      } catch (e) {
        msg.textContent = e.code === 'exists' ? t('totp.already') : t('common.error', { msg: e.message });
        start.disabled = false;
        return;
      }
      start.hidden = true;
      // the URI holds the secret: suidod draws it, so it never sits in an attribute of the page
      const img = h('img', { id: 'totp-qr', alt: t('totp.qr_alt'), width: 240, height: 240,
        src: `/api/v1/me/totp/qr.svg?n=${Date.now()}` });
      const grouped = r.secret.replace(/(.{4})/g, '$1 ').trim();
      const code = h('input', { id: 'totp-code', inputmode: 'numeric', autocomplete: 'one-time-code',
        pattern: '[0-9]{6}', maxlength: 6, required: true });
      const ok = h('button', { type: 'submit', id: 'totp-confirm' }, t('totp.confirm'));
      const form = h('form', { id: 'totp-form' }, h('label', null, t('totp.code'), code), ok);
      step2.append(h('div', { class: 'qr' }, img),
        h('p', null, t('totp.secret'), ': ',
          h('code', { id: 'totp-secret', dataset: { secret: r.secret } }, grouped)),
        form);
      step2.hidden = false;
      code.focus();
      form.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        msg.textContent = '';
        ok.disabled = true;
        try {
          await post('/api/v1/me/totp/confirm', { code: code.value.trim() });
          await ctx.refreshMe();
          ctx.app.notice = t('totp.done');
          ctx.go('#/facilities');
        } catch (e) {
          msg.textContent = e.code === 'otp_required' || e.field === 'code' ? t('totp.wrong') : e.message;
          ok.disabled = false;
        }
      });
    });
    root.appendChild(card);
  },
};
