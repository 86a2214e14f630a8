// One family: its members and their records' links, the genogram, the
// timeline of involvements, who leads, the meeting's decision and what
// changed.

import { api, DECISIONS, decisions, fetchSigned, html, main, spaced, tags } from './common.js';
import { R, layout } from './genogram.js';

// Each link between a member's records: its probability and every field's
// level and bits of evidence (a negative number is evidence against).
// Every member can be joined to a record famgraph left apart.
function linkDetails(members) {
  const bits = w => (w > 0 ? '+' : '') + w.toFixed(1);
  const join = m =>
    html`<p><button class="join" data-record="${JSON.stringify(m.records[0])}">Same person as another record&hellip;</button></p>`;
  // Each link: the two records' values side by side, with what each
  // field's comparison gave.
  const side = x =>
    html`<tr><td>${x.field.replace(/_/g, ' ')}</td><td>${x.values[0] ?? ''}</td><td>${x.values[1] ?? ''}</td><td>${x.level.replace(/_/g, ' ')}</td><td>${bits(x.weight)}${x.term_frequency_adjustment ? html` <span class="muted">(${bits(x.term_frequency_adjustment)} for how common)</span>` : ''}</td></tr>`;
  const link = l => {
    const probability = l.override_decision ? `${l.override_decision} (override)` : l.match_probability.toFixed(4);
    const split = l.override_decision
      ? ''
      : html`<button class="split" data-records="${JSON.stringify(l.records)}">Not the same person</button>`;
    const [a, b] = l.records.map(r => r.agency + ':' + r.record_id);
    return html`<tr><td>${tags([a, b])}</td><td>${probability}</td><td>${bits(l.match_weight)}</td><td>${split}</td></tr>
      <tr><td colspan="4">
        <table class="sides">
          <tr><th>Field</th><th>${a}</th><th>${b}</th><th>Compared</th><th>Bits</th></tr>
          ${l.fields.map(side)}
        </table>
      </td></tr>`;
  };
  const member = m => {
    const records =
      m.records.length === 1 ? 'one record' : `${m.records.length} records, confidence ${m.link_confidence.toFixed(3)}`;
    const links = m.links.length
      ? html`<table>
          <tr><th>Records</th><th>Probability</th><th>Evidence (bits)</th><th></th></tr>
          ${m.links.map(link)}
        </table>`
      : '';
    return html`<details><summary>${m.person_id} ${m.given_name} ${m.family_name}: ${records}</summary>
      ${links}${join(m)}</details>`;
  };
  return members.map(member);
}
// A person corrects the linkage: splits a wrong link, or joins a record
// famgraph left apart, with their reason; recorded in the partnership's
// overrides file and applied at once.
async function override(decision, a, b, note) {
  const r = await fetchSigned('/api/v1/overrides', {
    decision,
    agency_a: a.agency,
    record_id_a: a.record_id,
    agency_b: b.agency,
    record_id_b: b.record_id,
    note,
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
  html`<svg class="swatch" width="12" height="12" aria-hidden="true">${
    round ? html`<circle cx="6" cy="6" r="6" fill="${colour}"/>` : html`<rect width="12" height="12" fill="${colour}"/>`
  }</svg>`;
const colourOf = keys => Object.fromEntries([...new Set(keys)].sort().map((k, i) => [k, PALETTE[i % PALETTE.length]]));
// The family drawn by generation: squares for males, circles for
// females; a red outline for recorded offending; the outline's colour
// the household they live in now; parent lines from a couple's midpoint,
// dashed for a carer, dotted where famgraph inferred the link, each routed
// between the rows and columns so it passes through no one
// (`genogram.js`).
function genogram(f, name) {
  const drawing = layout(f.members, f.relationships);
  const house = colourOf(f.members.map(m => m.household_id || 'none'));
  const lines = drawing.lines.map(l => {
    const d = 'M' + l.points.map(([px, py]) => `${px},${py}`).join(' L');
    const dash = l.inferred
      ? html` stroke-dasharray="2 3"`
      : l.kind === 'carer_of'
        ? html` stroke-dasharray="6 4"`
        : '';
    const who = l.from.map(id => name[id]).join(' and ');
    return l.kind === 'partner_of'
      ? html`<path d="${d}" fill="none" stroke="#444" stroke-width="2"${dash}><title>${who} partner of ${name[l.to]}</title></path>`
      : html`<path d="${d}" fill="none" stroke="#666"${dash}><title>${who}: ${l.kind.replace('_', ' ')} ${name[l.to]}${l.inferred ? ' (inferred)' : ''}</title></path>`;
  });
  const nodes = f.members.map(m => {
    const { x: cx, y: cy } = drawing.at[m.person_id],
      stroke = house[m.household_id || 'none'];
    const fill = m.offending ? '#fbe9e7' : '#fff',
      tip = html`<title>${name[m.person_id]}: ${m.roles.join(', ') || 'member'}; ${m.household_id || 'no household'}${m.offending ? '; offending recorded' : ''}</title>`;
    const shape =
      m.sex === 'M'
        ? html`<rect x="${cx - R}" y="${cy - R}" width="${2 * R}" height="${2 * R}" fill="${fill}" stroke="${stroke}" stroke-width="3">${tip}</rect>`
        : m.sex === 'F'
          ? html`<circle cx="${cx}" cy="${cy}" r="${R}" fill="${fill}" stroke="${stroke}" stroke-width="3">${tip}</circle>`
          : html`<rect x="${cx - R}" y="${cy - R}" width="${2 * R}" height="${2 * R}" rx="10" fill="${fill}" stroke="${stroke}" stroke-width="3" stroke-dasharray="4 2">${tip}</rect>`;
    const red = m.offending
      ? html`<circle cx="${cx + R - 2}" cy="${cy - R + 2}" r="5" fill="#d62728"><title>offending recorded</title></circle>`
      : '';
    return html`${shape}${red}<text x="${cx}" y="${cy + 4}" text-anchor="middle">${m.age ?? '?'}</text><text x="${cx}" y="${cy + R + 14}" text-anchor="middle">${m.given_name.slice(0, 16)}</text>`;
  });
  const legend = Object.entries(house).map(([h, c]) => html`<span>${swatch(c)}${h}</span>`);
  const { width, height } = drawing;
  return html`<svg width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="genogram: ${f.members.length} members over ${drawing.rows} generations; the members table says the same in words">${lines}${nodes}</svg>
    <p class="legend muted">
      Outline: household now. ${legend} <span>${swatch('#d62728', true)}offending recorded</span> Dashed line: carer;
      dotted: inferred from who lives with whom. Age in the shape.
    </p>`;
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
  if (!shown.length) return html`<p class="muted">No involvements in the last six years.</p>`;
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
      const outline = i.offending ? html` stroke="#d62728" stroke-width="2"` : '';
      const rounded = i.keyworker ? html` rx="4"` : '';
      return html`<rect x="${a}" y="${top + lane * LANE}" width="${b - a}" height="${LANE - 3}" fill="${agency[i.agency]}"${outline}${rounded}><title>${tip}</title></rect>`;
    });
    const h = Math.max(1, lanes.length) * LANE + 6;
    rows.push(
      html`<text x="0" y="${top + 11}">${name[m.person_id]}</text>${bars}<line x1="0" x2="${L + W}" y1="${top + h - 3}" y2="${top + h - 3}" stroke="#eee"/>`,
    );
    top += h;
  }
  const ticks = [];
  for (let yr = new Date(start * 864e5).getUTCFullYear() + 1; yr <= new Date(end * 864e5).getUTCFullYear(); yr++) {
    const t = px(Date.UTC(yr, 0, 1) / 864e5);
    ticks.push(
      html`<line x1="${t}" x2="${t}" y1="14" y2="${top}" stroke="#ddd"/><text x="${t + 2}" y="11" class="muted">${yr}</text>`,
    );
  }
  const legend = Object.entries(agency).map(([a, c]) => html`<span>${swatch(c)}${a}</span>`);
  return html`<svg width="${L + W + 10}" height="${top + 4}" role="img" aria-label="timeline of involvements">${ticks}${rows}
    <line x1="${L + W}" x2="${L + W}" y1="14" y2="${top}" stroke="#444"/></svg>
    <p class="legend muted">${legend} Red outline: offending; rounded: a keyworker. Bars run to ${f.as_of} while open.</p>`;
}
// Who leads the work with a family now, in a sentence for the meeting.
export function workingSummary(f) {
  const n = f.keyworkers_now.length,
    agencies = f.working_now.length;
  if (!agencies) return 'No agency is working with the family now.';
  const all = `${agencies} ${agencies === 1 ? 'agency is' : 'agencies are'} working with the family now`;
  if (!n) return `${all}, and none has a keyworker with them: nobody leads.`;
  if (n === 1) return `${all}; ${f.keyworkers_now[0]} has the keyworker.`;
  return `${all}, ${n} of them with a keyworker (${f.keyworkers_now.join(', ')}): the partnership's rule suggests ${f.suggested_lead} leads and ${f.steps_back.join(', ')} ${f.steps_back.length === 1 ? 'steps' : 'step'} back.`;
}

