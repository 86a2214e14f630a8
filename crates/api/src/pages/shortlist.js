// The shortlist: the ranked families, filtered, and a CSV of them.

import {
  api,
  DECISION_FILTER,
  decisions,
  decisionTag,
  download,
  esc,
  familyLink,
  FILTERS,
  KEYWORKERS,
  main,
  NEEDS,
  options,
  tags,
} from './common.js';

export async function shortlist() {
  const q = new URLSearchParams(location.search);
  const asked = new URLSearchParams({ limit: '100' });
  for (const k of FILTERS) if (q.get(k)) asked.set(k, q.get(k));
  const [d, rs, cs] = await Promise.all([
    api('/api/v1/families?' + asked),
    api('/api/v1/rulesets'),
    api('/api/v1/cohorts'),
  ]);
  const cohorts = cs.cohorts.map(c => [c.name, c.title]);
  main.innerHTML = `<form class="filters" method="get" action="/">
  <label>Need <select name="need">${options(
    NEEDS.map(n => [n, n.replace(/_/g, ' ')]),
    q.get('need'),
  )}</select></label>
  <label>Agency <input name="agency" size="10" value="${esc(q.get('agency') || '')}"></label>
  <label>Area <input name="area" size="6" placeholder="ME4" value="${esc(q.get('area') || '')}"></label>
  <label>Eligible under <select name="ruleset">${options(
    rs.rulesets.map(r => [r.name, r.title]),
    q.get('ruleset'),
  )}</select></label>
  <label>In cohort <select name="cohort">${options(cohorts, q.get('cohort'))}</select></label>
  <label>Not in <select name="exclude_cohort">${options(cohorts, q.get('exclude_cohort'))}</select></label>
  <label>Keyworkers now <select name="keyworkers">${options(KEYWORKERS, q.get('keyworkers'))}</select></label>
  ${decisions ? `<label>Decision <select name="decision">${options(DECISION_FILTER, q.get('decision'))}</select></label>` : ''}
  <button>Filter</button> <a href="/">clear</a> &middot; <a href="#" id="csv">download this list (CSV)</a></form>
  <p>${d.total} families with a score${FILTERS.some(k => q.get(k)) ? ' matching the filter' : ''}, as of ${esc(d.as_of)}. Highest first; each score is the sum of its reasons. The score ranks what is recorded now; it predicts nothing, and a person decides.</p>
  <table><tr><th>Rank</th><th>Family</th><th>Score</th><th>Needs</th><th>Agencies</th><th>Keyworkers now</th><th>People</th><th>Reasons</th><th>Cohorts</th>${decisions ? '<th>Decision</th>' : ''}</tr>
  ${d.families
    .map(
      f => `<tr><td>${f.rank}</td><td>${familyLink(f.family_id)}</td><td>${f.score}</td>
  <td>${tags(f.needs)}</td><td>${tags(f.agencies)}</td><td>${tags(f.keyworkers_now) || '<span class="muted">none</span>'}</td><td>${f.members}</td><td>${f.reasons.map(r => `${esc(r.code)} +${r.points}`).join('<br>')}</td><td>${tags(f.cohorts)}</td>${decisions ? `<td>${decisionTag(f.decision)}</td>` : ''}</tr>`,
    )
    .join('')}</table>`;
  asked.set('format', 'csv');
  asked.set('limit', '1000');
  document.getElementById('csv').onclick = download('/api/v1/families?' + asked, 'famgraph-shortlist.csv');
}
