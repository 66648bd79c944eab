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
use std::io::Read;
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
    let proc_dir = super::sysroot::in_sysroot(sysroot, "/proc");
    let mut owners = HashMap::new();
    for pid in process_ids(&proc_dir) {
        let process = proc_dir.join(pid.to_string());
        let inodes = socket_inodes(&process.join("fd"));
        if inodes.is_empty() {
            continue;
        }

        // Read once per process, and only for one that holds sockets.
        let command = command_name(&process.join("comm"));
        for inode in inodes {
            owners.entry(inode).or_insert_with(|| Owner {
                pid,
                command: command.clone(),
            });
        }
    }
    owners
}

/// The longest `/proc/PID/comm` the kernel writes: 15 bytes and a line
/// end. Anything longer is not the kernel's, and is not read on.
const MAX_COMM_BYTES: u64 = 16;

/// A process's command name from its `comm` file; `None` for one that is
/// not a file the kernel could have written: too long, not UTF-8, a pipe
/// that might never end.
fn command_name(path: &Path) -> Option<String> {
    let (file, metadata) = super::sysroot::open_for_reading(path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    let mut bytes = Vec::new();
    file.take(MAX_COMM_BYTES + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_COMM_BYTES {
        return None;
    }
    let text = String::from_utf8(bytes).ok()?;
    Some(text.trim_end_matches('\n').to_string())
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
