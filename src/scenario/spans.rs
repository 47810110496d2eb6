//! Where each key of a scenario file is, so that every error can name its line.
//!
//! Keys are written as the dotted paths of `set` (docs/FORMAT.md, set paths), with a named table of an array standing for
//! its name or id: `segments.startup.tasks.text`, `events.openai-api-block.at`,
//! `variants.no-block.events.extra.set.providers.qwen.price`. Quoted keys holding dots read the
//! same as nested keys, as they do in a `set` table.

use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The arrays of tables whose elements are named by a field, and that field.
const NAMED_ARRAYS: [(&str, &str); 5] = [
    ("segments", "name"),
    ("providers", "id"),
    ("events", "name"),
    ("variants", "name"),
    ("targets", "name"),
];

#[derive(Debug, Clone)]
struct Entry {
    path: String,
    key: Range<usize>,
    value: Range<usize>,
}

/// The location of every key in one file.
#[derive(Debug, Clone, Default)]
pub(crate) struct SpanIndex {
    entries: Vec<Entry>,
    line_starts: Vec<usize>,
}

impl SpanIndex {
    /// Indexes a parsed document; `text` is the file it came from.
    pub(crate) fn new(text: &str, document: &Spanned<DeTable<'_>>) -> SpanIndex {
        let mut index = SpanIndex {
            entries: Vec::new(),
            line_starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
        };
        index.walk_table("", document.get_ref());
        index
    }

    fn walk_table(&mut self, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table {
            let path = join(prefix, key.get_ref());
            self.entries.push(Entry {
                path: path.clone(),
                key: key.span(),
                value: value.span(),
            });
            self.walk_value(&path, key.get_ref(), value);
        }
    }

    fn walk_value(&mut self, path: &str, key: &str, value: &Spanned<DeValue<'_>>) {
        match value.get_ref() {
            DeValue::Table(table) => self.walk_table(path, table),
            DeValue::Array(items) => {
                let name_field = NAMED_ARRAYS
                    .iter()
                    .find(|(array, _)| *array == key)
                    .map(|(_, field)| *field);
                for (i, item) in items.iter().enumerate() {
                    let element = match (name_field, item.get_ref()) {
                        (Some(field), DeValue::Table(table)) => name_of(table, field)
                            .map(|name| join(path, name))
                            .unwrap_or_else(|| format!("{path}[{i}]")),
                        _ => format!("{path}[{i}]"),
                    };
                    self.entries.push(Entry {
                        path: element.clone(),
                        key: item.span(),
                        value: item.span(),
                    });
                    self.walk_value(&element, "", item);
                }
            }
            _ => {}
        }
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }

    /// The line of `path`, or of the nearest enclosing key the file has.
    pub(crate) fn line_of_key(&self, path: &str) -> Option<usize> {
        let mut path = path;
        loop {
            if let Some(entry) = self.entries.iter().find(|e| e.path == path) {
                return Some(self.line_of(entry.key.start));
            }
            path = &path[..path.rfind('.')?];
        }
    }

    /// The line of the `n`-th (0-based) key at exactly `path`, for a name a file repeats (two
    /// segments called `startup` both have `segments.startup.name`); with fewer, as
    /// [`SpanIndex::line_of_key`].
    pub(crate) fn line_of_nth_key(&self, path: &str, n: usize) -> Option<usize> {
        self.entries
            .iter()
            .filter(|e| e.path == path)
            .nth(n)
            .map(|e| self.line_of(e.key.start))
            .or_else(|| self.line_of_key(path))
    }

    /// The innermost key whose name or value holds `offset`, for errors the parser reports by
    /// position.
    pub(crate) fn key_at(&self, offset: usize) -> Option<&str> {
        self.entries
            .iter()
            .filter(|e| e.key.contains(&offset) || e.value.contains(&offset))
            .min_by_key(|e| {
                let key_len = if e.key.contains(&offset) {
                    e.key.len()
                } else {
                    usize::MAX
                };
                key_len.min(e.value.len())
            })
            .map(|e| e.path.as_str())
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

fn name_of<'a>(table: &'a DeTable<'_>, field: &str) -> Option<&'a str> {
    table
        .iter()
        .find(|(key, _)| key.get_ref() == field)
        .and_then(|(_, value)| value.get_ref().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"[scenario]
name = "x"

[[segments]]
name = "startup"
tasks = { text = 1.0 }

[[events]]
name = "block"
set = { "providers.a.price" = 2.0 }
"#;

    fn index() -> SpanIndex {
        let doc = DeTable::parse(TEXT).unwrap();
        SpanIndex::new(TEXT, &doc)
    }

    #[test]
    fn keys_of_named_tables_are_found_by_name() {
        let index = index();
        assert_eq!(index.line_of_key("scenario.name"), Some(2));
        assert_eq!(index.line_of_key("segments.startup.tasks.text"), Some(6));
        assert_eq!(
            index.line_of_key("events.block.set.providers.a.price"),
            Some(10)
        );
        // A key the file lacks falls back to its nearest parent, here the table header.
        assert_eq!(index.line_of_key("segments.startup.weights.peer"), Some(4));
    }

    #[test]
    fn a_repeated_name_is_found_at_each_occurrence() {
        let text = "[[segments]]\nname = \"a\"\n\n[[segments]]\nname = \"a\"\n";
        let doc = DeTable::parse(text).unwrap();
        let index = SpanIndex::new(text, &doc);
        assert_eq!(index.line_of_nth_key("segments.a.name", 0), Some(2));
        assert_eq!(index.line_of_nth_key("segments.a.name", 1), Some(5));
        // Past the last occurrence, the first one (or its nearest parent) stands in.
        assert_eq!(index.line_of_nth_key("segments.a.name", 2), Some(2));
        assert_eq!(index.line_of_nth_key("segments.a.share", 1), Some(1));
    }

    #[test]
    fn a_position_maps_to_the_innermost_key() {
        let index = index();
        let offset = TEXT.find("1.0").unwrap();
        assert_eq!(index.key_at(offset), Some("segments.startup.tasks.text"));
    }
}
