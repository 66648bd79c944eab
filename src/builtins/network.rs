//! `network_connections()`: the sockets the kernel lists in `/proc/net`.

use super::{Call, CallResult};

/// Not yet reading `/proc`: fails as when no file exists.
pub fn network_connections(_call: &Call) -> CallResult {
    Err("network_connections: no /proc/net files could be read".into())
}
