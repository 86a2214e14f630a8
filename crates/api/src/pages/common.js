// What every view shares: the signed-in session, the API client, escaping
// and the small pieces of markup the views are built from.

export const main = document.getElementById('main');

// Markup is built with the `html` template tag, and only with it: every
// value put into it is escaped, unless it is markup `html` made (or a list
// of such), so a value from the API can never become markup by a missed
// call. `String(markup)`, or `main.innerHTML = markup`, gives the text.
class Markup {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}
const put = value =>
  value instanceof Markup ? value.text : Array.isArray(value) ? value.map(put).join('') : esc(value);
export const html = (strings, ...values) =>
  new Markup(strings.reduce((out, text, i) => out + text + (i < values.length ? put(values[i]) : ''), ''));

const esc = s =>
  String(s ?? '').replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
// Items with a separator between them, for `html` to put in.
export const spaced = (xs, separator = ' ') => xs.flatMap((x, i) => (i ? [separator, x] : [x]));
// Codes as tags; nothing (an empty string, false) for none.
export const tags = xs => (xs && xs.length ? html`${xs.map(x => html`<span class="tag">${x}</span>`)}` : '');
// A request with the session's bearer token: a GET, or with `json` a POST
// of it.
export const fetchSigned = (path, json) => {
  const headers = { Authorization: 'Bearer ' + (sessionStorage.getItem('famgraph-token') || '') };
  if (json === undefined) return fetch(path, { headers });
  return fetch(path, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(json),
  });
};
export async function api(path) {
  const r = await fetchSigned(path);
  const body = await r.json();
  if (!r.ok) throw new Error(body.error ? body.error.message : r.statusText);
  return body;
}
// A family id, a link for those who may open the family.
export const familyLink = id => (role === 'coordinator' ? html`<a href="/families/${id}">${id}</a>` : html`${id}`);
export const NEEDS = [
  'education',
  'early_years',
  'health',
  'substance_use',
  'family_relationships',
  'child_safety',
  'crime',
  'domestic_abuse',
  'housing',
  'financial',
];
export const FILTERS = ['need', 'agency', 'area', 'ruleset', 'cohort', 'exclude_cohort', 'keyworkers', 'decision'];
export const KEYWORKERS = [
  ['none', 'none (nobody leads)'],
  ['one', 'one'],
  ['several', 'two or more agencies'],
];
export const DECISIONS = [
  ['taken_on', 'taken on for whole-family working'],
  ['not_now', 'reviewed: not taken on now'],
  ['already_managed', 'already managed elsewhere'],
  ['closed', 'whole-family work closed'],
];
export const DECISION_FILTER = [
  ['undecided', 'not yet decided'],
  ['review_due', 'due for review (not now, and new needs or six months on)'],
  ...DECISIONS,
  ['decided', 'any decision'],
];
export const decisionTag = d =>
  d ? html`<span class="tag">${d.replace(/_/g, ' ')}</span>` : html`<span class="muted">-</span>`;
export const options = (xs, chosen) =>
  html`<option value="">any</option>${xs.map(
    ([v, l]) => html`<option value="${v}"${v === chosen ? html` selected` : ''}>${l}</option>`,
  )}`;
// A click handler that saves an API answer as a file: the token goes in
// the header, never in a link.
export const download = (path, filename) => async e => {
  e.preventDefault();
  const r = await fetchSigned(path);
  if (!r.ok) return;
  const link = Object.assign(document.createElement('a'), {
    href: URL.createObjectURL(await r.blob()),
    download: filename,
  });
  link.click();
  URL.revokeObjectURL(link.href);
};
// A count the server hid (1 to 4 by default) shows as such.
export const count = n =>
  n === null || n === undefined ? html`<span class="muted" title="a small number, hidden">hidden</span>` : n;
// Who the token is: the pages offer only what its role may see.
export let role = null,
  decisions = false;
export async function whoAmI() {
  const me = await api('/api/v1/me');
  role = me.role;
  decisions = me.records_decisions;
  document.getElementById('who').textContent = `signed in as ${me.name} (${me.role.replace('_', ' ')})`;
  // Only roles with person-level access search for people.
  document.getElementById('find').hidden = role !== 'coordinator';
  for (const a of document.querySelectorAll('#nav a[data-roles]'))
    a.hidden = !a.dataset.roles.split(' ').includes(role) || (a.dataset.needs === 'decisions' && !decisions);
}
