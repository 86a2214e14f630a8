// Agencies working with the same households at once.

import { api, count, familyLink, html, main, role, spaced } from './common.js';

// The partnership view: which agencies work with the same households at once.
export async function overlaps() {
  const d = await api('/api/v1/overlaps');
  const cell = {};
  for (const p of d.pairs) {
    cell[p.agencies[0] + '|' + p.agencies[1]] = p;
    cell[p.agencies[1] + '|' + p.agencies[0]] = p;
  }
  const pair = (a, b) => {
    const p = a === b ? null : cell[a + '|' + b];
    if (!p) return html`<td class="muted">-</td>`;
    const n = count(p.concurrent.households);
    const same = html`<br><span class="muted">${count(p.same_need.households)} same need<br>${count(p.now.households)} now</span>`;
    if (!p.concurrent.household_ids) return html`<td>${n}${same}</td>`;
    const label =
      `${a} and ${b}: ${p.concurrent.households} households at once, ` +
      `${p.same_need.households} on the same need, ${p.now.households} now; show the families`;
    return html`<td><button class="pick" data-pair="${a + '|' + b}" aria-label="${label}">${n}</button>${same}</td>`;
  };
  const head = d.agencies.map(a => html`<th scope="col">${a}</th>`);
  const rows = d.agencies.map(a => html`<tr><th scope="row">${a}</th>${d.agencies.map(b => pair(a, b))}</tr>`);
  const choose = d.pairs.some(p => p.concurrent.household_ids) ? ' Choose a cell for the families behind it.' : '';
  const steps = ['coordinator', 'partnership'].includes(role)
    ? html`<p>
          Who leads, who steps back:
          <a href="/?keyworkers=several">families with keyworkers from two or more agencies now</a> &middot;
          <a href="/?keyworkers=none">families with no keyworker now</a>
        </p>`
    : '';
  main.innerHTML = html`<h2>Agencies working with the same households at the same time</h2>
    <p>
      As of ${d.as_of}, over ${d.window.words} (from ${d.window.from}): in each cell, the households where both agencies were involved at
      once, and below, those where both addressed the same need and those where both are still involved
      now.${choose}
    </p>
    <table class="matrix">
      <caption class="muted">Rows and columns: agencies. Each cell: households both worked with at once.</caption>
      <tr><td></td>${head}</tr>
      ${rows}
    </table>
    ${steps}
    <div id="behind" aria-live="polite"></div>`;
  for (const button of main.querySelectorAll('button.pick'))
    button.onclick = () => {
      const p = cell[button.dataset.pair];
      const list = (c, label) => {
        const families = (c.family_ids || []).length
          ? spaced(c.family_ids.map(familyLink))
          : html`<span class="muted">none</span>`;
        const households = c.household_ids.length ? c.household_ids.join(' ') : 'none';
        return html`<h3>${label}</h3><p>${families}</p><p class="muted">Households: ${households}</p>`;
      };
      document.getElementById('behind').innerHTML = html`<h2>${p.agencies.join(' and ')}</h2>
        ${list(p.now, 'Both involved now')}${list(p.concurrent, 'At the same time')}${list(p.same_need, 'On the same need')}`;
    };
}
