// Lays out every family in FAMILIES_JSON (an array of the API's family
// views) with the page's own genogram module and reports every line that
// passes through a member it does not join, with counts of the hard cases
// the families hold (a line spanning two or more rows, a member with two
// or more partners) so a test can tell it checked something.
//
// node genogram.mjs GENOGRAM_JS FAMILIES_JSON
// prints {"families": N, "members": N, "lines": N, "spanning": N,
// "two_partners": N, "crossings": [...]} on stdout.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [module, file] = process.argv.slice(2);
const { layout, crossings, H } = await import(pathToFileURL(module).href);
const families = JSON.parse(readFileSync(file, 'utf8'));
const report = { families: 0, members: 0, lines: 0, spanning: 0, two_partners: 0, crossings: [] };
for (const f of families) {
  const drawing = layout(f.members, f.relationships);
  report.families += 1;
  report.members += f.members.length;
  report.lines += drawing.lines.length;
  const rowOf = id => drawing.at[id].y;
  for (const line of drawing.lines) {
    const rows = Math.abs(rowOf(line.from[0]) - rowOf(line.to));
    if (rows > 1.5 * H) report.spanning += 1;
  }
  const partners = new Map();
  for (const r of f.relationships.filter(r => r.kind === 'partner_of')) {
    for (const id of [r.from, r.to]) partners.set(id, (partners.get(id) || 0) + 1);
  }
  report.two_partners += [...partners.values()].filter(n => n >= 2).length;
  for (const c of crossings(drawing)) report.crossings.push({ family: f.family_id, ...c });
  // Every member placed once, inside the drawing.
  for (const m of f.members) {
    const at = drawing.at[m.person_id];
    if (!at || at.x <= 0 || at.y <= 0 || at.x >= drawing.width || at.y >= drawing.height) {
      report.crossings.push({ family: f.family_id, line: 'placement', through: m.person_id });
    }
  }
  // Every line inside the drawing.
  for (const line of drawing.lines) {
    for (const [x, y] of line.points) {
      if (x < 0 || y < 0 || x > drawing.width || y > drawing.height) {
        report.crossings.push({ family: f.family_id, line: `${line.kind} outside the drawing`, through: line.to });
      }
    }
  }
}
console.log(JSON.stringify(report));
