// facilities.js - each facility in its live state colour, as the plant mimic panels show pumps:
// running red, stopped green, faulted orange; no contact or unknown grey. Refreshed every 5 s.
import { get } from '../api.js';
import { clear, h } from '../dom.js';
import { fmtTime, t } from '../i18n.js';

export const NAME = 'facilities';
const STATES = ['running', 'stopped', 'faulted', 'no_contact', 'unknown'];
const POLL_MS = 5000;

function card(f) {
  const state = STATES.includes(f.state) ? f.state : 'unknown';
  const pumps = (f.pumps || []).map((p) =>
    h('li', { class: `pump ${p.running ? 'on' : 'off'}`, dataset: { id: p.data_id } },
      h('span', { class: 'lamp', 'aria-hidden': 'true' }), p.name,
      h('span', { class: 'sr' }, ` (${t(p.running ? 'state.running' : 'state.stopped')})`)));
  // the card opens the facility's alarms; the link below it, its operation page (plant.js)
  return h('div', { class: 'fac-cell' }, h('a', { class: `fac state-${state}`, href: `#/alarms?facility=${encodeURIComponent(f.code)}`,
    dataset: { code: f.code, state } },
  h('div', { class: 'fac-head' },
    h('span', { class: 'fac-name' }, f.name || f.code),
    h('span', { class: 'fac-state' }, t(`state.${state}`))),
  h('div', { class: 'fac-code' }, f.code),
  pumps.length ? h('ul', { class: 'pumps', 'aria-label': t('fac.pumps') }, pumps) : null,
  h('div', { class: `fac-alarms${f.active_alarms ? ' has' : ''}` },
    f.active_alarms ? h('span', { class: `sev sev-${f.max_severity}` }, t(`sev.${f.max_severity}`)) : null,
    t('fac.alarms', { n: f.active_alarms || 0 })),
  h('div', { class: 'fac-last' }, f.last_data ? t('fac.last', { t: fmtTime(f.last_data) }) : t('fac.never'))),
  h('a', { class: 'fac-op', href: `#/plant?code=${encodeURIComponent(f.code)}`, dataset: { code: f.code } },
    t('plantops.open')));
}

export async function render(root) {
  const grid = h('div', { class: 'fac-grid', id: 'facilities' });
  const stamp = h('span', { class: 'stamp', id: 'fac-updated' });
  const err = h('p', { class: 'error', role: 'alert' });
  const legend = h('ul', { class: 'legend', 'aria-label': t('fac.legend') },
    STATES.filter((s) => s !== 'unknown').map((s) =>
      h('li', { class: `state-${s}` }, h('span', { class: 'swatch' }), t(`state.${s}`))));
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('fac.title')), stamp), legend, err, grid);
  let timer = null, alive = true;
  async function poll() {
    try {
      const r = await get('/api/v1/facilities/status');
      if (!alive) return;
      clear(grid).append(...(r.items || []).map(card));
      if (!r.items || !r.items.length) grid.append(h('p', null, t('common.none')));
      err.textContent = '';
      stamp.textContent = t('common.updated', { t: fmtTime(new Date().toISOString(), false) });
    } catch (e) {
      if (!alive) return;
      err.textContent = e.status === 404 || e.status === 405
        ? t('common.unavailable', { msg: e.status }) : t('common.error', { msg: e.message });
    }
    if (alive) timer = setTimeout(poll, POLL_MS);
  }
  await poll();
  return () => { alive = false; clearTimeout(timer); };
}
