//! Reading the counts of a run back from its rows: `adoption.csv` into [`Results`], and
//! `flows.csv` into each task's flows (for `merge`) or into [`Switches`] (for `compare` and
//! `plot`). One reader serves an output folder and the shard folders of a merge; it checks
//! that every row names what the manifest names, that each (point, variant, replicate, step,
//! segment, state) of the tasks read comes exactly once, and that a step has one date.

use super::rows::{
    AdoptionRow, FlowRow, Row, RowReader, UsageRow, declared_rows, refuse, refuse_line,
};
use crate::error::Result;
use crate::results::{Flow, Results, Shape, Switches, Task, TaskCounts};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

/// How the rows of a CSV file map to a run's results: the names they may use, whether they
/// start with a point, and which points are kept.
pub(crate) struct FileLayout<'a> {
    /// The arms, `baseline` first.
    pub(crate) arms: &'a [String],
    /// The segments, in file order.
    pub(crate) segments: &'a [String],
    /// The states.
    pub(crate) states: &'a [String],
    /// Whether every row starts with its point.
    pub(crate) swept: bool,
    /// The run's number of points (1 unswept).
    pub(crate) points: usize,
    /// The point numbers kept, in order: the results hold these points only.
    pub(crate) kept: Range<usize>,
    /// The file the names come from, for messages.
    pub(crate) source: &'static str,
}

impl FileLayout<'_> {
    /// The index, among the kept points, of a row's point; `None` when it is not kept.
    fn kept_point(&self, path: &Path, line: u64, point: Option<usize>) -> Result<Option<usize>> {
        let point = point.unwrap_or(0);
        if point >= self.points {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "point {point} is not in this run ({} points in points.csv)",
                    self.points
                ),
            ));
        }
        Ok(self.kept.contains(&point).then(|| point - self.kept.start))
    }
}

/// Maps the names in a CSV column to indices, remembering the last one: rows come sorted,
/// so most lookups are a comparison with the previous row's name.
struct Names<'a> {
    list: &'a [String],
    names: HashMap<&'a str, usize>,
    last: std::cell::Cell<usize>,
    what: &'static str,
    source: &'static str,
}

impl<'a> Names<'a> {
    fn new(names: &'a [String], what: &'static str, source: &'static str) -> Names<'a> {
        Names {
            list: names,
            names: names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            last: std::cell::Cell::new(0),
            what,
            source,
        }
    }

    fn get(&self, path: &Path, line: u64, name: &str) -> Result<usize> {
        let last = self.last.get();
        if self.list.get(last).is_some_and(|n| n == name) {
            return Ok(last);
        }
        // A few names compare faster one by one than they hash.
        let found = if self.list.len() <= 32 {
            self.list.iter().position(|n| n == name)
        } else {
            self.names.get(name).copied()
        };
        if let Some(i) = found {
            self.last.set(i);
        }
        found.ok_or_else(|| {
            refuse_line(
                path,
                line,
                format!("unknown {} '{name}' (not in {})", self.what, self.source),
            )
        })
    }
}

/// The date of each step, as the rows give it: every row of a step must give the same one.
pub(crate) struct Dates {
    dates: Vec<Option<(String, NaiveDate)>>,
}

impl Dates {
    /// Steps 0..=steps, no date known yet.
    pub(crate) fn unknown(steps: u32) -> Dates {
        Dates {
            dates: vec![None; steps as usize + 1],
        }
    }

    /// Dates known beforehand, as a shard's manifest lists them; `None` unless each is a
    /// YYYY-MM-DD date.
    pub(crate) fn of(texts: &[String]) -> Option<Dates> {
        let dates = texts
            .iter()
            .map(|t| Some((t.clone(), parse_date(t)?)))
            .collect::<Option<Vec<_>>>()?;
        Some(Dates {
            dates: dates.into_iter().map(Some).collect(),
        })
    }

