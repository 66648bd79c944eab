//! Builtins over lists and data containers.