export async function family(id) {
  const f = await api('/api/v1/families/' + encodeURIComponent(id) + '?explain=links');
  // Members' names, with the person id where two share one (a father and son, say).
  const full = m => `${m.given_name} ${m.family_name}`;
  const shared = new Set(f.members.map(full).filter((n, i, all) => all.indexOf(n) !== i));
  const name = Object.fromEntries(
    f.members.map(m => [m.person_id, shared.has(full(m)) ? `${full(m)} (${m.person_id})` : full(m)]),
  );
  const none = (label, tag = 'span') =>
    tag === 'li' ? html`<li class="muted">${label}</li>` : html`<span class="muted">${label}</span>`;
  const decision = decisions
    ? decisionBox(f)
    : html`<p class="muted">
        To record the meeting's decision about this family here (taken on, not now, already managed, closed), start
        <code>famgraph serve</code> with <code>--decisions FILE</code>.
      </p>`;
  const working = f.working_now.length
    ? html`<table>
        <tr><th>Agency</th><th>Keyworker</th><th>Since</th><th>Services</th><th>Needs</th><th>With</th></tr>
        ${f.working_now.map(
          w =>
            html`<tr><td>${w.agency}</td><td>${w.keyworker ? 'yes' : ''}</td><td>${w.since}</td><td>${w.services.join('; ')}</td><td>${tags(w.needs)}</td><td>${w.person_ids.map(p => name[p]).join(', ')}</td></tr>`,
        )}
      </table>`
    : '';
  const member = m =>
    html`<tr class="${m.offending ? 'warn' : ''}"><td>${m.person_id}</td><td>${m.given_name} ${m.family_name}</td><td>${m.date_of_birth}</td><td>${m.age ?? ''}</td><td>${m.generation ?? ''}</td><td>${m.roles.map(r => r.replace(/_/g, ' ')).join(', ')}</td><td>${m.household_id}</td><td>${tags(m.records.map(r => r.agency + ':' + r.record_id))}</td><td>${m.link_confidence.toFixed(3)}</td></tr>`;
  const cohorts = f.cohorts.length
    ? f.cohorts.map(c => html`<li><b>${c.title}</b>: ${name[c.person_id]}: ${c.evidence}</li>`)
    : none('in none', 'li');
  const counted = c => (c === 'open now' ? 'open now' : 'in ' + c);
  const when = r => ({ now: 'now', window: 'in ' + f.window.words, ever: 'ever recorded' })[r.counts];
  const earlierNeeds = f.needs.filter(n => !f.needs_now.some(m => m.need === n.need));
  const needRow = n => html`<tr><td>${n.label}</td><td>${tags(n.agencies)}</td></tr>`;
  const programme = e => {
    const met = e.criteria
      .concat(e.local_filters)
      .filter(c => c.met)
      .map(
        c =>
          html`<span class="tag">${c.label}${c.needs.length ? ` (${c.needs.join(', ')})` : ''}, ${counted(c.counts)}</span>`,
      );
    const children = e.has_dependent_children ? '' : html` <span class="muted">no dependent children</span>`;
    return html`<tr><td>${e.title}</td><td>${e.eligible ? 'yes' : 'no'}</td><td>${met.length ? met : none('none')}${children}</td></tr>`;
  };
  const resident = r => {
    const until = r.current ? 'now' : (r.last_seen ?? '?');
    const placed = r.by_postcode_and_name
      ? html` <span class="muted">(placed by postcode and family name: their records give no address)</span>`
      : '';
    return html`${name[r.person_id]} ${r.first_seen ?? '?'} to ${until}${placed}`;
  };
  const household = h => {
    const shared = h.shared_accommodation ? html` <span class="muted">(shared accommodation)</span>` : '';
    return html`<tr><td>${h.household_id}${shared}</td><td>${h.address ?? ''} ${h.postcode ?? ''}</td><td>${h.current ? 'yes' : 'former'}</td><td>${spaced(h.residents.map(resident), '; ')}</td></tr>`;
  };
  const relationship = r =>
    html`<li>${name[r.from]} ${r.kind} ${name[r.to]} <span class="muted">(${r.inferred ? 'inferred: ' + r.inferred : r.recorded_by.join(', ')})</span></li>`;
  const chain = c => {
    const people = c.people.map(
      p =>
        html`${p.link_inferred ? html`<span class="muted">(inferred link)</span> ` : ''}${name[p.person_id]} (first ${p.first_offence}, age ${p.age_at_first_offence ?? '?'})`,
    );
    const order = c.followed_parent
      ? "each child's offending began after their parent's"
      : "a child's offending began before their parent's";
    return html`<li>${spaced(people, html` &rarr; `)}
      <span class="muted">${c.generations} generations; ${order}</span></li>`;
  };
  const overlaps = f.overlapping_involvements;
  const overlap = o =>
    html`<tr><td>${o.household_id}</td><td>${tags(o.agencies)}</td><td>${o.first_overlap}</td><td>${o.overlap_days}</td><td>${tags(o.same_needs)}</td><td>${o.ongoing ? 'yes' : ''}</td></tr>`;
  const involvement = i =>
    html`<tr class="${i.offending ? 'warn' : ''}"><td>${name[i.person_id]}</td><td>${i.agency}</td><td>${i.service_name}</td><td>${i.need}</td><td>${i.start_date}</td><td>${i.end_date || 'open'}</td><td>${i.role}</td></tr>`;
  main.innerHTML = html`<h2>Family ${f.family_id}: rank ${f.rank ?? '-'}, score ${f.score}</h2>
    <table>
      <tr><th>Reason</th><th>Counts</th><th>Points</th><th>Detail</th></tr>
      ${f.reasons.map(r => html`<tr><td>${r.label}</td><td>${when(r)}</td><td>${r.points}</td><td>${r.detail}</td></tr>`)}
    </table>
    <p class="muted">
      "Now" is the extract date, ${f.window.to}; the window is ${f.window.words}, from ${f.window.from}.
    </p>
    ${decision}
    <h2>Working with the family now</h2>
    <p>${workingSummary(f)}</p>
    ${working}
    <h2>Members</h2>
    <table>
      <tr>
        <th>Person</th><th>Name</th><th>Born</th><th>Age</th><th>Generation</th><th>Role</th><th>Household</th>
        <th>Records</th><th>Link confidence</th>
      </tr>
      ${f.members.map(member)}
    </table>
    <h2>Genogram</h2>
    ${genogram(f, name)}
    <h2>Involvements over the last six years</h2>
    ${timeline(f, name)}
    <div id="outcomes"></div>
    <div id="since"></div>
    <h2>Cohorts</h2>
    <ul>${cohorts}</ul>
    <h2>Programmes</h2>
    <table>
      <tr><th>Ruleset</th><th>Eligible</th><th>Criteria met (needs behind them)</th></tr>
      ${f.eligibility.map(programme)}
    </table>
    <h2>Why these records are one person</h2>
    ${linkDetails(f.members)}
    <h2>Households over time</h2>
    <table>
      <tr><th>Household</th><th>Address</th><th>Now</th><th>Who lived there, as the records show</th></tr>
      ${f.households.map(household)}
    </table>
    <h2>Relationships</h2>
    <details>
      <summary>Every relationship and who recorded it (${f.relationships.length})</summary>
      <ul>${f.relationships.map(relationship)}</ul>
    </details>
    <h2>Intergenerational offending</h2>
    <ul>${f.intergenerational_offending.length ? f.intergenerational_offending.map(chain) : none('none recorded', 'li')}</ul>
    <h2>Overlapping involvements in ${f.window.words}</h2>
    <details>
      <summary>
        ${overlaps.length} pair(s) of agencies involved with one household at the same time,
        ${overlaps.filter(o => o.same_needs.length).length} on the same need, ${overlaps.filter(o => o.ongoing).length}
        still now
      </summary>
      <table>
        <tr><th>Household</th><th>Agencies</th><th>From</th><th>Days</th><th>Same need</th><th>Now</th></tr>
        ${overlaps.map(overlap)}
      </table>
    </details>
    <h2>Needs open now</h2>
    <table id="needs-now">
      <tr><th>Need</th><th>Agencies working on it now</th></tr>
      ${f.needs_now.length ? f.needs_now.map(needRow) : html`<tr><td colspan="2" class="muted">none</td></tr>`}
    </table>
    <h2>Needs seen in ${f.window.words}, closed now</h2>
    <table id="needs-earlier">
      <tr><th>Need</th><th>Agencies</th></tr>
      ${earlierNeeds.length ? earlierNeeds.map(needRow) : html`<tr><td colspan="2" class="muted">none</td></tr>`}
    </table>
    <h2>Involvements</h2>
    <details>
      <summary>Every involvement (${f.involvements.length})</summary>
      <table>
        <tr><th>Person</th><th>Agency</th><th>Service</th><th>Need</th><th>From</th><th>To</th><th>Role</th></tr>
        ${f.involvements.map(involvement)}
      </table>
    </details>
    <p class="muted">
      Annual cost of the current response: &pound;${f.annual_cost_gbp.toLocaleString()}; agencies at once:
      ${f.max_concurrent_agencies}; keyworkers at once: ${f.max_concurrent_keyworkers}.
    </p>`;
  for (const button of main.querySelectorAll('button.split')) button.onclick = () => split(button);
  for (const button of main.querySelectorAll('button.join')) button.onclick = () => join(button);
  const decide = document.getElementById('decide');
  if (decide)
    decide.onsubmit = e => {
      e.preventDefault();
      recordDecision(id, decide);
    };
  since(id);
  if (f.decisions.some(d => d.decision === 'taken_on')) outcomes(id);
}