    /// Checks a row's date against the step's, learning it when it is the step's first.
    fn check(&mut self, path: &Path, line: u64, step: u32, text: &str) -> Result<()> {
        match &self.dates[step as usize] {
            Some((known, _)) if known == text => Ok(()),
            known => {
                let date = parse_date(text)
                    .ok_or_else(|| refuse_line(path, line, "date: not a YYYY-MM-DD date"))?;
                match known {
                    None => {
                        self.dates[step as usize] = Some((text.to_owned(), date));
                        Ok(())
                    }
                    Some((_, d)) if *d == date => Ok(()),
                    Some((_, d)) => Err(refuse_line(
                        path,
                        line,
                        format!("step {step} has the dates {d} and {date}"),
                    )),
                }
            }
        }
    }

    /// Whether a flow's date is its step's.
    fn is(&self, step: u32, text: &str) -> bool {
        matches!(&self.dates[step as usize], Some((known, _)) if known == text)
    }

    /// The dates learned, once every step has been seen.
    pub(crate) fn known(&self) -> Vec<NaiveDate> {
        self.dates.iter().flatten().map(|(_, d)| *d).collect()
    }

    /// Refuses dates that go backwards as the steps advance.
    fn check_order(&self, path: &Path) -> Result<()> {
        let dates = self.known();
        if dates.windows(2).any(|w| w[0] > w[1]) {
            return Err(refuse(path, "the dates go backwards as the steps advance"));
        }
        Ok(())
    }
}

/// A YYYY-MM-DD date.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// A CSV file of one number per (point, variant, replicate, step, segment, state):
/// `adoption.csv`'s agents or `usage.csv`'s usage weight, read by [`read_cells`].
pub(crate) trait CellFile {
    /// Its row.
    type Row<'r>: Row + Deserialize<'r>;
    /// The keys of a row: variant, replicate, step, date, segment, state.
    fn keys<'a>(row: &'a Self::Row<'_>) -> (&'a str, u32, u32, &'a str, &'a str, &'a str);
    /// Makes room in a task for `cells` numbers.
    fn clear(task: &mut TaskCounts, cells: usize);
    /// Stores a row's number at `cell` of a task.
    fn store(task: &mut TaskCounts, cell: usize, row: &Self::Row<'_>);
}

/// `adoption.csv`: agents, into a task's counts.
pub(crate) struct AdoptionFile;

impl CellFile for AdoptionFile {
    type Row<'r> = AdoptionRow<'r>;
    fn keys<'a>(row: &'a AdoptionRow<'_>) -> (&'a str, u32, u32, &'a str, &'a str, &'a str) {
        (
            row.variant,
            row.replicate,
            row.step,
            row.date,
            row.segment,
            row.state,
        )
    }
    fn clear(task: &mut TaskCounts, cells: usize) {
        task.counts = vec![0; cells];
    }
    fn store(task: &mut TaskCounts, cell: usize, row: &AdoptionRow<'_>) {
        task.counts[cell] = row.agents;
    }
}

/// `usage.csv`: usage weights, into a task's usage (its `usage_share` is derived, not read).
pub(crate) struct UsageFile;

impl CellFile for UsageFile {
    type Row<'r> = UsageRow<'r>;
    fn keys<'a>(row: &'a UsageRow<'_>) -> (&'a str, u32, u32, &'a str, &'a str, &'a str) {
        (
            row.variant,
            row.replicate,
            row.step,
            row.date,
            row.segment,
            row.state,
        )
    }
    fn clear(task: &mut TaskCounts, cells: usize) {
        task.usage = vec![0.0; cells];
    }
    fn store(task: &mut TaskCounts, cell: usize, row: &UsageRow<'_>) {
        task.usage[cell] = row.usage;
    }
}

/// Reads the counts of `adoption.csv` into `results`: see [`read_cells`].
pub(crate) fn read_adoption(
    path: &Path,
    layout: &FileLayout<'_>,
    results: &mut Results,
    owned: &(impl TaskSet + ?Sized),
    dates: &mut Dates,
) -> Result<()> {
    read_cells::<AdoptionFile>(path, layout, results, owned, dates)
}

