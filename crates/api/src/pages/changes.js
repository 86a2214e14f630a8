// What changed since the earlier load.

import { api, count, decisions, decisionTag, html, main, tags } from './common.js';

// What changed since the earlier load: per family for coordinators,
// suppressed counts for bid writers.
export async function changes() {
  let d;
  try {
    d = await api('/api/v1/changes');
  } catch (e) {
    main.innerHTML = html`<p class="muted">${e.message}</p>`;
    return;
  }
  const figure = (label, n) => html`<tr><td>${label}</td><td>${count(n)}</td></tr>`;
  if (!d.families) {
    const worked = d.worked_with
      ? html`${figure('families the partnership took on (taken on or closed now)', d.worked_with.families)}
          <tr>
            <td>of them, with an outcome since taken on</td>
            <td>${count(d.worked_with.families_with_outcomes)}</td>
          </tr>`
      : '';
    main.innerHTML = html`<h2>From ${d.before_as_of} to ${d.after_as_of}</h2>
      <table>
        ${figure('families changed', d.families_changed)}
        ${figure('new families', d.new_families)}
        ${figure('families no longer known', d.gone_families)}
        ${figure('families with a need closed six months or more (not a claim)', d.families_with_sustained_outcomes)}
        ${Object.entries(d.sustained_by_need).map(
          ([n, c]) => html`<tr><td>&nbsp;&nbsp;${n.replace(/_/g, ' ')}</td><td>${count(c)}</td></tr>`,
        )}
        ${worked}
      </table>`;
    return;
  }
  // Where the family came from: its earlier family, or the families it
  // joins, or the family that split.
  const was = f =>
    f.merged_from
      ? `merged from ${f.merged_from.join(' and ')}`
      : f.split_into
        ? `${f.previous_family_id}, split into ${f.split_into.join(' and ')}`
        : f.previous_family_id || 'new';
  const row = f => html`<tr>
    <td><a href="/families/${f.family_id}">${f.family_id}</a></td><td>${was(f)}</td>
    ${decisions ? html`<td>${decisionTag(f.decision)}</td>` : ''}
    <td>${f.new_involvements.length}</td><td>${f.ended_involvements.length}</td>
    <td>${tags(f.needs_opened)}</td><td>${tags(f.needs_closed)}</td><td>${tags(f.needs_sustained_resolved)}</td>
  </tr>`;
  main.innerHTML = html`<h2>From ${d.before_as_of} to ${d.after_as_of}</h2>
    <p>
      ${d.families.length} families changed (${d.new_families} of them new), ${d.gone_families} no longer known;
      ${d.families_with_sustained_outcomes} with a need closed for six months or more (a change, not a claim:
      outcomes count from the day the meeting took a family on).
    </p>
    <table>
      <tr>
        <th>Family</th><th>Was</th>${decisions ? html`<th>Decision</th>` : ''}<th>New involvements</th><th>Ended</th>
        <th>Needs opened</th><th>Needs closed</th><th>Closed six months</th>
      </tr>
      ${d.families.map(row)}
    </table>`;
}
