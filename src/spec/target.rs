//! Targets: what was observed of the real market, resolved to what the model counts, so that a
//! run can be held against the record (docs/FORMAT.md, [[targets]]; docs/MODEL.md, 13.
//! Calibration).

use super::named::named_enum;

named_enum! {
    /// What a target is for (`use`).
    pub enum TargetUse {
        /// Fitted to: rules points out in history matching and weighs them in ABC.
        Calibrate = "calibrate",
        /// Held out: never used to fit, always reported against the posterior's prediction.
        Validate = "validate",
    }
}

named_enum! {
    /// How two quantities are combined (`relation`).
    pub enum Relation {
        /// The first divided by the second (0 when the second is 0).
        Ratio = "ratio",
        /// 1 when the first exceeds the second, else 0: its mean over replicates is the
        /// fraction of replicates in the observed order.
        Order = "order",
    }
}

named_enum! {
    /// What a share is a share of (`measure`).
    pub enum TargetMeasure {
        /// The segment's agents (developers).
        Agents = "agents",
        /// The segment's usage weight (segments that declare `usage`).
        Usage = "usage",
    }
}

/// A share the model produces: the agents (or usage) in a set of states, over a segment's
/// agents (or usage), at one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quantity {
    /// The quantity as the file wrote it (`vendor:alibaba`), for messages and tables.
    pub label: String,
    /// The states added into the share, in state order (`FIRST_PROVIDER + p` for provider p).
    pub states: Vec<usize>,
}

/// What a target observes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// One share.
    Share(Quantity),
    /// Two shares, combined by a relation.
    Pair {
        /// `of`.
        first: Quantity,
        /// `to`.
        second: Quantity,
        /// How they are combined.
        relation: Relation,
    },
}

/// A validated `[[targets]]` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Its unique name.
    pub name: String,
    /// What is observed.
    pub observed: Observed,
    /// Of agents or of usage.
    pub measure: TargetMeasure,
    /// The segment, or `None` for the whole population (`all`).
    pub segment: Option<usize>,
    /// The step it is read at: the first on or after its date.
    pub step: u32,
    /// The observed value.
    pub value: f64,
    /// The standard deviation of the observation's error (sampling, measurement).
    pub observation_sd: f64,
    /// The standard deviation of the model's discrepancy: how far even the best parameters
    /// may sit from the truth, because the model is a simplification.
    pub discrepancy_sd: f64,
    /// The evidence.
    pub source: Option<String>,
    /// Fitted to or held out.
    pub use_: TargetUse,
}

impl Target {
    /// The variance the implausibility allows besides simulation noise: observation error and
    /// model discrepancy, which are independent.
    pub fn tolerated_variance(&self) -> f64 {
        self.observation_sd * self.observation_sd + self.discrepancy_sd * self.discrepancy_sd
    }

    /// What the target observes, in words: `vendor:baidu / vendor:openai`.
    pub fn describe(&self) -> String {
        match &self.observed {
            Observed::Share(q) => q.label.clone(),
            Observed::Pair {
                first,
                second,
                relation: Relation::Ratio,
            } => format!("{} / {}", first.label, second.label),
            Observed::Pair {
                first,
                second,
                relation: Relation::Order,
            } => format!("{} > {}", first.label, second.label),
        }
    }
}
