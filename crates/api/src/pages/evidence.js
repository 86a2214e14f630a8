// Aggregate figures for bid writers.

import { api, count, download, fetchSigned, html, main } from './common.js';

// Aggregate figures for bid writers: counts only, small ones hidden.
export async function evidence() {
  const d = await api('/api/v1/evidence');
  const table = (rows, key, label) => html`<table>
    <tr><th>${label}</th><th>Families</th></tr>
    ${rows.map(r => html`<tr><td>${r[key]}</td><td>${count(r.families)}</td></tr>`)}
  </table>`;
  const period = key => {
    const p = d.periods[key];
    return p === 'now' ? `now (${d.as_of})` : p === d.window.words ? `${p} (from ${d.window.from})` : p;
  };
  const figure = (label, key) => html`<tr><td>${label}</td><td>${count(d[key])}</td><td>${period(key)}</td></tr>`;
  const rounded = d.rounded_to > 1 ? `; counts shown are rounded to the nearest ${d.rounded_to}` : '';
  const quarter = q => html`<tr>
    <td>${q.quarter}</td><td>${count(q.families_worked_with)}</td><td>${count(q.families_with_new_involvements)}</td>
    <td>${count(q.families_with_new_offending)}</td><td>${pounds(q.cost_gbp)}</td>
  </tr>`;
  const decided = d.by_decision
    ? html`<h2>The meeting's decisions</h2>
        <table>
          <tr><th>Decision now</th><th>Families</th></tr>
          ${d.by_decision.map(r => html`<tr><td>${r.label}</td><td>${count(r.families)}</td></tr>`)}
        </table>`
    : '';
  const o = d.outcomes;
  const outcomes = o
    ? html`<h2>Outcomes of the families taken on, each since it was taken on</h2>
        <p class="muted">${o.rule}</p>
        <table>
          <tr><th>Families</th><th></th></tr>
          <tr><td>taken on, or taken on and closed</td><td>${count(o.families_worked_with)}</td></tr>
          <tr><td>with an outcome achieved</td><td>${count(o.families_with_an_outcome)}</td></tr>
          <tr><td>with an outcome on every need</td><td>${count(o.families_with_every_need_achieved)}</td></tr>
          <tr><td>a Supporting Families results claim</td><td>${count(o.supporting_families_claims)}</td></tr>
        </table>
        <table>
          <tr><th>Need</th><th>Families with an outcome on it</th></tr>
          ${o.by_need.map(n => html`<tr><td>${n.label}</td><td>${count(n.families)}</td></tr>`)}
        </table>`
    : '';
  main.innerHTML = html`<h2>Evidence, as of ${d.as_of}</h2>
    <p class="muted">
      Families are people joined by recorded relationships. Counts from 1 to ${d.suppression_threshold - 1} are
      hidden, and so is a second count wherever the first could be worked out from a total${rounded}.
      <a href="#" id="csv">Download every figure (CSV)</a> ·
      <a href="#" id="zip">a CSV a table (zip)</a> ·
      <a href="/evidence/pack">The evidence pack, to print</a>
    </p>
    <table>
      <tr><th>Families</th><th></th><th>Counted</th></tr>
      ${HEADLINES.map(([label, key]) => figure(label, key))}
      <tr>
        <td>annual cost of the current response</td><td>${pounds(d.annual_cost_gbp)}</td>
        <td>${period('annual_cost_gbp')}</td>
      </tr>
    </table>
    <h2>Families each programme would take</h2>
    <table>
      <tr><th>Programme</th><th>Eligible families</th></tr>
      ${d.by_programme.map(p => html`<tr><td>${p.title}</td><td>${count(p.families)}</td></tr>`)}
    </table>
    <p class="muted">Counted ${d.periods.by_programme}.</p>
    <h2>By need</h2>
    <table>
      <tr>
        <th>Need</th><th>Families, ${period('by_need')}</th><th>of them open now</th>
        <th>Annual cost, ${period('annual_cost_gbp')}</th>
      </tr>
      ${d.by_need.map(r => html`<tr><td>${r.label}</td><td>${count(r.families)}</td><td>${count(r.families_now)}</td><td>${pounds(r.annual_cost_gbp)}</td></tr>`)}
    </table>
    <h2>Quarter by quarter</h2>
    <table>
      <tr>
        <th>Quarter</th><th>Families worked with</th><th>with a new involvement</th><th>with new offending</th>
        <th>Spend</th>
      </tr>
      ${d.by_quarter.map(quarter)}
    </table>
    ${
      d.incomplete_quarters.length
        ? html`<p class="muted">
              Kept out of the trend, as one or more agencies' extracts end before the quarter does (its counts lag):
              ${d.incomplete_quarters
                .map(
                  q =>
                    `${q.quarter} to ${q.to}: ${q.families_worked_with ?? 'fewer than ' + d.suppression_threshold} families worked with`,
                )
                .join('; ')}.
            </p>`
        : ''
    }
    ${decided}${outcomes}
    ${costBenefit(d)}
    <h2>By number of needs, ${period('by_number_of_needs')}</h2>
    ${table(d.by_number_of_needs, 'key', 'Needs')}
    <h2>By area, ${period('by_area')}</h2>
    ${areas(d)}
    <h2>Needs by area, ${period('by_area_need')}</h2>
    ${needsByArea(d)}
    <h2>Charts to paste</h2>
    <p class="muted">Drawn by the server from the figures above as published: hidden counts stay hidden.</p>
    ${CHARTS.map(
      ([name, title]) => html`<figure>
        <img id="chart-${name}" alt="${title}">
        <figcaption>
          Download ${title}: <a href="#" id="chart-${name}-svg">SVG</a>, <a href="#" id="chart-${name}-png">PNG</a>
          for a word processor
        </figcaption>
      </figure>`,
    )}`;
  document.getElementById('csv').onclick = download('/api/v1/evidence?format=csv', 'famgraph-evidence.csv');
  document.getElementById('zip').onclick = download('/api/v1/evidence?format=zip', `famgraph-evidence-${d.as_of}.zip`);
  for (const [name] of CHARTS) {
    const path = `/api/v1/evidence/charts/${name}.svg`;
    document.getElementById(`chart-${name}-svg`).onclick = download(path, `famgraph-${name}.svg`);
    showChart(name);
    document.getElementById(`chart-${name}-png`).onclick = e => {
      e.preventDefault();
      png(document.getElementById(`chart-${name}`), `famgraph-${name}.png`);
    };
  }
}

