// Aggregate figures for bid writers.

import { api, count, download, esc, main } from './common.js';

// Aggregate figures for bid writers: counts only, small ones hidden.
export async function evidence() {
  const d = await api('/api/v1/evidence');
  const table = (rows, key, label) =>
    `<table><tr><th>${label}</th><th>Families</th></tr>${rows.map(r => `<tr><td>${esc(r[key])}</td><td>${count(r.families)}</td></tr>`).join('')}</table>`;
  main.innerHTML = `<h2>Evidence, as of ${esc(d.as_of)}</h2><p class="muted">Families are people joined by recorded relationships. Counts from 1 to ${d.suppression_threshold - 1} are hidden, and so is a second count wherever the first could be worked out from a total${d.rounded_to > 1 ? `; counts shown are rounded to the nearest ${d.rounded_to}` : ''}.
  <a href="#" id="csv">Download every figure (CSV)</a></p>
  <table><tr><th>Families</th><th></th></tr>
  <tr><td>with at least one need</td><td>${count(d.families_with_needs)}</td></tr>
  <tr><td>with three or more needs</td><td>${count(d.families_with_three_or_more_needs)}</td></tr>
  <tr><td>with offending passed from parent to child</td><td>${count(d.intergenerational_offending_families)}</td></tr>
  <tr><td>with agencies working with one household at once</td><td>${count(d.families_with_concurrent_agencies)}</td></tr>
  <tr><td>&nbsp;&nbsp;of them with two agencies still working with one household now</td><td>${count(d.families_with_concurrent_agencies_now)}</td></tr>
  <tr><td>with the same need addressed by two or more agencies at once</td><td>${count(d.families_with_duplicated_need)}</td></tr>
  <tr><td>with keyworkers from two or more agencies now</td><td>${count(d.families_with_several_keyworkers_now)}</td></tr>
  <tr><td>with three or more needs and no keyworker now</td><td>${count(d.families_with_three_or_more_needs_and_no_keyworker)}</td></tr>
  <tr><td>annual cost of the current response</td><td>&pound;${Number(d.annual_cost_gbp).toLocaleString()}</td></tr></table>
  <h2>By need</h2><table><tr><th>Need</th><th>Families</th><th>Annual cost</th></tr>${d.by_need.map(r => `<tr><td>${esc(r.label)}</td><td>${count(r.families)}</td><td>${r.annual_cost_gbp === null ? count(null) : '&pound;' + Number(r.annual_cost_gbp).toLocaleString()}</td></tr>`).join('')}</table>
  <h2>Quarter by quarter</h2><table><tr><th>Quarter</th><th>Families worked with</th><th>with a new involvement</th><th>with new offending</th><th>Spend</th></tr>
  ${d.by_quarter.map(q => `<tr><td>${esc(q.quarter)}</td><td>${count(q.families_worked_with)}</td><td>${count(q.families_with_new_involvements)}</td><td>${count(q.families_with_new_offending)}</td><td>${q.cost_gbp === null ? count(null) : '&pound;' + Number(q.cost_gbp).toLocaleString()}</td></tr>`).join('')}</table>
  ${d.by_decision ? `<h2>The meeting's decisions</h2><table><tr><th>Decision now</th><th>Families</th></tr>${d.by_decision.map(r => `<tr><td>${esc(r.label)}</td><td>${count(r.families)}</td></tr>`).join('')}</table>` : ''}
  <h2>By number of needs</h2>${table(d.by_number_of_needs, 'key', 'Needs')}
  <h2>By area</h2>${table(d.by_area, 'key', 'Postcode district')}`;
  document.getElementById('csv').onclick = download('/api/v1/evidence?format=csv', 'famgraph-evidence.csv');
}
