// The named cohorts and one cohort's people.

import { api, count, html, main } from './common.js';

// The named cohorts with their sizes; one cohort's people, for those who
// may see them.
export async function cohorts() {
  const d = await api('/api/v1/cohorts');
  const row = c => html`<tr>
    <td><a href="/cohorts/${c.name}">${c.title}</a></td>
    <td>${count(c.people)}</td>
    <td>${count(c.families)}</td>
    <td>${c.description}</td>
  </tr>`;
  main.innerHTML = html`<h2>Cohorts</h2>
    <p class="muted">
      Named queries in the partnership's <code>queries/cohorts/</code>, run over the linked people.
    </p>
    <table>
      <tr><th>Cohort</th><th>People</th><th>Families</th><th>What it finds</th></tr>
      ${d.cohorts.map(row)}
    </table>`;
}

export async function cohort(name) {
  const c = await api('/api/v1/cohorts/' + encodeURIComponent(name));
  const row = m => html`<tr>
    <td>${m.person_id}</td>
    <td><a href="/families/${m.family_id}">${m.family_id}</a></td>
    <td>${m.rank ?? '-'}</td>
    <td>${m.evidence}</td>
  </tr>`;
  main.innerHTML = html`<h2>${c.title}</h2>
    <p class="muted">${c.description}</p>
    <p>
      <a href="/?cohort=${c.name}">The shortlist of these families</a> &middot;
      <a href="/?exclude_cohort=${c.name}">the shortlist without them</a>
    </p>
    <table>
      <tr><th>Person</th><th>Family</th><th>Rank</th><th>Why</th></tr>
      ${c.members.map(row)}
    </table>`;
}
