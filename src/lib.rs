//! cfmini: a side-effect-free interpreter for CFEngine 3 policy.
//!
//! The stages, in the order a policy meets them: [`parse`] turns text into
//! the [`ast`], [`eval`] runs the bundlesequence over [`value`]s with the
//! help of the [`builtins`], and [`report`] prints what the policy reports.
#![deny(missing_docs)]

pub mod builtins;
pub mod json;
pub mod value;