/// Reads the usage of `usage.csv` into `results`: see [`read_cells`].
pub(crate) fn read_usage(
    path: &Path,
    layout: &FileLayout<'_>,
    results: &mut Results,
    owned: &(impl TaskSet + ?Sized),
    dates: &mut Dates,
) -> Result<()> {
    read_cells::<UsageFile>(path, layout, results, owned, dates)
}

/// Reads a file of cells into `results` (whose points are `layout.kept`): every
/// (point, variant, replicate, step, segment, state) of the tasks `owned` (task indices of
/// `results`, in increasing order) exactly once and nothing else, the same date for a step
/// on every row. Rows of points not kept are skipped.
fn read_cells<F: CellFile>(
    path: &Path,
    layout: &FileLayout<'_>,
    results: &mut Results,
    owned: &(impl TaskSet + ?Sized),
    dates: &mut Dates,
) -> Result<()> {
    let shape = *results.shape();
    let cells = shape.cells();
    for k in owned.tasks() {
        F::clear(results.task_mut(k), cells);
    }
    let mut seen = vec![false; owned.count() * cells];
    let arms = Names::new(layout.arms, "variant", layout.source);
    let segments = Names::new(layout.segments, "segment", layout.source);
    let states = Names::new(layout.states, "state", layout.source);
    let mut rows = 0usize;
    let mut reader = RowReader::open::<F::Row<'static>>(path, layout.swept)?;
    while let Some((point, row, line)) = reader.next::<F::Row<'_>>()? {
        let Some(point) = layout.kept_point(path, line, point)? else {
            continue;
        };
        let (variant, replicate, step, date, segment, state) = F::keys(&row);
        let arm = arms.get(path, line, variant)?;
        let segment = segments.get(path, line, segment)?;
        let state = states.get(path, line, state)?;
        if replicate >= shape.replicates() || step > shape.steps() {
            return Err(refuse_line(
                path,
                line,
                format!(
                    "replicate {} or step {} is outside the run ({} replicates, steps 0..={})",
                    replicate,
                    step,
                    shape.replicates(),
                    shape.steps()
                ),
            ));
        }
        dates.check(path, line, step, date)?;
        let k = shape.index(Task {
            point,
            arm,
            replicate,
        });
        let position = owned
            .position(k)
            .ok_or_else(|| refuse_line(path, line, "a row of a task this shard does not run"))?;
        let cell = shape.cell(step, segment, state);
        if std::mem::replace(&mut seen[position * cells + cell], true) {
            return Err(refuse_line(path, line, "a row repeats an earlier one"));
        }
        F::store(results.task_mut(k), cell, &row);
        rows += 1;
    }
    let expected = seen.len();
    if rows != expected {
        return Err(refuse(
            path,
            format!(
                "{rows} rows where {} implies {expected} (every {}variant, replicate, step, \
                 segment and state once)",
                layout.source,
                if layout.swept { "point, " } else { "" }
            ),
        ));
    }
    dates.check_order(path)
}

/// The tasks a file holds: every task of the results, or a shard's.
pub(crate) trait TaskSet {
    /// The task indices, in increasing order.
    fn tasks(&self) -> impl Iterator<Item = usize>;
    /// How many.
    fn count(&self) -> usize;
    /// The position of task k among them; `None` when it is not one of them.
    fn position(&self, k: usize) -> Option<usize>;
}

impl TaskSet for Range<usize> {
    fn tasks(&self) -> impl Iterator<Item = usize> {
        self.clone()
    }
    fn count(&self) -> usize {
        self.end.saturating_sub(self.start)
    }
    fn position(&self, k: usize) -> Option<usize> {
        self.contains(&k).then(|| k - self.start)
    }
}

impl TaskSet for [usize] {
    fn tasks(&self) -> impl Iterator<Item = usize> {
        self.iter().copied()
    }
    fn count(&self) -> usize {
        self.len()
    }
    fn position(&self, k: usize) -> Option<usize> {
        self.binary_search(&k).ok()
    }
}

