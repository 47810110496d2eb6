//! The validated description of a run, as the model reads it: the parameters events change
//! ([`Params`]), events as resolved changes to them ([`Patch`], [`Timeline`]), what each arm
//! simulates ([`Setup`], [`NetworkSpec`]), the states, and how a population is split into
//! segments.
//!
//! This is the layer everything else stands on: `scenario` builds these types from a file,
//! and `model`, `population`, `network` and the readers of results only read them. It depends
//! on no other module of the crate, so no import circle can pass through it.

mod bounds;
mod named;
mod params;
mod patch;
mod setup;
mod states;
mod target;
mod uncertainty;

pub use bounds::{Bound, MAX_HETEROGENEITY, MAX_MAGNITUDE, short};
pub(crate) use named::named_enum;
pub use params::{Cost, Costs, Params, ProviderParams, SegmentParams, Weight, Weights};
pub use patch::{AgentRefresh, Patch, TimedPatches, Timeline};
pub use setup::{NetworkKind, NetworkSpec, SegmentSetup, Setup, Usage, segment_sizes};
pub use states::{FIRST_PROVIDER, FIXED_STATES, NOT_ADOPTED, UNSERVED};
pub use target::{Observed, Quantity, Relation, Target, TargetMeasure, TargetUse};
pub use uncertainty::{
    Distribution, DistributionKind, UncertainParameter, normal_cdf, normal_quantile,
};
