//! Builtins over strings.