const pounds = n => (n === null ? count(null) : html`&pound;${Number(n).toLocaleString()}`);

// Cost-benefit: what the response costs a family, the keyworker time
// duplicated, the value of the outcomes claimed, and what each assumes.
export function costBenefit(d) {
  const cb = d.cost_benefit;
  const valued = cb.unit_values.filter(v => v.value_gbp !== null);
  const kinds = Object.entries(cb.value_of_outcomes_gbp);
  const values = d.outcomes
    ? html`<h3>The value of the outcomes claimed, ${d.periods.outcome_values}</h3>
        ${
          cb.outcome_values.length
            ? html`<table>
                <tr><th>Outcome</th><th>Value</th><th>Families</th><th>Unit value</th><th>Value</th><th>Source, price year</th></tr>
                ${cb.outcome_values.map(
                  v => html`<tr>
                    <td>${v.outcome}</td><td>${v.value_type}</td><td>${count(v.families)}</td>
                    <td>${pounds(v.unit_value_gbp)} ${v.unit}</td><td>${pounds(v.value_gbp)}</td>
                    <td>${v.source}, ${v.price_year}</td>
                  </tr>`,
                )}
                ${kinds.map(
                  ([kind, total]) =>
                    html`<tr><td>Total</td><td>${kind}</td><td></td><td></td><td>${total === null ? 'not valued' : pounds(total)}</td><td></td></tr>`,
                )}
              </table>`
            : ''
        }
        ${
          cb.outcomes_not_valued.length
            ? html`<p class="muted">
                Not valued, as the unit values give no value for them: ${cb.outcomes_not_valued.join(', ')}.
              </p>`
            : ''
        }`
    : '';
  return html`<h2>Cost and value</h2>
    <table>
      <tr><th></th><th></th><th>Counted</th></tr>
      <tr><td>average annual cost of the current response per family with needs</td>
        <td>${pounds(cb.average_annual_cost_per_family_gbp)}</td><td>${cb.period}</td></tr>
      <tr><td>annual cost of the current response to families with three or more needs</td>
        <td>${pounds(cb.annual_cost_of_families_with_three_or_more_needs_gbp)}</td><td>${cb.period}</td></tr>
      <tr><td>average annual cost per family with three or more needs</td>
        <td>${pounds(cb.average_annual_cost_per_family_with_three_or_more_needs_gbp)}</td><td>${cb.period}</td></tr>
      <tr><td>families with keyworkers from two or more agencies at once</td>
        <td>${count(cb.families_with_duplicated_keyworker_time)}</td><td>${cb.period}</td></tr>
      <tr><td>cost of keyworker time duplicated on one family</td>
        <td>${pounds(cb.duplicated_keyworker_cost_gbp)}</td><td>${cb.period}</td></tr>
    </table>
    ${values}
    <p class="muted">
      Unit values: ${valued.length} of ${cb.unit_values.length} given
      (unit-values.csv beside the configuration, in the Unit Cost Database's form: fiscal, economic and social, each
      with its source and price year).
    </p>
    <h3>Assumptions</h3>
    <ul class="assumptions">
      ${cb.assumptions.map(a => html`<li>${a}</li>`)}
    </ul>`;
}

