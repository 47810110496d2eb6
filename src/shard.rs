//! Shards: a fixed share of a run's tasks, so that machines that never talk to each other
//! split a run between them and `blockade merge` puts it back together (docs/FORMAT.md, Shard
//! folders).
//!
//! Without a sweep, shard I of N runs the tasks k with k mod N = I - 1, counting I from 1 as
//! cargo-nextest's partitions do. With a sweep it runs whole points, the points p with
//! p mod N = I - 1, so that it computes its points' statistics itself and its folder holds
//! their rows rather than every replicate's counts. The rule depends on the task index alone,
//! never on timing, so every shard knows its tasks from the scenario and (I, N), and N shards
//! cover every task exactly once.

use std::fmt;
use std::str::FromStr;

/// Shard `index` of `count`, 1 <= index <= count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Shard {
    index: u32,
    count: u32,
}

impl Shard {
    /// Shard `index` of `count`; `None` unless 1 <= index <= count.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (1..=count)
            .contains(&index)
            .then_some(Shard { index, count })
    }

    /// I, from 1.
    pub fn index(self) -> u32 {
        self.index
    }

    /// N.
    pub fn count(self) -> u32 {
        self.count
    }

    /// The tasks of this shard among `total`, in increasing order (possibly none).
    pub fn tasks(self, total: usize) -> Vec<usize> {
        (self.index as usize - 1..total)
            .step_by(self.count as usize)
            .collect()
    }

    /// The tasks of this shard among `points` sweep points of `per_point` tasks each, in
    /// increasing order: every task of the points p with p mod N = I - 1.
    pub fn point_tasks(self, points: usize, per_point: usize) -> Vec<usize> {
        (self.index as usize - 1..points)
            .step_by(self.count as usize)
            .flat_map(|p| p * per_point..(p + 1) * per_point)
            .collect()
    }

    /// The tasks of this shard in a run of `points` sweep points of `per_point` tasks each:
    /// whole points when `swept`, else k mod N.
    pub fn tasks_of(self, swept: bool, points: usize, per_point: usize) -> Vec<usize> {
        if swept {
            self.point_tasks(points, per_point)
        } else {
            self.tasks(points * per_point)
        }
    }

    /// The folder name a shard writes by default beside the run's: `<name>.shard-I-of-N`.
    pub fn folder_name(self, run_name: &str) -> String {
        format!("{run_name}.shard-{}-of-{}", self.index, self.count)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Reads `I/N`, as `--shard` takes it.
    fn from_str(text: &str) -> Result<Shard, String> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("expected I/N such as 1/4, not '{text}'"))?;
        let number = |s: &str| {
            s.trim()
                .parse::<u32>()
                .map_err(|_| format!("expected I/N with whole numbers, not '{text}'"))
        };
        let (i, n) = (number(i)?, number(n)?);
        Shard::new(i, n).ok_or_else(|| {
            format!("shard {i}/{n} does not exist: I counts from 1 to N (1 <= I <= N)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_read_as_written_and_refuse_what_does_not_exist() {
        let shard: Shard = "2/3".parse().unwrap();
        assert_eq!((shard.index(), shard.count()), (2, 3));
        assert_eq!(shard.to_string(), "2/3");
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "-1/3", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_shards_of_a_run_cover_every_task_once() {
        let total = 23;
        for count in 1..=30 {
            let mut seen = vec![0; total];
            for index in 1..=count {
                for k in Shard::new(index, count).unwrap().tasks(total) {
                    assert_eq!(k % count as usize, index as usize - 1);
                    seen[k] += 1;
                }
            }
            assert!(seen.iter().all(|&n| n == 1), "N = {count}");
        }
        assert!(Shard::new(5, 30).unwrap().tasks(3).is_empty());
    }

    #[test]
    fn the_shards_of_a_sweep_take_whole_points_and_cover_every_task_once() {
        let (points, per_point) = (7, 3);
        let mut seen = vec![0; points * per_point];
        for index in 1..=3 {
            for k in Shard::new(index, 3)
                .unwrap()
                .tasks_of(true, points, per_point)
            {
                assert_eq!((k / per_point) % 3, index as usize - 1);
                seen[k] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
        assert_eq!(
            Shard::new(2, 3).unwrap().point_tasks(7, 3),
            vec![3, 4, 5, 12, 13, 14]
        );
        assert_eq!(Shard::new(1, 2).unwrap().tasks_of(false, 2, 2), vec![0, 2]);
    }
}
