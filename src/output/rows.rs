//! The rows of every CSV file, as typed records that are both written and read back
//! (docs/FORMAT.md, Output files), and the writer and reader that move them, as CSV or, in a
//! folder written with `--format parquet`, as Parquet ([`super::parquet`]): the format is the
//! writer's and reader's business only, the rows are the same.
//!
//! A row type holds the columns after `point`: with a `[sweep]` every file but `points.csv`
//! and `robustness.csv` starts with a `point` column, which the writer puts first and the
//! reader takes off. Floats go through the csv crate's serde path, which writes ryu's
//! shortest round-trip form; writers pass every float through [`super::format::clean`] so that
//! -0 is written 0. Headers are written from [`Row::COLUMNS`], so a file with no rows still
//! has its header; a unit test holds the columns to the fields.

use super::files::{POINTS, TableFormat};
use super::parquet::{ParquetRecords, ParquetRows};
use super::staging::{StagedFile, Staging, write_error};
use crate::error::{Error, InputError, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A row of a CSV file: its columns, in the order its fields are written.
pub(crate) trait Row {
    /// The header, without the `point` column.
    const COLUMNS: &'static [&'static str];
}

/// A row of `adoption.csv`: agents of a segment in a state at a step of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AdoptionRow<'a> {
    pub(crate) variant: &'a str,
    pub(crate) replicate: u32,
    pub(crate) step: u32,
    pub(crate) date: &'a str,
    pub(crate) segment: &'a str,
    pub(crate) state: &'a str,
    pub(crate) agents: u32,
    pub(crate) share: f64,
}

impl Row for AdoptionRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "replicate",
        "step",
        "date",
        "segment",
        "state",
        "agents",
        "share",
    ];
}

/// A row of `usage.csv`: the usage weight of a segment's agents in a state at a step of one
/// task, and its share of the segment's usage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UsageRow<'a> {
    pub(crate) variant: &'a str,
    pub(crate) replicate: u32,
    pub(crate) step: u32,
    pub(crate) date: &'a str,
    pub(crate) segment: &'a str,
    pub(crate) state: &'a str,
    pub(crate) usage: f64,
    pub(crate) usage_share: f64,
}

impl Row for UsageRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "replicate",
        "step",
        "date",
        "segment",
        "state",
        "usage",
        "usage_share",
    ];
}

/// A row of `flows.csv`: agents of a segment that moved from one state to another at a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct FlowRow<'a> {
    pub(crate) variant: &'a str,
    pub(crate) replicate: u32,
    pub(crate) step: u32,
    pub(crate) date: &'a str,
    pub(crate) segment: &'a str,
    pub(crate) from: &'a str,
    pub(crate) to: &'a str,
    pub(crate) agents: u32,
}

impl Row for FlowRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "replicate",
        "step",
        "date",
        "segment",
        "from",
        "to",
        "agents",
    ];
}

/// A row of `summary.csv`: a share's statistics over replicates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SummaryRow<'a> {
    pub(crate) variant: &'a str,
    pub(crate) step: u32,
    pub(crate) date: &'a str,
    pub(crate) segment: &'a str,
    pub(crate) state: &'a str,
    pub(crate) mean: f64,
    pub(crate) sd: f64,
    pub(crate) p05: f64,
    pub(crate) p50: f64,
    pub(crate) p95: f64,
    pub(crate) ci95_low: f64,
    pub(crate) ci95_high: f64,
}

impl Row for SummaryRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "step",
        "date",
        "segment",
        "state",
        "mean",
        "sd",
        "p05",
        "p50",
        "p95",
        "ci95_low",
        "ci95_high",
    ];
}

/// A row of `comparison.csv`: a variant's share minus the baseline's, paired by replicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ComparisonRow<'a> {
    pub(crate) variant: &'a str,
    pub(crate) step: u32,
    pub(crate) date: &'a str,
    pub(crate) segment: &'a str,
    pub(crate) state: &'a str,
    pub(crate) baseline_mean: f64,
    pub(crate) variant_mean: f64,
    pub(crate) diff_mean: f64,
    pub(crate) diff_ci95_low: f64,
    pub(crate) diff_ci95_high: f64,
}