// The headline figures, by their key in the evidence.
export const HEADLINES = [
  ['with at least one need', 'families_with_needs'],
  ['with at least one need open now', 'families_with_needs_now'],
  ['with three or more needs', 'families_with_three_or_more_needs'],
  ['with three or more needs open now', 'families_with_three_or_more_needs_now'],
  ['with offending passed from parent to child', 'intergenerational_offending_families'],
  ['with agencies working with one household at once', 'families_with_concurrent_agencies'],
  ['of them, with two agencies still working with one household now', 'families_with_concurrent_agencies_now'],
  ['with the same need addressed by two or more agencies at once', 'families_with_duplicated_need'],
  ['with keyworkers from two or more agencies now', 'families_with_several_keyworkers_now'],
  ['with three or more needs open now and no keyworker now', 'families_with_three_or_more_needs_and_no_keyworker'],
];
export const CHARTS = [
  ['trend', 'the quarterly trend'],
  ['needs_by_area', 'needs by area'],
  ['overlaps', 'the agencies working with one household at once'],
];
// The chart as shown, drawn at twice its size onto a canvas and saved as PNG.
async function png(img, filename) {
  await img.decode().catch(() => null);
  if (!img.naturalWidth) return;
  const canvas = Object.assign(document.createElement('canvas'), {
    width: img.naturalWidth * 2,
    height: img.naturalHeight * 2,
  });
  const context = canvas.getContext('2d');
  context.scale(2, 2);
  context.drawImage(img, 0, 0);
  canvas.toBlob(blob => {
    const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: filename });
    link.click();
    URL.revokeObjectURL(link.href);
  }, 'image/png');
}
// The chart the server drew, fetched with the token, shown in the image
// `chart-NAME`; resolves once the image is ready (to print, say).
export async function showChart(name) {
  const r = await fetchSigned(`/api/v1/evidence/charts/${name}.svg`);
  const img = document.getElementById(`chart-${name}`);
  if (r.ok) img.src = URL.createObjectURL(await r.blob());
  await img.decode().catch(() => null);
}

// Families and children by area, with rates per 1,000 where the
// partnership gave the area's households and children.
export function areas(d) {
  const rate = r => (r === null || r === undefined ? count(null) : r.toLocaleString());
  const rated = d.by_area.some(a => a.denominators);
  return html`<table>
      <tr><th>Postcode district</th><th>Families</th><th>Children in them</th>${
        rated ? html`<th>Families per 1,000 households</th><th>Children per 1,000 children</th>` : ''
      }</tr>
      ${d.by_area.map(
        a =>
          html`<tr><td>${a.key}</td><td>${count(a.families)}</td><td>${count(a.children)}</td>${
            rated
              ? html`<td>${rate(a.families_per_1000_households)}</td><td>${rate(a.children_per_1000_children)}</td>`
              : ''
          }</tr>`,
      )}
    </table>
    <p class="muted">${d.rates_note}.</p>`;
}
// One row per area, one column per need: where each need is most common.
function needsByArea(d) {
  const needs = [...new Map(d.by_area_need.map(c => [c.need, c.label])).entries()];
  const areas = [...new Set(d.by_area_need.map(c => c.area))];
  const at = new Map(d.by_area_need.map(c => [`${c.area} ${c.need}`, c.families]));
  return html`<table class="matrix">
    <tr><th>Postcode district</th>${needs.map(([code, label]) => html`<th title="${label}">${code.replace(/_/g, ' ')}</th>`)}</tr>
    ${areas.map(a => html`<tr><td>${a}</td>${needs.map(([code]) => html`<td>${count(at.get(`${a} ${code}`))}</td>`)}</tr>`)}
  </table>`;
}
