// contacts.js - 連絡体制表: the contact lists of the tenant (approved = in force, pending,
// rejected, superseded), an editor by escalation step (people, severities, duty periods; the
// server judges and its field/reason is shown next to the field), four-eyes decisions with a
// comment and the changes against the list in force, test mails and drills.
// The server enforces every rule; the page only hides what the role or the state cannot do and
// says why, so nobody presses a button that can only fail.
import { api, get, post } from '../api.js';
import { clear, h } from '../dom.js';
import { fmtTime, t } from '../i18n.js';

export const NAME = 'contacts';
const SUBMITTERS = ['operator_admin', 'apvendor_admin', 'gwvendor_admin'];
const APPROVERS = ['operator_admin'];
const EXAMPLE_DUTY = 'mon-fri 08:30-17:15;sat,sun,hol 00:00-24:00';

// Element.append() would print null as "null": leave out what a role or state does not show
const add = (el, ...kids) => el.append(...kids.flat().filter((k) => k !== null && k !== undefined && k !== false));
const statusBadge = (s) => h('span', { class: `badge cst-${s}`, dataset: { status: s } },
  t(`contacts.st.${s}`));
const when = (ms) => (ms ? fmtTime(new Date(Number(ms)).toISOString()) : '—');

// The people of a list by step: [[entry...] for step 1, ...], steps without people dropped.
function bySteps(entries) {
  const steps = new Map();
  for (const e of entries || []) {
    if (!steps.has(e.order)) steps.set(e.order, []);
    steps.get(e.order).push(e);
  }
  return [...steps.keys()].sort((a, b) => a - b).map((k) => steps.get(k));
}

// What an approval would change against the list in force: people added, removed, changed
// (matched by e-mail address, the one thing the notifier really uses).
export function changes(cur, next) {
  const key = (e) => String(e.email).toLowerCase();
  const old = new Map((cur || []).map((e) => [key(e), e]));
  const out = [];
  for (const e of next || []) {
    const o = old.get(key(e));
    old.delete(key(e));
    if (!o) { out.push({ kind: 'added', e }); continue; }
    const what = ['name', 'phone', 'order', 'min_severity', 'duty']
      .filter((f) => String(o[f] ?? '') !== String(e[f] ?? ''))
      .map((f) => ({ f, from: o[f] ?? '', to: e[f] ?? '' }));
    if (what.length) out.push({ kind: 'changed', e, what });
  }
  for (const e of old.values()) out.push({ kind: 'removed', e });
  return out;
}

