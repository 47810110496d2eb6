//! What the printed views and the written files share: -0 written as 0, CSV and JSON bytes of
//! typed rows, titled tables laid out as aligned text or Markdown, and the numbers in them.

use crate::compare::{Metric, RunData};
use crate::error::{Error, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Turns -0 into 0 (docs/FORMAT.md, Output files); the statistics of finite counts are finite.
pub(crate) fn clean(x: f64) -> f64 {
    debug_assert!(x.is_finite(), "non-finite metric");
    if x == 0.0 { 0.0 } else { x }
}

/// A CSV file as bytes: `header`, then one line per row, after its point when it has one.
pub(crate) fn csv_bytes<R: Serialize>(
    file: &str,
    header: &[&str],
    rows: &[(Option<usize>, R)],
) -> Result<Vec<u8>> {
    let fail = |e: csv::Error| Error::io(format!("formatting {file}"), e.into());
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .has_headers(false)
        .from_writer(Vec::new());
    // Written by hand, so that a file with no rows still has its header.
    w.write_record(header).map_err(fail)?;
    for (point, row) in rows {
        match point {
            Some(point) => w.serialize((point, row)),
            None => w.serialize(row),
        }
        .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| Error::io(format!("formatting {file}"), e.into_error()))
}

/// A row as a JSON object: `point` first when it has one, then the CSV's keys.
#[derive(Serialize)]
struct JsonRow<'r, R> {
    #[serde(skip_serializing_if = "Option::is_none")]
    point: Option<usize>,
    #[serde(flatten)]
    row: &'r R,
}

/// Rows as a JSON array of objects with the CSV's keys, `null` where undefined.
pub(crate) fn json_bytes<R: Serialize>(rows: &[(Option<usize>, R)]) -> Vec<u8> {
    let rows: Vec<JsonRow<'_, R>> = rows
        .iter()
        .map(|(point, row)| JsonRow { point: *point, row })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&rows).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// How a printed table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Columns aligned with spaces, for a terminal.
    Text,
    /// GitHub-flavoured Markdown tables, for a report.
    Markdown,
}

/// A titled table with its own columns.
pub(crate) struct Section {
    pub(crate) title: String,
    pub(crate) header: Vec<&'static str>,
    /// Right-aligned columns (numbers).
    pub(crate) right: Vec<bool>,
    pub(crate) rows: Vec<Vec<String>>,
}

/// A number as printed, without the sign of a value that rounds to zero ("-0.00").
fn unsigned_zero(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest)
            if rest
                .chars()
                .all(|c| matches!(c, '0' | '.' | ' ' | 'k' | 'M')) =>
        {
            rest.to_owned()
        }
        _ => text,
    }
}

/// A share as percent with two decimals.
pub(crate) fn percent(x: f64) -> String {
    unsigned_zero(format!("{:.2}", 100.0 * x))
}

/// A count of agents or agent-steps, in k or M past ten thousand.
pub(crate) fn count(x: f64) -> String {
    unsigned_zero(match x.abs() {
        a if a >= 1e6 => format!("{:.2} M", x / 1e6),
        a if a >= 1e4 => format!("{:.1} k", x / 1e3),
        _ => format!("{x:.0}"),
    })
}

/// `text` wrapped at `width` columns.
pub(crate) fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
    out
}

pub(crate) fn text_table(out: &mut String, section: &Section) {
    let columns = section.header.len();
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            section
                .rows
                .iter()
                .map(|r| r[c].chars().count())
                .chain([section.header[c].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    out.push_str(&section.title);
    out.push('\n');
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c > 0 {
                text.push_str("  ");
            }
            let pad = widths[c] - cell.chars().count();
            if section.right[c] {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            } else {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    line(
        &section
            .header
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>(),
    );
    for row in &section.rows {
        line(row);
    }
}

pub(crate) fn markdown_table(out: &mut String, section: &Section) {
    out.push_str(&format!("### {}\n\n", section.title));
    out.push_str(&format!("| {} |\n", section.header.join(" | ")));
    let rule: Vec<&str> = section
        .right
        .iter()
        .map(|&r| if r { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in &section.rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
}

/// The heading, the legend and the sections of a printed view, as text or Markdown.
pub(crate) fn render(heading: &str, legend: &str, sections: &[Section], layout: Layout) -> String {
    let mut out = String::new();
    match layout {
        Layout::Text => {
            out.push_str(heading);
            out.push('\n');
            out.push_str(&wrap(legend, 100));
        }
        Layout::Markdown => out.push_str(&format!("## {heading}\n\n{legend}\n")),
    }
    // The filters of `compare` (--variant, --state, --metric) can leave a section without
    // rows, and a heading over nothing would read as a result.
    for section in sections.iter().filter(|s| !s.rows.is_empty()) {
        out.push('\n');
        match layout {
            Layout::Text => text_table(&mut out, section),
            Layout::Markdown => markdown_table(&mut out, section),
        }
    }
    out
}

/// The label of a metric's row in a printed section: the state it is about, or what the
/// metric sums up.
pub(crate) fn row_label(metric: Metric, state: Option<usize>, data: &RunData) -> &str {
    match metric {
        Metric::DomesticShare | Metric::UsageDomesticShare => "domestic (cn)",
        Metric::ForeignShare | Metric::UsageForeignShare => "foreign",
        Metric::Share
        | Metric::DomesticCrossing
        | Metric::PeakUnserved
        | Metric::UnservedExposure
        | Metric::SwitchesAway
        | Metric::VendorShare
        | Metric::UsageShare
        | Metric::UsageVendorShare => state.map_or("", |k| data.state_name(metric, k)),
    }
}

/// Bytes as lowercase hex, as SHA-256 sums are written.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of some bytes, hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_that_round_to_zero_lose_their_sign() {
        assert_eq!(percent(-0.00001), "0.00");
        assert_eq!(percent(-0.0123), "-1.23");
        assert_eq!(count(-0.3), "0");
        assert_eq!(count(-12_345.0), "-12.3 k");
        assert_eq!(count(2_500_000.0), "2.50 M");
    }

    #[test]
    fn sums_are_lowercase_hex() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
