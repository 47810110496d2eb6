//! The pieces the report is written with: escaping, links found in free text, numbers that
//! carry the value they show (so that a test can hold every printed number against the CSV
//! file it comes from), and the page's style sheet.

use std::fmt::Write;

/// `text` with `&`, `<`, `>`, `"` and `'` escaped, safe in element content and in quoted
/// attribute values alike.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Free text (a `source`) escaped, with every `http://` or `https://` address in it made a
/// link. An address ends at white space or at a character that cannot end one in prose
/// (`,;)` or a final `.`); nothing else in the text becomes markup.
pub(crate) fn linked(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = next_address(rest) {
        out.push_str(&escape(&rest[..start]));
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '"' | '<' | '>'))
            .unwrap_or(tail.len());
        // A closing bracket or full stop right after an address belongs to the prose.
        while end > 0 && tail[..end].ends_with(['.', ')', ']', '\'']) {
            end -= 1;
        }
        let address = &tail[..end];
        let has_host = address
            .split_once("://")
            .is_some_and(|(_, rest)| !rest.is_empty());
        if has_host {
            let _ = write!(out, "<a href=\"{0}\">{0}</a>", escape(address));
        } else {
            out.push_str(&escape(address));
        }
        rest = &tail[end..];
    }
    out.push_str(&escape(rest));
    out
}

/// Where the next `http://` or `https://` starts in `text`.
fn next_address(text: &str) -> Option<usize> {
    [text.find("https://"), text.find("http://")]
        .into_iter()
        .flatten()
        .min()
}

/// Where a printed number comes from: a row of a CSV file of the folder and one of its
/// columns. The key is the row's leading columns joined with `|`.
#[derive(Debug, Clone)]
pub(crate) struct Origin {
    /// `metrics.csv` or `robustness.csv`.
    pub(crate) file: &'static str,
    /// The row's identifying columns as the file writes them, joined with `|`.
    pub(crate) key: String,
    /// The column the value is in.
    pub(crate) column: &'static str,
}

/// How a value is printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Unit {
    /// A share printed in percent (points for a difference), with this many decimals.
    Percent(usize),
    /// A count of agents or agent-steps, printed whole with thousands separated.
    Count,
    /// A fraction printed in percent, whole.
    Fraction,
}

impl Unit {
    /// The value as printed; `magnitude` prints its absolute value (the sentence says
    /// "higher" or "lower" instead of the sign).
    pub(crate) fn show(self, value: f64, magnitude: bool) -> String {
        let value = if magnitude { value.abs() } else { value };
        let text = match self {
            Unit::Percent(decimals) => format!("{:.*}", decimals, 100.0 * value),
            Unit::Count => thousands(value.round()),
            Unit::Fraction => format!("{:.0}", 100.0 * value),
        };
        // -0.0 and values that round to zero print without a sign.
        if text.starts_with('-') && text[1..].chars().all(|c| matches!(c, '0' | '.' | ',')) {
            text[1..].to_string()
        } else {
            text
        }
    }

    /// The factor from the CSV's value to the printed number.
    fn scale(self) -> f64 {
        match self {
            Unit::Percent(_) | Unit::Fraction => 100.0,
            Unit::Count => 1.0,
        }
    }

    fn decimals(self) -> usize {
        match self {
            Unit::Percent(decimals) => decimals,
            Unit::Count | Unit::Fraction => 0,
        }
    }
}

/// 1234567 as "1,234,567".
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0.0 && digits.chars().any(|c| c != '0') {
        out.insert(0, '-');
    }
    out
}

