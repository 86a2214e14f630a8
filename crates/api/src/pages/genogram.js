// The genogram's geometry, apart from its drawing: where each member
// stands and the path of every line, routed so that no line passes
// through another member's shape or name. No page and no DOM, so the
// tests check every family of a generated bundle with Node.
//
// Members stand in rows by generation and in columns W apart. Between
// two rows runs a horizontal channel, and between two columns a vertical
// gap, that no shape or name reaches: a line leaves its member straight
// up or down into a channel, runs along it, drops down a gap to the
// channel by the other member, and enters it straight. A couple stands
// side by side, so the line between them and the point its children's
// line leaves from lie in the gap between the two.

// Column and row pitch, and the half-size of a member's shape.
export const W = 150;
export const H = 110;
export const R = 22;
// A member's name under its shape (12px, at most 16 characters): this
// far below the shape, and this far either side of the centre.
export const LABEL_BELOW = 20;
export const LABEL_HALF = 56;
// Room above the first row for a line that leaves upwards, and below the
// last for one that runs under it.
const TOP = 12;
const BOTTOM = 24;
const LEFT = 0;
// From a row's centre to the middle of the channel below it: halfway
// between the name above and the shape below.
const CHANNEL = (R + LABEL_BELOW + (H - R)) / 2;
// Lines sharing a channel or a gap are set a little apart, within the
// free band, so each can be followed.
const CHANNEL_STEP = 5;
const GAP_STEP = 4;

const isParental = kind => kind === 'parent_of' || kind === 'carer_of';

