// The shortlist: the ranked families, filtered, and a CSV of them.

import {
  api,
  DECISION_FILTER,
  decisions,
  decisionTag,
  download,
  familyLink,
  FILTERS,
  html,
  KEYWORKERS,
  main,
  NEEDS,
  options,
  spaced,
  tags,
} from './common.js';

// Families a page.
const PAGE = 50;

export async function shortlist() {
  const q = new URLSearchParams(location.search);
  const page = Math.max(1, parseInt(q.get('page') || '1', 10) || 1);
  const asked = new URLSearchParams({ limit: String(PAGE), offset: String((page - 1) * PAGE) });
  for (const k of FILTERS) if (q.get(k)) asked.set(k, q.get(k));
  // Only what the table shows.
  const shown = 'family_id,rank,score,needs,needs_now,agencies,keyworkers_now,members,reasons,cohorts,decision';
  const [d, rs, cs] = await Promise.all([
    api('/api/v1/families?' + asked + '&fields=' + shown),
    api('/api/v1/rulesets'),
    api('/api/v1/cohorts'),
  ]);
  const cohorts = cs.cohorts.map(c => [c.name, c.title]);
  const needs = NEEDS.map(n => [n, n.replace(/_/g, ' ')]);
  const rulesets = rs.rulesets.map(r => [r.name, r.title]);
  const agencies = d.choices.agencies.map(a => [a.code, a.name]);
  const areas = d.choices.areas.map(a => [a, a]);
  // Showing which families of how many, and the pages either side.
  const first = d.total ? d.offset + 1 : 0,
    last = d.offset + d.families.length;
  const pageLink = (n, label) => {
    const to = new URLSearchParams(q);
    to.set('page', String(n));
    return html`<a href="/?${to}">${label}</a>`;
  };
  const pager = html`<p class="pager">
    Showing ${first.toLocaleString()}-${last.toLocaleString()} of ${d.total.toLocaleString()}
    ${page > 1 ? html` &middot; ${pageLink(page - 1, 'previous')}` : ''}${
      last < d.total ? html` &middot; ${pageLink(page + 1, 'next')}` : ''
    }
  </p>`;
  const decisionFilter = decisions
    ? html`<label>Decision <select name="decision">${options(DECISION_FILTER, q.get('decision'))}</select></label>`
    : '';
  const earlier = f => {
    const closed = f.needs.filter(n => !f.needs_now.includes(n));
    return closed.length ? html` <span class="muted">earlier: ${closed.join(', ')}</span>` : '';
  };
  const row =
    f => html`<tr><td><input type="checkbox" class="agenda" value="${f.family_id}" aria-label="on the agenda"> ${f.rank}</td><td>${familyLink(f.family_id)}</td><td>${f.score}</td>
    <td>${tags(f.needs_now)}${earlier(f)}</td><td>${tags(f.agencies)}</td>
    <td>${tags(f.keyworkers_now) || html`<span class="muted">none</span>`}</td><td>${f.members}</td>
    <td>${spaced(
      f.reasons.map(r => html`<span title="${r.detail}">${r.label} +${r.points}</span>`),
      html`<br>`,
    )}</td>
    <td>${tags(f.cohorts)}</td>${decisions ? html`<td>${decisionTag(f.decision)}</td>` : ''}</tr>`;
  main.innerHTML = html`<form class="filters" method="get" action="/">
      <label>Need <select name="need">${options(needs, q.get('need'))}</select></label>
      <label>Agency (in the window) <select name="agency">${options(agencies, q.get('agency'))}</select></label>
      <label>Area <select name="area">${options(areas, q.get('area'))}</select></label>
      <label>Eligible under <select name="ruleset">${options(rulesets, q.get('ruleset'))}</select></label>
      <label>In cohort <select name="cohort">${options(cohorts, q.get('cohort'))}</select></label>
      <label>Not in <select name="exclude_cohort">${options(cohorts, q.get('exclude_cohort'))}</select></label>
      <label>Keyworkers now <select name="keyworkers">${options(KEYWORKERS, q.get('keyworkers'))}</select></label>
      ${decisionFilter}
      <button>Filter</button> <a href="/">clear</a> &middot; <a href="#" id="csv">download the whole list (CSV)</a>
      &middot; <a href="#" id="pack">meeting pack for the ticked families</a>
    </form>
    <p>
      ${d.total} families with a score${FILTERS.some(k => q.get(k)) ? ' matching the filter' : ''}, as of
      ${d.as_of}. Highest first; each score is the sum of its reasons. Needs are those open now, then those seen
      in ${d.window.words} (from ${d.window.from}) and closed since. The score ranks what is recorded; what is open
      now weighs more than what is past. It predicts nothing, and a person decides.
    </p>
    ${pager}
    <table>
      <tr>
        <th>Rank</th><th>Family</th><th>Score</th><th>Needs now</th><th>Agencies</th><th>Keyworkers now</th>
        <th>People</th><th>Reasons</th><th>Cohorts</th>${decisions ? html`<th>Decision</th>` : ''}
      </tr>
      ${d.families.map(row)}
    </table>
    ${pager}`;
  // The whole list, every page of it.
  asked.set('format', 'csv');
  asked.delete('limit');
  asked.delete('offset');
  document.getElementById('csv').onclick = download('/api/v1/families?' + asked, 'famgraph-shortlist.csv');
  document.getElementById('pack').onclick = e => {
    e.preventDefault();
    const ticked = [...main.querySelectorAll('input.agenda:checked')].map(c => c.value);
    const filter = new URLSearchParams(q);
    filter.delete('page');
    location.href = '/pack?' + new URLSearchParams({ families: ticked.join(','), filter: filter.toString() });
  };
}
