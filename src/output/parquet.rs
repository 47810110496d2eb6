//! The tables as Parquet files (`--format parquet`, docs/FORMAT.md, Output files): the rows
//! [`super::rows`] writes as CSV, as typed, compressed columns, and read back as the same text
//! fields the CSV holds, so that [`super::rows::RowReader`] parses both alike.
//!
//! A column's type follows from its name ([`column_kind`]): `date` is a Parquet DATE (Arrow
//! Date32), counts and numbers of steps, replicates and points are INT64, names are UTF-8
//! strings (dictionary-encoded by the writer), everything else is a DOUBLE; every column is
//! nullable, null where the CSV field is empty. The swept parameters of `points.parquet`
//! take their type from their values. The bytes depend only on the rows: batches of a fixed
//! number of rows, row groups of a fixed number of rows, fixed writer properties, and no
//! timestamp anywhere in the file, so that a run gives the same file whatever its threads or
//! shards, as the CSV.

use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, StringBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::basic::Compression;
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};
use serde::Serialize;
use serde::ser::{self, Impossible};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// Rows buffered before they go to the writer as one record batch. Fixed, so that the same
/// rows are cut into the same pages whichever command wrote them.
const BATCH_ROWS: usize = 65_536;

/// Rows per row group (the last one holds the rest).
const ROW_GROUP_ROWS: usize = 1 << 20;

/// Rows per record batch read back.
const READ_BATCH_ROWS: usize = 8_192;

/// The days from 0001-01-01 (chrono's day 1) to 1970-01-01, Date32's day 0.
const UNIX_EPOCH_FROM_CE: i32 = 719_163;

/// The type of a column's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// INT64.
    Integer,
    /// DOUBLE.
    Float,
    /// BOOLEAN.
    Boolean,
    /// UTF-8 string.
    Text,
    /// DATE, written from `YYYY-MM-DD` text.
    Date,
}

impl Kind {
    fn data_type(self) -> DataType {
        match self {
            Kind::Integer => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Boolean => DataType::Boolean,
            Kind::Text => DataType::Utf8,
            Kind::Date => DataType::Date32,
        }
    }
}

/// The type of the column `name` of every table but the swept parameters of `points`;
/// `None` for a name no table has.
pub(crate) fn column_kind(name: &str) -> Option<Kind> {
    Some(match name {
        "date" => Kind::Date,
        "point" | "points" | "replicate" | "step" | "agents" => Kind::Integer,
        "variant" | "segment" | "state" | "from" | "to" | "metric" | "unit" | "better" => {
            Kind::Text
        }
        "share" | "usage" | "usage_share" | "mean" | "sd" | "p05" | "p50" | "p95" | "ci95_low"
        | "ci95_high" | "baseline_mean" | "variant_mean" | "diff_mean" | "diff_ci95_low"
        | "diff_ci95_high" | "unpaired_ci95_low" | "unpaired_ci95_high" | "diff_worst"
        | "diff_worst_p10" | "fraction_beats" | "fraction_positive" | "fraction_negative" => {
            Kind::Float
        }
        _ => return None,
    })
}

/// A value of one field of a row, as the row serialises it.
#[derive(Debug, Clone, Copy)]
enum Scalar<'v> {
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Text(&'v str),
    Null,
}

/// A value kept until its column's type is known (a swept parameter of `points`).
#[derive(Debug, Clone)]
enum Pending {
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Text(String),
    Null,
}

/// A column's values since the last batch.
enum Buffer {
    Integer(Int64Builder),
    Float(Float64Builder),
    Boolean(BooleanBuilder),
    Text(StringBuilder),
    /// The last date's text and day, as dates repeat row after row.
    Date(Date32Builder, Option<(String, i32)>),
    Pending(Vec<Pending>),
}

impl Buffer {
    fn of(kind: Kind) -> Buffer {
        match kind {
            Kind::Integer => Buffer::Integer(Int64Builder::new()),
            Kind::Float => Buffer::Float(Float64Builder::new()),
            Kind::Boolean => Buffer::Boolean(BooleanBuilder::new()),
            Kind::Text => Buffer::Text(StringBuilder::new()),
            Kind::Date => Buffer::Date(Date32Builder::new(), None),
        }
    }

