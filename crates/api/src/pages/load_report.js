// What the last load accepted, repaired and rejected.

import { api, html, main } from './common.js';

// What the last load accepted, repaired and rejected, file by file: the
// repairs and rejects counted by reason, and the first rejected lines.
export async function loadReport() {
  const d = await api('/api/v1/load-report?limit=100');
  const byReason = list =>
    list.map(r => html`<tr><td>${r.file}</td><td>${r.column}</td><td>${r.reason}</td><td>${r.rows}</td></tr>`);
  const head = html`<tr><th>File</th><th>Column</th><th>Reason</th><th>Rows</th></tr>`;
  const file = f => html`<tr>
    <td>${f.file}</td><td>${f.read}</td><td>${f.accepted}</td><td>${f.rejected}</td><td>${f.warnings}</td>
  </tr>`;
  const agency = a => {
    const share = n =>
      html`<td class="nowrap">${n} <span class="muted">(${a.records ? Math.round((100 * n) / a.records) : 0}%)</span></td>`;
    return html`<tr>
      <td>${a.name}</td><td>${a.records}</td>${share(a.known_elsewhere)}${share(a.with_date_of_birth)}
      ${share(a.with_address)}${share(a.with_postcode)}${share(a.with_uprn)}${share(a.with_nhs_number)}
      <td>${a.people_held_twice}</td>${share(a.duplicate_records)}${share(a.placeholder_date_of_birth)}
    </tr>`;
  };
  const line = r => html`<tr><td>${r.file}</td><td>${r.line}</td><td>${r.column}</td><td>${r.reason}</td></tr>`;
  const none = html`<p class="muted">None.</p>`;
  const rejected = d.rejects_total
    ? html`<table>${head}${byReason(d.reject_reasons)}</table>
        <details>
          <summary>The first ${d.rejects.length} rejected lines</summary>
          <table><tr><th>File</th><th>Line</th><th>Column</th><th>Reason</th></tr>${d.rejects.map(line)}</table>
        </details>`
    : none;
  const repaired = d.warnings_total ? html`<table>${head}${byReason(d.warning_reasons)}</table>` : none;
  main.innerHTML = html`<h2>Load report</h2>
    <p class="muted">
      Every row read is accepted (perhaps repaired, with a warning) or rejected with its reason.
    </p>
    <table>
      <tr><th>File</th><th>Read</th><th>Accepted</th><th>Rejected</th><th>Warnings</th></tr>
      ${d.files.map(file)}
    </table>
    <h2>Each agency's person records</h2>
    <p class="muted">
      How many carry each identifying field, and how many were linked to another agency's record of the same
      person: an extract short of dates of birth or addresses links less. An agency holding one person in two or
      more records, or writing a placeholder for an unknown date of birth, can tidy its system.
    </p>
    <table>
      <tr>
        <th>Agency</th><th>Records</th><th>Linked to another agency</th><th>Date of birth</th><th>Address</th>
        <th>Postcode</th><th>UPRN</th><th>NHS number</th><th>People held twice</th><th>Duplicate records</th>
        <th>Placeholder date of birth</th>
      </tr>
      ${d.agencies.map(agency)}
    </table>
    <h2>Rejected (${d.rejects_total})</h2>
    ${rejected}
    <h2>Repaired, with a warning (${d.warnings_total})</h2>
    ${repaired}`;
}
