//! cfmini: a side-effect-free interpreter for CFEngine 3 policy.
//!
//! The stages, in the order a policy meets them: [`load`] reads files and
//! [`parse`] turns their text into the [`ast`]; [`eval`] runs the
//! bundlesequence over [`value`]s with the help of [`expand`],
//! [`classes`] and the [`builtins`] (whose patterns [`regex`]
//! compiles); [`show`] prints the state a run leaves; [`cli`] ties them
//! to the command line.
#![deny(missing_docs)]

pub mod ast;
pub mod builtins;
pub mod check;
pub mod classes;
pub mod cli;
pub mod error;
pub mod eval;
pub mod expand;
pub mod help;
pub mod json;
pub mod load;
pub mod macros;
pub mod mustache;
pub mod parse;
pub mod regex;
pub mod repl;
pub mod scan;
pub mod show;
pub mod snippet;
pub mod syntax;
pub mod system;
pub mod table;
pub mod value;
pub mod yaml;