impl Row for ComparisonRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "step",
        "date",
        "segment",
        "state",
        "baseline_mean",
        "variant_mean",
        "diff_mean",
        "diff_ci95_low",
        "diff_ci95_high",
    ];
}

/// A row of `metrics.csv`, named: empty (or `null` in JSON) where undefined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct MetricsRow<'a> {
    pub(crate) variant: &'a str,
    pub(crate) segment: &'a str,
    pub(crate) metric: &'a str,
    pub(crate) state: Option<&'a str>,
    pub(crate) step: Option<u32>,
    pub(crate) date: Option<String>,
    pub(crate) unit: &'a str,
    pub(crate) mean: f64,
    pub(crate) ci95_low: Option<f64>,
    pub(crate) ci95_high: Option<f64>,
    pub(crate) diff_mean: Option<f64>,
    pub(crate) diff_ci95_low: Option<f64>,
    pub(crate) diff_ci95_high: Option<f64>,
    pub(crate) unpaired_ci95_low: Option<f64>,
    pub(crate) unpaired_ci95_high: Option<f64>,
}

impl Row for MetricsRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "segment",
        "metric",
        "state",
        "step",
        "date",
        "unit",
        "mean",
        "ci95_low",
        "ci95_high",
        "diff_mean",
        "diff_ci95_low",
        "diff_ci95_high",
        "unpaired_ci95_low",
        "unpaired_ci95_high",
    ];
}

/// A row of `robustness.csv`, named: a variant's difference summarised across the points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RobustnessCsvRow<'a> {
    pub(crate) variant: &'a str,
    pub(crate) segment: &'a str,
    pub(crate) metric: &'a str,
    pub(crate) state: Option<&'a str>,
    pub(crate) step: Option<u32>,
    pub(crate) date: Option<String>,
    pub(crate) unit: &'a str,
    pub(crate) better: &'a str,
    pub(crate) points: usize,
    pub(crate) diff_mean: f64,
    pub(crate) diff_worst: f64,
    pub(crate) diff_worst_p10: f64,
    pub(crate) fraction_beats: f64,
    pub(crate) fraction_positive: f64,
    pub(crate) fraction_negative: f64,
}

impl Row for RobustnessCsvRow<'_> {
    const COLUMNS: &'static [&'static str] = &[
        "variant",
        "segment",
        "metric",
        "state",
        "step",
        "date",
        "unit",
        "better",
        "points",
        "diff_mean",
        "diff_worst",
        "diff_worst_p10",
        "fraction_beats",
        "fraction_positive",
        "fraction_negative",
    ];
}

/// A row of `points.csv`: a point's number and the value of each swept parameter, as `V`
/// (a [`Cell`] when written, the text when read back). Its columns after `point` are the
/// swept parameters, which only the run knows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PointRow<V> {
    pub(crate) point: usize,
    pub(crate) values: Vec<V>,
}

/// A swept value as `points.csv` writes it: numbers as the other files write them, booleans,
/// strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum Cell {
    /// An integer.
    Integer(i64),
    /// A float, -0 written 0.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    Text(String),
}

/// The header of a file of `R` rows, with `point` first when `swept`.
pub(crate) fn header<R: Row>(swept: bool) -> Vec<&'static str> {
    let point: &[&str] = if swept { &["point"] } else { &[] };
    point.iter().chain(R::COLUMNS).copied().collect()
}

/// A refusal about `path` (exit status 2).
pub(crate) fn refuse(path: &Path, message: impl Into<String>) -> Error {
    Error::Input(InputError::new(message).in_origin(path.display().to_string()))
}

/// A refusal about one line of `path`.
pub(crate) fn refuse_line(path: &Path, line: u64, message: impl Into<String>) -> Error {
    let mut e = InputError::new(message).in_origin(path.display().to_string());
    e.line = Some(line as usize);
    Error::Input(e)
}

/// A table file being written into a staging folder, in the staging folder's
/// [`TableFormat`]: a CSV file, header first, with `\n` line ends, or a Parquet file.
pub(crate) struct RowWriter {
    path: PathBuf,
    sink: Sink,
}

