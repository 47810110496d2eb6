//! `blockade report`: one self-contained HTML page about an output folder, for a brief or a
//! paper: the question, the run's provenance, each variant's effect in numbers and in plain
//! words, the charts, the scenario with its sources, and what the intervals cover.
//!
//! [`read`] gathers what the page needs from a folder (the only I/O); [`html`] builds the
//! page as a string, which the caller writes. The page has no script and loads nothing: its
//! style is inline, its charts are inline SVG, and its content security policy forbids any
//! request, so it reads the same from a USB stick and prints to PDF. Every string from the
//! scenario file is escaped; only `http(s)` addresses in sources become links.
//!
//! Every printed number is a `<span>` naming the row and column of `metrics.csv` or
//! `robustness.csv` it comes from, with the unrounded value, so that a test can hold the page
//! against the files. Sentences are generated from the same numbers, never written by hand.
//!
//! The page is a list of [`Section`]s, each present only when the folder holds what it needs;
//! a new kind of folder (a sensitivity analysis, a calibration) adds its section to the list.

mod folder;
mod html;

pub use folder::{Folder, read};

use crate::compare::{Metric, MetricRow, RobustnessRow, RunData, UNSERVED, series};
use crate::error::{InputError, Result};
use crate::output::manifest::{ResolvedEvent, RunManifest};
use crate::output::{METRICS_FILE, ROBUSTNESS_FILE};
use crate::plot::{self, Chart, Kind};
use html::{Origin, Unit, escape, linked, number};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write;

/// The report's file name in an output folder, as `run --report` writes it.
pub const REPORT_FILE: &str = "report.html";

/// The headline's metrics when none are asked for.
pub const DEFAULT_METRICS: [&str; 3] = ["foreign_share", "domestic_share", "peak_unserved"];

/// What the headline reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The headline's metrics by name: `foreign_share`, `domestic_share`, `peak_unserved`,
    /// `unserved_exposure`, or a state's name for its share at the last step.
    pub metrics: Vec<String>,
    /// The segment the headline and charts are about; `all` when `None`.
    pub segment: Option<String>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            metrics: DEFAULT_METRICS.iter().map(|m| m.to_string()).collect(),
            segment: None,
        }
    }
}

/// A part of the page, in page order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The question, and when, with what and how long the run ran.
    Question,
    /// Each variant's effect on the headline metrics, in words and in a table.
    Headline,
    /// How each effect varies across the points of a sweep.
    Robustness,
    /// The charts `plot` draws.
    Charts,
    /// Shares of developers next to shares of usage, when the run has usage weights.
    Usage,
    /// Shares per vendor, when some vendor has several providers or a name of its own.
    Vendors,
    /// The scenario's segments, providers, events and variants, with their sources.
    Scenario,
    /// What the intervals cover and what they do not.
    Intervals,
}

impl Section {
    /// Every section, in page order.
    pub const ALL: [Section; 8] = [
        Section::Question,
        Section::Headline,
        Section::Robustness,
        Section::Charts,
        Section::Usage,
        Section::Vendors,
        Section::Scenario,
        Section::Intervals,
    ];

    /// The section's `id` in the page.
    pub fn id(self) -> &'static str {
        match self {
            Section::Question => "question",
            Section::Headline => "headline",
            Section::Robustness => "robustness",
            Section::Charts => "charts",
            Section::Usage => "usage",
            Section::Vendors => "vendors",
            Section::Scenario => "scenario",
            Section::Intervals => "intervals",
        }
    }

    /// The section's heading.
    pub fn title(self) -> &'static str {
        match self {
            Section::Question => "The question and the run",
            Section::Headline => "Headline",
            Section::Robustness => "Across the sweep points",
            Section::Charts => "Charts",
            Section::Usage => "Developers and usage",
            Section::Vendors => "Vendors",
            Section::Scenario => "The scenario",
            Section::Intervals => "What the intervals cover",
        }
    }

    /// Whether `folder` holds what the section needs.
    pub fn present(self, folder: &Folder) -> bool {
        match self {
            Section::Robustness => folder.compared.robustness.is_some(),
            Section::Usage => has_metric(folder, Metric::UsageShare),
            Section::Vendors => has_metric(folder, Metric::VendorShare),
            Section::Question
            | Section::Headline
            | Section::Charts
            | Section::Scenario
            | Section::Intervals => true,
        }
    }
}

/// A metric's rows of one step, by (state or vendor, arm).
type RowsByState<'a> = IndexMap<(Option<usize>, usize), &'a MetricRow>;

/// Whether the first point's metrics have a row of `metric`.
fn has_metric(folder: &Folder, metric: Metric) -> bool {
    folder.compared.metrics[0]
        .iter()
        .any(|r| r.metric == metric)
}

/// A headline metric, resolved against the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Measure {
    metric: Metric,
    state: Option<usize>,
}

impl Measure {
    fn resolve(name: &str, data: &RunData) -> Result<Measure> {
        let measure = match name {
            "foreign_share" => Measure {
                metric: Metric::ForeignShare,
                state: None,
            },
            "domestic_share" => Measure {
                metric: Metric::DomesticShare,
                state: None,
            },
            "peak_unserved" => Measure {
                metric: Metric::PeakUnserved,
                state: Some(UNSERVED),
            },
            "unserved_exposure" => Measure {
                metric: Metric::UnservedExposure,
                state: Some(UNSERVED),
            },
            state => match data.states.iter().position(|s| s == state) {
                Some(k) => Measure {
                    metric: Metric::Share,
                    state: Some(k),
                },
                None => {
                    return Err(InputError::new(format!(
                        "unknown metric '{name}' (use foreign_share, domestic_share, \
                         peak_unserved, unserved_exposure or a state: {})",
                        data.states.join(", ")
                    ))
                    .in_origin("--metric")
                    .into());
                }
            },
        };
        Ok(measure)
    }

    /// Whether a row of `metrics.csv` or `robustness.csv` is this measure's, at the last
    /// step for a share.
    fn is(self, metric: Metric, state: Option<usize>, step: Option<u32>, last: u32) -> bool {
        let at_last = match metric {
            Metric::Share | Metric::DomesticShare | Metric::ForeignShare => step == Some(last),
            _ => true,
        };
        metric == self.metric && state == self.state && at_last
    }