// The claim report: the baseline (the day the meeting took the family on
// and the needs open then) and each need's outcome since.
async function outcomes(id) {
  let r;
  try {
    r = await api('/api/v1/families/' + encodeURIComponent(id) + '/outcomes');
  } catch (e) {
    return;
  }
  const box = document.getElementById('outcomes');
  if (!box) return;
  const word = { achieved: 'achieved', closed: 'closed, six months not yet passed', open: 'open' };
  const row = o =>
    html`<tr class="${o.status === 'achieved' ? 'ok' : ''}"><td>${o.label}</td><td>${word[o.status]}</td><td>${o.closed_on ?? ''}</td><td>${o.sustained_on ?? ''}</td><td>${o.records.map(x => `${x.agency}:${x.involvement_id} (${x.start_date} to ${x.end_date ?? 'open'})`).join('; ')}</td></tr>`;
  const claim = r.supporting_families_claim
    ? 'An outcome on every need: a Supporting Families results claim (with the plan and lead practitioner on file).'
    : `${r.achieved} of ${r.outcomes.length} needs with an outcome.`;
  box.innerHTML = html`<h2>Outcomes since taken on, ${r.baseline.decided_on}</h2>
    <p>${claim} <span class="muted">${r.rule}</span></p>
    <table id="claim">
      <tr><th>Need at the baseline</th><th>Outcome</th><th>Closed</th><th>Six months on</th><th>Records</th></tr>
      ${r.outcomes.map(row)}
    </table>`;
}

