// One family: its members and their records' links, the genogram, the
// timeline of involvements, who leads, the meeting's decision and what
// changed.

import { api, DECISIONS, decisions, esc, main, role, tags } from './common.js';

// Each link between a member's records: its probability and every field's
// level and bits of evidence (a negative number is evidence against).
// Every member can be joined to a record famgraph left apart.
function linkDetails(members) {
  const bits = w => (w > 0 ? '+' : '') + w.toFixed(1);
  const field = x =>
    `<span class="tag">${esc(x.field)}: ${esc(x.level)} ${bits(x.weight)}${x.term_frequency_adjustment ? ` <span class="muted">(${bits(x.term_frequency_adjustment)} for how common)</span>` : ''}</span>`;
  const join = m =>
    `<p><button class="join" data-record="${esc(JSON.stringify(m.records[0]))}">Same person as another record&hellip;</button></p>`;
  return members
    .map(
      m => `<details><summary>${esc(m.person_id)} ${esc(m.given_name)} ${esc(m.family_name)}: ${m.records.length === 1 ? 'one record' : `${m.records.length} records, confidence ${m.link_confidence.toFixed(3)}`}</summary>
  ${
    m.links.length
      ? `<table><tr><th>Records</th><th>Probability</th><th>Evidence (bits)</th><th></th></tr>${m.links
          .map(
            l => `<tr><td>${tags(l.records.map(r => r.agency + ':' + r.record_id))}</td>
  <td>${l.override_decision ? esc(l.override_decision) + ' (override)' : l.match_probability.toFixed(4)}</td><td>${l.fields
    .filter(x => x.level !== 'null')
    .map(field)
    .join('')} = ${bits(l.match_weight)}</td>
  <td>${l.override_decision ? '' : `<button class="split" data-records="${esc(JSON.stringify(l.records))}">Not the same person</button>`}</td></tr>`,
          )
          .join('')}</table>`
      : ''
  }${join(m)}</details>`,
    )
    .join('');
}
// A person corrects the linkage: splits a wrong link, or joins a record
// famgraph left apart, with their reason; recorded in the partnership's
// overrides file and applied at once.
async function override(decision, a, b, note) {
  const r = await fetch('/api/v1/overrides', {
    method: 'POST',
    headers: {
      Authorization: 'Bearer ' + (sessionStorage.getItem('famgraph-token') || ''),
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      decision,
      agency_a: a.agency,
      record_id_a: a.record_id,
      agency_b: b.agency,
      record_id_b: b.record_id,
      note,
    }),
  });
  const body = await r.json();
  if (!r.ok) {
    alert(body.error ? body.error.message : r.statusText);
    return;
  }
  location.href = '/families/' + encodeURIComponent(body.family_ids[0]);
}
function split(button) {
  const [a, b] = JSON.parse(button.dataset.records);
  const note = prompt(
    `Why are ${a.agency}:${a.record_id} and ${b.agency}:${b.record_id} not the same person? Your name and the date are recorded with it.`,
  );
  if (note) override('cannot_link', a, b, note);
}
function join(button) {
  const a = JSON.parse(button.dataset.record);
  const other = prompt(`The same person as ${a.agency}:${a.record_id}: which record? (agency:record_id)`);
  if (!other || !other.includes(':')) return;
  const [agency, ...id] = other.trim().split(':');
  const note = prompt('Why are they the same person? Your name and the date are recorded with it.');
  if (note) override('must_link', a, { agency, record_id: id.join(':') }, note);
}
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
  '#98df8a',
  '#393b79',
  '#637939',
];
// A colour's key in a legend, drawn (the content policy allows no inline styles).
const swatch = (colour, round) =>
  `<svg class="swatch" width="12" height="12" aria-hidden="true">${round ? `<circle cx="6" cy="6" r="6" fill="${colour}"/>` : `<rect width="12" height="12" fill="${colour}"/>`}</svg>`;
