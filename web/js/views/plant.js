// plant.js - operating one facility (#/plant?code=222): read its points now through the gateway
// (AP-IF #4, POST /apif/v1/reads) and switch its outputs (AP-IF #8, POST /apif/v1/controls)
// after a confirmation naming the facility, the output and the state; each request's state
// (queued → sent → succeeded / failed / timed_out / expired) followed live, every second, for a
// bounded time. The server checks the role and audits every request (request.submit/reply);
// this page only hides what the role may not do.
import { get, post } from '../api.js';
import { clear, h } from '../dom.js';
import { fmtNum, fmtTime, t } from '../i18n.js';

export const NAME = 'plant';
// lib/auth/policy.h: data.poll and control.request are the operator roles' (表2-3)
const POLL_ROLES = ['operator_general', 'operator_admin'];
const CONTROL_ROLES = ['operator_general', 'operator_admin'];
const FINAL = ['succeeded', 'failed', 'timed_out', 'expired'];
const POLL_MS = 1000;
const POLL_MAX = 180; // three minutes: longer than any request's deadline, then given up

const stateText = (s) => t(`plantops.state.${s}`);

export async function render(root, ctx) {
  const code = ctx.params.get('code') || '';
  const role = ctx.app.me.user.role;
  const err = h('p', { class: 'error', role: 'alert' });
  const head = h('h1', { id: 'plant-title' }, code);
  root.append(h('div', { class: 'page-head' }, head,
    h('a', { href: `#/alarms?facility=${encodeURIComponent(code)}` }, t('plantops.alarms'))), err);
  let alive = true;
  const timers = new Set();
  const sleep = (ms) => new Promise((res) => { const id = setTimeout(() => { timers.delete(id); res(); }, ms); timers.add(id); });
  const cleanup = () => { alive = false; timers.forEach(clearTimeout); };

  let fac, devices, points, outputs;
  try {
    const [fr, dr, pr, or] = await Promise.all([get('/apif/v1/master/facilities'),
      get('/apif/v1/master/devices'), get('/apif/v1/master/points'), get('/apif/v1/master/outputs')]);
    fac = (fr.items || []).find((f) => f.code === code);
    devices = new Set((dr.items || []).filter((d) => d.facility === code).map((d) => d.code));
    points = (pr.items || []).filter((p) => p.signal !== 'output' && devices.has(p.device));
    outputs = (or.items || []).filter((o) => devices.has(o.device));
  } catch (e) {
    err.textContent = t('common.error', { msg: e.message });
    return cleanup;
  }
  if (!fac) {
    err.textContent = t('plantops.not_found', { code });
    return cleanup;
  }
  const facName = fac.name || fac.code;
  head.textContent = t('plantops.title', { name: facName });

  // Follow request id until it is final (or POLL_MAX polls), telling show(request) each state.
  async function follow(id, show) {
    for (let i = 0; i < POLL_MAX && alive; i++) {
      let r;
      try {
        r = await get(`/apif/v1/requests/${id}`);
      } catch (e) {
        if (!alive) return null;
        show({ id, state: 'error', reason: e.message });
        return null;
      }
      if (!alive) return null;
      show(r);
      if (FINAL.includes(r.state)) return r;
      await sleep(POLL_MS);
    }
    if (alive) show({ id, state: 'gave_up' });
    return null;
  }
  const reqLine = (r) => {
    const why = r.reason ? ` (${r.reason})` : '';
    return t('plantops.req', { id: r.id, device: r.device || '', state: stateText(r.state) }) + why;
  };

  // ---- points: read now ------------------------------------------------------------------------
  const cells = new Map(); // data_id -> {value, time}
  const rows = points.map((p) => {
    const value = h('td', { class: 'num c-value' }, '—'), time = h('td', { class: 'c-time' }, '');
    cells.set(p.data_id, { value, time, unit: p.unit || '' });
    return h('tr', { dataset: { id: p.data_id } }, h('td', null, p.name), h('td', { class: 'hint' }, p.data_id),
      value, time);
  });
  const reqs = h('ul', { id: 'plant-read-requests', class: 'plant-requests', 'aria-live': 'polite' });
  const readBtn = h('button', { type: 'button', id: 'plant-read' }, t('plantops.read'));
  const setValue = (v) => {
    const c = cells.get(v.data_id);
    if (!c) return;
    c.value.textContent = typeof v.value === 'number' ? `${fmtNum(v.value)} ${c.unit}`.trim() : String(v.value);
    c.value.parentElement.dataset.read = 'yes';
    c.time.textContent = v.ts ? fmtTime(v.ts) : '';
  };
  readBtn.addEventListener('click', async () => {
    readBtn.disabled = true;
    clear(reqs);
    try {
      const r = await post('/apif/v1/reads', { data_ids: points.map((p) => p.data_id), wait: 0 });
      (r.values || []).forEach(setValue);
      await Promise.all((r.requests || []).map((q) => {
        const li = h('li', { dataset: { id: q.id, state: q.state } }, reqLine(q));
        reqs.append(li);
        return follow(q.id, (x) => {
          li.dataset.state = x.state;
          li.textContent = reqLine({ ...q, ...x });
          ((x.result && x.result.values) || []).forEach(setValue);
        });
      }));
    } catch (e) {
      if (alive) reqs.append(h('li', { class: 'error' }, t('common.error', { msg: e.message })));
    }
    if (alive) readBtn.disabled = false;
  });
  root.append(h('section', { id: 'plant-points' },
    h('div', { class: 'page-head' }, h('h2', null, t('plantops.points')),
      POLL_ROLES.includes(role) && points.length ? readBtn : null),
    reqs,
    points.length
      ? h('table', { class: 'grid', id: 'plant-point-table' },
        h('thead', null, h('tr', null, h('th', null, t('plantops.col.name')), h('th', null, t('plantops.col.data_id')),
          h('th', null, t('plantops.col.value')), h('th', null, t('plantops.col.time')))),
        h('tbody', null, rows))
      : h('p', null, t('plantops.no_points'))));

  // ---- outputs: switch with a confirmation -----------------------------------------------------
  const dialog = h('dialog', { id: 'plant-confirm', class: 'plant-confirm' });
  root.append(dialog);
  // the confirmation names the facility, the output and the state; resolves true to go on
  function confirmSwitch(o, value) {
    return new Promise((resolve) => {
      const done = (yes) => { dialog.close(); resolve(yes); };
      clear(dialog).append(
        h('h2', null, t('plantops.confirm_title')),
        h('p', { id: 'plant-confirm-text' }, t('plantops.confirm',
          { fac: facName, out: o.drives || o.name, state: t(`plantops.${value}`) })),
        h('div', { class: 'actions' },
          h('button', { type: 'button', id: 'plant-confirm-yes', class: value === 'on' ? 'danger' : '',
            onclick: () => done(true) }, t('plantops.execute')),
          h('button', { type: 'button', id: 'plant-confirm-no', class: 'ghost', onclick: () => done(false) }, t('plantops.cancel'))));
      dialog.addEventListener('cancel', () => resolve(false), { once: true });
      dialog.showModal();
    });
  }
  if (CONTROL_ROLES.includes(role)) {
    const list = outputs.map((o) => {
      const status = h('span', { class: 'plant-out-state', 'aria-live': 'polite' });
      const btns = ['on', 'off'].map((v) => h('button', { type: 'button', class: `act-${v}`,
        dataset: { value: v } }, t(`plantops.${v}`)));
      for (const b of btns) {
        b.addEventListener('click', async () => {
          const v = b.dataset.value;
          if (!(await confirmSwitch(o, v)) || !alive) return;
          btns.forEach((x) => { x.disabled = true; });
          status.dataset.state = 'posting';
          status.textContent = '…';
          try {
            const r = await post('/apif/v1/controls', { data_id: o.data_id, value: v, wait: 0 });
            const show = (x) => {
              status.dataset.state = x.state;
              status.textContent = `${t(`plantops.${v}`)}: ${reqLine({ ...r, ...x })}`;
            };
            show(r);
            if (!FINAL.includes(r.state)) await follow(r.id, show);
          } catch (e) {
            status.dataset.state = 'error';
            status.textContent = t('common.error', { msg: e.message });
          }
          if (alive) btns.forEach((x) => { x.disabled = false; });
        });
      }
      return h('li', { class: 'plant-out', dataset: { id: o.data_id } },
        h('span', { class: 'plant-out-name' }, o.drives || o.name), h('span', { class: 'hint' }, ` ${o.name} (${o.data_id}) `),
        btns, status);
    });
    root.append(h('section', { id: 'plant-outputs' }, h('h2', null, t('plantops.outputs')),
      list.length ? h('ul', { class: 'plant-out-list' }, list) : h('p', null, t('plantops.no_outputs'))));
  }
  return cleanup;
}
