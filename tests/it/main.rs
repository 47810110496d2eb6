//! The integration tests, as one binary so that `cargo test` links the library into one test
//! executable instead of one per topic. Each module is one topic and runs the library or the
//! real `blockade` binary; `common` holds the helpers they share. Run one topic with
//! `cargo test --test it bass::`.

mod bad_input;
mod bass;
mod calibration;
mod common;
mod common_random_numbers;
mod compare;
mod conventions;
mod determinism;
mod effects;
mod extend;
mod faults;
mod format_doc;
mod fuzz;
mod hostile;
mod interrupt;
mod logit;
mod metrics_only;
mod outputs;
mod parquet;
mod potential;
mod price_reference;
mod report;
mod resources;
mod resume;
mod robustness;
mod salib;
mod sensitivity;
mod shards;
mod shared_setup;
mod stylised_facts;
mod sweep;
mod tables;
mod uncertainty;
mod usage;
