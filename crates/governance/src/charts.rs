//! Charts a bid writer can paste into a document, drawn as SVG from the
//! evidence as published: every number in them is one the evidence shows
//! (suppressed and rounded), a hidden one drawn as hidden, never its
//! value. Each is titled with what it counts, its period and its source.

use std::fmt::Write as _;

use crate::evidence::Evidence;

/// The charts there are, by the name their URL takes.
pub const NAMES: [&str; 3] = ["trend", "needs_by_area", "overlaps"];

/// The chart called `name`, or `None` for no such chart. `overlaps` is
/// asked for only for the chart of that name.
pub fn chart(name: &str, evidence: &Evidence, overlaps: impl FnOnce() -> Overlaps) -> Option<String> {
    match name {
        "trend" => Some(trend(evidence)),
        "needs_by_area" => Some(needs_by_area(evidence)),
        "overlaps" => Some(self::overlaps(evidence, &overlaps())),
        _ => None,
    }
}

const FONT: &str = "font-family=\"Arial, Helvetica, sans-serif\"";
const SERIES: [(&str, &str); 3] = [
    ("Families worked with", "#1f77b4"),
    ("Families with a new involvement", "#2ca02c"),
    ("Families with new offending", "#d62728"),
];

fn esc(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The source line under every chart.
fn source(e: &Evidence) -> String {
    let rounded =
        if e.rounded_to > 1 { format!(", the rest rounded to the nearest {}", e.rounded_to) } else { String::new() };
    format!(
        "Source: the partnership's agency extracts to {}, linked by famgraph. Counts from 1 to {} hidden (c){rounded}.",
        e.as_of,
        e.suppression_threshold.saturating_sub(1)
    )
}

fn open(out: &mut String, width: u32, height: u32, title: &str, subtitle: &str) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"{}\" {FONT}>\n<rect width=\"{width}\" height=\"{height}\" fill=\"#fff\"/>\n\
         <text x=\"16\" y=\"26\" font-size=\"16\" font-weight=\"bold\">{}</text>\n\
         <text x=\"16\" y=\"46\" font-size=\"12\" fill=\"#444\">{}</text>\n",
        esc(title),
        esc(title),
        esc(subtitle)
    );
}

fn close(out: &mut String, e: &Evidence, height: u32) {
    let _ = write!(
        out,
        "<text x=\"16\" y=\"{}\" font-size=\"11\" fill=\"#555\">{}</text>\n</svg>\n",
        height - 12,
        esc(&source(e))
    );
}