// The partnership meeting's decision about the family, its earlier ones,
// and a form to record a new one.
function decisionBox(f) {
  const line = d => {
    const lead = d.lead_agency ? ` (lead: ${d.lead_agency})` : '';
    const note = d.note ? `: ${d.note}` : '';
    const then =
      d.decided_as_family_id !== f.family_id ? html` <span class="muted">(then ${d.decided_as_family_id})</span>` : '';
    return html`<b>${d.label}</b>${lead}, ${d.decided_on}, by ${d.by}${note}${then}`;
  };
  const earlier = f.decisions.slice(0, -1).reverse();
  // Progress since the decision: its needs then against the family's now.
  const now = f.needs_now.map(n => n.need),
    then = f.decision ? f.decision.needs_then : [];
  const closed = then.filter(n => !now.includes(n)),
    opened = now.filter(n => !then.includes(n));
  const progress =
    f.decision && then.length
      ? html`<p>Needs when decided: ${tags(then)}${closed.length ? html` &middot; none open now: ${tags(closed)}` : ''}${
          opened.length ? html` &middot; new since: ${tags(opened)}` : ''
        }</p>`
      : '';
  const history = earlier.length
    ? html`<details>
        <summary>Earlier decisions (${earlier.length})</summary>
        <ul>${earlier.map(d => html`<li>${line(d)}</li>`)}</ul>
      </details>`
    : '';
  return html`<h2>The meeting's decision</h2>
    <p>${f.decision ? line(f.decision) : 'None yet.'}</p>
    ${progress}
    ${history}
    <form id="decide">
      <label>Decision <select name="decision" required>${DECISIONS.map(([v, l]) => html`<option value="${v}">${l}</option>`)}</select></label>
      <label>Lead agency <select name="lead_agency"><option value="">none named</option>${f.agencies.map(a => html`<option value="${a}">${a}</option>`)}</select></label>
      <label>Note <input name="note" maxlength="500" placeholder="what was agreed"></label> <button>Record</button>
      <span class="muted">Your name and the date are recorded with it.</span> <span id="decided" role="status"></span>
    </form>`;
}
async function recordDecision(id, form) {
  const r = await fetchSigned('/api/v1/families/' + encodeURIComponent(id) + '/decision', {
    decision: form.decision.value,
    lead_agency: form.lead_agency.value || null,
    note: form.note.value,
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
  const list = (label, xs) => (xs.length ? html`<li>${label}: ${tags(xs)}</li>` : '');
  const changed = f
    ? html`<ul>
        ${f.previous_family_id ? '' : html`<li>New to the partnership since then.</li>`}
        ${f.merged_from ? html`<li>Joins the families then ${f.merged_from.join(' and ')}.</li>` : ''}
        ${f.split_into ? html`<li>The family then, ${f.previous_family_id}, split into ${f.split_into.join(' and ')}.</li>` : ''}
        ${list('New involvements', f.new_involvements)}${list('Ended', f.ended_involvements)}
        ${list('Needs opened', f.needs_opened)}${list('Needs closed', f.needs_closed)}
        ${list('Closed six months or more (see outcomes for claims)', f.needs_sustained_resolved)}
      </ul>`
    : html`<p class="muted">Nothing changed.</p>`;
  box.innerHTML = html`<h2>Since the load of ${c.before_as_of}</h2>${changed}`;
}