export async function render(root, ctx) {
  const me = ctx.app.me.user;
  const canSubmit = SUBMITTERS.includes(me.role);
  const canDecide = APPROVERS.includes(me.role);
  // where a new list goes: the operator's own tenant, or a tenant the vendor serves
  const tenants = me.role.startsWith('operator') ? [me.tenant_id] : (ctx.app.me.serves || []);
  let lists = [], facilities = [];

  const msg = h('p', { class: 'notice', id: 'contacts-msg', role: 'status', hidden: true });
  const err = h('p', { class: 'error', id: 'contacts-error', role: 'alert' });
  const tbody = h('tbody');
  const table = h('table', { class: 'grid', id: 'contacts-table' },
    h('thead', null, h('tr', null, ['name', 'scope', 'status', 'submitted', 'decided']
      .map((c) => h('th', null, t(`contacts.col.${c}`))))), tbody);
  const panel = h('section', { class: 'card panel', id: 'contacts-panel', hidden: true });
  const newBtn = canSubmit && tenants.length
    ? h('button', { type: 'button', id: 'contacts-new', onclick: () => edit(null) }, t('contacts.new'))
    : null;
  add(root, h('div', { class: 'page-head' }, h('h1', null, t('contacts.title')), newBtn),
    h('p', { class: 'hint', id: 'contacts-role-hint' },
      t(canDecide ? 'contacts.hint.admin' : canSubmit ? 'contacts.hint.vendor' : 'contacts.hint.read')),
    msg, err, panel, table);

  const say = (text) => { msg.textContent = text; msg.hidden = !text; };
  const scopeOf = (l) => (l.facility ? l.facility : t('contacts.scope.all'));
  const active = (l) => lists.find((x) => x.status === 'approved' && x.tenant_id === l.tenant_id &&
    x.facility === l.facility);
  const who = (id) => (id === me.id ? t('contacts.you') : t('contacts.user', { id }));

  async function load(showId) {
    err.textContent = '';
    delete table.dataset.loaded; // set again once the rows are in (tests wait on it)
    try {
      lists = (await get('/api/v1/contacts')).items || [];
    } catch (e) {
      err.textContent = t('common.error', { msg: e.message });
      return;
    }
    clear(tbody);
    if (!lists.length)
      tbody.append(h('tr', null, h('td', { colspan: 5, class: 'hint' }, t('contacts.none'))));
    // the lists in force first, then waiting, then the rest, newest first within each
    const rank = { approved: 0, submitted: 1, rejected: 2, superseded: 3 };
    for (const l of [...lists].sort((a, b) => (rank[a.status] ?? 9) - (rank[b.status] ?? 9) || b.id - a.id)) {
      tbody.append(h('tr', { dataset: { id: l.id, status: l.status }, class: `cl-${l.status}` },
        h('td', null, h('button', { type: 'button', class: 'ghost open-list', onclick: () => show(l.id) }, l.name)),
        h('td', null, scopeOf(l)),
        h('td', null, statusBadge(l.status),
          l.status === 'approved' ? h('span', { class: 'in-force' }, ' ', t('contacts.in_force')) : null),
        h('td', null, who(l.submitted_by), ' ', h('span', { class: 'stamp' }, when(l.submitted_at))),
        h('td', null, l.decided_by ? [who(l.decided_by), ' ', h('span', { class: 'stamp' }, when(l.decided_at))] : '—')));
    }
    table.dataset.loaded = '1';
    if (showId) show(showId);
  }

  function close() { panel.hidden = true; clear(panel); }

  function entriesTable(entries) {
    const steps = bySteps(entries);
    return h('table', { class: 'grid', id: 'contacts-entries' },
      h('thead', null, h('tr', null, ['step', 'person', 'email', 'phone', 'severity', 'duty']
        .map((c) => h('th', null, t(`contacts.col.${c}`))))),
      h('tbody', null, steps.flatMap((people) => people.map((e, k) => h('tr', { dataset: { step: e.order } },
        h('td', null, k === 0 ? t('contacts.step', { n: e.order }) : ''),
        h('td', null, e.name), h('td', null, e.email), h('td', null, e.phone || '—'),
        h('td', null, t('alarm.sev_le', { s: t(`sev.${e.min_severity}`) })),
        h('td', null, h('code', null, e.duty)))))));
  }

  function changesList(l) {
    const cur = active(l);
    if (!cur) return h('p', { id: 'contacts-changes', class: 'hint' }, t('contacts.changes.first'));
    const ch = changes(cur.entries, l.entries);
    const fl = (f, v) => (f === 'min_severity' ? t('alarm.sev_le', { s: t(`sev.${v}`) }) : f === 'order' ? t('contacts.step', { n: v }) : String(v || '—'));
    return h('div', { id: 'contacts-changes' },
      h('h3', null, t('contacts.changes.title', { name: cur.name })),
      ch.length ? h('ul', null, ch.map((c) => h('li', { class: `ch-${c.kind}` },
        h('strong', null, t(`contacts.changes.${c.kind}`)), ' ', c.e.name, ` <${c.e.email}>`,
        c.kind === 'changed'
          ? h('ul', null, c.what.map((w) => h('li', null, t(`contacts.col.${w.f === 'min_severity' ? 'severity' : w.f === 'order' ? 'step' : w.f === 'name' ? 'person' : w.f}`),
            ': ', fl(w.f, w.from), ' → ', fl(w.f, w.to))))
          : null)))
        : h('p', { class: 'hint' }, t('contacts.changes.none')));
  }

  function show(id) {
    const l = lists.find((x) => x.id === Number(id));
    if (!l) return;
    clear(panel);
    panel.hidden = false;
    panel.dataset.id = l.id;
    const acts = h('div', { class: 'actions', id: 'contacts-actions' });
    const frozen = l.status === 'approved' || l.status === 'superseded';
    add(panel, h('h2', null, l.name, ' ', statusBadge(l.status)),
      h('dl', { class: 'facts' },
        h('dt', null, t('contacts.col.scope')), h('dd', null, scopeOf(l)),
        h('dt', null, t('contacts.col.submitted')), h('dd', null, who(l.submitted_by), ' ', when(l.submitted_at)),
        l.decided_by ? [h('dt', null, t('contacts.col.decided')), h('dd', null, who(l.decided_by), ' ', when(l.decided_at))] : null,
        l.reason ? [h('dt', null, t('contacts.reason')), h('dd', { id: 'contacts-reason' }, l.reason)] : null),
      l.status === 'approved' ? h('p', { class: 'hint', id: 'contacts-active-note' }, t('contacts.active_note')) : null,
      entriesTable(l.entries));
    if (l.status === 'submitted') panel.append(changesList(l));

    // four eyes: an operator admin who did not submit it decides; the others are told why not
    if (l.status === 'submitted') {
      if (canDecide && l.submitted_by !== me.id) {
        const comment = h('textarea', { id: 'contacts-comment', rows: 2, maxlength: 512 });
        const dErr = h('p', { class: 'error', id: 'contacts-decide-error', role: 'alert' });
        const decide = async (how) => {
          dErr.textContent = '';
          if (how === 'reject' && !comment.value.trim()) { dErr.textContent = t('contacts.reason_required'); return; }
          try {
            await post(`/api/v1/contacts/${l.id}/${how}`, comment.value.trim() ? { reason: comment.value.trim() } : {});
            say(t(`contacts.done.${how}`, { name: l.name }));
            await load(l.id);
          } catch (e) { dErr.textContent = t('common.error', { msg: e.message }); }
        };
        panel.append(h('div', { id: 'contacts-decide' },
          h('label', null, t('contacts.comment'), comment), dErr,
          h('div', { class: 'actions' },
            h('button', { type: 'button', id: 'contacts-approve', onclick: () => decide('approve') }, t('contacts.approve')),
            h('button', { type: 'button', class: 'ghost', id: 'contacts-reject', onclick: () => decide('reject') }, t('contacts.reject')))));
      } else if (canDecide) {
        panel.append(h('p', { class: 'notice', id: 'contacts-why' }, t('contacts.why.own')));
      } else {
        panel.append(h('p', { class: 'hint', id: 'contacts-why' }, t('contacts.why.role')));
      }
    }
    if (canSubmit) {
      if (!frozen)
        acts.append(h('button', { type: 'button', id: 'contacts-edit', onclick: () => edit(l) },
          t(l.status === 'rejected' ? 'contacts.edit_resubmit' : 'contacts.edit')));
      else if (l.status === 'approved')
        acts.append(h('button', { type: 'button', id: 'contacts-revise', onclick: () => edit(l, true) }, t('contacts.revise')));
      acts.append(h('button', { type: 'button', class: 'ghost', id: 'contacts-test', onclick: () => test(l, false) }, t('contacts.test')));
      if (l.status === 'approved')
        acts.append(h('button', { type: 'button', class: 'ghost', id: 'contacts-drill', onclick: () => test(l, true) }, t('contacts.drill')));
    }
    acts.append(h('button', { type: 'button', class: 'ghost', id: 'contacts-close', onclick: close }, t('common.close')));
    panel.append(acts);
  }

  async function test(l, drill) {
    err.textContent = '';
    try {
      const r = await post('/api/v1/notifications/test', drill ? { list_id: l.id, drill: true } : { list_id: l.id });
      if (!drill) { say(t('contacts.test_done', { n: (r.ids || []).length })); return; }
      say(t('contacts.drill_done'));
      msg.append(' ', h('button', { type: 'button', id: 'contacts-drill-ack', onclick: async () => {
        try {
          await post(`/api/v1/notifications/drills/${r.drill_id}/ack`);
          say(t('contacts.drill_acked'));
        } catch (e) { err.textContent = t('common.error', { msg: e.message }); }
      } }, t('contacts.drill_ack')));
    } catch (e) { err.textContent = t('common.error', { msg: e.message }); }
  }

  // ---- the editor: steps in order, people in each; the server's verdict beside its field ------
  function edit(l, copy) {
    clear(panel);
    panel.hidden = false;
    delete panel.dataset.id;
    const steps = l ? bySteps(l.entries).map((p) => p.map((e) => ({ ...e }))) : [[{}]];
    const name = h('input', { id: 'ce-name', maxlength: 128, value: l ? l.name : '', dataset: { field: 'name' } });
    const fac = h('input', { id: 'ce-facility', maxlength: 64, value: l ? l.facility : '', list: 'ce-facilities', dataset: { field: 'facility' } });
    const facList = h('datalist', { id: 'ce-facilities' }, facilities.map((f) => h('option', { value: f.code }, f.name)));
    const tenant = h('select', { id: 'ce-tenant', dataset: { field: 'tenant_id' }, disabled: !!l && !copy },
      tenants.map((id) => h('option', { value: id, selected: l && l.tenant_id === id ? true : undefined }, t('contacts.tenant', { id }))));
    const fErr = h('p', { class: 'error', id: 'ce-error', role: 'alert' });
    const stepsBox = h('div', { id: 'ce-steps' });
    const fieldErr = (field) => h('small', { class: 'error field-error', dataset: { for: field } });

    function drawSteps() {
      clear(stepsBox);
      let idx = 0; // the entry's index in the array sent, so "entries[3].duty" finds its input
      steps.forEach((people, si) => {
        const box = h('fieldset', { class: 'card ce-step', dataset: { step: si + 1 } },
          h('legend', null, t('contacts.step', { n: si + 1 })));
        people.forEach((p, pi) => {
          const f = (k) => `entries[${idx}].${k}`;
          const inp = (k, attrs) => {
            const el = h('input', { ...attrs, value: p[k] ?? '', dataset: { field: f(k) },
              class: `ce-${k}` });
            el.addEventListener('input', () => { p[k] = el.value; });
            return el;
          };
          const sev = h('select', { class: 'ce-min_severity', dataset: { field: f('min_severity') } },
            [1, 2, 3, 4].map((n) => h('option', { value: n, selected: (p.min_severity || 4) === n ? true : undefined },
              t('alarm.sev_le', { s: t(`sev.${n}`) }))));
          p.min_severity = p.min_severity || 4;
          sev.addEventListener('change', () => { p.min_severity = Number(sev.value); });
          box.append(h('div', { class: 'ce-person', dataset: { entry: idx } },
            h('label', null, t('contacts.col.person'), inp('name', { maxlength: 64 }), fieldErr(f('name'))),
            h('label', null, t('contacts.col.email'), inp('email', { type: 'email', maxlength: 254 }), fieldErr(f('email'))),
            h('label', null, t('contacts.col.phone'), inp('phone', { type: 'tel', maxlength: 32 }), fieldErr(f('phone'))),
            h('label', null, t('contacts.col.severity'), sev, fieldErr(f('min_severity'))),
            h('label', { class: 'ce-duty-label' }, t('contacts.col.duty'),
              inp('duty', { maxlength: 256, placeholder: EXAMPLE_DUTY, size: 44 }),
              h('small', { class: 'hint' }, t('contacts.duty_hint')), fieldErr(f('duty'))),
            h('button', { type: 'button', class: 'ghost ce-remove', onclick: () => {
              people.splice(pi, 1);
              if (!people.length) steps.splice(si, 1);
              if (!steps.length) steps.push([{}]);
              drawSteps();
            } }, t('contacts.remove_person'))));
          idx += 1;
        });
        box.append(h('button', { type: 'button', class: 'ghost ce-add-person', onclick: () => { people.push({}); drawSteps(); } },
          t('contacts.add_person')));
        stepsBox.append(box);
      });
      stepsBox.append(h('button', { type: 'button', class: 'ghost', id: 'ce-add-step', disabled: steps.length >= 9,
        onclick: () => { steps.push([{}]); drawSteps(); } }, t('contacts.add_step')));
    }

    function showError(e) {
      for (const el of panel.querySelectorAll('.field-error')) el.textContent = '';
      for (const el of panel.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
      const field = e.field || '';
      const slot = [...panel.querySelectorAll('.field-error')].find((x) => x.dataset.for === field);
      const input = [...panel.querySelectorAll('[data-field]')].find((x) => x.dataset.field === field);
      if (slot) slot.textContent = e.message;
      if (input) { input.setAttribute('aria-invalid', 'true'); input.focus(); }
      fErr.textContent = slot ? t('contacts.fix_field') : t('common.error', { msg: e.message });
    }

    async function submit(ev) {
      ev.preventDefault();
      const entries = [];
      steps.forEach((people, si) => people.forEach((p) => {
        const e = { name: p.name || '', email: p.email || '', order: si + 1,
          min_severity: Number(p.min_severity || 4), duty: p.duty || '' };
        if (p.phone) e.phone = p.phone;
        entries.push(e);
      }));
      const body = { tenant_id: Number(tenant.value), facility: fac.value.trim(), name: name.value.trim(), entries };
      try {
        const r = l && !copy ? await api('PUT', `/api/v1/contacts/${l.id}`, body)
          : await post('/api/v1/contacts', body);
        say(t('contacts.submitted', { name: r.name }));
        await load(r.id);
      } catch (e) { showError(e); }
    }

    drawSteps();
    add(panel, h('h2', null, t(l && !copy ? 'contacts.editing' : 'contacts.new')),
      copy ? h('p', { class: 'hint' }, t('contacts.revise_note')) : null,
      h('form', { id: 'ce-form', onsubmit: submit, novalidate: true },
        h('label', null, t('contacts.col.name'), name, fieldErr('name')),
        tenants.length > 1 ? h('label', null, t('contacts.tenant_label'), tenant, fieldErr('tenant_id')) : null,
        h('label', null, t('contacts.col.scope'), fac, facList, h('small', { class: 'hint' }, t('contacts.scope_hint')), fieldErr('facility')),
        stepsBox, fieldErr('entries'), fErr,
        h('div', { class: 'actions' },
          h('button', { type: 'submit', id: 'ce-submit' }, t('contacts.submit')),
          h('button', { type: 'button', class: 'ghost', id: 'ce-cancel', onclick: close }, t('common.cancel')))));
    name.focus();
  }

  // facility codes for the editor, when the role may read the master (vendors type the code)
  if (canSubmit && me.role === 'operator_admin')
    get('/apif/v1/master/facilities').then((r) => { facilities = r.items || []; }).catch(() => {});
  await load(Number(ctx.params.get('id')) || 0);
  return null;
}