enum Sink {
    Csv(csv::Writer<BufWriter<StagedFile>>),
    Parquet(ParquetRows<BufWriter<StagedFile>>),
}

impl RowWriter {
    /// Creates the table `name` (its `.csv` name) in `staging`, in the staging folder's
    /// format, with the columns `header`.
    pub(crate) fn create(staging: &Staging, name: &str, header: &[&str]) -> Result<RowWriter> {
        let format = staging.table_format();
        let (path, file) = staging.create(&format.file(name))?;
        let buffered = BufWriter::with_capacity(1 << 20, file);
        if format == TableFormat::Parquet {
            let rows = ParquetRows::new(buffered, header, name == POINTS)
                .map_err(|e| parquet_error(&path, e))?;
            return Ok(RowWriter {
                path,
                sink: Sink::Parquet(rows),
            });
        }
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .has_headers(false)
            .from_writer(buffered);
        writer
            .write_record(header)
            .map_err(|e| csv_error(&path, e))?;
        Ok(RowWriter {
            path,
            sink: Sink::Csv(writer),
        })
    }

    /// Opens `name` in `staging` to append rows to its first `len` bytes, which hold its
    /// header and the rows an interrupted run had completed.
    pub(crate) fn reopen(staging: &Staging, name: &str, len: u64) -> Result<RowWriter> {
        let (path, file) = staging.reopen(name, len)?;
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .has_headers(false)
            .from_writer(BufWriter::with_capacity(1 << 20, file));
        Ok(RowWriter {
            path,
            sink: Sink::Csv(writer),
        })
    }

    /// Hands every row written so far to the operating system (without waiting for the
    /// disk), and returns the file's length: what a killed process leaves complete.
    /// A Parquet file is complete only once finished: flushing one is refused.
    pub(crate) fn flush(&mut self) -> Result<u64> {
        let Sink::Csv(writer) = &mut self.sink else {
            return Err(write_error(
                &self.path,
                std::io::Error::other("a Parquet file is complete only once finished"),
            ));
        };
        writer.flush().map_err(|e| write_error(&self.path, e))?;
        writer
            .get_ref()
            .get_ref()
            .size()
            .map_err(|e| write_error(&self.path, e))
    }

    /// Writes a row, after its point when the file has a `point` column.
    pub(crate) fn write<R: Serialize>(&mut self, point: Option<usize>, row: &R) -> Result<()> {
        match &mut self.sink {
            Sink::Csv(writer) => match point {
                Some(point) => writer.serialize((point, row)),
                None => writer.serialize(row),
            }
            .map_err(|e| csv_error(&self.path, e)),
            Sink::Parquet(rows) => rows
                .push(point, row)
                .map_err(|e| parquet_error(&self.path, e)),
        }
    }

    /// Flushes the file and its data to the disk.
    pub(crate) fn finish(self) -> Result<()> {
        let path = self.path;
        let fail = |e: std::io::Error| write_error(&path, e);
        let mut inner = match self.sink {
            Sink::Csv(writer) => writer.into_inner().map_err(|e| fail(e.into_error()))?,
            Sink::Parquet(rows) => rows.finish().map_err(|e| parquet_error(&path, e))?,
        };
        inner.flush().map_err(fail)?;
        inner.get_ref().sync_all().map_err(fail)
    }
}

/// A failure to write a Parquet file: a row that does not fit its columns (a defect), or a
/// failed write underneath.
fn parquet_error(path: &Path, message: String) -> Error {
    write_error(path, std::io::Error::other(message))
}

/// `rows` as the bytes of a table file in `format` with the columns `header` (`file` names it
/// in errors).
pub(crate) fn table_bytes<R: Serialize>(
    format: TableFormat,
    file: &str,
    header: &[&str],
    rows: &[(Option<usize>, R)],
) -> Result<Vec<u8>> {
    match format {
        TableFormat::Csv => super::format::csv_bytes(file, header, rows),
        TableFormat::Parquet => super::parquet::parquet_bytes(header, rows)
            .map_err(|e| Error::io(format!("formatting {file}"), std::io::Error::other(e))),
    }
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let io = match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    };
    write_error(path, io)
}

