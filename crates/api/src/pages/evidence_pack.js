// The evidence pack: one printable document a bid writer can take into a
// bid: the headline figures each with what it counts, the plain sentences
// they support, the charts, and the figures by programme and area. Only
// the evidence's aggregates, as published.

import { api, count, download, html, main } from './common.js';
import { areas, CHARTS, costBenefit, HEADLINES, showChart } from './evidence.js';

export async function evidencePack() {
  const d = await api('/api/v1/evidence');
  const w = d.window;
  const period = key => {
    const p = d.periods[key];
    return p === 'now' ? `on ${d.as_of}` : p === w.words ? `${p} (${w.from} to ${d.as_of})` : p;
  };
  // A figure in a sentence: hidden ones said as such, never guessed.
  const n = x => (x === null || x === undefined ? `fewer than ${d.suppression_threshold}` : x.toLocaleString());
  const pounds = x => (x === null || x === undefined ? null : `£${Number(x).toLocaleString()}`);
  const sentences = [
    `In ${w.words} (${w.from} to ${d.as_of}), ${n(d.families_with_needs)} families known to the partnership's agencies had at least one of the ten Supporting Families headline needs, and ${n(d.families_with_needs_now)} had one open on ${d.as_of}.`,
    `${n(d.families_with_three_or_more_needs)} of them had three or more needs in that time; ${n(d.families_with_three_or_more_needs_now)} have three or more open now.`,
    `In ${n(d.intergenerational_offending_families)} families, offending is recorded for a parent and for their child.`,
    `In ${n(d.families_with_concurrent_agencies)} families two or more agencies worked with one household at the same time in ${w.words}, ${n(d.families_with_concurrent_agencies_now)} of them still on ${d.as_of}; in ${n(d.families_with_duplicated_need)} two agencies were working on the same need at once.`,
    `${n(d.families_with_three_or_more_needs_and_no_keyworker)} families with three or more needs open now have no agency keyworker, while ${n(d.families_with_several_keyworkers_now)} have keyworkers from two or more agencies.`,
    pounds(d.annual_cost_gbp)
      ? `The public spend recorded against these families' involvements in the year to ${d.as_of} was about ${pounds(d.annual_cost_gbp)}, from the services' unit costs.`
      : null,
    pounds(d.cost_benefit.average_annual_cost_per_family_gbp)
      ? `That is about ${pounds(d.cost_benefit.average_annual_cost_per_family_gbp)} a family a year${pounds(d.cost_benefit.average_annual_cost_per_family_with_three_or_more_needs_gbp) ? `, and ${pounds(d.cost_benefit.average_annual_cost_per_family_with_three_or_more_needs_gbp)} for a family with three or more needs` : ''}.`
      : null,
    pounds(d.cost_benefit.duplicated_keyworker_cost_gbp)
      ? `Keyworkers from two or more agencies worked with one family at once in ${n(d.cost_benefit.families_with_duplicated_keyworker_time)} families in the year to ${d.as_of}: the time beyond one keyworker cost about ${pounds(d.cost_benefit.duplicated_keyworker_cost_gbp)}.`
      : null,
    ...d.by_programme.map(p => `${n(p.families)} families are eligible under ${p.title} (${d.periods.by_programme}).`),
  ]
    .filter(Boolean)
    .map(s => s[0].toUpperCase() + s.slice(1));
  const figure = (label, key) => html`<tr><td>${label}</td><td>${count(d[key])}</td><td>${period(key)}</td></tr>`;
  main.innerHTML = html`<section class="sheet cover">
      <h2>Evidence pack: families with multiple needs</h2>
      <p>From the partnership's agency extracts to ${d.as_of}, linked by famgraph. Printed ${new Date().toISOString().slice(0, 10)}.</p>
      <p class="muted">
        Aggregate figures only. Counts from 1 to ${d.suppression_threshold - 1} are hidden ("hidden"), and so is a second
        count wherever the first could be worked out from a total${d.rounded_to > 1 ? `; counts shown are rounded to the nearest ${d.rounded_to}` : ''}.
        Families are people joined by the relationships the agencies recorded.
        The figures behind this pack: <a href="#" id="zip">a CSV a table (zip)</a>, or
        <a href="#" id="csv">every figure in one CSV</a>.
      </p>
      <h3>What the figures say</h3>
      ${sentences.map(s => html`<p>${s}</p>`)}
      <h3>Headline figures</h3>
      <table>
        <tr><th>Families</th><th></th><th>Counted</th></tr>
        ${HEADLINES.map(([label, key]) => figure(label, key))}
      </table>
    </section>
    <section class="sheet">
      <h2>Charts</h2>
      ${CHARTS.map(([name, title]) => html`<figure><img id="chart-${name}" alt="${title}"></figure>`)}
    </section>
    <section class="sheet">
      <h2>By programme, need and area</h2>
      <table>
        <tr><th>Programme</th><th>Eligible families</th></tr>
        ${d.by_programme.map(p => html`<tr><td>${p.title}</td><td>${count(p.families)}</td></tr>`)}
      </table>
      <p class="muted">Counted ${d.periods.by_programme}.</p>
      <table>
        <tr><th>Need</th><th>Families, ${period('by_need')}</th><th>open ${period('by_need_now')}</th></tr>
        ${d.by_need.map(r => html`<tr><td>${r.label}</td><td>${count(r.families)}</td><td>${count(r.families_now)}</td></tr>`)}
      </table>
      <h3>By area, ${period('by_area')}</h3>
      ${areas(d)}
    </section>
    <section class="sheet">${costBenefit(d)}</section>`;
  document.getElementById('csv').onclick = download('/api/v1/evidence?format=csv', 'famgraph-evidence.csv');
  document.getElementById('zip').onclick = download('/api/v1/evidence?format=zip', `famgraph-evidence-${d.as_of}.zip`);
  await Promise.all(CHARTS.map(([name]) => showChart(name)));
}
