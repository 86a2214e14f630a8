// The audit trail, for admins.

import { api, esc, main } from './common.js';

// The audit trail, newest first, for admins: what is worth a look (out of
// hours, many families, refusals), each token's use (the widest reach
// first), then the entries, filtered by token, family, day or refusal.
export async function auditTrail() {
  const q = new URLSearchParams(location.search),
    asked = new URLSearchParams({ limit: '200' });
  for (const k of ['token', 'family', 'since', 'until', 'outcome']) if (q.get(k)) asked.set(k, q.get(k));
  const d = await api('/api/v1/audit?' + asked);
  const link = (by, text) => `<a href="/audit?${esc(new URLSearchParams(by).toString())}">${esc(text)}</a>`;
  const families = e =>
    (e.family_ids || []).length > 8
      ? `${e.family_ids.length} families`
      : (e.family_ids || []).map(f => link({ family: f }, f)).join(' ');
  main.innerHTML = `<h2>Audit trail</h2>
  <form class="filters" method="get" action="/audit"><label>Token <input name="token" value="${esc(q.get('token') || '')}" size="12"></label>
  <label>Family <input name="family" value="${esc(q.get('family') || '')}" size="8"></label>
  <label>From <input type="date" name="since" value="${esc(q.get('since') || '')}"></label>
  <label>to <input type="date" name="until" value="${esc(q.get('until') || '')}"></label>
  <label><input type="checkbox" name="outcome" value="denied"${q.get('outcome') === 'denied' ? ' checked' : ''}> refused only</label> <button>Show</button> <a href="/audit">all</a></form>
  <p class="muted">Every request for person-level data and every refusal: ${d.total} listed, newest first (the latest ${d.entries.length} below); each entry is chained to the one before, so an edit on disk shows.${d.anchor ? ` Anchor <code>${esc(d.anchor)}</code>: note it elsewhere, and <code>famgraph audit --verify-anchor ${esc(d.anchor)}</code> at the next review shows the trail was not cut back or rewritten up to here.` : ''}</p>
  <h3>Worth a look</h3>${
    d.unusual.length
      ? `<table><tr><th>Day (UK)</th><th>Token</th><th>Role</th><th>What</th><th>First (UTC)</th><th>Last (UTC)</th></tr>
  ${d.unusual
    .slice(0, 100)
    .map(
      a =>
        `<tr class="warn"><td>${esc(a.day)}</td><td>${link({ token: a.token, since: a.day }, a.token)}</td><td>${esc(a.role)}</td><td>${esc(a.why)}</td><td class="nowrap">${esc(a.first)}</td><td class="nowrap">${esc(a.last)}</td></tr>`,
    )
    .join(
      '',
    )}</table>${d.unusual.length > 100 ? `<p class="muted">The newest 100 of ${d.unusual.length}: narrow the period (from, to) or the token to see the rest.</p>` : ''}`
      : '<p class="muted">Nothing: no person-level data served out of hours, no token opening more families in a day than casework needs or refused again and again.</p>'
  }
  <h3>Who used it</h3><table><tr><th>Token</th><th>Role</th><th>Requests</th><th>Refused</th><th>Families seen</th><th>First (UTC)</th><th>Last (UTC)</th></tr>
  ${d.by_token.map(u => `<tr class="${u.denied ? 'warn' : ''}"><td>${link({ token: u.token }, u.token)}</td><td>${esc(u.role)}</td><td>${u.requests}</td><td>${u.denied ? link({ token: u.token, outcome: 'denied' }, String(u.denied)) : 0}</td><td>${u.families}</td><td>${esc(u.first)}</td><td>${esc(u.last)}</td></tr>`).join('')}</table>
  <h3>Entries</h3><table><tr><th>When (UTC)</th><th>Token</th><th>Role</th><th>Endpoint</th><th>Outcome</th><th>Families</th></tr>${d.entries.map(e => `<tr class="${e.outcome === 'served' ? '' : 'warn'}"><td>${esc(e.at)}</td><td>${esc(e.token)}</td><td>${esc(e.role)}</td><td>${esc(e.endpoint)}</td><td>${esc(e.outcome)}</td><td>${families(e)}</td></tr>`).join('')}</table>`;
}