/// A table file being read back, its header checked, one typed row at a time: a CSV file,
/// or a Parquet file (by its extension), whose values are read as the text the CSV of the
/// same rows holds, so that both parse alike.
pub(crate) struct RowReader {
    path: PathBuf,
    source: Source,
    header: Vec<&'static str>,
    swept: bool,
    // A `StringRecord` checks a row's UTF-8 once, not field by field.
    record: csv::StringRecord,
}

enum Source {
    Csv(csv::Reader<std::fs::File>),
    Parquet(Box<ParquetRecords>),
}

impl RowReader {
    /// Opens a file of `R` rows, refusing it unless its header is `header::<R>(swept)`.
    pub(crate) fn open<R: Row>(path: &Path, swept: bool) -> Result<RowReader> {
        let expected = header::<R>(swept);
        let source = open_table(
            path,
            |found| found.iter().eq(expected.iter().map(|h| h.as_bytes())),
            &expected.join(","),
        )?;
        Ok(RowReader {
            path: path.to_owned(),
            source,
            header: expected,
            swept,
            record: csv::StringRecord::new(),
        })
    }

    /// The next row, with its point (when swept) and its line; `None` at the end. A row that
    /// does not have the header's fields, or whose fields are not of their column's type, is
    /// refused naming its line and column. A Parquet file's rows are numbered as the lines
    /// of the CSV of the same rows: the first is line 2.
    pub(crate) fn next<'r, R: Row + Deserialize<'r>>(
        &'r mut self,
    ) -> Result<Option<(Option<usize>, R, u64)>> {
        let Some(line) = next_record(&self.path, &mut self.source, &mut self.record)? else {
            return Ok(None);
        };
        if self.record.len() != self.header.len() {
            return Err(refuse_line(&self.path, line, "wrong number of fields"));
        }
        let parsed = if self.swept {
            self.record
                .deserialize::<(usize, R)>(None)
                .map(|(point, row)| (Some(point), row))
        } else {
            self.record.deserialize::<R>(None).map(|row| (None, row))
        };
        match parsed {
            Ok((point, row)) => Ok(Some((point, row, line))),
            Err(e) => Err(field_error(&self.path, line, &self.header, &self.record, e)),
        }
    }
}

