//! blockade: an agent-based simulator of how developers in China chose among AI model providers
//! when OpenAI blocked API access in July 2024, and of what other policies would have done.
//!
//! The pipeline, readable top to bottom in the CLI's `run` command: a [`scenario`] file is read and
//! validated into a [`scenario::Scenario`]; the [`runner`] simulates every (arm, replicate) task
//! with the [`model`], whose agents come from [`population`], whose neighbours come from
//! [`network`], whose parameters, events ([`spec::Patch`]es) and set-up are read from [`spec`] and
//! whose draws all come from [`rng`]; the [`output`] module writes the results with [`stats`] over
//! replicates. A run may be split into [`shard`]s that `output::read_shards` puts back together.
//! [`compare`] turns an output folder, read back by [`output::read`], into policy metrics, [`plot`]
//! draws its curves, and [`report`] puts both, with the scenario, into one HTML page. The library
//! never prints and never exits: it returns [`error::Error`]s for the CLI to report.
//!
//! See `docs/MODEL.md` for the model and `ARCHITECTURE.md` for the map.

// What is internal stays `pub(crate)` and every public item is documented; clippy's
// `-D warnings` in CI turns both into errors.
#![warn(missing_docs, unreachable_pub)]

pub mod calendar;
pub mod calibration;
pub mod compare;
pub mod error;
pub mod model;
pub mod network;
pub mod output;
pub mod plot;
pub mod population;
pub mod report;
pub mod resources;
pub mod results;
pub mod rng;
pub mod runner;
pub mod scenario;
pub mod sensitivity;
pub mod setup;
pub mod shard;
pub mod spec;
pub mod stats;

pub use error::{Error, InputError, Result};