const colourOf = keys => Object.fromEntries([...new Set(keys)].sort().map((k, i) => [k, PALETTE[i % PALETTE.length]]));
// The family drawn by generation: squares for males, circles for
// females; a red outline for recorded offending; the outline's colour
// the household they live in now; parent lines from a couple's midpoint,
// dashed for a carer, dotted where famgraph inferred the link.
function genogram(f, name) {
  const W = 150,
    H = 110,
    R = 22;
  const byId = Object.fromEntries(f.members.map(m => [m.person_id, m]));
  const rels = f.relationships.filter(r => byId[r.from] && byId[r.to]);
  const parentsOf = id => rels.filter(r => (r.kind === 'parent_of' || r.kind === 'carer_of') && r.to === id);
  const partners = new Set(rels.filter(r => r.kind === 'partner_of').map(r => [r.from, r.to].sort().join('|')));
  const partnerOf = (a, b) => partners.has([a, b].sort().join('|'));
  const gens = [...new Set(f.members.map(m => m.generation ?? 99))].sort((a, b) => a - b);
  const house = colourOf(f.members.map(m => m.household_id || 'none'));
  const x = {},
    y = {};
  gens.forEach((g, row) => {
    const here = f.members.filter(m => (m.generation ?? 99) === g);
    const centre = m => {
      const ps = parentsOf(m.person_id)
        .map(r => x[r.from])
        .filter(v => v !== undefined);
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : Infinity;
    };
    here.sort(
      (a, b) =>
        centre(a) - centre(b) ||
        String(a.household_id).localeCompare(String(b.household_id)) ||
        (b.age ?? 0) - (a.age ?? 0),
    );
    // Partners side by side.
    for (let i = 0; i < here.length; i++) {
      const j = here.findIndex((m, k) => k > i + 1 && partnerOf(m.person_id, here[i].person_id));
      if (j > 0) here.splice(i + 1, 0, here.splice(j, 1)[0]);
    }
    here.forEach((m, i) => {
      x[m.person_id] = W / 2 + i * W;
      y[m.person_id] = H / 2 + row * H;
    });
  });
  const width = Math.max(...Object.values(x)) + W / 2,
    height = gens.length * H;
  const lines = [];
  for (const r of rels.filter(r => r.kind === 'partner_of')) {
    lines.push(
      `<line x1="${x[r.from]}" y1="${y[r.from]}" x2="${x[r.to]}" y2="${y[r.to]}" stroke="#444" stroke-width="2"${r.inferred ? ' stroke-dasharray="2 3"' : ''}><title>${esc(name[r.from])} partner of ${esc(name[r.to])}</title></line>`,
    );
  }
  for (const m of f.members) {
    const ps = parentsOf(m.person_id);
    const done = new Set();
    for (const r of ps) {
      if (done.has(r.from)) continue;
      const other = ps.find(
        q => q.from !== r.from && !done.has(q.from) && partnerOf(q.from, r.from) && y[q.from] === y[r.from],
      );
      const from = other ? { x: (x[r.from] + x[other.from]) / 2, y: y[r.from] } : { x: x[r.from], y: y[r.from] + R };
      done.add(r.from);
      if (other) done.add(other.from);
      const to = { x: x[m.person_id], y: y[m.person_id] - R },
        mid = (from.y + to.y) / 2;
      const dash = r.inferred ? ' stroke-dasharray="2 3"' : r.kind === 'carer_of' ? ' stroke-dasharray="6 4"' : '';
      const who = other ? `${name[r.from]} and ${name[other.from]}` : name[r.from];
      lines.push(
        `<path d="M${from.x},${from.y} V${mid} H${to.x} V${to.y}" fill="none" stroke="#666"${dash}><title>${esc(who)}: ${esc(r.kind.replace('_', ' '))} ${esc(name[m.person_id])}${r.inferred ? ' (inferred)' : ''}</title></path>`,
      );
    }
  }
  const nodes = f.members.map(m => {
    const cx = x[m.person_id],
      cy = y[m.person_id],
      stroke = house[m.household_id || 'none'];
    const fill = m.offending ? '#fbe9e7' : '#fff',
      tip = `<title>${esc(name[m.person_id])}: ${esc(m.roles.join(', ') || 'member')}; ${esc(m.household_id || 'no household')}${m.offending ? '; offending recorded' : ''}</title>`;
    const shape =
      m.sex === 'M'
        ? `<rect x="${cx - R}" y="${cy - R}" width="${2 * R}" height="${2 * R}" fill="${fill}" stroke="${stroke}" stroke-width="3">${tip}</rect>`
        : m.sex === 'F'
          ? `<circle cx="${cx}" cy="${cy}" r="${R}" fill="${fill}" stroke="${stroke}" stroke-width="3">${tip}</circle>`
          : `<rect x="${cx - R}" y="${cy - R}" width="${2 * R}" height="${2 * R}" rx="10" fill="${fill}" stroke="${stroke}" stroke-width="3" stroke-dasharray="4 2">${tip}</rect>`;
    const red = m.offending
      ? `<circle cx="${cx + R - 2}" cy="${cy - R + 2}" r="5" fill="#d62728"><title>offending recorded</title></circle>`
      : '';
    return `${shape}${red}<text x="${cx}" y="${cy + 4}" text-anchor="middle">${m.age ?? '?'}</text><text x="${cx}" y="${cy + R + 14}" text-anchor="middle">${esc(m.given_name.slice(0, 16))}</text>`;
  });
  const legend = Object.entries(house)
    .map(([h, c]) => `<span>${swatch(c)}${esc(h)}</span>`)
    .join('');
  return `<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="genogram: ${f.members.length} members over ${gens.length} generations; the members table says the same in words">${lines.join('')}${nodes.join('')}</svg>
  <p class="legend muted">Outline: household now. ${legend} <span>${swatch('#d62728', true)}offending recorded</span> Dashed line: carer; dotted: inferred from who lives with whom. Age in the shape.</p>`;
}
// Each member's involvements over the last six years, one bar each,
// coloured by agency; an open one runs to the extract date, a red outline
// marks offending.
function timeline(f, name) {
  const [yy, mm, dd] = f.as_of.split('-').map(Number);
  const day = s => Date.parse(s) / 864e5,
    end = day(f.as_of),
    start = Date.UTC(yy - 6, mm - 1, dd) / 864e5;
  const shown = f.involvements.filter(i => day(i.end_date || f.as_of) >= start);
  if (!shown.length) return '<p class="muted">No involvements in the last six years.</p>';
  const agency = colourOf(f.involvements.map(i => i.agency));
  const L = 170,
    W = 760,
    LANE = 14,
    px = d => L + ((Math.max(d, start) - start) / (end - start)) * W;
  let top = 22;
  const rows = [];
  for (const m of f.members) {
    const mine = shown
      .filter(i => i.person_id === m.person_id)
      .sort((a, b) => a.start_date.localeCompare(b.start_date));
    if (!mine.length) continue;
    const lanes = [];
    const bars = mine.map(i => {
      const a = px(day(i.start_date)),
        b = Math.max(px(day(i.end_date || f.as_of)), a + 3);
      let lane = lanes.findIndex(e => e <= a);
      if (lane < 0) {
        lane = lanes.length;
        lanes.push(0);
      }
      lanes[lane] = b + 1;
      const tip = `${i.agency}: ${i.service_name} (${i.need.replace(/_/g, ' ')}, ${i.role}), ${i.start_date} to ${i.end_date || 'open'}`;
      return `<rect x="${a}" y="${top + lane * LANE}" width="${b - a}" height="${LANE - 3}" fill="${agency[i.agency]}"${i.offending ? ' stroke="#d62728" stroke-width="2"' : ''}${i.keyworker ? ' rx="4"' : ''}><title>${esc(tip)}</title></rect>`;
    });
    const h = Math.max(1, lanes.length) * LANE + 6;
    rows.push(
      `<text x="0" y="${top + 11}">${esc(name[m.person_id])}</text>${bars.join('')}<line x1="0" x2="${L + W}" y1="${top + h - 3}" y2="${top + h - 3}" stroke="#eee"/>`,
    );
    top += h;
  }
  const ticks = [];
  for (let yr = new Date(start * 864e5).getUTCFullYear() + 1; yr <= new Date(end * 864e5).getUTCFullYear(); yr++) {
    const t = px(Date.UTC(yr, 0, 1) / 864e5);
    ticks.push(
      `<line x1="${t}" x2="${t}" y1="14" y2="${top}" stroke="#ddd"/><text x="${t + 2}" y="11" class="muted">${yr}</text>`,
    );
  }
  const legend = Object.entries(agency)
    .map(([a, c]) => `<span>${swatch(c)}${esc(a)}</span>`)
    .join('');
  return `<svg width="${L + W + 10}" height="${top + 4}" role="img" aria-label="timeline of involvements">${ticks.join('')}${rows.join('')}
  <line x1="${L + W}" x2="${L + W}" y1="14" y2="${top}" stroke="#444"/></svg>
  <p class="legend muted">${legend} Red outline: offending; rounded: a keyworker. Bars run to ${esc(f.as_of)} while open.</p>`;
}
// Who leads the work with a family now, in a sentence for the meeting.
function workingSummary(f) {
  const n = f.keyworkers_now.length,
    agencies = f.working_now.length;
  if (!agencies) return 'No agency is working with the family now.';
  const all = `${agencies} ${agencies === 1 ? 'agency is' : 'agencies are'} working with the family now`;
  if (!n) return `${all}, and none has a keyworker with them: nobody leads.`;
  if (n === 1) return `${all}; ${esc(f.keyworkers_now[0])} has the keyworker.`;
  return `${all}, ${n} of them with a keyworker (${esc(f.keyworkers_now.join(', '))}): the meeting may agree who leads and who steps back.`;
}
export async function family(id) {
  const f = await api('/api/v1/families/' + encodeURIComponent(id));
  // Members' names, with the person id where two share one (a father and son, say).
  const full = m => `${m.given_name} ${m.family_name}`;
  const shared = new Set(f.members.map(full).filter((n, i, all) => all.indexOf(n) !== i));
  const name = Object.fromEntries(
    f.members.map(m => [m.person_id, shared.has(full(m)) ? `${full(m)} (${m.person_id})` : full(m)]),
  );
  main.innerHTML = `<h2>Family ${esc(f.family_id)}: rank ${f.rank ?? '-'}, score ${f.score}</h2>
  <table><tr><th>Reason</th><th>Points</th><th>Detail</th></tr>${f.reasons.map(r => `<tr><td>${esc(r.code)}</td><td>${r.points}</td><td>${esc(r.detail)}</td></tr>`).join('')}</table>
  ${decisions ? decisionBox(f) : '<p class="muted">To record the meeting\'s decision about this family here (taken on, not now, already managed, closed), start <code>famgraph serve</code> with <code>--decisions FILE</code>.</p>'}
  <h2>Working with the family now</h2><p>${workingSummary(f)}</p>
  ${
    f.working_now.length
      ? `<table><tr><th>Agency</th><th>Keyworker</th><th>Since</th><th>Services</th><th>Needs</th><th>With</th></tr>
  ${f.working_now.map(w => `<tr><td>${esc(w.agency)}</td><td>${w.keyworker ? 'yes' : ''}</td><td>${esc(w.since)}</td><td>${esc(w.services.join('; '))}</td><td>${tags(w.needs)}</td><td>${esc(w.person_ids.map(p => name[p]).join(', '))}</td></tr>`).join('')}</table>`
      : ''
  }
  <h2>Members</h2><table><tr><th>Person</th><th>Name</th><th>Born</th><th>Age</th><th>Generation</th><th>Role</th><th>Household</th><th>Records</th><th>Link confidence</th></tr>
  ${f.members.map(m => `<tr class="${m.offending ? 'warn' : ''}"><td>${esc(m.person_id)}</td><td>${esc(m.given_name)} ${esc(m.family_name)}</td><td>${esc(m.date_of_birth)}</td><td>${m.age ?? ''}</td><td>${m.generation ?? ''}</td><td>${esc(m.roles.map(r => r.replace(/_/g, ' ')).join(', '))}</td><td>${esc(m.household_id)}</td><td>${tags(m.records.map(r => r.agency + ':' + r.record_id))}</td><td>${m.link_confidence.toFixed(3)}</td></tr>`).join('')}</table>
  <h2>Genogram</h2>${genogram(f, name)}
  <h2>Involvements over the last six years</h2>${timeline(f, name)}
  <div id="since"></div>
  <h2>Cohorts</h2><ul>${f.cohorts.map(c => `<li><b>${esc(c.title)}</b>: ${esc(name[c.person_id])}: ${esc(c.evidence)}</li>`).join('') || '<li class="muted">in none</li>'}</ul>
  <h2>Programmes</h2><table><tr><th>Ruleset</th><th>Eligible</th><th>Criteria met (needs behind them)</th></tr>
  ${f.eligibility
    .map(
      e =>
        `<tr><td>${esc(e.title)}</td><td>${e.eligible ? 'yes' : 'no'}</td><td>${
          e.criteria
            .concat(e.local_filters)
            .filter(c => c.met)
            .map(
              c =>
                `<span class="tag">${esc(c.label)}${c.needs.length ? ' (' + esc(c.needs.join(', ')) + ')' : ''}</span>`,
            )
            .join('') || '<span class="muted">none</span>'
        }${e.has_dependent_children ? '' : ' <span class="muted">no dependent children</span>'}</td></tr>`,
    )
    .join('')}</table>
  <h2>Why these records are one person</h2>${linkDetails(f.members)}
  <h2>Households over time</h2><table><tr><th>Household</th><th>Address</th><th>Now</th><th>Who lived there, as the records show</th></tr>
  ${f.households.map(h => `<tr><td>${esc(h.household_id)}${h.shared_accommodation ? ' <span class="muted">(shared accommodation)</span>' : ''}</td><td>${esc(h.address ?? '')} ${esc(h.postcode ?? '')}</td><td>${h.current ? 'yes' : 'former'}</td><td>${h.residents.map(r => `${esc(name[r.person_id])} ${esc(r.first_seen ?? '?')} to ${r.current ? 'now' : esc(r.last_seen ?? '?')}${r.by_postcode_and_name ? ' <span class="muted">(placed by postcode and family name: their records give no address)</span>' : ''}`).join('; ')}</td></tr>`).join('')}</table>
  <h2>Relationships</h2><details><summary>Every relationship and who recorded it (${f.relationships.length})</summary><ul>${f.relationships.map(r => `<li>${esc(name[r.from])} ${esc(r.kind)} ${esc(name[r.to])} <span class="muted">(${r.inferred ? 'inferred: ' + esc(r.inferred) : esc(r.recorded_by.join(', '))})</span></li>`).join('')}</ul></details>
  <h2>Intergenerational offending</h2><ul>${
    f.intergenerational_offending
      .map(
        c => `<li>${c.people.map(p => `${p.link_inferred ? '<span class="muted">(inferred link)</span> ' : ''}${esc(name[p.person_id])} (first ${esc(p.first_offence)}, age ${p.age_at_first_offence ?? '?'})`).join(' &rarr; ')}
  <span class="muted">${c.generations} generations; ${c.followed_parent ? "each child's offending began after their parent's" : "a child's offending began before their parent's"}</span></li>`,
      )
      .join('') || '<li class="muted">none recorded</li>'
  }</ul>
  <h2>Overlapping involvements</h2><details><summary>${f.overlapping_involvements.length} pair(s) of agencies involved with one household at the same time, ${f.overlapping_involvements.filter(o => o.same_needs.length).length} on the same need, ${f.overlapping_involvements.filter(o => o.ongoing).length} still now</summary>
  <table><tr><th>Household</th><th>Agencies</th><th>From</th><th>Days</th><th>Same need</th><th>Now</th></tr>
  ${f.overlapping_involvements.map(o => `<tr><td>${esc(o.household_id)}</td><td>${tags(o.agencies)}</td><td>${esc(o.first_overlap)}</td><td>${o.overlap_days}</td><td>${tags(o.same_needs)}</td><td>${o.ongoing ? 'yes' : ''}</td></tr>`).join('')}</table></details>
  <h2>Needs</h2><table><tr><th>Need</th><th>Agencies</th></tr>${f.needs.map(n => `<tr><td>${esc(n.label)}</td><td>${tags(n.agencies)}</td></tr>`).join('')}</table>
  <h2>Involvements</h2><details><summary>Every involvement (${f.involvements.length})</summary><table><tr><th>Person</th><th>Agency</th><th>Service</th><th>Need</th><th>From</th><th>To</th><th>Role</th></tr>
  ${f.involvements.map(i => `<tr class="${i.offending ? 'warn' : ''}"><td>${esc(name[i.person_id])}</td><td>${esc(i.agency)}</td><td>${esc(i.service_name)}</td><td>${esc(i.need)}</td><td>${esc(i.start_date)}</td><td>${esc(i.end_date || 'open')}</td><td>${esc(i.role)}</td></tr>`).join('')}</table></details>
  <p class="muted">Annual cost of the current response: &pound;${f.annual_cost_gbp.toLocaleString()}; agencies at once: ${f.max_concurrent_agencies}; keyworkers at once: ${f.max_concurrent_keyworkers}.</p>`;
  for (const button of main.querySelectorAll('button.split')) button.onclick = () => split(button);
  for (const button of main.querySelectorAll('button.join')) button.onclick = () => join(button);
  const decide = document.getElementById('decide');
  if (decide)
    decide.onsubmit = e => {
      e.preventDefault();
      recordDecision(id, decide);
    };
  since(id);
}
// The partnership meeting's decision about the family, its earlier ones,
// and a form to record a new one.
function decisionBox(f) {
  const line = d =>
    `<b>${esc(d.label)}</b>${d.lead_agency ? ` (lead: ${esc(d.lead_agency)})` : ''}, ${esc(d.decided_on)}, by ${esc(d.by)}${d.note ? `: ${esc(d.note)}` : ''}${d.decided_as_family_id !== f.family_id ? ` <span class="muted">(then ${esc(d.decided_as_family_id)})</span>` : ''}`;
  const earlier = f.decisions.slice(0, -1).reverse();
  // Progress since the decision: its needs then against the family's now.
  const now = f.needs.map(n => n.need),
    then = f.decision ? f.decision.needs_then : [];
  const progress =
    f.decision && then.length
      ? `<p>Needs when decided: ${tags(then)}${then.some(n => !now.includes(n)) ? ` &middot; none open now: ${tags(then.filter(n => !now.includes(n)))}` : ''}${now.some(n => !then.includes(n)) ? ` &middot; new since: ${tags(now.filter(n => !then.includes(n)))}` : ''}</p>`
      : '';
  return `<h2>The meeting's decision</h2><p>${f.decision ? line(f.decision) : 'None yet.'}</p>${progress}
  ${earlier.length ? `<details><summary>Earlier decisions (${earlier.length})</summary><ul>${earlier.map(d => `<li>${line(d)}</li>`).join('')}</ul></details>` : ''}
  <form id="decide"><label>Decision <select name="decision" required>${DECISIONS.map(([v, l]) => `<option value="${esc(v)}">${esc(l)}</option>`).join('')}</select></label>
  <label>Lead agency <select name="lead_agency"><option value="">none named</option>${f.agencies.map(a => `<option value="${esc(a)}">${esc(a)}</option>`).join('')}</select></label>
  <label>Note <input name="note" maxlength="500" placeholder="what was agreed"></label> <button>Record</button>
  <span class="muted">Your name and the date are recorded with it.</span> <span id="decided" role="status"></span></form>`;
}
async function recordDecision(id, form) {
  const r = await fetch('/api/v1/families/' + encodeURIComponent(id) + '/decision', {
    method: 'POST',
    headers: {
      Authorization: 'Bearer ' + (sessionStorage.getItem('famgraph-token') || ''),
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      decision: form.decision.value,
      lead_agency: form.lead_agency.value || null,
      note: form.note.value,
    }),
  });
  const body = await r.json();
  if (!r.ok) {
    document.getElementById('decided').textContent = body.error ? body.error.message : r.statusText;
    return;
  }
  await family(id);
}
// What changed for the family since the earlier load, when the server has one.
async function since(id) {
  let c;
  try {
    c = await api('/api/v1/changes?family=' + encodeURIComponent(id));
  } catch (e) {
    return;
  }
  const f = c.family,
    box = document.getElementById('since');
  if (!box) return;
  const list = (label, xs) => (xs.length ? `<li>${label}: ${tags(xs)}</li>` : '');
  box.innerHTML =
    `<h2>Since the load of ${esc(c.before_as_of)}</h2>` +
    (!f
      ? '<p class="muted">Nothing changed.</p>'
      : `<ul>${f.previous_family_id ? '' : '<li>New to the partnership since then.</li>'}${list('New involvements', f.new_involvements)}${list('Ended', f.ended_involvements)}
    ${list('Needs opened', f.needs_opened)}${list('Needs closed', f.needs_closed)}${list('Resolved and sustained six months', f.needs_sustained_resolved)}</ul>`);
}