/// Per slot and segment, the agents of the segment: the sum of its states, which must be the
/// same at every replicate and step of the slot. On a mismatch, the slot and a message.
pub(crate) fn segment_agents(
    results: &Results,
    arms: &[String],
    segments: &[String],
) -> std::result::Result<Vec<Vec<u32>>, (usize, String)> {
    let shape = *results.shape();
    (0..shape.slots())
        .map(|slot| {
            let arm = slot % shape.arms();
            (0..shape.segments())
                .map(|segment| {
                    let total = |r: u32, t: u32| {
                        let k = shape.task_in_slot(slot, r);
                        (0..shape.states())
                            .map(|state| u64::from(results.count(k, t, segment, state)))
                            .sum::<u64>()
                    };
                    let agents = total(0, 0);
                    for r in 0..shape.replicates() {
                        for t in 0..=shape.steps() {
                            if total(r, t) != agents {
                                return Err((
                                    slot,
                                    format!(
                                        "variant {}: segment {} has {} agents at replicate \
                                         {r} step {t} but {agents} at replicate 0 step 0",
                                        arms[arm],
                                        segments[segment],
                                        total(r, t)
                                    ),
                                ));
                            }
                        }
                    }
                    u32::try_from(agents).map_err(|_| {
                        (
                            slot,
                            format!(
                                "variant {}: segment {} has more agents than a run can",
                                arms[arm], segments[segment]
                            ),
                        )
                    })
                })
                .collect()
        })
        .collect()
}

/// What [`read_flows`] keeps of each flow.
pub(crate) enum FlowsInto<'s> {
    /// Every flow, in its task's `flows`, which must come in the order the writer puts them.
    Flows,
    /// Only the agents leaving each state, summed over the steps.
    Switches(&'s mut Switches),
}

/// Reads `flows.csv`: rows of the tasks `owned` only, each a change between two states of a
/// step 1..=steps dated as in `adoption.csv`.
pub(crate) fn read_flows(
    path: &Path,
    layout: &FileLayout<'_>,
    results: &mut Results,
    owned: &(impl TaskSet + ?Sized),
    dates: &Dates,
    mut into: FlowsInto<'_>,
) -> Result<()> {
    let shape = *results.shape();
    let arms = Names::new(layout.arms, "variant", layout.source);
    let segments = Names::new(layout.segments, "segment", layout.source);
    let states = Names::new(layout.states, "state", layout.source);
    let mut conserved = Conservation::new(&shape, owned.count());
    let mut last_key = None;
    let mut reader = RowReader::open::<FlowRow>(path, layout.swept)?;
    while let Some((point, row, line)) = reader.next::<FlowRow>()? {
        let Some(point) = layout.kept_point(path, line, point)? else {
            continue;
        };
        let arm = arms.get(path, line, row.variant)?;
        let segment = segments.get(path, line, row.segment)?;
        let from = states.get(path, line, row.from)?;
        let to = states.get(path, line, row.to)?;
        if row.replicate >= shape.replicates()
            || row.step == 0
            || row.step > shape.steps()
            || from == to
            || row.agents == 0
        {
            return Err(refuse_line(
                path,
                line,
                "not a flow of this run (replicate, step 1..=steps, from != to, agents > 0)",
            ));
        }
        if !dates.is(row.step, row.date) {
            return Err(refuse_line(path, line, "the date is not the step's"));
        }
        let k = shape.index(Task {
            point,
            arm,
            replicate: row.replicate,
        });
        let Some(position) = owned.position(k) else {
            return Err(refuse_line(
                path,
                line,
                "a flow of a task this shard does not run",
            ));
        };
        // The writer's order, strictly: a repeated row would count its agents twice.
        let key = (k, row.step, segment, from, to);
        if last_key.is_some_and(|last| last >= key) {
            return Err(refuse_line(path, line, "out of order, or a repeated row"));
        }
        last_key = Some(key);
        conserved.add(
            results,
            layout,
            path,
            k,
            position,
            &row_flow(&row, segment, from, to),
        )?;
        match &mut into {
            FlowsInto::Switches(switches) => {
                switches.add(k, segment, from, row.agents);
            }
            FlowsInto::Flows => {
                // Both fit: the segments and states are those of the run's manifest, whose
                // sizes the shard's checks bound.
                let flow = Flow {
                    step: row.step,
                    segment: segment as u16,
                    from: from as u8,
                    to: to as u8,
                    agents: row.agents,
                };
                let flows = &mut results.task_mut(k).flows;
                let key = |f: &Flow| (f.step, f.segment, f.from, f.to);
                if flows.last().is_some_and(|last| key(last) >= key(&flow)) {
                    return Err(refuse_line(path, line, "out of order"));
                }
                flows.push(flow);
            }
        }
    }
    conserved.finish(results, layout, path, owned)
}

