// status.js - the monitoring status page (§2.1 #3): monitored components, resources of the
// platform host and performance per interface, refreshed every 10 s.
import { get } from '../api.js';
import { clear, h } from '../dom.js';
import { fmtNum, fmtTime, t } from '../i18n.js';

export const NAME = 'status';
const POLL_MS = 10000;
const SST = ['ok', 'warn', 'fault', 'unknown'];

const badge = (s) => {
  const st = SST.includes(s) ? s : 'unknown';
  return h('span', { class: `badge sst-${st}` }, t(`sst.${st}`));
};

function table(id, cols, rows) {
  return h('table', { class: 'grid', id },
    h('thead', null, h('tr', null, cols.map((c) => h('th', null, t(c))))),
    h('tbody', null, rows.length ? rows : h('tr', { class: 'empty' },
      h('td', { colspan: cols.length }, t('common.none')))));
}

export async function render(root) {
  const stamp = h('span', { class: 'stamp', id: 'st-generated' });
  const err = h('p', { class: 'error', role: 'alert' });
  const body = h('div', { id: 'status' });
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('st.title')), stamp), err, body);
  let timer = null, alive = true;
  async function poll() {
    try {
      const r = await get('/api/v1/status');
      if (!alive) return;
      err.textContent = '';
      stamp.textContent = t('st.generated', { t: fmtTime(r.generated_at) });
      clear(body).append(
        h('h2', null, t('st.components')),
        table('st-components', ['st.state', 'st.kind', 'st.name', 'st.detail', 'st.since'],
          (r.components || []).map((c) => h('tr', { class: `sst-${c.state}`, dataset: { kind: c.kind } },
            h('td', null, badge(c.state)), h('td', null, c.kind), h('td', null, c.name),
            h('td', null, c.detail || ''), h('td', null, fmtTime(c.since))))),
        h('h2', null, t('st.resources')),
        table('st-resources', ['st.state', 'st.name', 'st.value', 'st.warn', 'st.fault'],
          (r.resources || []).map((x) => h('tr', { class: `sst-${x.state}` },
            h('td', null, badge(x.state)), h('td', null, x.name),
            h('td', { class: 'num' }, `${fmtNum(x.value)} ${x.unit || ''}`),
            h('td', { class: 'num' }, fmtNum(x.warn)), h('td', { class: 'num' }, fmtNum(x.fault))))),
        h('h2', null, t('st.performance')),
        table('st-performance', ['st.interface', 'st.rps', 'st.p50', 'st.p99', 'st.errors'],
          (r.performance || []).map((p) => h('tr', null,
            h('td', null, p.interface), h('td', { class: 'num' }, fmtNum(p.rps)),
            h('td', { class: 'num' }, fmtNum(p.p50_ms)), h('td', { class: 'num' }, fmtNum(p.p99_ms)),
            h('td', { class: 'num' }, fmtNum(p.errors, 0))))));
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
