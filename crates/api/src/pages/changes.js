// What changed since the earlier load.

import { api, count, decisions, decisionTag, esc, main, tags } from './common.js';

// What changed since the earlier load: per family for coordinators,
// suppressed counts for bid writers.
export async function changes() {
  let d;
  try {
    d = await api('/api/v1/changes');
  } catch (e) {
    main.innerHTML = `<p class="muted">${esc(e.message)}</p>`;
    return;
  }
  if (!d.families) {
    main.innerHTML = `<h2>From ${esc(d.before_as_of)} to ${esc(d.after_as_of)}</h2><table>
    <tr><td>families changed</td><td>${count(d.families_changed)}</td></tr><tr><td>new families</td><td>${count(d.new_families)}</td></tr>
    <tr><td>families no longer known</td><td>${count(d.gone_families)}</td></tr><tr><td>families with a need resolved and sustained six months</td><td>${count(d.families_with_sustained_outcomes)}</td></tr>
    ${Object.entries(d.sustained_by_need)
      .map(([n, c]) => `<tr><td>&nbsp;&nbsp;${esc(n.replace(/_/g, ' '))}</td><td>${count(c)}</td></tr>`)
      .join('')}
    ${
      d.worked_with
        ? `<tr><td>families the partnership took on (taken on or closed now)</td><td>${count(d.worked_with.families)}</td></tr>
    <tr><td>&nbsp;&nbsp;of them with a need resolved and sustained six months</td><td>${count(d.worked_with.families_with_sustained_outcomes)}</td></tr>`
        : ''
    }</table>`;
    return;
  }
  main.innerHTML = `<h2>From ${esc(d.before_as_of)} to ${esc(d.after_as_of)}</h2>
  <p>${d.families.length} families changed (${d.new_families} of them new), ${d.gone_families} no longer known; ${d.families_with_sustained_outcomes} with a need resolved and sustained for six months.</p>
  <table><tr><th>Family</th><th>Was</th>${decisions ? '<th>Decision</th>' : ''}<th>New involvements</th><th>Ended</th><th>Needs opened</th><th>Needs closed</th><th>Resolved six months</th></tr>
  ${d.families
    .map(
      f => `<tr><td><a href="/families/${esc(f.family_id)}">${esc(f.family_id)}</a></td><td>${esc(f.previous_family_id || 'new')}</td>${decisions ? `<td>${decisionTag(f.decision)}</td>` : ''}<td>${f.new_involvements.length}</td><td>${f.ended_involvements.length}</td>
  <td>${tags(f.needs_opened)}</td><td>${tags(f.needs_closed)}</td><td>${tags(f.needs_sustained_resolved)}</td></tr>`,
    )
    .join('')}</table>`;
}