/// A number as printed, in a `<span>` that names its file, row and column and holds the
/// value exactly as the file writes it, with what the browser test needs to recompute the
/// printed text from it (scale, decimals, whether the sign was dropped).
pub(crate) fn number(value: f64, unit: Unit, origin: &Origin, magnitude: bool) -> String {
    // Debug formatting is the shortest text that reads back as the same value, as the CSV
    // files write it.
    format!(
        "<span class=\"n\" data-file=\"{}\" data-key=\"{}\" data-column=\"{}\" data-value=\"{value:?}\" \
         data-scale=\"{}\" data-decimals=\"{}\" data-magnitude=\"{}\">{}</span>",
        origin.file,
        escape(&origin.key),
        origin.column,
        unit.scale(),
        unit.decimals(),
        u8::from(magnitude),
        unit.show(value, magnitude)
    )
}

/// The page's style: readable on screen, and on paper without the contents list, with
/// figures and table rows kept whole.
pub(crate) const STYLE: &str = r#"
:root { --ink: #1a1a1a; --muted: #555; --rule: #ccc; --accent: #1f4e79; --band: #f4f6f8; }
* { box-sizing: border-box; }
body { font-family: "Liberation Sans", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
  line-height: 1.45; margin: 0 auto; max-width: 62rem; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .2rem;
  border-bottom: 2px solid var(--accent); color: var(--accent); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p.question { font-size: 1.15rem; margin: .2rem 0 1rem; }
p.lead { font-size: 1.08rem; }
p.note, figcaption, .muted { color: var(--muted); }
nav { background: var(--band); padding: .5rem .8rem; border-radius: 4px; font-size: .95rem; }
nav ol { margin: 0; padding-left: 1.3rem; columns: 2; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
code { font-family: "Liberation Mono", Menlo, Consolas, monospace; font-size: .88em; }
ul.headline li { margin-bottom: .45rem; }
table { border-collapse: collapse; width: 100%; font-size: .86rem; margin: .4rem 0 1rem; }
th, td { border-bottom: 1px solid var(--rule); padding: .25rem .4rem; text-align: left;
  vertical-align: top; }
th { background: var(--band); }
tr.baseline td { background: #fafbfc; font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.text { overflow-wrap: anywhere; min-width: 12rem; }
td.date { white-space: nowrap; }
figure { margin: 1rem 0 1.6rem; }
figure .chart svg { display: block; width: 100%; height: auto; }
figcaption { font-size: .9rem; margin-top: .3rem; }
a { color: var(--accent); overflow-wrap: anywhere; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { max-width: none; padding: 0; font-size: 10pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, tr, ul.headline li { break-inside: avoid; }
  /* A chart taller than a page would leave its heading alone on the page before. */
  figure .chart svg { max-height: 225mm; width: auto; max-width: 100%; margin: 0 auto; }
  a { color: inherit; text-decoration: none; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            escape(r#"<script>alert("x&y")</script>'"#),
            "&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;&#39;"
        );
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert_eq!(
            linked("see (https://a.example/x?y=1&z=2), or javascript:alert(1) <b>"),
            "see (<a href=\"https://a.example/x?y=1&amp;z=2\">https://a.example/x?y=1&amp;z=2</a>), \
             or javascript:alert(1) &lt;b&gt;"
        );
        assert_eq!(
            linked("end http://b.example/p."),
            "end <a href=\"http://b.example/p\">http://b.example/p</a>."
        );
        assert_eq!(
            linked("https://\"><script>"),
            "https://&quot;&gt;&lt;script&gt;"
        );
        assert_eq!(linked("no address"), "no address");
    }

    #[test]
    fn numbers_print_without_a_sign_when_they_round_to_zero() {
        assert_eq!(Unit::Percent(1).show(-0.0001, false), "0.0");
        assert_eq!(Unit::Percent(1).show(-0.0123, false), "-1.2");
        assert_eq!(Unit::Percent(2).show(-0.0123, true), "1.23");
        assert_eq!(Unit::Count.show(1_234_567.4, false), "1,234,567");
        assert_eq!(Unit::Count.show(-999.0, false), "-999");
        assert_eq!(Unit::Count.show(-0.3, false), "0");
        assert_eq!(Unit::Fraction.show(0.666, false), "67");
    }
}