    fn push(&mut self, value: Scalar<'_>) -> Result<(), String> {
        match (self, value) {
            (Buffer::Integer(b), Scalar::Integer(i)) => b.append_value(i),
            (Buffer::Integer(b), Scalar::Null) => b.append_null(),
            (Buffer::Float(b), Scalar::Float(x)) => b.append_value(x),
            (Buffer::Float(b), Scalar::Null) => b.append_null(),
            (Buffer::Boolean(b), Scalar::Boolean(x)) => b.append_value(x),
            (Buffer::Boolean(b), Scalar::Null) => b.append_null(),
            (Buffer::Text(b), Scalar::Text(s)) => b.append_value(s),
            (Buffer::Text(b), Scalar::Null) => b.append_null(),
            (Buffer::Date(b, last), Scalar::Text(s)) => {
                let day = match last {
                    Some((text, day)) if text == s => *day,
                    _ => {
                        let day = date_to_day(s).ok_or_else(|| format!("'{s}' is not a date"))?;
                        *last = Some((s.to_owned(), day));
                        day
                    }
                };
                b.append_value(day);
            }
            (Buffer::Date(b, _), Scalar::Null) => b.append_null(),
            (Buffer::Pending(values), value) => values.push(match value {
                Scalar::Integer(i) => Pending::Integer(i),
                Scalar::Float(x) => Pending::Float(x),
                Scalar::Boolean(b) => Pending::Boolean(b),
                Scalar::Text(s) => Pending::Text(s.to_owned()),
                Scalar::Null => Pending::Null,
            }),
            (_, value) => return Err(format!("{value:?} is not of the column's type")),
        }
        Ok(())
    }

    /// The values as an array, the buffer left empty for the next batch; pending values
    /// first get the type that holds them all, which the column keeps from then on.
    fn finish(&mut self) -> Result<ArrayRef, String> {
        if let Buffer::Pending(values) = self {
            let values = std::mem::take(values);
            *self = Buffer::of(pending_kind(&values));
            for value in &values {
                self.push(match value {
                    Pending::Integer(i) => Scalar::Integer(*i),
                    Pending::Float(x) => Scalar::Float(*x),
                    Pending::Boolean(b) => Scalar::Boolean(*b),
                    Pending::Text(s) => Scalar::Text(s),
                    Pending::Null => Scalar::Null,
                })
                .or_else(|_| self.push_as_float_or_text(value))?;
            }
        }
        Ok(match self {
            Buffer::Integer(b) => Arc::new(b.finish()),
            Buffer::Float(b) => Arc::new(b.finish()),
            Buffer::Boolean(b) => Arc::new(b.finish()),
            Buffer::Text(b) => Arc::new(b.finish()),
            Buffer::Date(b, _) => Arc::new(b.finish()),
            Buffer::Pending(_) => unreachable!("pending values were typed above"),
        })
    }

    /// An integer among floats as a float, anything among text as the CSV's text of it.
    fn push_as_float_or_text(&mut self, value: &Pending) -> Result<(), String> {
        match (self, value) {
            (Buffer::Float(b), Pending::Integer(i)) => b.append_value(*i as f64),
            (Buffer::Text(b), value) => b.append_value(pending_text(value)),
            (_, value) => return Err(format!("{value:?} is not of the column's type")),
        }
        Ok(())
    }

    fn kind(&self) -> Kind {
        match self {
            Buffer::Integer(_) => Kind::Integer,
            Buffer::Float(_) => Kind::Float,
            Buffer::Boolean(_) => Kind::Boolean,
            Buffer::Text(_) => Kind::Text,
            Buffer::Date(..) => Kind::Date,
            Buffer::Pending(values) => pending_kind(values),
        }
    }
}

/// The narrowest type that holds every value: integers, numbers, booleans, else text.
fn pending_kind(values: &[Pending]) -> Kind {
    let all = |f: fn(&Pending) -> bool| values.iter().all(|v| matches!(v, Pending::Null) || f(v));
    if values.iter().all(|v| matches!(v, Pending::Null)) {
        Kind::Text
    } else if all(|v| matches!(v, Pending::Integer(_))) {
        Kind::Integer
    } else if all(|v| matches!(v, Pending::Integer(_) | Pending::Float(_))) {
        Kind::Float
    } else if all(|v| matches!(v, Pending::Boolean(_))) {
        Kind::Boolean
    } else {
        Kind::Text
    }
}

