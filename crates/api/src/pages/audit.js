// The audit trail, for admins.

import { api, html, main, spaced } from './common.js';

// The audit trail, newest first, for admins: what is worth a look (out of
// hours, many families, refusals), each token's use (the widest reach
// first), then the entries, filtered by token, family, day or refusal.
export async function auditTrail() {
  const q = new URLSearchParams(location.search),
    asked = new URLSearchParams({ limit: '200' });
  for (const k of ['token', 'family', 'since', 'until', 'outcome']) if (q.get(k)) asked.set(k, q.get(k));
  const d = await api('/api/v1/audit?' + asked);
  const link = (by, text) => html`<a href="/audit?${new URLSearchParams(by).toString()}">${text}</a>`;
  const families = e =>
    (e.family_ids || []).length > 8
      ? `${e.family_ids.length} families`
      : spaced((e.family_ids || []).map(f => link({ family: f }, f)));
  const anchor = d.anchor
    ? html` Anchor <code>${d.anchor}</code>: note it elsewhere, and
        <code>famgraph audit --verify-anchor ${d.anchor}</code> at the next review shows the trail was not cut back
        or rewritten up to here.`
    : '';
  const alert = a =>
    html`<tr class="warn"><td>${a.day}</td><td>${link({ token: a.token, since: a.day }, a.token)}</td><td>${a.role}</td><td>${a.why}</td><td class="nowrap">${a.first}</td><td class="nowrap">${a.last}</td></tr>`;
  const more =
    d.unusual.length > 100
      ? html`<p class="muted">
          The newest 100 of ${d.unusual.length}: narrow the period (from, to) or the token to see the rest.
        </p>`
      : '';
  const unusual = d.unusual.length
    ? html`<table>
          <tr><th>Day (UK)</th><th>Token</th><th>Role</th><th>What</th><th>First (UTC)</th><th>Last (UTC)</th></tr>
          ${d.unusual.slice(0, 100).map(alert)}
        </table>
        ${more}`
    : html`<p class="muted">
        Nothing: no person-level data served out of hours, no token opening more families in a day than casework
        needs or refused again and again.
      </p>`;
  const usage = u =>
    html`<tr class="${u.denied ? 'warn' : ''}"><td>${link({ token: u.token }, u.token)}</td><td>${u.role}</td><td>${u.requests}</td><td>${u.denied ? link({ token: u.token, outcome: 'denied' }, String(u.denied)) : 0}</td><td>${u.families}</td><td>${u.first}</td><td>${u.last}</td></tr>`;
  const entry = e =>
    html`<tr class="${e.outcome === 'served' ? '' : 'warn'}"><td>${e.at}</td><td>${e.token}</td><td>${e.role}</td><td>${e.endpoint}</td><td>${e.outcome}</td><td>${families(e)}</td></tr>`;
  main.innerHTML = html`<h2>Audit trail</h2>
    <form class="filters" method="get" action="/audit">
      <label>Token <input name="token" value="${q.get('token') || ''}" size="12"></label>
      <label>Family <input name="family" value="${q.get('family') || ''}" size="8"></label>
      <label>From <input type="date" name="since" value="${q.get('since') || ''}"></label>
      <label>to <input type="date" name="until" value="${q.get('until') || ''}"></label>
      <label>
        <input type="checkbox" name="outcome" value="denied"${q.get('outcome') === 'denied' ? html` checked` : ''}>
        refused only
      </label>
      <button>Show</button> <a href="/audit">all</a>
    </form>
    <p class="muted">
      Every request for person-level data and every refusal: ${d.total} listed, newest first (the latest
      ${d.entries.length} below); each entry is chained to the one before, so an edit on disk shows.${anchor}
    </p>
    <h3>Worth a look</h3>
    ${unusual}
    <h3>Who used it</h3>
    <table>
      <tr>
        <th>Token</th><th>Role</th><th>Requests</th><th>Refused</th><th>Families seen</th><th>First (UTC)</th>
        <th>Last (UTC)</th>
      </tr>
      ${d.by_token.map(usage)}
    </table>
    <h3>Entries</h3>
    <table>
      <tr><th>When (UTC)</th><th>Token</th><th>Role</th><th>Endpoint</th><th>Outcome</th><th>Families</th></tr>
      ${d.entries.map(entry)}
    </table>`;
}