    /// "the foreign share at 2025-12-29".
    fn label(self, data: &RunData) -> String {
        let end = data.dates[data.dates.len() - 1];
        match self.metric {
            Metric::ForeignShare => format!("the foreign share at {end}"),
            Metric::DomesticShare => format!("the domestic share at {end}"),
            Metric::PeakUnserved => "the peak unserved share".into(),
            Metric::UnservedExposure => "the unserved exposure (agent-steps)".into(),
            _ => format!(
                "the share on {} at {end}",
                self.state.map_or("?", |k| data.states[k].as_str())
            ),
        }
    }

    /// A short name for table rows.
    fn short(self, data: &RunData) -> String {
        match self.metric {
            Metric::ForeignShare => "foreign share (%)".into(),
            Metric::DomesticShare => "domestic share (%)".into(),
            Metric::PeakUnserved => "peak unserved (%)".into(),
            Metric::UnservedExposure => "unserved exposure (agent-steps)".into(),
            _ => format!(
                "share on {} (%)",
                self.state.map_or("?", |k| data.states[k].as_str())
            ),
        }
    }

    /// How the measure's values print, with decimals enough to show an interval of
    /// half-width `half` (in the CSV's unit).
    fn unit(self, half: f64) -> Unit {
        match self.metric {
            Metric::UnservedExposure => Unit::Count,
            _ => Unit::Percent(decimals(half)),
        }
    }

    /// The unit of a difference, in words.
    fn difference_unit(self) -> &'static str {
        match self.metric {
            Metric::UnservedExposure => "agent-steps",
            _ => "points",
        }
    }
}

/// Decimals to print a share in percent whose interval half-width is `half`: enough to show
/// the half-width's first significant digit, at least one and at most three.
fn decimals(half: f64) -> usize {
    let half = (100.0 * half).abs();
    if !half.is_finite() || half == 0.0 {
        return 1;
    }
    (-half.log10()).ceil().clamp(1.0, 3.0) as usize
}

/// Where a row of `metrics.csv` is: its leading columns joined with `|`.
fn metrics_origin(
    data: &RunData,
    point: Option<usize>,
    row: &MetricRow,
    column: &'static str,
) -> Origin {
    let key = row_key(
        data,
        point,
        row.arm,
        row.segment,
        row.metric,
        row.state,
        row.step,
    );
    Origin {
        file: crate::output::METRICS_FILE,
        key,
        column,
    }
}

fn robustness_origin(data: &RunData, row: &RobustnessRow, column: &'static str) -> Origin {
    let key = row_key(
        data,
        None,
        row.arm,
        row.segment,
        row.metric,
        row.state,
        row.step,
    );
    Origin {
        file: crate::output::ROBUSTNESS_FILE,
        key,
        column,
    }
}

/// `point|variant|segment|metric|state|step` as the files write them (no point unswept).
fn row_key(
    data: &RunData,
    point: Option<usize>,
    arm: usize,
    segment: usize,
    metric: Metric,
    state: Option<usize>,
    step: Option<u32>,
) -> String {
    let mut key = point.map_or(String::new(), |p| format!("{p}|"));
    let _ = write!(
        key,
        "{}|{}|{}|{}|{}",
        data.arms[arm],
        data.segment_name(segment),
        metric.name(),
        state.map_or("", |k| data.state_name(metric, k)),
        step.map_or(String::new(), |s| s.to_string())
    );
    key
}

/// The page's resolved choices.
struct Page<'a> {
    folder: &'a Folder,
    data: &'a RunData,
    segment: usize,
    measures: Vec<Measure>,
    swept: bool,
}

/// Builds the report of `folder` as one HTML document. Refuses (exit status 2) a metric or
/// segment the run does not have.
pub fn html(folder: &Folder, options: &Options) -> Result<String> {
    let data = &folder.run.points[0];
    let segment = match &options.segment {
        None => data.segments.len(),
        Some(name) => data
            .segments_and_all()
            .find(|&s| data.segment_name(s) == name)
            .ok_or_else(|| {
                InputError::new(format!(
                    "unknown segment '{name}' (the run has: {}, all)",
                    data.segments.join(", ")
                ))
                .in_origin("--segment")
            })?,
    };
    let names: &[String] = &options.metrics;
    let mut measures = Vec::new();
    for name in names {
        let measure = Measure::resolve(name, data)?;
        if !measures.contains(&measure) {
            measures.push(measure);
        }
    }
    if measures.is_empty() {
        return Err(InputError::new("names no metric")
            .in_origin("--metric")
            .into());
    }
    let page = Page {
        folder,
        data,
        segment,
        measures,
        swept: folder.run.sweep.is_some(),
    };
    let sections: Vec<Section> = Section::ALL
        .into_iter()
        .filter(|s| s.present(folder))
        .collect();

    let mut out = String::new();
    let title = format!("blockade report: {}", data.scenario);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; img-src data:\">\n\
         <link rel=\"icon\" href=\"data:,\">\n\
         <meta name=\"generator\" content=\"blockade {}\">\n<title>{}</title>\n\
         <style>{}</style>\n</head>\n<body>\n<header>\n<h1>{}</h1>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&title),
        html::STYLE,
        escape(&title)
    );
    let question = folder
        .manifest
        .resolved
        .scenario
        .description
        .as_deref()
        .unwrap_or("(the scenario has no description)");
    let _ = writeln!(out, "<p class=\"question\">{}</p>", escape(question));
    out.push_str("<nav aria-label=\"Contents\"><ol>\n");
    for s in &sections {
        let _ = writeln!(out, "<li><a href=\"#{}\">{}</a></li>", s.id(), s.title());
    }
    out.push_str("</ol></nav>\n</header>\n<main>\n");
    for (number, &section) in sections.iter().enumerate() {
        let _ = write!(
            out,
            "<section id=\"{0}\" data-section=\"{0}\">\n<h2>{1}. {2}</h2>\n",
            section.id(),
            number + 1,
            section.title()
        );
        match section {
            Section::Question => page.question(&mut out),
            Section::Headline => page.headline(&mut out),
            Section::Robustness => page.robustness(&mut out),
            Section::Charts => page.charts(&mut out)?,
            Section::Usage => page.usage(&mut out),
            Section::Vendors => page.vendors(&mut out),
            Section::Scenario => page.scenario(&mut out),
            Section::Intervals => page.intervals(&mut out),
        }
        out.push_str("</section>\n");
    }
    let _ = write!(
        out,
        "</main>\n<footer><p class=\"note\">Written by <code>blockade report</code> {} from the \
         files of the output folder; every number is theirs.</p></footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    Ok(out)
}