/// A value as the CSV writes it.
fn pending_text(value: &Pending) -> String {
    match value {
        Pending::Integer(i) => i.to_string(),
        Pending::Float(x) => ryu::Buffer::new().format(*x).to_owned(),
        Pending::Boolean(b) => b.to_string(),
        Pending::Text(s) => s.clone(),
        Pending::Null => String::new(),
    }
}

/// `YYYY-MM-DD` as days since 1970-01-01.
fn date_to_day(text: &str) -> Option<i32> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    Some(date.num_days_from_ce() - UNIX_EPOCH_FROM_CE)
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn day_to_date(day: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(day.checked_add(UNIX_EPOCH_FROM_CE)?)
}

/// The writer's properties, the same for every file: Snappy pages, dictionary encoding,
/// page statistics, version 1 pages (which every reader reads), and a `created_by` that
/// names the library's version only.
fn properties() -> WriterProperties {
    WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_1_0)
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(true)
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_max_row_group_bytes(None)
        .set_content_defined_chunking(None)
        .build()
}

/// A Parquet file being written row by row into `W`.
pub(crate) struct ParquetRows<W: Write + Send> {
    names: Vec<String>,
    columns: Vec<Buffer>,
    rows: usize,
    /// The sink until the first batch fixes the schema, then the writer around it.
    sink: Option<W>,
    writer: Option<ArrowWriter<W>>,
}

impl<W: Write + Send> ParquetRows<W> {
    /// A file with the columns `header`, typed by [`column_kind`]; with `typed_by_values`,
    /// every column after the first takes the type of its values instead (`points`).
    pub(crate) fn new(sink: W, header: &[&str], typed_by_values: bool) -> Result<Self, String> {
        let columns = header
            .iter()
            .enumerate()
            .map(|(i, name)| {
                if typed_by_values && i > 0 {
                    return Ok(Buffer::Pending(Vec::new()));
                }
                column_kind(name)
                    .map(Buffer::of)
                    .ok_or_else(|| format!("no Parquet type for the column '{name}'"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(ParquetRows {
            names: header.iter().map(|&h| h.to_owned()).collect(),
            columns,
            rows: 0,
            sink: Some(sink),
            writer: None,
        })
    }

    /// Adds a row, after its point when the file has a `point` column.
    pub(crate) fn push<R: Serialize>(
        &mut self,
        point: Option<usize>,
        row: &R,
    ) -> Result<(), String> {
        let mut sink = RowSink {
            names: &self.names,
            columns: &mut self.columns,
            next: 0,
        };
        match point {
            Some(point) => (point, row).serialize(&mut sink),
            None => row.serialize(&mut sink),
        }
        .map_err(|e| e.0)?;
        let fields = sink.next;
        if fields != self.columns.len() {
            return Err(format!(
                "a row of {fields} fields for {} columns",
                self.columns.len()
            ));
        }
        self.rows += 1;
        if self.rows == BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Hands the buffered rows to the writer as one batch.
    fn flush(&mut self) -> Result<(), String> {
        let schema: SchemaRef = Arc::new(Schema::new(
            self.names
                .iter()
                .zip(&self.columns)
                .map(|(name, column)| Field::new(name, column.kind().data_type(), true))
                .collect::<Vec<_>>(),
        ));
        let arrays = self
            .columns
            .iter_mut()
            .map(Buffer::finish)
            .collect::<Result<Vec<_>, String>>()?;
        let batch = RecordBatch::try_new(schema.clone(), arrays).map_err(|e| e.to_string())?;
        if self.writer.is_none() {
            let sink = self.sink.take().ok_or("the writer was lost")?;
            let writer = ArrowWriter::try_new(sink, schema, Some(properties()))
                .map_err(|e| e.to_string())?;
            self.writer = Some(writer);
        }
        let writer = self.writer.as_mut().ok_or("the writer was lost")?;
        writer.write(&batch).map_err(|e| e.to_string())?;
        self.rows = 0;
        Ok(())
    }

    /// Writes the last rows and the footer, and returns the sink.
    pub(crate) fn finish(mut self) -> Result<W, String> {
        if self.rows > 0 || self.writer.is_none() {
            self.flush()?;
        }
        let writer = self.writer.take().ok_or("the writer was lost")?;
        writer.into_inner().map_err(|e| e.to_string())
    }
}

/// `rows` as the bytes of a Parquet file with the columns `header`.
pub(crate) fn parquet_bytes<R: Serialize>(
    header: &[&str],
    rows: &[(Option<usize>, R)],
) -> Result<Vec<u8>, String> {
    let mut file = ParquetRows::new(Vec::new(), header, false)?;
    for (point, row) in rows {
        file.push(*point, row)?;
    }
    file.finish()
}

/// The error of a row that does not fit its columns.
#[derive(Debug)]
struct SinkError(String);

impl std::fmt::Display for SinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SinkError {}

impl ser::Error for SinkError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SinkError(msg.to_string())
    }
}

/// A serde serializer that appends a row's fields, in order, to the columns: a row is
/// flattened as the csv crate flattens it (a struct's fields, a tuple's elements, a
/// sequence's items, one field each).
struct RowSink<'c> {
    names: &'c [String],
    columns: &'c mut [Buffer],
    next: usize,
}

impl RowSink<'_> {
    fn push(&mut self, value: Scalar<'_>) -> Result<(), SinkError> {
        let i = self.next;
        let column = self
            .columns
            .get_mut(i)
            .ok_or_else(|| SinkError(format!("more fields than the {i} columns")))?;
        column
            .push(value)
            .map_err(|e| SinkError(format!("column '{}': {e}", self.names[i])))?;
        self.next += 1;
        Ok(())
    }

    fn integer<T: TryInto<i64>>(&mut self, v: T) -> Result<(), SinkError> {
        let v = v
            .try_into()
            .map_err(|_| SinkError("an integer beyond 64 bits".into()))?;
        self.push(Scalar::Integer(v))
    }
}

fn unsupported(what: &str) -> SinkError {
    SinkError(format!("a row cannot hold {what}"))
}

impl<'s, 'c> ser::Serializer for &'s mut RowSink<'c> {
    type Ok = ();
    type Error = SinkError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Impossible<(), SinkError>;
    type SerializeMap = Impossible<(), SinkError>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), SinkError>;

