//! Steps and dates: step t has date `start + t units`, a unit being a day, a week or a month.
//!
//! Months are counted from the start, not added one at a time, with the day clamped to the
//! month's end (docs/FORMAT.md, [scenario]): from 2024-01-31 the steps are 2024-02-29, 2024-03-31, 2024-04-30.

use crate::spec::named_enum;
use chrono::{Days, Months, NaiveDate};

named_enum! {
    /// The length of one step (`scenario.step`).
    pub enum StepUnit {
        /// One day.
        Day = "day",
        /// Seven days.
        Week = "week",
        /// One calendar month.
        Month = "month",
    }
}

/// The dates of a run's steps 0..=steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    start: NaiveDate,
    unit: StepUnit,
    steps: u32,
}

impl Calendar {
    /// A calendar, or `None` when the last step's date is beyond what a date can hold.
    pub fn new(start: NaiveDate, unit: StepUnit, steps: u32) -> Option<Calendar> {
        let calendar = Calendar { start, unit, steps };
        calendar.checked_date(steps).map(|_| calendar)
    }

    fn checked_date(&self, step: u32) -> Option<NaiveDate> {
        match self.unit {
            StepUnit::Day => self.start.checked_add_days(Days::new(u64::from(step))),
            StepUnit::Week => self.start.checked_add_days(Days::new(7 * u64::from(step))),
            // chrono clamps the day to the end of the month, as docs/FORMAT.md ([scenario]) says.
            StepUnit::Month => self.start.checked_add_months(Months::new(step)),
        }
    }

    /// The date of step `step` (`step <= steps`).
    pub fn date(&self, step: u32) -> NaiveDate {
        debug_assert!(step <= self.steps);
        // `new` checked that the last date exists, and dates grow with the step.
        self.checked_date(step).unwrap_or(NaiveDate::MAX)
    }

    /// The first step whose date is on or after `date`, if the horizon reaches it.
    pub fn step_on_or_after(&self, date: NaiveDate) -> Option<u32> {
        if date > self.date(self.steps) {
            return None;
        }
        // Dates are non-decreasing in the step, so a binary search finds the first one.
        let (mut lo, mut hi) = (0u32, self.steps);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.date(mid) >= date {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(lo)
    }

    /// The date of step 0.
    pub fn start(&self) -> NaiveDate {
        self.start
    }

    /// The length of a step.
    pub fn unit(&self) -> StepUnit {
        self.unit
    }

    /// The number of steps after step 0.
    pub fn steps(&self) -> u32 {
        self.steps
    }

    /// The date of the last step.
    pub fn end(&self) -> NaiveDate {
        self.date(self.steps)
    }
}

/// Parses an ISO date written as text, strictly `YYYY-MM-DD`.
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        parse_iso_date(text).unwrap()
    }

    #[test]
    fn months_clamp_to_the_end_of_the_month_counted_from_the_start() {
        let c = Calendar::new(d("2024-01-31"), StepUnit::Month, 3).unwrap();
        let dates: Vec<_> = (0..=3).map(|t| c.date(t).to_string()).collect();
        assert_eq!(
            dates,
            ["2024-01-31", "2024-02-29", "2024-03-31", "2024-04-30"]
        );
    }

    #[test]
    fn weeks_and_days_advance_by_their_unit() {
        let w = Calendar::new(d("2024-01-01"), StepUnit::Week, 104).unwrap();
        assert_eq!(w.date(1), d("2024-01-08"));
        assert_eq!(w.end(), d("2025-12-29"));
        let day = Calendar::new(d("2024-02-28"), StepUnit::Day, 2).unwrap();
        assert_eq!(day.date(2), d("2024-03-01"));
    }

    #[test]
    fn an_event_between_steps_applies_at_the_next_step() {
        let w = Calendar::new(d("2024-01-01"), StepUnit::Week, 104).unwrap();
        assert_eq!(w.step_on_or_after(d("2024-07-09")), Some(28));
        assert_eq!(w.date(28), d("2024-07-15"));
        assert_eq!(w.step_on_or_after(d("2024-07-08")), Some(27));
        assert_eq!(w.step_on_or_after(d("2024-01-01")), Some(0));
        assert_eq!(w.step_on_or_after(d("2025-12-30")), None);
    }

    #[test]
    fn iso_dates_are_strict() {
        assert!(parse_iso_date("2024-7-9").is_none());
        assert!(parse_iso_date("2024-02-30").is_none());
        assert!(parse_iso_date("2024-07-09T00:00").is_none());
        assert_eq!(parse_iso_date("2024-07-09"), Some(d("2024-07-09")));
    }

    #[test]
    fn a_horizon_past_the_last_representable_date_is_refused() {
        assert!(Calendar::new(d("2024-01-01"), StepUnit::Month, u32::MAX).is_none());
    }
}
