//! Global sensitivity analysis (docs/MODEL.md, 12. Sensitivity analysis): which uncertain
//! parameter drives an output. [`design`] lays out the points (a Saltelli design from a
//! quasi-random Sobol sequence, or Morris trajectories) in the unit hypercube, and
//! [`indices`] estimates Sobol indices or Morris statistics, with bootstrap intervals, from
//! the output at each point; [`analysis`] applies them to a run's metrics, as a
//! `[sensitivity]` table ([`Settings`]) asks. Pure: no I/O.

pub mod analysis;
pub mod design;
pub mod indices;
mod named;
mod settings;

pub use analysis::{Index, SensitivityRow, analyse};
pub use design::{MAX_BASE_SAMPLES, MAX_SOBOL_PARAMETERS, morris_delta};
pub use indices::{Estimate, MorrisIndices, SobolIndices};
pub use named::NamedIndexRow;
pub use settings::{
    DEFAULT_BOOTSTRAP, DEFAULT_LEVELS, DEFAULT_METRICS, DEFAULT_SAMPLES, DEFAULT_TRAJECTORIES,
    METRICS, Method, Settings,
};
