// The links worth a look, worked through on each family's page with
// "Not the same person" and "Same person as another record".

import { api, familyLink, html, main, options, tags } from './common.js';

const KINDS = [
  ['same_name_members', 'two members with the same name'],
  ['borderline_link', 'links made on a borderline probability'],
  ['date_of_birth_disagrees', "a person's records disagree on the date of birth"],
  ['agency_duplicate', 'an agency holds two records of one person'],
];

export async function review() {
  const q = new URLSearchParams(location.search);
  const asked = new URLSearchParams({ limit: '200' });
  if (q.get('kind')) asked.set('kind', q.get('kind'));
  const d = await api('/api/v1/review?' + asked);
  const label = Object.fromEntries(KINDS);
  const row = i =>
    html`<tr><td>${label[i.kind]}</td><td>${familyLink(i.family_id)}</td><td>${i.rank ?? '-'}</td><td>${i.detail}</td><td>${tags(i.records.map(r => r.agency + ':' + r.record_id))}</td></tr>`;
  const counts = KINDS.map(([k, l]) => html`<li>${l}: ${d.by_kind[k]}</li>`);
  main.innerHTML = html`<h2>Links worth a look</h2>
    <p>
      Open the family to see each link's records side by side, then split a wrong link ("Not the same person") or
      join a person famgraph kept apart ("Same person as another record"). Each correction is kept and applied on
      every load.
    </p>
    <ul>${counts}</ul>
    <form class="filters" method="get" action="/review">
      <label>Show <select name="kind">${options(KINDS, q.get('kind'))}</select></label> <button>Show</button>
    </form>
    <p>${d.total} to look at${d.total > d.items.length ? `; the first ${d.items.length} shown` : ''}.</p>
    <table id="queue">
      <tr><th>What</th><th>Family</th><th>Rank</th><th>Detail</th><th>Records</th></tr>
      ${d.items.map(row)}
    </table>`;
}