/// Fewer bytes than any row of adoption.csv has: its date, seven commas and a newline.
const ADOPTION_ROW_MIN_BYTES: u64 = 10 + 7 + 1;

/// Refuses, before anything of that size is allocated, a manifest that implies more rows of
/// adoption.csv than the file (of `bytes`, or as found on disk) can hold: a damaged
/// `replicates` of 16777216 is a refusal, not a 15 GB allocation. A Parquet file's footer
/// says how many rows it holds, which the manifest must not exceed.
pub(crate) fn refuse_more_rows_than_bytes(
    path: &Path,
    rows: u64,
    bytes: Option<u64>,
    source: &str,
) -> Result<()> {
    if let Some(held) = declared_rows(path)? {
        if rows > held {
            return Err(refuse(
                path,
                format!(
                    "{source} implies {rows} rows, more than the file's {held}: {source} or \
                     the file is damaged"
                ),
            ));
        }
        return Ok(());
    }
    let bytes = match bytes {
        Some(bytes) => bytes,
        None => std::fs::metadata(path)
            .map_err(|e| refuse(path, format!("cannot read: {e}")))?
            .len(),
    };
    if rows.saturating_mul(ADOPTION_ROW_MIN_BYTES) > bytes {
        return Err(refuse(
            path,
            format!(
                "{source} implies {rows} rows, more than the file's {bytes} bytes can hold: \
                 {source} or the file is damaged"
            ),
        ));
    }
    Ok(())
}

/// A row's flow, by index.
fn row_flow(
    row: &FlowRow,
    segment: usize,
    from: usize,
    to: usize,
) -> (u32, usize, usize, usize, u32) {
    (row.step, segment, from, to, row.agents)
}

/// Checks that each task's flows lead from each step's counts in adoption.csv to the next
/// step's: a state's count changes by what flows in minus what flows out. Damaged or
/// repeated rows in flows.csv, which would change `switches_away` silently, are refused.
struct Conservation {
    /// The task whose flows are being summed, by index and position among the owned tasks.
    current: Option<(usize, usize)>,
    /// Its net flow into each cell (step, segment, state).
    net: Vec<i64>,
    /// Which owned tasks have been checked.
    checked: Vec<bool>,
}

impl Conservation {
    fn new(shape: &Shape, owned: usize) -> Conservation {
        Conservation {
            current: None,
            net: vec![0; shape.cells()],
            checked: vec![false; owned],
        }
    }

    /// Adds a flow of task `k` (at `position` among the owned tasks); rows come by task.
    fn add(
        &mut self,
        results: &Results,
        layout: &FileLayout<'_>,
        path: &Path,
        k: usize,
        position: usize,
        &(step, segment, from, to, agents): &(u32, usize, usize, usize, u32),
    ) -> Result<()> {
        if self.current.is_some_and(|(current, _)| current != k) {
            self.check_current(results, layout, path)?;
        }
        self.current = Some((k, position));
        let shape = results.shape();
        self.net[shape.cell(step, segment, from)] -= i64::from(agents);
        self.net[shape.cell(step, segment, to)] += i64::from(agents);
        Ok(())
    }

