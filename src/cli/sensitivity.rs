//! `blockade sensitivity`: a run of the file's sensitivity design (`[sensitivity]`, or
//! `--method` with its defaults) over its `[uncertainty]`, which ends with the parameters
//! ranked. The design is a sweep of given points, so the run itself is `run`'s pipeline:
//! `run` on the same file, sharded or not, writes the same `sensitivity.csv`.

use super::RunArgs;
use blockade::Result;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

pub fn sensitivity(args: &RunArgs, interrupted: &Arc<AtomicBool>) -> Result<()> {
    super::run::execute(args, interrupted, true)
}