/// Families worked with, with a new involvement and with new offending,
/// quarter by quarter: the complete quarters, as bars.
pub fn trend(evidence: &Evidence) -> String {
    let quarters = &evidence.by_quarter;
    let (width, height) = (760_u32, 400_u32);
    let (left, top, bottom) = (64.0, 92.0, 330.0);
    let plot_width = f64::from(width) - left - 24.0;
    let period = match (quarters.first(), quarters.last()) {
        (Some(first), Some(last)) => format!("{} to {}", first.from, last.to),
        _ => "no complete quarter".to_owned(),
    };
    let mut out = String::new();
    open(
        &mut out,
        width,
        height,
        "Families worked with, quarter by quarter",
        &format!(
            "{period}: the quarters every agency's extract covers to their end ({} later quarter(s) left out: their counts lag)",
            evidence.incomplete_quarters.len()
        ),
    );
    let values = |q: &crate::evidence::QuarterCount| {
        [q.families_worked_with, q.families_with_new_involvements, q.families_with_new_offending]
    };
    let max = quarters.iter().flat_map(|q| values(q).into_iter().flatten()).max().unwrap_or(0).max(1);
    let step = nice_step(max);
    let top_value = max.div_ceil(step) * step;
    let y_of = |value: u64| bottom - (bottom - top) * value as f64 / top_value as f64;
    // Axis and gridlines.
    let mut tick = 0;
    while tick <= top_value {
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" \
             font-size=\"11\" text-anchor=\"end\">{tick}</text>",
            left + plot_width,
            left - 6.0,
            y_of(tick) + 4.0,
            y = y_of(tick)
        );
        tick += step;
    }
    let slot = plot_width / quarters.len().max(1) as f64;
    let bar = slot * 0.8 / 3.0;
    for (i, q) in quarters.iter().enumerate() {
        let x0 = left + slot * i as f64 + slot * 0.1;
        for (k, value) in values(q).into_iter().enumerate() {
            let x = x0 + bar * k as f64;
            match value {
                Some(n) => {
                    let _ = writeln!(
                        out,
                        "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"><title>{} {}: {n}</title></rect>",
                        y_of(n),
                        bar - 1.0,
                        bottom - y_of(n),
                        SERIES[k].1,
                        esc(&q.quarter),
                        SERIES[k].0
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\" fill=\"#777\">c</text>",
                        x + bar / 2.0,
                        bottom - 4.0
                    );
                }
            }
        }
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x0 + slot * 0.4,
            bottom + 16.0,
            esc(&q.quarter)
        );
    }
    let _ = writeln!(
        out,
        "<line x1=\"{left}\" x2=\"{}\" y1=\"{bottom}\" y2=\"{bottom}\" stroke=\"#333\"/>",
        left + plot_width
    );
    for (k, (label, colour)) in SERIES.iter().enumerate() {
        let x = left + 200.0 * k as f64;
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"58\" width=\"12\" height=\"12\" fill=\"{colour}\"/><text x=\"{}\" y=\"68\" font-size=\"12\">{}</text>",
            x + 16.0,
            esc(label)
        );
    }
    close(&mut out, evidence, height);
    out
}

/// Families with each need by postcode district, as a grid shaded by
/// count.
pub fn needs_by_area(e: &Evidence) -> String {
    let mut areas: Vec<&str> = Vec::new();
    let mut needs: Vec<(&str, &str)> = Vec::new();
    for cell in &e.by_area_need {
        if !areas.contains(&cell.area.as_str()) {
            areas.push(&cell.area);
        }
        if !needs.iter().any(|(code, _)| *code == cell.need) {
            needs.push((cell.need, cell.label));
        }
    }
    let columns: Vec<(String, String)> =
        needs.iter().map(|(code, label)| (code.replace('_', " "), (*label).to_owned())).collect();
    let rows: Vec<(String, Vec<Cell>)> = areas
        .iter()
        .map(|area| {
            let values = needs
                .iter()
                .map(|(code, _)| {
                    Cell::of(
                        e.by_area_need.iter().find(|c| c.area == *area && c.need == *code).and_then(|c| c.families),
                    )
                })
                .collect();
            ((*area).to_owned(), values)
        })
        .collect();
    grid(
        e,
        "Families with each need, by postcode district",
        &format!(
            "{} (from {} to {}); a family counted once per need, in the district of its home",
            e.window.words, e.window.from, e.as_of
        ),
        &columns,
        &rows,
    )
}

/// The agencies' overlaps as the evidence's readers see them: per pair of
/// agencies, the households both worked with at once (suppressed).
pub struct Overlaps {
    pub agencies: Vec<String>,
    /// Each pair once, with the households both worked with at once.
    pub pairs: Vec<(String, String, Option<u64>)>,
}

/// Households two agencies worked with at once, for each pair, as a grid
/// (each pair drawn once, below the diagonal).
pub fn overlaps(e: &Evidence, overlaps: &Overlaps) -> String {
    let agencies = &overlaps.agencies;
    let at = |a: &str, b: &str| {
        Cell::of(
            overlaps.pairs.iter().find(|(x, y, _)| (x == a && y == b) || (x == b && y == a)).map_or(Some(0), |p| p.2),
        )
    };
    let columns: Vec<(String, String)> = agencies.iter().map(|a| (a.clone(), a.clone())).collect();
    let rows: Vec<(String, Vec<Cell>)> = agencies
        .iter()
        .enumerate()
        .map(|(i, a)| {
            (a.clone(), agencies.iter().enumerate().map(|(j, b)| if j < i { at(a, b) } else { Cell::Blank }).collect())
        })
        .collect();
    grid(
        e,
        "Households two agencies worked with at once",
        &format!(
            "{} (from {} to {}): households where both agencies' involvements ran at the same time",
            e.window.words, e.window.from, e.as_of
        ),
        &columns,
        &rows,
    )
}

