//! The horizon, replicates and seed: `[scenario]` turned into a calendar.

use super::checker::Checker;
use crate::calendar::{Calendar, StepUnit, parse_iso_date};
use crate::scenario::path::{self};
use crate::scenario::raw::RawScenario;

/// The calendar, replicates and seed; `None` when the calendar cannot be built.
pub(super) fn check_meta(raw: &RawScenario, ck: &mut Checker) -> Option<(Calendar, u32, u64)> {
    let meta = &raw.scenario;
    let replicates = ck.integer(
        "scenario.replicates",
        meta.replicates,
        1,
        i64::from(u32::MAX),
    );
    let seed = ck.integer("scenario.seed", meta.seed, 0, i64::MAX);
    // A horizon clamped after an error would misplace every event: without a valid one, no
    // event is placed, and the steps are the one problem reported.
    let steps = ck.in_range("scenario.steps", meta.steps, 1, i64::from(u32::MAX));
    let unit = StepUnit::parse(&meta.step);
    if unit.is_none() {
        ck.report(
            "scenario.step",
            format!("'{}' is not a step unit ({})", meta.step, StepUnit::names()),
        );
    }
    let start = match date_of(&meta.start) {
        Ok(date) => Some(date),
        Err(e) => {
            ck.report("scenario.start", e);
            None
        }
    };
    let calendar = Calendar::new(start?, unit?, u32::try_from(steps?).ok()?);
    if calendar.is_none() {
        ck.report(
            "scenario.steps",
            format!(
                "{} steps run past the last date blockade can represent",
                meta.steps
            ),
        );
    }
    let calendar = calendar?;
    // The outputs write dates as YYYY-MM-DD, which ends with the year 9999.
    let last = chrono::NaiveDate::from_ymd_opt(9999, 12, 31)?;
    if calendar.end() > last {
        ck.report(
            "scenario.steps",
            format!(
                "{} steps end on {}, past {last}, the last date the output files can write",
                meta.steps,
                calendar.end()
            ),
        );
    }
    Some((
        calendar,
        u32::try_from(replicates).ok()?,
        u64::try_from(seed).ok()?,
    ))
}

/// A date written as a TOML local date or a "YYYY-MM-DD" string.
pub(super) fn date_of(value: &toml::Value) -> Result<chrono::NaiveDate, String> {
    let bad = || {
        format!(
            "expected a date such as 2024-07-09, found {}",
            path::describe(value)
        )
    };
    match value {
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => chrono::NaiveDate::from_ymd_opt(
                i32::from(d.year),
                u32::from(d.month),
                u32::from(d.day),
            )
            .ok_or_else(bad),
            _ => Err(format!("{}: a date takes no time or offset", bad())),
        },
        toml::Value::String(text) => parse_iso_date(text).ok_or_else(bad),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::checker::fixture::{SMALL, checker, parse, problems, small_with};
    use super::*;
    use crate::calendar::StepUnit;

    #[test]
    fn the_horizon_replicates_and_seed_are_read() {
        let (raw, spans) = parse(SMALL);
        let mut ck = checker(&spans);
        let (calendar, replicates, seed) = check_meta(&raw, &mut ck).expect("valid");
        assert_eq!((calendar.steps(), calendar.unit()), (10, StepUnit::Week));
        assert_eq!(calendar.end().to_string(), "2024-03-11");
        assert_eq!((replicates, seed), (2, 1));
    }

    #[test]
    fn without_a_step_unit_there_is_no_calendar() {
        let (raw, spans) = parse(&small_with("step = \"week\"", "step = \"fortnight\""));
        let mut ck = checker(&spans);
        assert!(check_meta(&raw, &mut ck).is_none());
        assert_eq!(
            problems(&ck),
            [(
                "scenario.step".to_owned(),
                "'fortnight' is not a step unit (day, week, month)".to_owned()
            )]
        );
    }

    #[test]
    fn a_date_is_a_toml_date_or_an_iso_string_without_a_time() {
        let date = |text: &str| date_of(&text.parse::<toml::Value>().expect("value"));
        assert_eq!(date("2024-07-09").expect("date").to_string(), "2024-07-09");
        assert_eq!(
            date("\"2024-07-09\"").expect("date").to_string(),
            "2024-07-09"
        );
        assert!(date("2024-07-09T10:00:00").is_err());
        assert!(date("\"July 9\"").is_err());
        assert!(date("20240709").is_err());
    }
}
