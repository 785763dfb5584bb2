// login.js - the login form: login id, password, and the one-time code when the account has one.
import { post } from '../api.js';
import { h } from '../dom.js';
import { t } from '../i18n.js';

export const NAME = 'login';

export function render(root, ctx) {
  const msg = h('p', { class: 'error', id: 'login-error', role: 'alert' });
  const id = h('input', { id: 'login-id', name: 'username', autocomplete: 'username', required: true });
  const pw = h('input', { id: 'login-password', type: 'password', autocomplete: 'current-password',
    required: true });
  const otp = h('input', { id: 'login-otp', inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9]{6}', maxlength: 6 });
  const otpRow = h('label', { hidden: true }, t('login.otp'), otp);
  const hint = h('p', { class: 'hint', hidden: true }, t('login.otp_needed'));
  const btn = h('button', { type: 'submit', id: 'login-submit' }, t('login.submit'));
  const form = h('form', { class: 'card narrow', id: 'login-form' },
    h('h1', null, t('login.title')),
    h('label', null, t('login.id'), id),
    h('label', null, t('login.password'), pw),
    hint, otpRow, msg, btn);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    msg.textContent = '';
    btn.disabled = true;
    const body = { login: id.value.trim(), password: pw.value };
    if (!otpRow.hidden && otp.value) body.otp = otp.value.trim();
    try {
      const r = await post('/api/v1/login', body);
      ctx.app.me = { user: r.user, password_change_required: r.password_change_required,
        totp_enrolment_required: r.totp_enrolment_required };
      ctx.app.lastPassword = pw.value;
      await ctx.refreshMe();
      ctx.render();
    } catch (e) {
      if (e.code === 'otp_required') {
        const first = otpRow.hidden;
        otpRow.hidden = false;
        hint.hidden = false;
        if (!first) msg.textContent = t('login.otp_failed');
        otp.value = '';
        otp.focus();
      } else if (e.code === 'locked') {
        msg.textContent = t('login.locked');
      } else if (e.code === 'rate_limited' || e.code === 'busy') {
        msg.textContent = t('login.busy');
      } else if (e.status === 401) {
        msg.textContent = t('login.failed');
      } else {
        msg.textContent = t('common.error', { msg: e.message });
      }
    } finally {
      btn.disabled = false;
    }
  });
  root.appendChild(form);
  id.focus();
}