/// A cell of a grid.
#[derive(Clone, Copy)]
enum Cell {
    /// No cell drawn.
    Blank,
    /// A count the evidence hides: drawn `c`.
    Hidden,
    Count(u64),
}

impl Cell {
    fn of(shown: Option<u64>) -> Cell {
        shown.map_or(Cell::Hidden, Cell::Count)
    }
}

/// A grid of counts shaded from white to blue: `columns` (short label,
/// full label), and per row its label and its cells.
fn grid(
    e: &Evidence,
    title: &str,
    subtitle: &str,
    columns: &[(String, String)],
    rows: &[(String, Vec<Cell>)],
) -> String {
    let (cell_w, cell_h, left, top) = (64.0, 24.0, 120.0, 150.0);
    let width = (left + cell_w * columns.len() as f64 + 24.0).max(640.0) as u32;
    let height = (top + cell_h * rows.len() as f64 + 48.0) as u32;
    let mut out = String::new();
    open(&mut out, width, height, title, subtitle);
    let max = rows
        .iter()
        .flat_map(|(_, cells)| cells.iter().filter_map(|c| if let Cell::Count(n) = c { Some(*n) } else { None }))
        .max()
        .unwrap_or(0)
        .max(1);
    for (j, (short, full)) in columns.iter().enumerate() {
        let x = left + cell_w * (j as f64 + 0.5);
        let _ = writeln!(
            out,
            "<text transform=\"translate({x:.1},{:.1}) rotate(-40)\" font-size=\"11\"><title>{}</title>{}</text>",
            top - 8.0,
            esc(full),
            esc(short)
        );
    }
    for (i, (label, cells)) in rows.iter().enumerate() {
        let y = top + cell_h * i as f64;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y + cell_h * 0.68,
            esc(label)
        );
        for (j, value) in cells.iter().enumerate() {
            let x = left + cell_w * j as f64;
            let (fill, text, ink) = match *value {
                Cell::Blank => continue,
                Cell::Count(n) => {
                    // From white to the trend's blue.
                    let share = n as f64 / max as f64;
                    let channel = |full: f64| (255.0 - (255.0 - full) * share).round() as u8;
                    let fill = format!("#{:02x}{:02x}{:02x}", channel(31.0), channel(119.0), channel(180.0));
                    (fill, n.to_string(), if share > 0.55 { "#fff" } else { "#000" })
                }
                Cell::Hidden => ("#eee".to_owned(), "c".to_owned(), "#777"),
            };
            let _ = writeln!(
                out,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{cell_w:.1}\" height=\"{cell_h:.1}\" fill=\"{fill}\" stroke=\"#fff\"/>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" fill=\"{ink}\">{text}</text>",
                x + cell_w / 2.0,
                y + cell_h * 0.68
            );
        }
    }
    close(&mut out, e, height);
    out
}

/// A round step for an axis up to `max`: 1, 2 or 5 times a power of ten,
/// about five to the axis.
fn nice_step(max: u64) -> u64 {
    let rough = (max as f64 / 5.0).max(1.0);
    let power = 10_f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * power).find(|s| *s >= rough).unwrap_or(power * 10.0);
    step as u64
}

#[cfg(test)]
mod tests {
    use super::nice_step;

    #[test]
    fn axis_steps_are_round() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(9), 2);
        assert_eq!(nice_step(23), 5);
        assert_eq!(nice_step(480), 100);
    }
}
