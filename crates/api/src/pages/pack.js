// The meeting pack: a cover sheet stating the filters and the date, then
// one printable page per family on the agenda: who works with it now, the
// keyworkers, the lead the partnership's rule suggests, what changed
// since the earlier load, and room for the decision.

import { api, html, main, tags } from './common.js';
import { workingSummary } from './family.js';

export async function pack() {
  const q = new URLSearchParams(location.search);
  const ids = (q.get('families') || '').split(',').filter(Boolean);
  if (!ids.length) {
    main.innerHTML = html`<p class="muted">Tick the families for the agenda on the shortlist, then "Meeting pack".</p>`;
    return;
  }
  const families = await Promise.all(ids.map(id => api('/api/v1/families/' + encodeURIComponent(id))));
  const changes = await Promise.all(
    ids.map(id => api('/api/v1/changes?family=' + encodeURIComponent(id)).catch(() => null)),
  );
  const filter = new URLSearchParams(q.get('filter') || '');
  const filters = [...filter.entries()].filter(([k]) => k !== 'page').map(([k, v]) => `${k.replace(/_/g, ' ')}: ${v}`);
  const today = new Date().toISOString().slice(0, 10);
  const cover = html`<section class="sheet cover">
    <h2>Partnership meeting pack</h2>
    <p>Printed ${today}, from the extracts of ${families[0].as_of}.</p>
    <p>Families chosen from the shortlist ${filters.length ? html`filtered by ${filters.join('; ')}` : 'with no filter'}.</p>
    <h3>Agenda</h3>
    <ol>
      ${families.map(f => html`<li>${f.family_id}: rank ${f.rank ?? '-'}, score ${f.score}</li>`)}
    </ol>
    <p class="muted">Personal data: keep this pack as the partnership's information-sharing agreement says.</p>
  </section>`;
  const since = c => {
    const f = c && c.family;
    if (!c) return html`<p class="muted">No earlier load to compare with.</p>`;
    if (!f) return html`<p>Nothing changed since ${c.before_as_of}.</p>`;
    const list = (label, xs) => (xs && xs.length ? html`<li>${label}: ${tags(xs)}</li>` : '');
    return html`<ul>
      ${list('Needs opened', f.needs_opened)}${list('Needs closed', f.needs_closed)}
      ${list('New involvements', f.new_involvements)}${list('Ended', f.ended_involvements)}
    </ul>`;
  };
  const sheet = (f, c) => html`<section class="sheet">
    <h2>Family ${f.family_id}: rank ${f.rank ?? '-'}, score ${f.score}</h2>
    <p>${f.reasons.map(r => r.label + ' +' + r.points).join('; ')}</p>
    <p><b>Needs open now:</b> ${f.needs_now.map(n => n.label).join('; ') || 'none'}</p>
    <h3>Working with the family now</h3>
    <p>${workingSummary(f)}</p>
    <table>
      <tr><th>Agency</th><th>Keyworker</th><th>Since</th><th>Services</th></tr>
      ${f.working_now.map(w => html`<tr><td>${w.agency}</td><td>${w.keyworker ? 'yes' : ''}</td><td>${w.since}</td><td>${w.services.join('; ')}</td></tr>`)}
    </table>
    <p><b>Suggested lead:</b> ${f.suggested_lead ?? 'none (no agency has a keyworker now)'}${
      f.steps_back.length ? html`; steps back: ${f.steps_back.join(', ')}` : ''
    }</p>
    <h3>Since the earlier load</h3>
    ${since(c)}
    <h3>Decision</h3>
    <p class="write">Taken on / not now / already managed / closed: ____________ Lead: ____________</p>
    <p class="write">Notes: ______________________________________________________________</p>
  </section>`;
  main.innerHTML = html`${cover}${families.map((f, i) => sheet(f, changes[i]))}`;
}
