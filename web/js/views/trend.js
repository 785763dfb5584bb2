// trend.js - hourly trend of one point (AP-IF #10 with agg=hour) drawn as plain SVG: the mean as
// a line over the min..max band of each hour. The choice is kept in the URL so it can be shared.
import { get, qs } from '../api.js';
import { clear, h, s } from '../dom.js';
import { fmtNum, fmtTime, getLang, t } from '../i18n.js';

export const NAME = 'trend';
const RANGES = { '24h': 24, '7d': 24 * 7, '31d': 24 * 31 };
const W = 900, H = 320, M = { l: 64, r: 16, t: 16, b: 40 };

// about n round steps between lo and hi
function ticks(lo, hi, n) {
  const span = hi - lo || 1;
  const raw = span / n, mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((x) => span / x <= n) || 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(10));
  return out;
}

function chart(buckets, fromMs, toMs, unit) {
  const vals = buckets.flatMap((b) => [b.min, b.max]);
  let lo = Math.min(...vals), hi = Math.max(...vals);
  if (lo === hi) { lo -= 1; hi += 1; }
  const pad = (hi - lo) * 0.05;
  lo -= pad; hi += pad;
  const x = (ms) => M.l + ((ms - fromMs) / (toMs - fromMs)) * (W - M.l - M.r);
  const y = (v) => H - M.b - ((v - lo) / (hi - lo)) * (H - M.t - M.b);
  const mid = (b) => Date.parse(b.start) + 1800000; // the middle of its hour
  const band = buckets.map((b) => `${x(mid(b)).toFixed(1)},${y(b.max).toFixed(1)}`)
    .concat(buckets.slice().reverse().map((b) => `${x(mid(b)).toFixed(1)},${y(b.min).toFixed(1)}`));
  const line = buckets.map((b) => `${x(mid(b)).toFixed(1)},${y(b.avg).toFixed(1)}`).join(' ');
  const g = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', id: 'trend-chart', role: 'img',
    'aria-label': t('trend.title') });
  for (const v of ticks(lo, hi, 5)) {
    g.append(s('line', { class: 'gridline', x1: M.l, x2: W - M.r, y1: y(v), y2: y(v) }),
      s('text', { class: 'tick', x: M.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, fmtNum(v)));
  }
  const hours = (toMs - fromMs) / 3600000, stepH = hours <= 24 ? 3 : hours <= 168 ? 24 : 24 * 4;
  const fmt = new Intl.DateTimeFormat(getLang() === 'ja' ? 'ja-JP' : 'en-GB', {
    timeZone: 'Asia/Tokyo', month: 'numeric', day: 'numeric', hour: hours <= 24 ? '2-digit' : undefined,
    minute: hours <= 24 ? '2-digit' : undefined, hour12: false });
  // ticks on JST hour boundaries (UTC+9 has no daylight saving)
  const jst = 9 * 3600000, first = Math.ceil((fromMs + jst) / (stepH * 3600000)) * stepH * 3600000 - jst;
  for (let ms = first; ms <= toMs; ms += stepH * 3600000)
    g.append(s('line', { class: 'gridline v', x1: x(ms), x2: x(ms), y1: M.t, y2: H - M.b }),
      s('text', { class: 'tick', x: x(ms), y: H - M.b + 16, 'text-anchor': 'middle' }, fmt.format(ms)));
  g.append(s('polygon', { class: 'band', points: band.join(' ') }),
    s('polyline', { class: 'line', points: line }),
    s('text', { class: 'unit', x: 4, y: M.t + 4 }, unit || ''));
  for (const b of buckets)
    g.append(s('circle', { class: 'dot', cx: x(mid(b)), cy: y(b.avg), r: 2.5 },
      s('title', null, `${fmtTime(b.start)}  ${fmtNum(b.avg)} (${fmtNum(b.min)}–${fmtNum(b.max)})`)));
  return g;
}

export async function render(root, ctx) {
  const p = ctx.params;
  const range = RANGES[p.get('range')] ? p.get('range') : '7d'; // the terminals keep four days: show them at once
  const selFac = h('select', { id: 'trend-facility' }, h('option', { value: '' }, '—'));
  const selPt = h('select', { id: 'trend-point' }, h('option', { value: '' }, '—'));
  const selRange = h('select', { id: 'trend-range' }, Object.keys(RANGES).map((k) =>
    h('option', { value: k, selected: k === range ? true : undefined }, t(`trend.${k}`))));
  const out = h('div', { id: 'trend-out' });
  const err = h('p', { class: 'error', role: 'alert' });
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('trend.title'))),
    h('div', { class: 'filters' },
      h('label', null, t('trend.facility'), selFac),
      h('label', null, t('trend.point'), selPt),
      h('label', null, t('trend.range'), selRange)), err, out);

  let points = [];
  try {
    const [fr, pr] = await Promise.all([get('/apif/v1/master/facilities'), get('/apif/v1/master/points')]);
    const devs = await get('/apif/v1/master/devices');
    const facOf = new Map((devs.items || []).map((d) => [d.code, d.facility]));
    points = (pr.items || []).filter((x) => x.signal !== 'output')
      .map((x) => ({ ...x, facility: facOf.get(x.device) || '' }));
    for (const f of fr.items || []) selFac.append(h('option', { value: f.code }, `${f.name} (${f.code})`));
  } catch (e) {
    err.textContent = t('common.error', { msg: e.message });
    return undefined;
  }
  const want = p.get('point') || '';
  const wantFac = (points.find((x) => x.data_id === want) || {}).facility || p.get('facility') || '';
  selFac.value = wantFac;
  function fillPoints() {
    clear(selPt).append(h('option', { value: '' }, '—'),
      ...points.filter((x) => x.facility === selFac.value).map((x) =>
        h('option', { value: x.data_id }, `${x.name} (${x.data_id})`)));
  }
  fillPoints();
  selPt.value = want;
  const navigate = () => ctx.go(`#/trend${qs({ facility: selFac.value, point: selPt.value,
    range: selRange.value })}`);
  selFac.addEventListener('change', () => { fillPoints(); navigate(); });
  selPt.addEventListener('change', navigate);
  selRange.addEventListener('change', navigate);

  if (!selPt.value) { out.append(h('p', null, t('trend.choose'))); return undefined; }
  const pt = points.find((x) => x.data_id === selPt.value);
  const toMs = Math.ceil(Date.now() / 3600000) * 3600000, fromMs = toMs - RANGES[range] * 3600000;
  out.append(h('p', null, t('common.loading')));
  try {
    const r = await get(`/apif/v1/points/${encodeURIComponent(pt.data_id)}/values${qs({
      from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), agg: 'hour' })}`);
    const b = (r.buckets || []).filter((x) => x.count > 0);
    clear(out);
    if (!b.length) { out.append(h('p', { id: 'trend-empty' }, t('trend.empty'))); return undefined; }
    const min = Math.min(...b.map((x) => x.min)), max = Math.max(...b.map((x) => x.max));
    const avg = b.reduce((a, x) => a + x.sum, 0) / b.reduce((a, x) => a + x.count, 0);
    out.append(h('h2', null, pt.name, pt.unit ? ` [${pt.unit}]` : ''),
      chart(b, fromMs, toMs, pt.unit),
      h('p', { class: 'stamp', id: 'trend-summary', dataset: { buckets: b.length } },
        t('trend.summary', { n: b.length, min: fmtNum(min), max: fmtNum(max), avg: fmtNum(avg) })));
  } catch (e) {
    clear(out).append(h('p', { class: 'error' }, t('common.error', { msg: e.message })));
  }
  return undefined;
}
