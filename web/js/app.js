// app.js - the portal shell: who is logged in, which page, the language switch, timers.
import { get, post, onUnauthorized } from './api.js';
import { applyStatic, getLang, setLang, t } from './i18n.js';
import { clear, h } from './dom.js';
import * as login from './views/login.js';
import * as account from './views/account.js';
import * as facilities from './views/facilities.js';
import * as alarms from './views/alarms.js';
import * as status from './views/status.js';
import * as trend from './views/trend.js';
import * as contacts from './views/contacts.js';
import * as incidents from './views/incidents.js';
import * as inquiries from './views/inquiries.js';
import * as users from './views/users.js';
import * as audit from './views/audit.js';
import * as bulletin from './views/bulletin.js';
import * as maint from './views/maint.js';
import * as plant from './views/plant.js';
import * as exportView from './views/export.js';

// one page per line: features add theirs without touching the others'
const ROUTES = {
  facilities,
  alarms,
  incidents,
  status,
  trend,
  contacts,
  inquiries,
  bulletin,
  maint,
  plant,
  export: exportView,
  users,
  audit,
  account,
  enrol: account.enrolView,
  password: account.passwordView,
};

const app = {
  me: null,           // GET /api/v1/me reply, null when logged out
  lastPassword: '',   // the password just typed at login, so the first change needs it once
  cleanup: null,
  notice: '',
};

function route() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [name, query] = raw.split('?');
  return { name: name || 'facilities', params: new URLSearchParams(query || '') };
}

export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function loadMe() {
  try {
    app.me = await get('/api/v1/me');
  } catch (e) {
    app.me = null;
    if (e.status !== 401) throw e;
  }
  return app.me;
}

function showBanner(msg) {
  const b = document.getElementById('banner');
  b.textContent = msg || '';
  b.hidden = !msg;
}

function shell() {
  const me = app.me;
  const inside = !!me && !me.password_change_required && !me.totp_enrolment_required;
  document.getElementById('nav').hidden = !inside;
  document.getElementById('logout').hidden = !me;
  document.getElementById('whoami').textContent = me ? me.user.login : '';
  const cur = route().name;
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('current', a.getAttribute('href') === `#/${cur}`);
    // a link with data-roles is shown only to those roles (the API denies the others anyway)
    if (a.dataset.roles) a.hidden = !me || !a.dataset.roles.split(' ').includes(me.user.role);
  }
}

export async function render() {
  if (app.cleanup) { app.cleanup(); app.cleanup = null; }
  const root = clear(document.getElementById('view'));
  const r = route();
  showBanner(app.notice);
  app.notice = '';
  if (!app.me) await loadMe().catch((e) => showBanner(t('common.error', { msg: e.message })));
  let view;
  if (!app.me) view = login;
  else if (app.me.password_change_required) view = account.passwordView;
  else if (app.me.totp_enrolment_required) view = account.enrolView;
  else view = ROUTES[r.name] || facilities;
  shell();
  pollUnacked();
  pollBulletin();
  root.dataset.view = view.NAME;
  const ctx = { app, params: r.params, go, render, refreshMe: loadMe, banner: showBanner };
  try {
    app.cleanup = (await view.render(root, ctx)) || null;
  } catch (e) {
    root.appendChild(h('p', { class: 'error' }, t('common.error', { msg: e.message })));
  }
}

// Unacknowledged alarms counted in the navigation on every page: nobody misses one because
// they were looking at a trend. One COUNT on the server (GET /api/v1/alarms/count) instead of
// downloading the list every 5 s. Stops for good when the server has no alarm API.
let badgeTimer = null;
async function pollUnacked() {
  clearTimeout(badgeTimer);
  const el = document.getElementById('unacked');
  const inside = app.me && !app.me.password_change_required && !app.me.totp_enrolment_required;
  if (inside) {
    try {
      const n = (await get('/api/v1/alarms/count')).unacked || 0;
      el.textContent = n > 999 ? '999+' : String(n);
      el.hidden = n === 0;
    } catch (e) {
      el.hidden = true;
      if (e.status === 404) return;
    }
  } else {
    el.hidden = true;
  }
  badgeTimer = setTimeout(pollUnacked, 5000);
}

// Unread posts of the bulletin board (home and common boards) beside its link; every human role
// reads the board (portal.read), so the link is always shown inside the portal.
let bbTimer = null;
async function pollBulletin() {
  clearTimeout(bbTimer);
  const el = document.getElementById('bb-unread');
  const inside = app.me && !app.me.password_change_required && !app.me.totp_enrolment_required;
  if (!inside) { el.hidden = true; return; }
  try {
    const n = (await get('/api/v1/bulletin/unread')).unread || 0;
    el.textContent = String(n);
    el.hidden = n === 0;
  } catch (e) {
    el.hidden = true;
    if (e.status === 404) return;
  }
  bbTimer = setTimeout(pollBulletin, 30000);
}
window.addEventListener('suido:bulletin-read', pollBulletin);

onUnauthorized((e) => {
  if (!app.me) return;
  app.me = null;
  app.notice = e.code === 'expired' ? t('login.expired') : '';
  render();
});

document.getElementById('lang').addEventListener('click', () => {
  setLang(getLang() === 'ja' ? 'en' : 'ja');
  render();
});
document.getElementById('logout').addEventListener('click', async () => {
  try { await post('/api/v1/logout'); } catch { /* gone already: logged out either way */ }
  app.me = null;
  go('#/facilities');
});
window.addEventListener('hashchange', render);
applyStatic(document);
render();
