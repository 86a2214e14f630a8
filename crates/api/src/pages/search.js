// Finding a person: is this referral already known?

import { api, familyLink, html, main, tags } from './common.js';

export async function search() {
  const q = (new URLSearchParams(location.search).get('q') || '').trim();
  document.querySelector('#find input').value = q;
  if (!q) {
    main.innerHTML = html`<p class="muted">
      Type a name (misspelt, a nickname or the names swapped will do; add a date of birth to narrow it), a date of
      birth (YYYY-MM-DD), a postcode, an NHS number or an agency's record id.
    </p>`;
    return;
  }
  const d = await api('/api/v1/search?limit=50&q=' + encodeURIComponent(q));
  const row = p =>
    html`<tr><td>${familyLink(p.family_id)}</td><td>${p.family_rank ?? '-'}</td><td>${p.given_name} ${p.family_name}</td><td>${p.date_of_birth ?? ''}</td><td>${p.postcode ?? ''}</td><td>${tags(p.records.map(r => r.agency + ':' + r.record_id))}</td><td>${p.score}</td></tr>`;
  const by = d.matched_on ? ` by ${d.matched_on.replace(/_/g, ' ')}` : '';
  const more = d.total > d.people.length ? `; the best ${d.people.length} shown` : '';
  main.innerHTML = html`<h2>People matching "${q}"</h2>
    <p>${d.total} found${by}${more}. Each search is recorded in the audit trail.</p>
    <table id="found">
      <tr><th>Family</th><th>Rank</th><th>Name</th><th>Born</th><th>Postcode</th><th>Records</th><th>Match</th></tr>
      ${d.people.map(row)}
    </table>`;
}
