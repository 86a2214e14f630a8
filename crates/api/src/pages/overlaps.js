// Agencies working with the same households at once.

import { api, count, esc, familyLink, main, role } from './common.js';

// The partnership view: which agencies work with the same households at once.
export async function overlaps() {
  const d = await api('/api/v1/overlaps');
  const cell = {};
  for (const p of d.pairs) {
    cell[p.agencies[0] + '|' + p.agencies[1]] = p;
    cell[p.agencies[1] + '|' + p.agencies[0]] = p;
  }
  const head = d.agencies.map(a => `<th scope="col">${esc(a)}</th>`).join('');
  const rows = d.agencies
    .map(
      a =>
        `<tr><th scope="row">${esc(a)}</th>${d.agencies
          .map(b => {
            const p = a === b ? null : cell[a + '|' + b];
            if (!p) return '<td class="muted">-</td>';
            const n = count(p.concurrent.households),
              same = `<br><span class="muted">${count(p.same_need.households)} same need<br>${count(p.now.households)} now</span>`;
            if (!p.concurrent.household_ids) return `<td>${n}${same}</td>`;
            const label = `${a} and ${b}: ${p.concurrent.households} households at once, ${p.same_need.households} on the same need, ${p.now.households} now; show the families`;
            return `<td><button class="pick" data-pair="${esc(a + '|' + b)}" aria-label="${esc(label)}">${n}</button>${same}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('');
  main.innerHTML = `<h2>Agencies working with the same households at the same time</h2>
  <p>As of ${esc(d.as_of)}, over the last two years: in each cell, the households where both agencies were involved at once, and below, those where both addressed the same need and those where both are still involved now.${d.pairs.some(p => p.concurrent.household_ids) ? ' Choose a cell for the families behind it.' : ''}</p>
  <table class="matrix"><caption class="muted">Rows and columns: agencies. Each cell: households both worked with at once.</caption><tr><td></td>${head}</tr>${rows}</table>
  ${['coordinator', 'partnership'].includes(role) ? `<p>Who leads, who steps back: <a href="/?keyworkers=several">families with keyworkers from two or more agencies now</a> &middot; <a href="/?keyworkers=none">families with no keyworker now</a></p>` : ''}
  <div id="behind" aria-live="polite"></div>`;
  for (const button of main.querySelectorAll('button.pick'))
    button.onclick = () => {
      const p = cell[button.dataset.pair];
      const list = (c, label) =>
        `<h3>${esc(label)}</h3><p>${(c.family_ids || []).map(familyLink).join(' ') || '<span class="muted">none</span>'}</p><p class="muted">Households: ${c.household_ids.map(esc).join(' ') || 'none'}</p>`;
      document.getElementById('behind').innerHTML =
        `<h2>${esc(p.agencies.join(' and '))}</h2>` +
        list(p.now, 'Both involved now') +
        list(p.concurrent, 'At the same time') +
        list(p.same_need, 'On the same need');
    };
}
