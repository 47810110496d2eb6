//! The states an agent can be in, as the model stores them and the outputs name them.

/// The state of an agent that has not adopted.
pub const NOT_ADOPTED: u8 = 0;
/// The state of an adopter using no provider.
pub const UNSERVED: u8 = 1;
/// The state of an agent on provider p is `FIRST_PROVIDER + p`.
pub const FIRST_PROVIDER: u8 = 2;

/// The names of the states before the providers, in state order: the outputs' first columns.
pub const FIXED_STATES: [&str; FIRST_PROVIDER as usize] = ["not_adopted", "unserved"];