    /// Checks the task being summed, then every owned task that had no flow at all.
    fn finish(
        mut self,
        results: &Results,
        layout: &FileLayout<'_>,
        path: &Path,
        owned: &(impl TaskSet + ?Sized),
    ) -> Result<()> {
        self.check_current(results, layout, path)?;
        for (position, k) in owned.tasks().enumerate() {
            if !self.checked[position] {
                self.current = Some((k, position));
                self.check_current(results, layout, path)?;
            }
        }
        Ok(())
    }

    fn check_current(
        &mut self,
        results: &Results,
        layout: &FileLayout<'_>,
        path: &Path,
    ) -> Result<()> {
        let Some((k, position)) = self.current.take() else {
            return Ok(());
        };
        self.checked[position] = true;
        let shape = *results.shape();
        for step in 1..=shape.steps() {
            for segment in 0..shape.segments() {
                for state in 0..shape.states() {
                    let change = i64::from(results.count(k, step, segment, state))
                        - i64::from(results.count(k, step - 1, segment, state));
                    if change != self.net[shape.cell(step, segment, state)] {
                        let task = shape.task(k);
                        let point = if layout.swept {
                            format!("point {}, ", layout.kept.start + task.point)
                        } else {
                            String::new()
                        };
                        return Err(refuse(
                            path,
                            format!(
                                "{point}variant {} replicate {} step {step}: the flows of \
                                 segment {} do not lead from step {}'s counts of {} in \
                                 adoption.csv to step {step}'s",
                                layout.arms[task.arm],
                                task.replicate,
                                layout.segments[segment],
                                step - 1,
                                layout.states[state]
                            ),
                        ));
                    }
                }
            }
        }
        self.net.iter_mut().for_each(|n| *n = 0);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Shape;

    #[test]
    fn a_step_keeps_the_date_its_first_row_gives() {
        let path = Path::new("adoption.csv");
        let mut dates = Dates::unknown(1);
        dates.check(path, 2, 0, "2024-01-01").unwrap();
        dates.check(path, 3, 0, "2024-01-01").unwrap();
        let conflict = dates.check(path, 4, 0, "2024-01-02").unwrap_err();
        assert!(
            conflict.to_string().contains("step 0 has the dates"),
            "{conflict}"
        );
        assert!(dates.check(path, 5, 1, "January").is_err());
        dates.check(path, 6, 1, "2023-12-31").unwrap();
        assert!(dates.is(1, "2023-12-31") && !dates.is(1, "2024-01-08"));
        let backwards = dates.check_order(path).unwrap_err();
        assert!(backwards.to_string().contains("backwards"), "{backwards}");
    }

    #[test]
    fn a_segment_must_hold_the_same_agents_at_every_step() {
        let shape = Shape::new(1, 1, 2, 1, 1, 2).unwrap();
        let mut results = Results::empty(shape, vec![vec![0]]);
        results.task_mut(0).counts = vec![3, 0, 1, 2];
        results.task_mut(1).counts = vec![3, 0, 2, 2];
        let names = |n: &str| vec![n.to_owned()];
        let (slot, message) =
            segment_agents(&results, &names("baseline"), &names("a")).unwrap_err();
        assert_eq!(slot, 0);
        assert!(
            message.contains("segment a has 4 agents at replicate 1 step 1"),
            "{message}"
        );
        results.task_mut(1).counts = vec![2, 1, 0, 3];
        assert_eq!(
            segment_agents(&results, &names("baseline"), &names("a")).unwrap(),
            vec![vec![3]]
        );
    }

    #[test]
    fn a_shards_tasks_are_found_by_position() {
        let tasks: &[usize] = &[1, 4, 7];
        assert_eq!(tasks.position(4), Some(1));
        assert_eq!(tasks.position(5), None);
        assert_eq!(TaskSet::count(tasks), 3);
        assert_eq!((2..5).position(4), Some(2));
        assert_eq!((2..5).position(5), None);
    }
}