// The layout of a family (`members` with person_id, generation, household_id
// and age; `relationships` with from, to, kind and inferred): each member's
// centre, the size of the drawing, and every line as a polyline, with what
// it joins.
export function layout(members, relationships) {
  const byId = new Map(members.map(m => [m.person_id, m]));
  const rels = relationships.filter(r => byId.has(r.from) && byId.has(r.to) && r.from !== r.to);
  const gens = [...new Set(members.map(m => m.generation ?? 99))].sort((a, b) => a - b);
  const partnersOf = id =>
    rels
      .filter(r => r.kind === 'partner_of' && (r.from === id || r.to === id))
      .map(r => (r.from === id ? r.to : r.from));
  const parentsOf = id => rels.filter(r => isParental(r.kind) && r.to === id);

  const col = new Map(),
    row = new Map();
  gens.forEach((g, r) => {
    const here = members.filter(m => (m.generation ?? 99) === g);
    // Under their parents, then by household, eldest first.
    const centre = m => {
      const ps = parentsOf(m.person_id)
        .map(p => col.get(p.from))
        .filter(v => v !== undefined);
      return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : Infinity;
    };
    const rank = new Map(
      [...here]
        .sort(
          (a, b) =>
            centre(a) - centre(b) ||
            String(a.household_id).localeCompare(String(b.household_id)) ||
            (b.age ?? 0) - (a.age ?? 0) ||
            String(a.person_id).localeCompare(String(b.person_id)),
        )
        .map((m, i) => [m.person_id, i]),
    );
    const ids = [...rank.keys()];
    const inRow = id => rank.has(id);
    const byRank = (a, b) => rank.get(a) - rank.get(b);
    // Partners side by side: each chain of partners in this row walked
    // from one end, so a person with two partners stands between them.
    const placed = new Set(),
      order = [];
    const unplacedPartners = id =>
      partnersOf(id)
        .filter(p => inRow(p) && !placed.has(p))
        .sort(byRank);
    for (const id of ids) {
      if (placed.has(id)) continue;
      const chain = new Set([id]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const c of [...chain])
          for (const p of partnersOf(c).filter(inRow))
            if (!chain.has(p) && !placed.has(p)) {
              chain.add(p);
              grew = true;
            }
      }
      const inChain = [...chain].sort(byRank);
      const end = inChain.find(c => partnersOf(c).filter(p => chain.has(p)).length === 1) ?? id;
      for (let at = end; at !== undefined; ) {
        placed.add(at);
        order.push(at);
        at = unplacedPartners(at)[0] ?? inChain.find(c => !placed.has(c));
      }
    }
    order.forEach((id, i) => {
      col.set(id, i);
      row.set(id, r);
    });
  });

  const nCols = Math.max(1, ...[...col.values()].map(c => c + 1));
  const x = id => LEFT + W / 2 + col.get(id) * W;
  const y = id => TOP + H / 2 + row.get(id) * H;
  const channelY = (r, k) => TOP + H / 2 + r * H + CHANNEL + (((k % 7) + 7) % 7) * CHANNEL_STEP - 3 * CHANNEL_STEP;
  const gapX = (g, k) => LEFT + g * W + ((k % 5) - 2) * GAP_STEP;

  // A path from `start` (a member, or the point between a couple) to
  // member `to`: out of the start straight up or down into a channel,
  // along it, down a gap if the rows are apart, and straight into `to`.
  let routed = 0;
  const route = (start, to) => {
    const k = routed++;
    const [xe, ye, re] = [x(to), y(to), row.get(to)];
    // Down to a later row, out of the bottom and in at the top.
    const down = re > start.row;
    const exitChannel = down || re === start.row ? start.row : start.row - 1;
    const entryChannel = down ? re - 1 : re;
    const exit = start.couple ? [start.x, start.y] : [start.x, exitChannel >= start.row ? start.y + R : start.y - R];
    const entry = [xe, down ? ye - R : ye + R];
    const ys = channelY(exitChannel, k),
      ye2 = channelY(entryChannel, k);
    if (exitChannel === entryChannel) return [exit, [exit[0], ys], [xe, ys], entry];
    // The gap beside `to` on the side the line comes from; never the
    // drawing's edge when there is another.
    const endCol = col.get(to);
    let g = start.x < xe ? endCol : endCol + 1;
    if (g === 0) g = 1;
    if (g === nCols && nCols > 1 && start.x >= xe) g = endCol;
    const xg = gapX(g, k);
    return [exit, [exit[0], ys], [xg, ys], [xg, ye2], [xe, ye2], entry];
  };

  const lines = [];
  const adjacent = (a, b) => row.get(a) === row.get(b) && Math.abs(col.get(a) - col.get(b)) === 1;
  for (const r of rels.filter(r => r.kind === 'partner_of')) {
    // Side by side: a straight line between their shapes.
    const [left, right] = col.get(r.from) < col.get(r.to) ? [r.from, r.to] : [r.to, r.from];
    const points = adjacent(r.from, r.to)
      ? [
          [x(left) + R, y(left)],
          [x(right) - R, y(right)],
        ]
      : route({ x: x(r.from), y: y(r.from), row: row.get(r.from), couple: false }, r.to);
    lines.push({ kind: 'partner_of', from: [r.from], to: r.to, inferred: !!r.inferred, points });
  }
  for (const m of members) {
    const ps = parentsOf(m.person_id);
    const done = new Set();
    for (const r of ps) {
      if (done.has(r.from)) continue;
      // Two parents who are a couple standing side by side: one line from
      // between them.
      const other = ps.find(
        q => q.from !== r.from && !done.has(q.from) && partnersOf(r.from).includes(q.from) && adjacent(q.from, r.from),
      );
      done.add(r.from);
      if (other) done.add(other.from);
      const start = other
        ? { x: (x(r.from) + x(other.from)) / 2, y: y(r.from), row: row.get(r.from), couple: true }
        : { x: x(r.from), y: y(r.from), row: row.get(r.from), couple: false };
      lines.push({
        kind: r.kind,
        from: other ? [r.from, other.from] : [r.from],
        to: m.person_id,
        inferred: !!r.inferred,
        points: route(start, m.person_id),
      });
    }
  }
  const at = Object.fromEntries(members.map(m => [m.person_id, { x: x(m.person_id), y: y(m.person_id) }]));
  return { at, lines, width: LEFT + nCols * W, height: TOP + gens.length * H + BOTTOM, rows: gens.length };
}

// Where a member's shape and name stand: the box no line of another
// member may enter.
export function box(at) {
  return {
    left: at.x - Math.max(R, LABEL_HALF),
    right: at.x + Math.max(R, LABEL_HALF),
    top: at.y - R,
    bottom: at.y + R + LABEL_BELOW,
  };
}

// Whether the axis-parallel segment from p to q enters the box (its inside,
// not its edge).
export function crosses([x1, y1], [x2, y2], b) {
  const [left, right] = [Math.min(x1, x2), Math.max(x1, x2)];
  const [top, bottom] = [Math.min(y1, y2), Math.max(y1, y2)];
  return left < b.right && right > b.left && top < b.bottom && bottom > b.top;
}

// Every line that passes through a member it does not join: [] for a
// drawing that keeps them all clear.
export function crossings(drawing) {
  const found = [];
  for (const line of drawing.lines) {
    const ends = new Set([...line.from, line.to]);
    for (const [id, at] of Object.entries(drawing.at)) {
      if (ends.has(id)) continue;
      const b = box(at);
      for (let i = 1; i < line.points.length; i++) {
        if (crosses(line.points[i - 1], line.points[i], b)) {
          found.push({ line: `${line.from.join('+')} ${line.kind} ${line.to}`, through: id });
          break;
        }
      }
    }
  }
  return found;
}