    fn serialize_bool(self, v: bool) -> Result<(), SinkError> {
        self.push(Scalar::Boolean(v))
    }
    fn serialize_i8(self, v: i8) -> Result<(), SinkError> {
        self.integer(v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), SinkError> {
        self.integer(v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), SinkError> {
        self.integer(v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), SinkError> {
        self.integer(v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), SinkError> {
        self.integer(v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), SinkError> {
        self.integer(v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), SinkError> {
        self.integer(v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), SinkError> {
        self.integer(v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), SinkError> {
        self.push(Scalar::Float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<(), SinkError> {
        self.push(Scalar::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<(), SinkError> {
        self.push(Scalar::Text(v.encode_utf8(&mut [0; 4])))
    }
    fn serialize_str(self, v: &str) -> Result<(), SinkError> {
        self.push(Scalar::Text(v))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), SinkError> {
        Err(unsupported("bytes"))
    }
    fn serialize_none(self) -> Result<(), SinkError> {
        self.push(Scalar::Null)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), SinkError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), SinkError> {
        self.push(Scalar::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), SinkError> {
        self.push(Scalar::Null)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), SinkError> {
        self.push(Scalar::Text(variant))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), SinkError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), SinkError> {
        Err(unsupported("an enum variant with data"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, SinkError> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, SinkError> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, SinkError> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, SinkError> {
        Err(unsupported("an enum variant with data"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, SinkError> {
        Err(unsupported("a map"))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, SinkError> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, SinkError> {
        Err(unsupported("an enum variant with data"))
    }
}

impl ser::SerializeSeq for &mut RowSink<'_> {
    type Ok = ();
    type Error = SinkError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), SinkError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), SinkError> {
        Ok(())
    }
}

impl ser::SerializeTuple for &mut RowSink<'_> {
    type Ok = ();
    type Error = SinkError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), SinkError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), SinkError> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for &mut RowSink<'_> {
    type Ok = ();
    type Error = SinkError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), SinkError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), SinkError> {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut RowSink<'_> {
    type Ok = ();
    type Error = SinkError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), SinkError> {
        value.serialize(&mut **self)
    }
    fn end(self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// A Parquet file read back one row at a time, each row as the text fields the CSV of the
/// same rows holds: integers in decimal, floats in their shortest round-trip form (as the
/// CSV writes them), dates as `YYYY-MM-DD`, nulls empty.
pub(crate) struct ParquetRecords {
    header: Vec<String>,
    rows: u64,
    batches: ParquetRecordBatchReader,
    batch: Option<RecordBatch>,
    /// The next row of `batch`.
    next: usize,
    /// Rows read so far.
    read: u64,
    field: String,
    /// Per column, the last date read and its text: dates repeat row after row, and
    /// formatting one costs more than the rest of the row.
    last_dates: Vec<Option<(i32, String)>>,
}

impl ParquetRecords {
    /// Opens `path`, refusing a file that is not Parquet.
    pub(crate) fn open(path: &Path) -> Result<ParquetRecords, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file)
            .map_err(|e| format!("not Parquet: {e}"))?;
        let rows = u64::try_from(builder.metadata().file_metadata().num_rows()).unwrap_or(0);
        let header: Vec<String> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let batches = builder
            .with_batch_size(READ_BATCH_ROWS)
            .build()
            .map_err(|e| format!("not Parquet: {e}"))?;
        let last_dates = vec![None; header.len()];
        Ok(ParquetRecords {
            last_dates,
            header,
            rows,
            batches,
            batch: None,
            next: 0,
            read: 0,
            field: String::new(),
        })
    }

    /// The column names.
    pub(crate) fn header(&self) -> &[String] {
        &self.header
    }

    /// The number of rows its footer declares.
    pub(crate) fn rows(&self) -> u64 {
        self.rows
    }

    /// Rows read so far.
    pub(crate) fn rows_read(&self) -> u64 {
        self.read
    }

    /// Replaces `record` by the next row's fields; false at the end.
    pub(crate) fn next_record(&mut self, record: &mut csv::StringRecord) -> Result<bool, String> {
        loop {
            if let Some(batch) = &self.batch {
                if self.next < batch.num_rows() {
                    break;
                }
            }
            match self.batches.next() {
                None => return Ok(false),
                Some(batch) => {
                    self.batch = Some(batch.map_err(|e| format!("damaged Parquet: {e}"))?);
                    self.next = 0;
                }
            }
        }
        let Some(batch) = &self.batch else {
            return Ok(false);
        };
        record.clear();
        for ((column, name), last_date) in batch
            .columns()
            .iter()
            .zip(&self.header)
            .zip(&mut self.last_dates)
        {
            self.field.clear();
            write_text(column.as_ref(), self.next, &mut self.field, last_date)
                .map_err(|e| format!("{name}: {e}"))?;
            record.push_field(&self.field);
        }
        self.next += 1;
        self.read += 1;
        Ok(true)
    }
}

/// The text of row `i` of `column`, as the CSV writes it; `last_date` caches the column's
/// last date.
fn write_text(
    column: &dyn Array,
    i: usize,
    out: &mut String,
    last_date: &mut Option<(i32, String)>,
) -> Result<(), String> {
    if column.is_null(i) {
        return Ok(());
    }
    let failed = |_| "cannot format".to_owned();
    match column.data_type() {
        DataType::Int64 => {
            out.push_str(itoa::Buffer::new().format(column.as_primitive::<Int64Type>().value(i)));
            Ok(())
        }
        DataType::Int32 => {
            out.push_str(itoa::Buffer::new().format(column.as_primitive::<Int32Type>().value(i)));
            Ok(())
        }
        DataType::Float64 => {
            let x = column.as_primitive::<Float64Type>().value(i);
            out.push_str(ryu::Buffer::new().format(x));
            Ok(())
        }
        DataType::Boolean => write!(out, "{}", column.as_boolean().value(i)),
        DataType::Utf8 => {
            out.push_str(column.as_string::<i32>().value(i));
            Ok(())
        }
        DataType::LargeUtf8 => {
            out.push_str(column.as_string::<i64>().value(i));
            Ok(())
        }
        DataType::Utf8View => {
            out.push_str(column.as_string_view().value(i));
            Ok(())
        }
        DataType::Date32 => {
            let day = column.as_primitive::<Date32Type>().value(i);
            match last_date {
                Some((last, text)) if *last == day => out.push_str(text),
                _ => {
                    let date =
                        day_to_date(day).ok_or_else(|| format!("day {day} is not a date"))?;
                    let text = date.format("%Y-%m-%d").to_string();
                    out.push_str(&text);
                    *last_date = Some((day, text));
                }
            }
            Ok(())
        }
        other => return Err(format!("a column of type {other}, which no table has")),
    }
    .map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Sample<'a> {
        variant: &'a str,
        step: Option<u32>,
        date: Option<&'a str>,
        mean: f64,
    }

    fn records(bytes: Vec<u8>) -> (Vec<String>, Vec<Vec<String>>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, bytes).unwrap();
        let mut file = ParquetRecords::open(&path).unwrap();
        let mut record = csv::StringRecord::new();
        let mut rows = Vec::new();
        while file.next_record(&mut record).unwrap() {
            rows.push(record.iter().map(str::to_owned).collect());
        }
        assert_eq!(file.rows(), rows.len() as u64);
        (file.header().to_vec(), rows)
    }

    #[test]
    fn rows_read_back_as_the_csv_text_of_their_values() {
        let rows = vec![
            (
                Some(3),
                Sample {
                    variant: "a",
                    step: Some(4),
                    date: Some("2024-07-09"),
                    mean: 0.1 + 0.2,
                },
            ),
            (
                Some(4),
                Sample {
                    variant: "b",
                    step: None,
                    date: None,
                    mean: 1e-7,
                },
            ),
            (
                Some(4),
                Sample {
                    variant: "b",
                    step: Some(5),
                    date: Some("2024-07-16"),
                    mean: -2.5,
                },
            ),
        ];
        let header = ["point", "variant", "step", "date", "mean"];
        let (read_header, read) = records(parquet_bytes(&header, &rows).unwrap());
        assert_eq!(read_header, header);
        assert_eq!(
            read,
            vec![
                vec!["3", "a", "4", "2024-07-09", "0.30000000000000004"],
                vec!["4", "b", "", "", "1e-7"],
                vec!["4", "b", "5", "2024-07-16", "-2.5"],
            ]
        );
    }

    #[test]
    fn columns_have_the_types_their_names_say() {
        let bytes = parquet_bytes::<Sample>(&["variant", "step", "date", "mean"], &[]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        std::fs::write(&path, bytes).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        let types: Vec<DataType> = builder
            .schema()
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        assert_eq!(
            types,
            [
                DataType::Utf8,
                DataType::Int64,
                DataType::Date32,
                DataType::Float64
            ]
        );
    }

    #[test]
    fn a_row_that_does_not_fit_its_columns_is_refused() {
        let header = ["variant", "step", "date", "mean"];
        let row = Sample {
            variant: "a",
            step: Some(1),
            date: Some("not a date"),
            mean: 0.5,
        };
        let error = parquet_bytes(&header, &[(None, row)]).unwrap_err();
        assert!(error.contains("column 'date'"), "{error}");
        assert!(ParquetRows::new(Vec::new(), &["nameless"], false).is_err());
    }

    #[test]
    fn swept_values_take_the_type_that_holds_them_all() {
        let header = ["point", "a", "b", "c", "d"];
        let mut file = ParquetRows::new(Vec::new(), &header, true).unwrap();
        file.push(None, &(0usize, 1i64, 1i64, true, "x")).unwrap();
        file.push(None, &(1usize, 2i64, 2.5f64, false, "y"))
            .unwrap();
        let (_, rows) = records(file.finish().unwrap());
        assert_eq!(
            rows,
            vec![
                vec!["0", "1", "1.0", "true", "x"],
                vec!["1", "2", "2.5", "false", "y"],
            ]
        );
    }

    #[test]
    fn the_same_rows_give_the_same_bytes() {
        let rows: Vec<(Option<usize>, Sample)> = (0..3 * BATCH_ROWS as u32)
            .map(|i| {
                let row = Sample {
                    variant: if i % 3 == 0 { "a" } else { "b" },
                    step: Some(i % 7),
                    date: Some("2024-01-01"),
                    mean: f64::from(i) / 7.0,
                };
                (Some(i as usize / 100), row)
            })
            .collect();
        let header = ["point", "variant", "step", "date", "mean"];
        let first = parquet_bytes(&header, &rows).unwrap();
        assert_eq!(first, parquet_bytes(&header, &rows).unwrap());
        assert_eq!(records(first).1.len(), rows.len());
    }
}
