//! The parameters that events may change during a run, resolved to indices.

/// Everything the step reads that an event can change.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Bass p, per step.
    pub innovation: f64,
    /// Bass q, per step.
    pub imitation: f64,
    /// Per-step chance that an adopter makes a free choice.
    pub reconsider: f64,
    /// The utility of using no provider; `None`: no outside option.
    pub outside_utility: Option<f64>,
    /// Per segment, in file order.
    pub segments: Vec<SegmentParams>,
    /// Per provider, in file order.
    pub providers: Vec<ProviderParams>,
}

/// A segment's changeable parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentParams {
    /// Per known capability: the fraction of the segment's agents holding it.
    pub capabilities: Vec<f64>,
    /// quality, price, friction, risk, peer, inertia (the names of `scenario::WEIGHTS`).
    pub weights: [f64; 6],
    /// The sd of the log of the agents' weight multipliers.
    pub heterogeneity: f64,
}

/// A provider's changeable parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderParams {
    /// A bit per known capability that an agent must hold to use the provider.
    pub requires: u32,
    /// Whether anyone can use it.
    pub available: bool,
    /// Whether agents not already on it can start using it.
    pub accepts_new: bool,
    /// Price per unit of use, in the file's one currency.
    pub price: f64,
    /// Hassle of access, >= 0.
    pub friction: f64,
    /// Per-step chance that a user is cut off.
    pub risk: f64,
    /// Per known task: the quality, or `None` where the task is not served.
    pub quality: Vec<Option<f64>>,
    /// Per known language: the fit, or `None` where the language is not served.
    pub fit: Vec<Option<f64>>,
}