/// Opens the table file `path`, CSV or Parquet by its extension, refusing it unless
/// `header_fits` its column names (`expected` describes them in the refusal).
fn open_table(
    path: &Path,
    header_fits: impl Fn(&csv::ByteRecord) -> bool,
    expected: &str,
) -> Result<Source> {
    let (source, found) = match TableFormat::of_path(path) {
        TableFormat::Csv => {
            let file =
                std::fs::File::open(path).map_err(|e| refuse(path, format!("cannot read: {e}")))?;
            let mut reader = csv::ReaderBuilder::new()
                .buffer_capacity(1 << 20)
                .from_reader(file);
            let found = reader
                .byte_headers()
                .map_err(|e| refuse(path, format!("not CSV: {e}")))?
                .clone();
            (Source::Csv(reader), found)
        }
        TableFormat::Parquet => {
            let file = ParquetRecords::open(path).map_err(|e| refuse(path, e))?;
            let found = csv::ByteRecord::from(file.header().to_vec());
            (Source::Parquet(Box::new(file)), found)
        }
    };
    if !header_fits(&found) {
        return Err(refuse(
            path,
            format!(
                "unexpected header '{}' (expected '{expected}')",
                found
                    .iter()
                    .map(String::from_utf8_lossy)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ));
    }
    Ok(source)
}

/// Reads the next row of `source` into `record`: its line, or `None` at the end.
fn next_record(
    path: &Path,
    source: &mut Source,
    record: &mut csv::StringRecord,
) -> Result<Option<u64>> {
    match source {
        Source::Csv(reader) => {
            let more = reader.read_record(record).map_err(|e| {
                let line = e.position().map_or(0, |p| p.line());
                refuse_line(path, line, format!("malformed CSV: {e}"))
            })?;
            Ok(more.then(|| record.position().map_or(0, |p| p.line())))
        }
        Source::Parquet(file) => {
            let line = file.rows_read() + 2;
            let more = file
                .next_record(record)
                .map_err(|e| refuse_line(path, line, e))?;
            Ok(more.then_some(line))
        }
    }
}

/// A table whose columns are known only from its header (`points`): the column names and,
/// one at a time, each row's fields as text (as the CSV holds them) with its line.
pub(crate) struct TextReader {
    path: PathBuf,
    source: Source,
    header: Vec<String>,
    record: csv::StringRecord,
}

impl TextReader {
    /// Opens the table file `path`, CSV or Parquet by its extension.
    pub(crate) fn open(path: &Path) -> Result<TextReader> {
        let source = open_table(path, |_| true, "")?;
        let header = match &source {
            Source::Parquet(file) => file.header().to_vec(),
            Source::Csv(_) => Vec::new(),
        };
        let mut reader = TextReader {
            path: path.to_owned(),
            source,
            header,
            record: csv::StringRecord::new(),
        };
        if let Source::Csv(csv) = &mut reader.source {
            let found = csv
                .headers()
                .map_err(|e| refuse(path, format!("not CSV: {e}")))?;
            reader.header = found.iter().map(str::to_owned).collect();
        }
        Ok(reader)
    }

    /// The column names.
    pub(crate) fn header(&self) -> &[String] {
        &self.header
    }

    /// The next row's fields and line; `None` at the end.
    pub(crate) fn next(&mut self) -> Result<Option<(&csv::StringRecord, u64)>> {
        let line = next_record(&self.path, &mut self.source, &mut self.record)?;
        Ok(line.map(|line| (&self.record, line)))
    }
}

/// The number of rows of the table file `path` when its format says it without reading the
/// rows (a Parquet file's footer); `None` for CSV.
pub(crate) fn declared_rows(path: &Path) -> Result<Option<u64>> {
    match TableFormat::of_path(path) {
        TableFormat::Csv => Ok(None),
        TableFormat::Parquet => {
            let file = ParquetRecords::open(path).map_err(|e| refuse(path, e))?;
            Ok(Some(file.rows()))
        }
    }
}

/// A refusal naming the column and the text of a field that is not of its column's type.
fn field_error(
    path: &Path,
    line: u64,
    header: &[&str],
    record: &csv::StringRecord,
    e: csv::Error,
) -> Error {
    let csv::ErrorKind::Deserialize { err, .. } = e.kind() else {
        return refuse_line(path, line, format!("malformed CSV: {e}"));
    };
    let field = err.field().map(|f| f as usize);
    let column = field.and_then(|f| header.get(f)).copied().unwrap_or("?");
    let text = field.and_then(|f| record.get(f)).unwrap_or_default();
    let message = match err.kind() {
        csv::DeserializeErrorKind::ParseInt(_) | csv::DeserializeErrorKind::ParseFloat(_) => {
            format!("{column}: '{text}' is not a valid number")
        }
        csv::DeserializeErrorKind::InvalidUtf8(_) => format!("{column}: not UTF-8"),
        _ => format!("{column}: '{text}': {}", err.kind()),
    };
    refuse_line(path, line, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header the csv crate derives from a row's fields.
    fn derived_header<R: Serialize>(row: &R) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.serialize(row).unwrap();
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        text.lines().next().unwrap().to_owned()
    }

    fn round_trip<'a, R: Row + Serialize + Deserialize<'a> + PartialEq + std::fmt::Debug>(
        row: &R,
        buffer: &'a mut Vec<csv::ByteRecord>,
    ) {
        assert_eq!(derived_header(row), R::COLUMNS.join(","));
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        w.serialize((7usize, row)).unwrap();
        let bytes = w.into_inner().unwrap();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice());
        buffer.push(reader.byte_records().next().unwrap().unwrap());
        buffer.push(parquet_record(&header::<R>(true), row));
        let (point, back): (usize, R) = buffer[0].deserialize(None).unwrap();
        assert_eq!((point, &back), (7, row));
        assert!(
            buffer[1].iter().eq(buffer[0].iter()),
            "Parquet reads back {:?}, the CSV {:?}",
            buffer[1],
            buffer[0]
        );
        let (point, back): (usize, R) = buffer[1].deserialize(None).unwrap();
        assert_eq!((point, &back), (7, row));
    }

    /// The fields of `row`, at point 7, written to a Parquet file and read back.
    fn parquet_record<R: Serialize>(header: &[&str], row: &R) -> csv::ByteRecord {
        let bytes = super::super::parquet::parquet_bytes(header, &[(Some(7), row)]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.parquet");
        std::fs::write(&path, bytes).unwrap();
        let mut file = ParquetRecords::open(&path).unwrap();
        assert_eq!(file.header(), header);
        let mut record = csv::StringRecord::new();
        assert!(file.next_record(&mut record).unwrap());
        record.into_byte_record()
    }

    #[test]
    fn every_row_reads_back_as_written_under_its_columns_from_csv_and_parquet() {
        round_trip(
            &AdoptionRow {
                variant: "v",
                replicate: 1,
                step: 2,
                date: "2024-07-09",
                segment: "s",
                state: "unserved",
                agents: 3,
                share: 0.375,
            },
            &mut Vec::new(),
        );
        round_trip(
            &UsageRow {
                variant: "v",
                replicate: 1,
                step: 2,
                date: "2024-07-09",
                segment: "s",
                state: "a",
                usage: 0.1 + 0.2,
                usage_share: 0.25,
            },
            &mut Vec::new(),
        );
        round_trip(
            &FlowRow {
                variant: "v",
                replicate: 1,
                step: 2,
                date: "2024-07-09",
                segment: "s",
                from: "a",
                to: "b",
                agents: 3,
            },
            &mut Vec::new(),
        );
        round_trip(
            &SummaryRow {
                variant: "v",
                step: 2,
                date: "2024-07-09",
                segment: "all",
                state: "x",
                mean: 0.1,
                sd: 0.2,
                p05: 0.3,
                p50: 0.4,
                p95: 0.5,
                ci95_low: 0.6,
                ci95_high: 0.7,
            },
            &mut Vec::new(),
        );
        round_trip(
            &ComparisonRow {
                variant: "v",
                step: 2,
                date: "2024-07-09",
                segment: "all",
                state: "x",
                baseline_mean: 0.1,
                variant_mean: 0.2,
                diff_mean: 0.1,
                diff_ci95_low: 0.0,
                diff_ci95_high: 0.2,
            },
            &mut Vec::new(),
        );
        round_trip(
            &MetricsRow {
                variant: "v",
                segment: "all",
                metric: "share",
                state: Some("x"),
                step: Some(4),
                date: Some("2024-07-09".into()),
                unit: "share",
                mean: 0.5,
                ci95_low: Some(0.4),
                ci95_high: Some(0.6),
                diff_mean: None,
                diff_ci95_low: None,
                diff_ci95_high: None,
                unpaired_ci95_low: None,
                unpaired_ci95_high: None,
            },
            &mut Vec::new(),
        );
        round_trip(
            &RobustnessCsvRow {
                variant: "v",
                segment: "all",
                metric: "share",
                state: None,
                step: None,
                date: None,
                unit: "share",
                better: "none",
                points: 3,
                diff_mean: 0.1,
                diff_worst: -0.2,
                diff_worst_p10: -0.1,
                fraction_beats: 0.5,
                fraction_positive: 0.5,
                fraction_negative: 0.25,
            },
            &mut Vec::new(),
        );
    }

    #[test]
    fn points_rows_write_each_value_as_its_kind() {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        let row = PointRow {
            point: 2,
            values: vec![
                Cell::Integer(3),
                Cell::Float(0.1),
                Cell::Boolean(true),
                Cell::Text("a b".into()),
            ],
        };
        w.serialize(&row).unwrap();
        let bytes = w.into_inner().unwrap();
        assert_eq!(bytes, b"2,3,0.1,true,a b\n");
        let record = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(bytes.as_slice())
            .records()
            .next()
            .unwrap()
            .unwrap();
        let back: PointRow<String> = record.deserialize(None).unwrap();
        assert_eq!(back.values, vec!["3", "0.1", "true", "a b"]);
    }
}
