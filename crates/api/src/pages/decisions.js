// The meeting's decisions: its minutes.

import { api, familyLink, html, main, role, spaced, tags } from './common.js';

// The meeting's decisions, newest first: its minutes, each with the family
// that carries it now.
export async function decisionList() {
  const q = new URLSearchParams(location.search),
    asked = new URLSearchParams({ limit: '500' });
  if (q.get('since')) asked.set('since', q.get('since'));
  const d = await api('/api/v1/decisions?' + asked);
  const notes = role === 'coordinator';
  const row = x => {
    const now = x.family_ids.length
      ? spaced(x.family_ids.map(familyLink))
      : html`<span class="muted">no family holds its records now</span>`;
    const then =
      x.family_ids.length === 1 && x.family_ids[0] === x.decided_as_family_id
        ? ''
        : html` <span class="muted">(then ${x.decided_as_family_id})</span>`;
    return html`<tr>
      <td class="nowrap">${x.decided_on}</td><td>${x.label}</td><td>${x.lead_agency || ''}</td>
      <td>${now}${then}</td>
      <td>${x.ranks.map(r => r ?? '-').join(' ')}</td><td>${tags(x.needs_then)}</td><td>${x.by}</td>
      ${notes ? html`<td>${x.note}</td>` : ''}
    </tr>`;
  };
  main.innerHTML = html`<h2>The meeting's decisions</h2>
    <form class="filters" method="get" action="/decisions">
      <label>Recorded on or after <input type="date" name="since" value="${q.get('since') || ''}"></label>
      <button>Show</button> <a href="/decisions">all</a>
    </form>
    <p>
      ${d.total} decision${d.total === 1 ? '' : 's'}, newest first; a family's decision now is its latest.
      <a href="/?decision=undecided">Families still to review</a> &middot;
      <a href="/?decision=review_due">due for review</a> &middot; <a href="/?decision=taken_on">families taken on</a>
    </p>
    ${leads(d.decisions)}
    <table>
      <tr>
        <th>Recorded</th><th>Decision</th><th>Lead agency</th><th>Family now</th><th>Rank now</th><th>Needs then</th>
        <th>By</th>${notes ? html`<th>Note</th>` : ''}
      </tr>
      ${d.decisions.map(row)}
    </table>`;
}

// Who leads the families taken on now, agency by agency: each family's
// latest decision among those listed.
function leads(list) {
  const latest = {};
  for (const x of list) for (const id of x.family_ids) if (!(id in latest)) latest[id] = x;
  const n = {};
  for (const x of Object.values(latest))
    if (x.decision === 'taken_on') n[x.lead_agency || 'none named'] = (n[x.lead_agency || 'none named'] || 0) + 1;
  const rows = Object.entries(n).sort((a, b) => b[1] - a[1]);
  return rows.length
    ? html`<p>Leading the families taken on now: ${rows.map(([a, c]) => html`<span class="tag">${a} ${c}</span>`)}</p>`
    : '';
}
