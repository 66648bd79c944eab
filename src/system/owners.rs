//! Which process holds each socket: the links under `/proc/PID/fd`
//! whose target reads `socket:[INODE]`, and the command name in
//! `/proc/PID/comm`.
//!
//! It takes a sysroot and hands on a map from socket inode to the
//! process that owns it. A process whose `fd` directory cannot be
//! listed (another user's, without the right to look; one that ended
//! while the scan ran) owns nothing here, so its sockets have no known
//! owner. When several processes share a socket, as a server's forked
//! workers share the listening one, the lowest process number is kept.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

/// The process found holding a socket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    /// The process number.
    pub pid: u32,
    /// The command name from `/proc/PID/comm`, `None` when it cannot
    /// be read.
    pub command: Option<String>,
}

/// Every socket inode found open under `sysroot/proc`, with its owner.
pub fn socket_owners(sysroot: &Path) -> HashMap<u64, Owner> {
    let proc_dir = sysroot.join("proc");
    let mut owners = HashMap::new();
    for pid in process_ids(&proc_dir) {
        let process = proc_dir.join(pid.to_string());
        let inodes = socket_inodes(&process.join("fd"));
        if inodes.is_empty() {
            continue;
        }

        // Read once per process, and only for one that holds sockets.
        let command = fs::read_to_string(process.join("comm"))
            .ok()
            .map(|text| text.trim_end_matches('\n').to_string());
        for inode in inodes {
            owners.entry(inode).or_insert_with(|| Owner {
                pid,
                command: command.clone(),
            });
        }
    }
    owners
}

/// The numbered entries of `/proc`, in increasing order, so that the
/// lowest number is seen first.
fn process_ids(proc_dir: &Path) -> Vec<u32> {
    let Ok(entries) = fs::read_dir(proc_dir) else {
        return Vec::new();
    };
    let mut ids: Vec<u32> = entries
        .filter_map(|entry| process_id(entry.ok()?.file_name().to_str()?))
        .collect();
    ids.sort_unstable();
    ids
}

/// The number a process directory is named by: digits only, as
/// Rust's parser would also take a leading `+`.
fn process_id(name: &str) -> Option<u32> {
    let digits = !name.is_empty() && name.bytes().all(|b| b.is_ascii_digit());
    digits.then(|| name.parse().ok())?
}

/// The socket inodes the links in one `fd` directory point to; none
/// when it cannot be listed.
fn socket_inodes(fd_dir: &Path) -> Vec<u64> {
    let Ok(entries) = fs::read_dir(fd_dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| fs::read_link(entry.ok()?.path()).ok())
        .filter_map(|target| socket_inode(target.to_str()?))
        .collect()
}

/// The inode in a link target `socket:[INODE]`.
fn socket_inode(target: &str) -> Option<u64> {
    let digits = target.strip_prefix("socket:[")?.strip_suffix(']')?;
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_socket_links_name_an_inode() {
        assert_eq!(socket_inode("socket:[467295]"), Some(467295));
        assert_eq!(socket_inode("pipe:[467295]"), None);
        assert_eq!(socket_inode("socket:[]"), None);
        assert_eq!(socket_inode("socket:[12"), None);
        assert_eq!(socket_inode("/dev/null"), None);
    }
}