/// A JSON value as a short text: strings as they are, numbers as written, lists and tables
/// inline.
fn text(value: &Value) -> String {
    match value {
        Value::Null => "none".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| format!("{k} {}", text(v)))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// A field of run.json as a short text, through its JSON value so that the page shows it as
/// the file writes it (a float as `1.0`, a table inline in the file's order).
fn shown<T: Serialize + ?Sized>(field: &T) -> String {
    serde_json::to_value(field).map_or_else(|_| String::new(), |value| text(&value))
}

/// "path = value" lines, for the changes an event or variant makes.
fn changes(set: &IndexMap<String, Value>) -> String {
    set.iter()
        .map(|(k, v)| format!("{} = {}", escape(k), escape(&text(v))))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A command line with the arguments that need it in single quotes.
fn command_line(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            let a = a.clone();
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
            if plain {
                a
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Page<'_> {
    fn manifest(&self) -> &RunManifest {
        &self.folder.manifest
    }

    fn replicates(&self) -> u32 {
        self.data.replicates()
    }

    fn last(&self) -> u32 {
        self.data.steps()
    }

    fn question(&self, out: &mut String) {
        let m = self.manifest();
        let data = self.data;
        let threads = shown(&m.threads);
        let took = format!(
            "{} s of simulation for {} agent-steps on {} thread{}",
            seconds_text(m.wall_time_s),
            html::Unit::Count.show(m.agent_steps as f64, false),
            threads,
            if threads == "1" { "" } else { "s" }
        );
        let command = command_line(&m.command_line);
        let variants: Vec<&str> = data.arms.iter().skip(1).map(String::as_str).collect();
        let rows = [
            (
                "Scenario",
                format!("{} ({})", data.scenario, m.scenario_file),
            ),
            ("Run at", shown(&m.started_at)),
            ("With", format!("blockade {}", m.version)),
            ("Seed", m.seed.to_string()),
            ("Scenario hash", format!("SHA-256 {}", m.scenario_sha256)),
            ("Command line", command),
            ("Took", took),
            (
                "Horizon",
                format!(
                    "{} to {}: step 0 and {} steps",
                    data.dates[0],
                    data.dates[data.dates.len() - 1],
                    self.last()
                ),
            ),
            (
                "Runs",
                format!(
                    "{} agents, {} replicate{} per variant",
                    m.population,
                    self.replicates(),
                    if self.replicates() == 1 { "" } else { "s" }
                ),
            ),
            (
                "Variants",
                if variants.is_empty() {
                    "the baseline alone".into()
                } else {
                    format!("baseline and {}", variants.join(", "))
                },
            ),
        ];
        out.push_str("<dl class=\"facts\">\n");
        for (term, value) in rows {
            let value = if term == "Command line" || term == "Scenario hash" {
                format!("<code>{}</code>", escape(&value))
            } else {
                escape(&value)
            };
            let _ = writeln!(out, "<dt>{term}</dt><dd>{value}</dd>");
        }
        if let Some(sweep) = &self.folder.run.sweep {
            let _ = writeln!(
                out,
                "<dt>Sweep</dt><dd>{} points over {}</dd>",
                sweep.values.len(),
                escape(&sweep.parameters.join(", "))
            );
        }
        out.push_str("</dl>\n");
    }

    /// The rows of one point's metrics for a measure: per arm.
    fn rows(&self, point: usize, measure: Measure) -> Vec<&MetricRow> {
        let last = self.last();
        self.folder.compared.metrics[point]
            .iter()
            .filter(|r| r.segment == self.segment && measure.is(r.metric, r.state, r.step, last))
            .collect()
    }

    fn point_key(&self, point: usize) -> Option<usize> {
        self.swept.then_some(point)
    }

    fn headline(&self, out: &mut String) {
        let data = self.data;
        let segment = data.segment_name(self.segment);
        // The files as the folder holds them: .csv or .parquet.
        let format = self.manifest().format;
        let _ = writeln!(
            out,
            "<p>Segment <strong>{}</strong>, {} replicate{} per variant. {}</p>",
            escape(segment),
            self.replicates(),
            if self.replicates() == 1 { "" } else { "s" },
            if self.swept {
                format!(
                    "Each variant's difference from the baseline, averaged over the sweep \
                     points (<code>{}</code>), with its range across them.",
                    format.file(ROBUSTNESS_FILE)
                )
            } else {
                format!(
                    "Each variant against the baseline (<code>{}</code>). In brackets, the 95% \
                     interval of the difference, paired by replicate: simulation noise only.",
                    format.file(METRICS_FILE)
                )
            }
        );
        if let Some(lead) = self.largest_effect() {
            let _ = writeln!(out, "<p class=\"lead\">{lead}</p>");
        }
        out.push_str("<ul class=\"headline\">\n");
        if data.arms.len() == 1 {
            let clauses: Vec<String> = self
                .measures
                .iter()
                .filter_map(|&measure| {
                    let rows = self.rows(0, measure);
                    rows.first().map(|row| self.level_clause(measure, row))
                })
                .collect();
            let _ = writeln!(
                out,
                "<li>In the baseline, {} (95% intervals over {} replicates: simulation noise \
                 only).</li>",
                clauses.join("; "),
                self.replicates()
            );
        }
        for arm in 1..data.arms.len() {
            let clauses: Vec<String> = self
                .measures
                .iter()
                .filter_map(|&measure| {
                    if self.swept {
                        self.swept_clause(arm, measure)
                    } else {
                        self.rows(0, measure)
                            .into_iter()
                            .find(|r| r.arm == arm)
                            .and_then(|row| self.difference_clause(measure, row))
                    }
                })
                .collect();
            if clauses.is_empty() {
                continue;
            }
            let _ = writeln!(
                out,
                "<li>Under <strong>{}</strong>, {}.</li>",
                escape(&data.arms[arm]),
                clauses.join("; ")
            );
        }
        out.push_str("</ul>\n");
        if self.swept {
            let _ = writeln!(
                out,
                "<p class=\"note\">Within each point, the paired 95% interval over {} \
                 replicates covers simulation noise only; <a href=\"#{}\">{}</a> gives each \
                 point's.</p>",
                self.replicates(),
                Section::Robustness.id(),
                Section::Robustness.title()
            );
        } else {
            self.headline_table(out);
        }
    }

    /// "The largest effect on the foreign share at … is no-block's: 2.6 points higher." for
    /// the first headline metric, from the paired differences (the mean across points when
    /// swept); nothing when no variant changes it.
    fn largest_effect(&self) -> Option<String> {
        let data = self.data;
        let measure = *self.measures.first()?;
        let last = self.last();
        let (arm, value, origin) = if self.swept {
            self.folder
                .compared
                .robustness
                .as_ref()?
                .iter()
                .filter(|r| {
                    r.segment == self.segment && measure.is(r.metric, r.state, r.step, last)
                })
                .map(|r| (r.arm, r.mean, robustness_origin(data, r, "diff_mean")))
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?
        } else {
            self.rows(0, measure)
                .into_iter()
                .filter_map(|r| {
                    let diff = r.diff?.0;
                    Some((r.arm, diff, metrics_origin(data, None, r, "diff_mean")))
                })
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?
        };
        if value == 0.0 {
            return None;
        }
        let unit = measure.unit(value.abs() / 10.0);
        Some(format!(
            "The largest effect on {} is <strong>{}</strong>'s: {} {} {}{}.",
            escape(&measure.label(data)),
            escape(&data.arms[arm]),
            number(value, unit, &origin, true),
            measure.difference_unit(),
            if value > 0.0 { "higher" } else { "lower" },
            if self.swept {
                " on average across the sweep points"
            } else {
                " than in the baseline"
            }
        ))
    }

    /// "the foreign share at … is 12.3% [11.9, 12.8]".
    fn level_clause(&self, measure: Measure, row: &MetricRow) -> String {
        let (low, high) = row.ci95.unwrap_or((row.mean, row.mean));
        let unit = measure.unit((high - low) / 2.0);
        let n = |v, c| {
            number(
                v,
                unit,
                &metrics_origin(self.data, self.point_key(0), row, c),
                false,
            )
        };
        let percent = if matches!(unit, Unit::Percent(_)) {
            "%"
        } else {
            ""
        };
        format!(
            "{} is {}{percent} [{}, {}]",
            escape(&measure.label(self.data)),
            n(row.mean, "mean"),
            n(low, "ci95_low"),
            n(high, "ci95_high"),
        )
    }

    /// "the foreign share at … is 0.4 points lower [0.3, 0.5] (1.2% against 1.6% in the
    /// baseline)".
    fn difference_clause(&self, measure: Measure, row: &MetricRow) -> Option<String> {
        let data = self.data;
        let (diff, low, high) = row.diff?;
        let unit = measure.unit((high - low) / 2.0);
        let origin = |c| metrics_origin(data, None, row, c);
        let baseline = self.rows(0, measure).into_iter().find(|r| r.arm == 0)?;
        let percent = if matches!(unit, Unit::Percent(_)) {
            "%"
        } else {
            ""
        };
        let baseline_mean = format!(
            "{}{percent}",
            number(
                baseline.mean,
                unit,
                &metrics_origin(data, None, baseline, "mean"),
                false
            )
        );
        let levels = format!(
            "{}{percent} against {baseline_mean} in the baseline",
            number(row.mean, unit, &origin("mean"), false)
        );
        let label = escape(&measure.label(data));
        let what = measure.difference_unit();
        if low == 0.0 && high == 0.0 && diff == 0.0 {
            // No replicate differs: the variant leaves this metric exactly as it was.
            return Some(format!(
                "{label} is the same as in the baseline ({baseline_mean})"
            ));
        }
        Some(if low <= 0.0 && high >= 0.0 {
            format!(
                "{label} is not clearly different from the baseline's: {} {what} [{}, {}] \
                 ({levels})",
                number(diff, unit, &origin("diff_mean"), false),
                number(low, unit, &origin("diff_ci95_low"), false),
                number(high, unit, &origin("diff_ci95_high"), false),
            )
        } else {
            // The interval is on one side of zero, so its ends share the difference's sign
            // and print as magnitudes, nearer end first.
            let (near, far, near_column, far_column) = if diff > 0.0 {
                (low, high, "diff_ci95_low", "diff_ci95_high")
            } else {
                (high, low, "diff_ci95_high", "diff_ci95_low")
            };
            format!(
                "{label} is {} {what} {} [{}, {}] ({levels})",
                number(diff, unit, &origin("diff_mean"), true),
                if diff > 0.0 { "higher" } else { "lower" },
                number(near, unit, &origin(near_column), true),
                number(far, unit, &origin(far_column), true),
            )
        })
    }

    /// The swept headline: the mean difference across points, its range, and how often it
    /// is above and below zero.
    fn swept_clause(&self, arm: usize, measure: Measure) -> Option<String> {
        let data = self.data;
        let last = self.last();
        let robust = self.folder.compared.robustness.as_ref()?.iter().find(|r| {
            r.arm == arm && r.segment == self.segment && measure.is(r.metric, r.state, r.step, last)
        })?;
        // Each point's paired difference, for the range.
        let per_point: Vec<(usize, &MetricRow, f64)> = (0..self.folder.run.points.len())
            .filter_map(|p| {
                let row = self.rows(p, measure).into_iter().find(|r| r.arm == arm)?;
                Some((p, row, row.diff?.0))
            })
            .collect();
        let lowest = per_point.iter().min_by(|a, b| a.2.total_cmp(&b.2))?;
        let highest = per_point.iter().max_by(|a, b| a.2.total_cmp(&b.2))?;
        if lowest.2 == 0.0 && highest.2 == 0.0 {
            return Some(format!(
                "{} is the same as in the baseline at every sweep point",
                escape(&measure.label(data))
            ));
        }
        let unit = measure.unit((highest.2 - lowest.2) / 2.0);
        let at = |&(p, row, value): &(usize, &MetricRow, f64)| {
            format!(
                "{} (point {p})",
                number(
                    value,
                    unit,
                    &metrics_origin(data, Some(p), row, "diff_mean"),
                    false
                )
            )
        };
        let direction = if robust.mean > 0.0 {
            "higher"
        } else if robust.mean < 0.0 {
            "lower"
        } else {
            "different"
        };
        Some(format!(
            "{} is on average {} {} {direction} than in the baseline across the {} sweep \
             points, from {} to {}, higher at {}% and lower at {}% of the points",
            escape(&measure.label(data)),
            number(
                robust.mean,
                unit,
                &robustness_origin(data, robust, "diff_mean"),
                true
            ),
            measure.difference_unit(),
            robust.points,
            at(lowest),
            at(highest),
            number(
                robust.positive,
                Unit::Fraction,
                &robustness_origin(data, robust, "fraction_positive"),
                false
            ),
            number(
                robust.negative,
                Unit::Fraction,
                &robustness_origin(data, robust, "fraction_negative"),
                false
            ),
        ))
    }

    fn headline_table(&self, out: &mut String) {
        let data = self.data;
        out.push_str(
            "<table class=\"numbers\" id=\"headline-table\">\n<thead><tr><th>Metric</th>\
             <th>Variant</th><th class=\"num\">Mean</th><th class=\"num\">95% interval</th>\
             <th class=\"num\">Difference from the baseline</th>\
             <th class=\"num\">95% interval (paired)</th></tr></thead>\n<tbody>\n",
        );
        for &measure in &self.measures {
            let rows = self.rows(0, measure);
            // One precision per metric, so that the column reads evenly.
            let half = rows
                .iter()
                .filter_map(|r| {
                    r.diff
                        .map(|d| (d.2 - d.1) / 2.0)
                        .or(r.ci95.map(|c| (c.1 - c.0) / 2.0))
                })
                .filter(|h| *h > 0.0)
                .fold(f64::INFINITY, f64::min);
            let unit = measure.unit(half);
            for row in rows {
                let n = |v, c| number(v, unit, &metrics_origin(data, None, row, c), false);
                let interval = row.ci95.map_or(String::new(), |(l, h)| {
                    format!("[{}, {}]", n(l, "ci95_low"), n(h, "ci95_high"))
                });
                let (diff, diff_interval) = match row.diff {
                    Some((d, l, h)) => (
                        n(d, "diff_mean"),
                        format!("[{}, {}]", n(l, "diff_ci95_low"), n(h, "diff_ci95_high")),
                    ),
                    None => ("—".into(), String::new()),
                };
                let _ = writeln!(
                    out,
                    "<tr{}><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    if row.arm == 0 {
                        " class=\"baseline\""
                    } else {
                        ""
                    },
                    if row.arm == 0 {
                        escape(&measure.short(data))
                    } else {
                        String::new()
                    },
                    escape(&data.arms[row.arm]),
                    n(row.mean, "mean"),
                    interval,
                    diff,
                    diff_interval
                );
            }
        }
        out.push_str("</tbody></table>\n");
    }

    fn robustness(&self, out: &mut String) {
        let data = self.data;
        let Some(rows) = &self.folder.compared.robustness else {
            return;
        };
        let Some(sweep) = &self.folder.run.sweep else {
            return;
        };
        let design = self
            .manifest()
            .resolved
            .sweep
            .as_ref()
            .map_or("not recorded", |sweep| sweep.design.as_str());
        let _ = writeln!(
            out,
            "<p>The run swept {} over {} points (design: {}). At every point the baseline and \
             each variant ran with the same random numbers, so each difference is paired within \
             its point. The table summarises each variant's difference from the baseline across \
             the points (<code>robustness.csv</code>): its mean, the worst point, the 10th \
             percentile counted from the worst end, and the percentage of points where the \
             variant beats the baseline, is above it and is below it. Less is better for the \
             unserved metrics; the others have no direction and count higher as better.</p>",
            escape(&sweep.parameters.join(", ")),
            sweep.values.len(),
            escape(design)
        );
        out.push_str(
            "<table class=\"numbers\" id=\"robustness-table\">\n<thead><tr><th>Metric</th>\
             <th>Variant</th><th>Better</th><th class=\"num\">Mean difference</th>\
             <th class=\"num\">Worst</th><th class=\"num\">10th pct. from worst</th>\
             <th class=\"num\">Beats (%)</th><th class=\"num\">Above (%)</th>\
             <th class=\"num\">Below (%)</th></tr></thead>\n<tbody>\n",
        );
        let last = self.last();
        for &measure in &self.measures {
            let chosen: Vec<&RobustnessRow> = rows
                .iter()
                .filter(|r| {
                    r.segment == self.segment && measure.is(r.metric, r.state, r.step, last)
                })
                .collect();
            let spread = chosen
                .iter()
                .map(|r| (r.mean - r.worst).abs())
                .filter(|h| *h > 0.0)
                .fold(f64::INFINITY, f64::min);
            let unit = measure.unit(spread);
            for row in chosen {
                let n = |v, u, c| number(v, u, &robustness_origin(data, row, c), false);
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                     <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    escape(&measure.short(data)),
                    escape(&data.arms[row.arm]),
                    row.better.name(),
                    n(row.mean, unit, "diff_mean"),
                    n(row.worst, unit, "diff_worst"),
                    n(row.worst_p10, unit, "diff_worst_p10"),
                    n(row.beats, Unit::Fraction, "fraction_beats"),
                    n(row.positive, Unit::Fraction, "fraction_positive"),
                    n(row.negative, Unit::Fraction, "fraction_negative"),
                );
            }
        }
        out.push_str("</tbody></table>\n");

        // Each point's paired differences, with their simulation intervals.
        for &measure in &self.measures {
            let _ = write!(
                out,
                "<h3>{} by point: difference from the baseline [95% interval over {} \
                 replicates]</h3>\n<table class=\"numbers points\">\n<thead><tr><th>Point</th>",
                escape(&measure.short(data)),
                self.replicates()
            );
            for parameter in &sweep.parameters {
                let _ = write!(out, "<th>{}</th>", escape(parameter));
            }
            for arm in &data.arms[1..] {
                let _ = write!(out, "<th class=\"num\">{}</th>", escape(arm));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for (point, values) in sweep.values.iter().enumerate() {
                let _ = write!(out, "<tr><td>{point}</td>");
                for value in values {
                    let _ = write!(out, "<td>{}</td>", escape(&short_number(value)));
                }
                for row in self.rows(point, measure).into_iter().filter(|r| r.arm > 0) {
                    let Some((d, l, h)) = row.diff else { continue };
                    let unit = measure.unit((h - l) / 2.0);
                    let n =
                        |v, c| number(v, unit, &metrics_origin(data, Some(point), row, c), false);
                    let _ = write!(
                        out,
                        "<td class=\"num\">{} [{}, {}]</td>",
                        n(d, "diff_mean"),
                        n(l, "diff_ci95_low"),
                        n(h, "diff_ci95_high")
                    );
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody></table>\n");
        }
    }

    fn charts(&self, out: &mut String) -> Result<()> {
        let data = self.data;
        let segment = data.segment_name(self.segment).to_string();
        let start = data.dates[0];
        let end = data.dates[data.dates.len() - 1];
        if !self.folder.has_counts {
            out.push_str(
                "<p>The run wrote its metrics but not adoption.csv and flows.csv, the counts \
                 the charts are drawn from (a sweep's default tables): run it again with \
                 <code>--tables all</code> to have them here.</p>\n",
            );
            return Ok(());
        }
        let mut kinds = vec![Kind::Adoption];
        if data.arms.len() > 1 {
            kinds.push(Kind::Comparison);
        }
        kinds.push(Kind::Stacked);
        let point_note = if self.swept {
            " It shows sweep point 0; <code>blockade plot DIR --point N</code> draws another."
        } else {
            ""
        };
        for (index, kind) in kinds.into_iter().enumerate() {
            let mut chart = Chart::resolve(data, kind, Some(&segment), &[], None)?;
            if let Some(sweep) = &self.folder.run.sweep {
                chart = chart.at_point(0, sweep);
            }
            let svg = plot::svg(data, &chart)?;
            let (alt, caption) = match kind {
                Kind::Adoption => {
                    let (state, share) = largest_state(data, self.segment);
                    (
                        format!(
                            "Line chart of the share of agents (segment {segment}) in each state \
                             from {start} to {end}, one panel per variant ({}), with 95% bands. \
                             At {end} the largest state in the baseline is {state} at {:.1}%.",
                            data.arms.join(", "),
                            100.0 * share
                        ),
                        format!(
                            "Share of agents in each state, segment {segment}: mean over {} \
                             replicates with its 95% band, one panel per variant. Numbered lines \
                             mark the events (key under the chart).",
                            self.replicates()
                        ),
                    )
                }
                Kind::Comparison => {
                    let (arm, state, diff) = largest_difference(data, self.segment);
                    (
                        format!(
                            "Line chart of each variant's difference from the baseline in the \
                             share of each state (segment {segment}), in percentage points, from \
                             {start} to {end}. The largest difference at {end} is {}'s on {}: \
                             {:+.1} points.",
                            data.arms[arm],
                            data.states[state],
                            100.0 * diff
                        ),
                        format!(
                            "Each variant minus the baseline, segment {segment}, paired by \
                             replicate, with the 95% band of the difference; one panel per \
                             variant."
                        ),
                    )
                }
                Kind::Stacked => (
                    format!(
                        "Stacked area chart of the baseline's mean share of agents in each \
                         state (segment {segment}) from {start} to {end}."
                    ),
                    format!(
                        "The baseline's mean shares, stacked, segment {segment}: who uses what \
                         at each date."
                    ),
                ),
            };
            let _ = write!(
                out,
                "<figure id=\"chart-{}\">\n<div class=\"chart\" role=\"img\" aria-label=\"{}\">\n\
                 {}\n</div>\n<figcaption>Figure {}. {}{point_note}</figcaption>\n</figure>\n",
                kind.name(),
                escape(&alt),
                svg.trim(),
                index + 1,
                escape(&caption)
            );
        }
        Ok(())
    }

    /// The last step's rows of the page's segment for `metric`, by (state, arm).
    fn last_rows(&self, metric: Metric) -> RowsByState<'_> {
        let last = self.last();
        self.folder.compared.metrics[0]
            .iter()
            .filter(|r| r.segment == self.segment && r.metric == metric && r.step == Some(last))
            .map(|r| ((r.state, r.arm), r))
            .collect()
    }

    /// A table with a row per state (or vendor) and arm, and for each of `columns` (a heading
    /// and its rows) the mean with its interval; each variant's paired difference follows the
    /// first column's. `names` are the row labels in order, with their keys in the rows.
    fn share_table(
        &self,
        out: &mut String,
        id: &str,
        label: &str,
        names: &[(Option<usize>, String)],
        columns: &[(&str, RowsByState<'_>)],
    ) {
        let data = self.data;
        let _ = write!(
            out,
            "<table class=\"numbers\" id=\"{id}\">\n<thead><tr><th>{label}</th><th>Variant</th>"
        );
        for (index, (heading, _)) in columns.iter().enumerate() {
            let _ = write!(
                out,
                "<th class=\"num\">{heading}</th><th class=\"num\">95% interval</th>"
            );
            if index == 0 {
                out.push_str(
                    "<th class=\"num\">Difference from the baseline</th>\
                     <th class=\"num\">95% interval (paired)</th>",
                );
            }
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        // One precision per column, so that it reads evenly.
        let units: Vec<Unit> = columns
            .iter()
            .map(|(_, rows)| {
                let half = rows
                    .values()
                    .filter_map(|r| r.ci95.map(|c| (c.1 - c.0) / 2.0))
                    .filter(|h| *h > 0.0)
                    .fold(f64::INFINITY, f64::min);
                Unit::Percent(decimals(half))
            })
            .collect();
        for (key, name) in names {
            for arm in 0..data.arms.len() {
                let _ = write!(
                    out,
                    "<tr{}><td>{}</td><td>{}</td>",
                    if arm == 0 { " class=\"baseline\"" } else { "" },
                    if arm == 0 {
                        escape(name)
                    } else {
                        String::new()
                    },
                    escape(&data.arms[arm])
                );
                for (index, (_, rows)) in columns.iter().enumerate() {
                    let Some(row) = rows.get(&(*key, arm)) else {
                        out.push_str("<td></td><td></td>");
                        continue;
                    };
                    let n =
                        |v, c| number(v, units[index], &metrics_origin(data, None, row, c), false);
                    let interval = row.ci95.map_or(String::new(), |(l, h)| {
                        format!("[{}, {}]", n(l, "ci95_low"), n(h, "ci95_high"))
                    });
                    let _ = write!(
                        out,
                        "<td class=\"num\">{}</td><td class=\"num\">{interval}</td>",
                        n(row.mean, "mean")
                    );
                    if index == 0 {
                        let (diff, diff_interval) = match row.diff {
                            Some((d, l, h)) => (
                                n(d, "diff_mean"),
                                format!("[{}, {}]", n(l, "diff_ci95_low"), n(h, "diff_ci95_high")),
                            ),
                            None => ("—".into(), String::new()),
                        };
                        let _ = write!(
                            out,
                            "<td class=\"num\">{diff}</td><td class=\"num\">{diff_interval}</td>"
                        );
                    }
                }
                out.push_str("</tr>\n");
            }
        }
        out.push_str("</tbody></table>\n");
    }

    fn usage(&self, out: &mut String) {
        let data = self.data;
        let end = data.dates[data.dates.len() - 1];
        let _ = writeln!(
            out,
            "<p>Each agent carries a usage weight (its segment's <code>usage</code>: a \
             log-normal spread around a median); usage changes no choice. The share of usage in \
             a state is the weight of its agents over the weight of all, so a state used by \
             heavy users holds more of the usage than of the developers. Segment {}, at {end}, \
             in %; the difference from the baseline is that of the developers' share, paired by \
             replicate.</p>",
            escape(data.segment_name(self.segment))
        );
        let mut names: Vec<(Option<usize>, String)> = (0..data.states.len())
            .map(|k| (Some(k), data.states[k].clone()))
            .collect();
        let mut agents = self.last_rows(Metric::Share);
        let mut usage = self.last_rows(Metric::UsageShare);
        // The domestic and foreign totals, keyed past the states.
        for (offset, (agent_metric, usage_metric, name)) in [
            (
                Metric::DomesticShare,
                Metric::UsageDomesticShare,
                "domestic (cn)",
            ),
            (Metric::ForeignShare, Metric::UsageForeignShare, "foreign"),
        ]
        .into_iter()
        .enumerate()
        {
            let key = Some(data.states.len() + offset);
            names.push((key, name.to_string()));
            agents.extend(
                self.last_rows(agent_metric)
                    .into_values()
                    .map(|r| ((key, r.arm), r)),
            );
            usage.extend(
                self.last_rows(usage_metric)
                    .into_values()
                    .map(|r| ((key, r.arm), r)),
            );
        }
        self.share_table(
            out,
            "usage-table",
            "State",
            &names,
            &[("Developers (%)", agents), ("Usage (%)", usage)],
        );
    }

    fn vendors(&self, out: &mut String) {
        let data = self.data;
        let end = data.dates[data.dates.len() - 1];
        let _ = writeln!(
            out,
            "<p>Each vendor's providers (its tiers, its hosted and self-hosted routes) added \
             together, per replicate, before the statistics. Segment {}, at {end}, in %.</p>",
            escape(data.segment_name(self.segment))
        );
        let names: Vec<(Option<usize>, String)> = (0..data.vendors.len())
            .map(|v| (Some(v), data.vendors[v].clone()))
            .collect();
        let mut columns = vec![("Developers (%)", self.last_rows(Metric::VendorShare))];
        let usage = self.last_rows(Metric::UsageVendorShare);
        if !usage.is_empty() {
            columns.push(("Usage (%)", usage));
        }
        self.share_table(out, "vendor-table", "Vendor", &names, &columns);
    }

    fn scenario(&self, out: &mut String) {
        let resolved = &self.manifest().resolved;
        let source = |source: &Option<String>| source.as_deref().map_or(String::new(), linked);

        out.push_str(
            "<p>The scenario as the run resolved it (<code>run.json</code>), with the source \
             the file gives for each entry.</p>\n",
        );
        let adoption = shown(&resolved.adoption);
        let network = shown(&resolved.network);
        let _ = writeln!(
            out,
            "<dl class=\"facts\"><dt>Adoption</dt><dd>{}</dd><dt>Network</dt><dd>{}</dd></dl>",
            escape(&adoption),
            escape(&network)
        );

        out.push_str(
            "<h3>Segments</h3>\n<table id=\"segments-table\">\n<thead><tr><th>Segment</th>\
             <th class=\"num\">Share</th><th class=\"num\">Agents</th>\
             <th class=\"num\">Adopted at start</th><th>Tasks; languages</th>\
             <th>Capabilities</th><th>Weights</th><th>Source</th></tr></thead>\n<tbody>\n",
        );
        for segment in &resolved.segments {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td>{}; {}</td><td>{}</td><td>{}</td>\
                 <td class=\"text\">{}</td></tr>",
                escape(&segment.name),
                escape(&shown(&segment.share)),
                segment.agents,
                escape(&shown(&segment.initial_adoption)),
                escape(&shown(&segment.tasks)),
                escape(&shown(&segment.languages)),
                escape(&shown(&segment.capabilities)),
                escape(&shown(&segment.weights)),
                source(&segment.source)
            );
        }
        out.push_str("</tbody></table>\n");

        out.push_str(
            "<h3>Providers</h3>\n<table id=\"providers-table\">\n<thead><tr><th>Provider</th>\
             <th>Origin</th><th>Requires</th><th>Quality; languages</th>\
             <th class=\"num\">Price</th><th class=\"num\">Friction</th>\
             <th class=\"num\">Risk</th><th>At start</th><th>Source</th></tr></thead>\n<tbody>\n",
        );
        for provider in &resolved.providers {
            let (id, name) = (&provider.id, &provider.name);
            let cost = |name: &str| provider.costs.get(name).map(shown).unwrap_or_default();
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td><td>{}; {}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
                 <td>{}</td><td class=\"text\">{}</td></tr>",
                escape(id),
                if name.is_empty() || name == id {
                    String::new()
                } else {
                    format!("<br>{}", escape(name))
                },
                escape(&shown(&provider.origin)),
                escape(&shown(&provider.requires)),
                escape(&shown(&provider.quality)),
                escape(&shown(&provider.languages)),
                escape(&cost("price")),
                escape(&cost("friction")),
                escape(&cost("risk")),
                if provider.available {
                    "available"
                } else {
                    "not yet"
                },
                source(&provider.source)
            );
        }
        out.push_str("</tbody></table>\n");

        let events = &resolved.events;
        if !events.is_empty() {
            out.push_str(
                "<h3>Events of the baseline</h3>\n<table id=\"events-table\">\n<thead><tr>\
                 <th>Date</th><th class=\"num\">Step</th><th>Event</th><th>Changes</th>\
                 <th>Source</th></tr></thead>\n<tbody>\n",
            );
            let mut ordered: Vec<&ResolvedEvent> = events.iter().collect();
            ordered.sort_by_key(|e| e.step);
            for event in ordered {
                let _ = writeln!(
                    out,
                    "<tr><td class=\"date\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td>\
                     <td class=\"text\">{}</td></tr>",
                    escape(&shown(&event.at)),
                    event.step,
                    escape(&event.name),
                    changes(&event.set),
                    source(&event.source)
                );
            }
            out.push_str("</tbody></table>\n");
        }

        let ran: Vec<&str> = self.data.arms.iter().map(String::as_str).collect();
        let variants: Vec<_> = resolved
            .variants
            .iter()
            .filter(|v| ran.contains(&v.name.as_str()))
            .collect();
        if !variants.is_empty() {
            out.push_str(
                "<h3>Variants</h3>\n<table id=\"variants-table\">\n<thead><tr><th>Variant</th>\
                 <th>Description</th><th>Changes from the baseline</th><th>Source</th></tr>\
                 </thead>\n<tbody>\n",
            );
            for variant in variants {
                let mut made = Vec::new();
                if !variant.remove_events.is_empty() {
                    made.push(format!(
                        "removes events: {}",
                        escape(&variant.remove_events.join(", "))
                    ));
                }
                if !variant.set.is_empty() {
                    made.push(format!("sets:<br>{}", changes(&variant.set)));
                }
                for event in &variant.events {
                    made.push(format!(
                        "adds event {} at {}:<br>{}",
                        escape(&event.name),
                        escape(&shown(&event.at)),
                        changes(&event.set)
                    ));
                }
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
                    escape(&variant.name),
                    escape(&shown(&variant.description)),
                    made.join("<br>"),
                    source(&variant.source)
                );
            }
            out.push_str("</tbody></table>\n");
        }

        if let Some(sweep) = &resolved.sweep {
            out.push_str(
                "<h3>Swept parameters</h3>\n<table id=\"sweep-table\">\n<thead><tr>\
                 <th>Parameter</th><th>Range</th></tr></thead>\n<tbody>\n",
            );
            for (path, range) in &sweep.parameters {
                let _ = writeln!(
                    out,
                    "<tr><td><code>{}</code></td><td>{}</td></tr>",
                    escape(path),
                    escape(&text(range))
                );
            }
            out.push_str("</tbody></table>\n");
        }
    }

    fn intervals(&self, out: &mut String) {
        let replicates = self.replicates();
        let seed = self.manifest().seed.to_string();
        let _ = writeln!(
            out,
            "<p>Every interval in this report is a 95% Student-t interval over the {replicates} \
             replicate{} of each variant (seed {}). It covers <strong>simulation noise</strong>: \
             which agents adopt first, who their neighbours are, what each draws when it \
             chooses. A difference from the baseline is paired replicate by replicate, since a \
             variant's replicates share their random numbers with the baseline's, which makes \
             its interval narrower than that of either mean.</p>",
            if replicates == 1 { "" } else { "s" },
            escape(&seed)
        );
        if replicates < 2 {
            out.push_str(
                "<p><strong>With one replicate there is no interval</strong>: each interval \
                 shown is the single value. Run with <code>--replicates</code> 2 or more.</p>\n",
            );
        }
        out.push_str(
            "<p>The intervals do <strong>not</strong> cover uncertainty in the scenario's \
             parameters (prices, qualities, weights, adoption rates, event dates and sizes): \
             each run takes them as the file states them. Nor do they cover the model's \
             structure: how developers choose, and whom they imitate.</p>\n",
        );
        match &self.folder.run.sweep {
            Some(sweep) => {
                let _ = writeln!(
                    out,
                    "<p>This run <strong>swept</strong> {} over {} points, so \
                     <a href=\"#{}\">{}</a> shows how each effect varies within the declared \
                     ranges. That spread is over the points of the design, not a probability: it \
                     weighs each point alike and says nothing about parameters outside the \
                     ranges or not swept.</p>",
                    escape(&sweep.parameters.join(", ")),
                    sweep.values.len(),
                    Section::Robustness.id(),
                    Section::Robustness.title()
                );
            }
            None => {
                out.push_str(
                    "<p>This run swept no parameter. To see how an effect depends on the \
                     uncertain ones, add a <code>[sweep]</code> table to the scenario \
                     (README, Sweeps).</p>\n",
                );
            }
        }
    }
}

/// Seconds with two significant digits below ten.
fn seconds_text(seconds: f64) -> String {
    if seconds < 0.1 {
        format!("{seconds:.3}")
    } else if seconds < 10.0 {
        format!("{seconds:.2}")
    } else {
        format!("{seconds:.1}")
    }
}

/// A value from `points.csv`, shortened to 4 significant digits when it is a long number.
fn short_number(value: &str) -> String {
    match value.parse::<f64>() {
        Ok(x) if value.len() > 8 => format!("{x:.4}"),
        _ => value.to_string(),
    }
}

/// The baseline's largest state at the last step, and its mean share.
fn largest_state(data: &RunData, segment: usize) -> (String, f64) {
    (0..data.states.len())
        .map(|k| {
            let share = series::mean_share(data, 0, segment, k)
                .last()
                .copied()
                .unwrap_or(0.0);
            (k, share)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or((String::new(), 0.0), |(k, share)| {
            (data.states[k].clone(), share)
        })
}

/// The variant and state with the largest difference from the baseline at the last step.
fn largest_difference(data: &RunData, segment: usize) -> (usize, usize, f64) {
    let mut best = (1, 0, 0.0_f64);
    for arm in 1..data.arms.len() {
        for state in 0..data.states.len() {
            let diff = series::difference_band(data, arm, segment, state)
                .mean
                .last()
                .copied()
                .unwrap_or(0.0);
            if diff.abs() > best.2.abs() {
                best = (arm, state, diff);
            }
        }
    }
    best
}
