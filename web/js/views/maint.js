// maint.js - 保守点検 (issue 12): a facility's month plan (visits by day, overdue in red), an
// inspection recorded from its checklist (phone width first), and the defects with their
// 修繕要望 status (the contractor's) and instruction (the utility's).
import { api, get, post, qs } from '../api.js';
import { clear, h } from '../dom.js';
import { getLang, t } from '../i18n.js';

export const NAME = 'maint';
const VENDOR = ['apvendor_general', 'apvendor_admin', 'gwvendor_general', 'gwvendor_admin'];
const STATUSES = ['awaiting', 'estimating', 'considering', 'arranged', 'done'];
const INSTR = ['repair', 'watch', 'other'];
const ENDS = ['switches', 'manholes', 'alarm', 'gas', 'fire', 'water_valve', 'lights', 'doors'];

function thisMonth() {
  const d = new Date(Date.now() + 9 * 3600e3); // JST, where the plants are
  return d.toISOString().slice(0, 7);
}

const label = (o, k) => (getLang() === 'en' && o[`${k}_en`]) || o[k];

export async function render(root, ctx) {
  const me = ctx.app.me.user;
  const canRecord = VENDOR.includes(me.role);
  const canInstruct = me.role === 'operator_general' || me.role === 'operator_admin';
  const err = h('p', { class: 'error', role: 'alert', id: 'mt-error' });
  const tenantSel = h('select', { id: 'mt-tenant' });
  const facSel = h('select', { id: 'mt-facility' });
  const month = h('input', { id: 'mt-month', type: 'month', value: ctx.params.get('month') || thisMonth() });
  const planBox = h('div', { id: 'mt-plan-box' });
  const formBox = h('div', { id: 'mt-form-box' });
  const defBox = h('div', { id: 'mt-defects-box' });
  root.append(h('div', { class: 'page-head' }, h('h1', null, t('maint.title'))), err,
    h('div', { class: 'filters' },
      h('label', null, t('maint.tenant'), tenantSel),
      h('label', null, t('maint.facility'), facSel),
      h('label', null, t('maint.month'), month)),
    planBox, formBox, defBox);
  const show = (e) => { err.textContent = t('common.error', { msg: e.field ? `${e.field}: ${e.message}` : e.message }); };

  // tenants: an operator's own; a contractor's, those it maintains (others answer 403)
  let tenants = [];
  try {
    const r = await get('/api/v1/tenants');
    tenants = (r.items || []).filter((x) => x.kind !== 'vendor' && x.kind !== 'common');
  } catch { tenants = [{ id: me.tenant_id, name: '' }]; }
  const facs = {};
  for (const tn of tenants) {
    try { facs[tn.id] = (await get(`/api/v1/maint/facilities${qs({ tenant_id: tn.id })}`)).items || []; }
    catch { /* not maintained by this contractor */ }
  }
  tenants = tenants.filter((x) => facs[x.id] && facs[x.id].length);
  if (!tenants.length) { planBox.append(h('p', { id: 'mt-empty' }, t('maint.no_tenant'))); return null; }
  for (const tn of tenants) tenantSel.append(h('option', { value: tn.id }, tn.name || String(tn.id)));
  const want = ctx.params.get('facility');
  const tOf = want && tenants.find((tn) => facs[tn.id].some((f) => String(f.id) === want));
  if (tOf) tenantSel.value = String(tOf.id);
  let templates = null;

  function fillFacilities() {
    clear(facSel);
    for (const f of facs[tenantSel.value] || [])
      facSel.append(h('option', { value: f.id }, `${f.code} ${f.name}`));
    if (want && [...facSel.options].some((o) => o.value === want)) facSel.value = want;
  }

  async function loadPlan() {
    err.textContent = '';
    clear(formBox);
    const p = await get(`/api/v1/maint/plan${qs({ facility: facSel.value, month: month.value })}`);
    const rows = p.visits.map((v) => {
      const moveIn = h('input', { type: 'date', class: 'mt-move-date', value: v.planned_on });
      return h('tr', { class: `mt-${v.state}`, dataset: { visitId: v.id, state: v.state, cycle: v.cycle } },
        h('td', null, v.planned_on), h('td', null, t(`maint.cycle.${v.cycle}`)),
        h('td', null, h('span', { class: `badge mt-st-${v.state}` }, t(`maint.state.${v.state}`))),
        h('td', { class: 'c-actions' }, canRecord && v.state !== 'done' ? [
          h('button', { type: 'button', class: 'mt-record', onclick: () => openForm(v) }, t('maint.record')),
          moveIn,
          h('button', { type: 'button', class: 'ghost mt-move', onclick: async () => {
            try { await api('PATCH', `/api/v1/maint/visits/${v.id}`, { planned_on: moveIn.value }); await loadPlan(); }
            catch (e) { show(e); } } }, t('maint.move')),
        ] : null));
    });
    clear(planBox).append(h('h2', null, t('maint.plan', { name: `${p.code} ${p.name}`, month: p.month })),
      rows.length ? h('table', { class: 'grid', id: 'mt-plan' },
        h('thead', null, h('tr', null, ['maint.date', 'maint.cycle', 'maint.state', ''].map((c) => h('th', null, c ? t(c) : '')))),
        h('tbody', null, rows))
        : h('p', { id: 'mt-noplan' }, t('maint.noplan')),
      !rows.length && canRecord ? h('button', { type: 'button', id: 'mt-generate', onclick: async () => {
        try { await post('/api/v1/maint/plan', { facility: Number(facSel.value), month: month.value }); await loadPlan(); }
        catch (e) { show(e); } } }, t('maint.generate')) : '');
  }

  async function openForm(v) {
    if (!templates) templates = (await get('/api/v1/maint/templates')).items;
    const tpl = templates.find((x) => x.cycle === v.cycle);
    const items = tpl.items.map((it) => {
      if (it.kind === 'value')
        return h('div', { class: 'mt-item', dataset: { item: it.id, kind: 'value' } },
          h('label', null, label(it, 'label'),
            h('span', { class: 'mt-unit-row' }, h('input', { type: 'number', step: 'any', inputmode: 'decimal', class: 'mt-value', name: `value-${it.id}` }),
              h('span', { class: 'mt-unit' }, it.unit))));
      const name = `item-${it.id}`;
      return h('fieldset', { class: 'mt-item', dataset: { item: it.id, kind: 'check' } },
        h('legend', null, label(it, 'label')),
        h('div', { class: 'mt-choices' }, ['good', 'not_good', 'na'].map((r) => h('label', { class: `mt-choice mt-${r}` },
          h('input', { type: 'radio', name, value: r, checked: r === 'good' }), t(`maint.result.${r}`)))),
        h('input', { type: 'text', class: 'mt-note', name: `note-${it.id}`, placeholder: t('maint.note') }));
    });
    const remarks = h('textarea', { id: 'mt-remarks', rows: 3 });
    const ends = ENDS.map((k) => h('label', { class: 'mt-end' },
      h('input', { type: 'checkbox', id: `mt-end-${k}`, checked: true }), t(`maint.end.${k}`)));
    const form = h('form', { id: 'mt-form', onsubmit: async (ev) => {
      ev.preventDefault();
      const answers = [];
      for (const el of form.querySelectorAll('.mt-item')) {
        const id = Number(el.dataset.item);
        if (el.dataset.kind === 'value') {
          const x = el.querySelector('.mt-value').value;
          answers.push(x === '' ? { item_id: id, result: 'na' } : { item_id: id, value: Number(x) });
        } else {
          const r = el.querySelector('input[type=radio]:checked');
          const note = el.querySelector('.mt-note').value;
          answers.push({ item_id: id, result: r ? r.value : '', ...(note ? { note } : {}) });
        }
      }
      const end_checks = Object.fromEntries(ENDS.map((k) => [k, form.querySelector(`#mt-end-${k}`).checked]));
      try {
        const r = await post('/api/v1/maint/inspections', { facility: Number(facSel.value), cycle: v.cycle,
          template_id: tpl.id, visit_id: v.id, remarks: remarks.value, answers, end_checks });
        await loadPlan();
        formBox.append(h('p', { id: 'mt-result', role: 'status' }, t('maint.recorded', { n: r.defect_ids.length })));
        await loadDefects();
      } catch (e) { show(e); }
    } },
    h('h2', null, `${label(tpl, 'name')} — ${v.planned_on}`), items,
    h('label', null, t('maint.remarks'), remarks),
    h('fieldset', { class: 'mt-ends' }, h('legend', null, t('maint.ends')), ends),
    h('button', { type: 'submit', id: 'mt-submit' }, t('maint.submit')));
    clear(formBox).append(form);
    form.scrollIntoView();
  }

  async function loadDefects() {
    const r = await get(`/api/v1/maint/defects${qs({ tenant_id: tenantSel.value })}`);
    const rows = (r.items || []).map((d) => {
      const st = h('select', { class: 'mt-status' }, STATUSES.map((s) => h('option', { value: s, selected: s === d.status }, t(`maint.status.${s}`))));
      const ins = h('select', { class: 'mt-instr' }, INSTR.map((s) => h('option', { value: s, selected: s === d.instruction }, t(`maint.instr.${s}`))));
      const patch = (body) => async () => {
        try { await api('PATCH', `/api/v1/maint/defects/${d.id}`, body()); await loadDefects(); }
        catch (e) { show(e); }
      };
      return h('tr', { dataset: { id: d.id, status: d.status, instruction: d.instruction } },
        h('td', null, String(d.id)), h('td', null, `${d.facility_code} ${d.facility_name}`),
        h('td', null, d.place, h('div', { class: 'a-msg' }, d.description)),
        h('td', { class: 'mt-status-cell' }, t(`maint.status.${d.status}`)),
        h('td', null, d.instruction ? `${t(`maint.instr.${d.instruction}`)} ${d.instruction_on}` : '—'),
        h('td', { class: 'c-actions' },
          canRecord ? [st, h('button', { type: 'button', class: 'mt-status-go', onclick: patch(() => ({ status: st.value })) }, t('maint.set_status'))] : null,
          canInstruct ? [ins, h('button', { type: 'button', class: 'mt-instr-go', onclick: patch(() => ({ instruction: ins.value })) }, t('maint.instruct'))] : null));
    });
    clear(defBox).append(h('h2', null, t('maint.defects')),
      h('div', { class: 'scroll-x' }, h('table', { class: 'grid', id: 'mt-defects' },
        h('thead', null, h('tr', null, ['#', 'maint.facility', 'maint.place', 'maint.state', 'maint.instruction', ''].map((c) => h('th', null, c.startsWith('maint.') ? t(c) : c)))),
        h('tbody', null, rows.length ? rows : h('tr', { class: 'empty' }, h('td', { colspan: 6 }, t('common.none')))))));
  }

  const reload = () => loadPlan().then(loadDefects).catch(show);
  tenantSel.addEventListener('change', () => { fillFacilities(); reload(); });
  facSel.addEventListener('change', reload);
  month.addEventListener('change', reload);
  fillFacilities();
  await reload();
  return null;
}
