// The named cohorts and one cohort's people.

import { api, count, esc, main } from './common.js';

// The named cohorts with their sizes; one cohort's people, for those who
// may see them.
export async function cohorts() {
  const d = await api('/api/v1/cohorts');
  main.innerHTML = `<h2>Cohorts</h2><p class="muted">Named queries in the partnership's <code>queries/cohorts/</code>, run over the linked people.</p>
  <table><tr><th>Cohort</th><th>People</th><th>Families</th><th>What it finds</th></tr>${d.cohorts
    .map(
      c => `<tr><td><a href="/cohorts/${esc(c.name)}">${esc(c.title)}</a></td>
  <td>${count(c.people)}</td><td>${count(c.families)}</td><td>${esc(c.description)}</td></tr>`,
    )
    .join('')}</table>`;
}
export async function cohort(name) {
  const c = await api('/api/v1/cohorts/' + encodeURIComponent(name));
  main.innerHTML = `<h2>${esc(c.title)}</h2><p class="muted">${esc(c.description)}</p>
  <p><a href="/?cohort=${esc(c.name)}">The shortlist of these families</a> &middot; <a href="/?exclude_cohort=${esc(c.name)}">the shortlist without them</a></p>
  <table><tr><th>Person</th><th>Family</th><th>Rank</th><th>Why</th></tr>${c.members
    .map(
      m => `<tr><td>${esc(m.person_id)}</td>
  <td><a href="/families/${esc(m.family_id)}">${esc(m.family_id)}</a></td><td>${m.rank ?? '-'}</td><td>${esc(m.evidence)}</td></tr>`,
    )
    .join('')}</table>`;
}
