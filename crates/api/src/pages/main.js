// The page's entry: the token from the link or the form, who it is, and
// the view the address asks for.

import { auditTrail } from './audit.js';
import { changes } from './changes.js';
import { cohort, cohorts } from './cohorts.js';
import { html, main, role, whoAmI } from './common.js';
import { decisionList } from './decisions.js';
import { evidence } from './evidence.js';
import { evidencePack } from './evidence_pack.js';
import { family } from './family.js';
import { loadReport } from './load_report.js';
import { overlaps } from './overlaps.js';
import { pack } from './pack.js';
import { review } from './review.js';
import { search } from './search.js';
import { shortlist } from './shortlist.js';

const tokenInput = document.getElementById('token');
// `famgraph serve` prints a link with the token in the fragment, which the
// browser never sends to the server; keep it for this tab and drop it from
// the address bar.
const fromLink = new URLSearchParams(location.hash.slice(1)).get('token');
if (fromLink) {
  sessionStorage.setItem('famgraph-token', fromLink);
  history.replaceState(null, '', location.pathname + location.search);
}
tokenInput.value = sessionStorage.getItem('famgraph-token') || '';
document.getElementById('auth').onsubmit = e => {
  e.preventDefault();
  sessionStorage.setItem('famgraph-token', tokenInput.value.trim());
  // Printed, every section shows: closed details open first.
  window.addEventListener('beforeprint', () => {
    for (const d of document.querySelectorAll('details')) d.open = true;
  });
  route();
};
async function route() {
  if (!sessionStorage.getItem('famgraph-token')) return;
  try {
    await whoAmI();
    if (!['coordinator', 'partnership'].includes(role) && location.pathname === '/')
      history.replaceState(null, '', '/evidence');
    const m = location.pathname.match(/^\/families\/(.+)$/);
    const c = location.pathname.match(/^\/cohorts\/(.+)$/);
    const pages = {
      '/decisions': decisionList,
      '/overlaps': overlaps,
      '/evidence': evidence,
      '/evidence/pack': evidencePack,
      '/changes': changes,
      '/cohorts': cohorts,
      '/load-report': loadReport,
      '/audit': auditTrail,
      '/search': search,
      '/review': review,
      '/pack': pack,
    };
    if (m) await family(decodeURIComponent(m[1]));
    else if (c) await cohort(decodeURIComponent(c[1]));
    else await (pages[location.pathname] || shortlist)();
  } catch (e) {
    main.innerHTML = html`<p class="warn">${e.message}</p>`;
  }
}
// Printed, every section shows: closed details open first.
window.addEventListener('beforeprint', () => {
  for (const d of document.querySelectorAll('details')) d.open = true;
});
route();
