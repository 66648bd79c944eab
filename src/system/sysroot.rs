//! Paths inside a sysroot, and opening what they lead to.
//!
//! A sysroot is a tree copied from a host, or made to look like one, and
//! the links in it were made for that host: `/etc/localtime` usually
//! points at an absolute `/usr/share/zoneinfo/...`. Such a link is
//! followed inside the tree, as `chroot` would, never out to this
//! host's own files.

use std::ffi::OsString;
use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

/// How many links one path may pass through, as Linux allows.
const MAX_LINKS: usize = 40;

/// The path on this host of the absolute path `path` of the tree at
/// `sysroot`, its links followed inside the tree: an absolute target
/// starts again at `sysroot`, and `..` stops there. A link that passes
/// the limit of [`MAX_LINKS`] is left as it is, and opening it fails.
///
/// The host's own root needs no such walk and gets none.
pub fn in_sysroot(sysroot: &Path, path: &str) -> PathBuf {
    let relative = path.trim_start_matches('/');
    if sysroot == Path::new("/") {
        return sysroot.join(relative);
    }

    // The parts still to walk, the next one last.
    let mut pending = parts_reversed(Path::new(relative));
    let mut walked = PathBuf::new();
    let mut links = 0;
    while let Some(part) = pending.pop() {
        if part == ".." {
            walked.pop();
            continue;
        }
        walked.push(&part);
        let Ok(target) = std::fs::read_link(sysroot.join(&walked)) else {
            continue;
        };
        links += 1;
        if links > MAX_LINKS {
            pending.reverse();
            return sysroot
                .join(walked)
                .join(pending.iter().collect::<PathBuf>());
        }
        walked.pop();
        if target.is_absolute() {
            walked.clear();
        }
        pending.extend(parts_reversed(&target));
    }
    sysroot.join(walked)
}

/// The named parts of `path` and its `..`, last first; `.` and the root
/// are left out.
fn parts_reversed(path: &Path) -> Vec<OsString> {
    let parts = path.components().filter_map(|part| match part {
        Component::Normal(name) => Some(name.to_os_string()),
        Component::ParentDir => Some("..".into()),
        Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
    });
    let mut parts: Vec<OsString> = parts.collect();
    parts.reverse();
    parts
}

/// Opens `path` for reading without waiting, and asks the open file
/// what it is. Opening a FIFO would otherwise wait for a writer; asking
/// the open file rather than the path leaves no moment in which the
/// path could be swapped for another file. A socket fails to open, as
/// it does for C's `fopen()`.
pub fn open_for_reading(path: &Path) -> io::Result<(File, Metadata)> {
    let flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)?;
    let metadata = file.metadata()?;
    Ok((file, metadata))
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// A scratch tree, removed when dropped.
    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str) -> Tree {
            let dir = std::env::temp_dir()
                .join(format!("cfmini-sysroot-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a scratch dir");
            Tree(dir)
        }

        fn file(&self, path: &str, text: &str) {
            let path = self.0.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent"))
                .expect("parent dirs");
            std::fs::write(path, text).expect("a scratch file");
        }

        fn link(&self, path: &str, target: &str) {
            let path = self.0.join(path);
            std::fs::create_dir_all(path.parent().expect("a parent"))
                .expect("parent dirs");
            symlink(target, path).expect("a link");
        }

        fn read(&self, path: &str) -> Option<String> {
            std::fs::read_to_string(in_sysroot(&self.0, path)).ok()
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn absolute_links_stay_in_the_tree() {
        let tree = Tree::new("absolute");
        tree.file("usr/share/zoneinfo/Asia/Tokyo", "the tree's zone");
        tree.link("etc/localtime", "/usr/share/zoneinfo/Asia/Tokyo");
        assert_eq!(
            tree.read("/etc/localtime").as_deref(),
            Some("the tree's zone")
        );
    }

    #[test]
    fn relative_links_and_linked_directories_resolve_in_the_tree() {
        let tree = Tree::new("relative");
        tree.file("devices/virtual/net/lo/type", "772\n");
        tree.link("sys/class/net/lo", "../../../devices/virtual/net/lo");
        tree.link("proc/self", "/proc/42");
        tree.file("proc/42/status", "Name:\tcf-agent\n");
        assert_eq!(
            tree.read("/sys/class/net/lo/type").as_deref(),
            Some("772\n")
        );
        assert_eq!(
            tree.read("/proc/self/status").as_deref(),
            Some("Name:\tcf-agent\n")
        );
    }

    #[test]
    fn dot_dot_stops_at_the_top_of_the_tree() {
        let tree = Tree::new("dotdot");
        tree.file("etc/hosts", "127.0.0.1 here\n");
        tree.link("etc/hosts.link", "../../../../../etc/hosts");
        let found = in_sysroot(&tree.0, "/etc/hosts.link");
        assert_eq!(found, tree.0.join("etc/hosts"));
    }

    #[test]
    fn link_loops_end() {
        let tree = Tree::new("loop");
        tree.link("etc/a", "/etc/b");
        tree.link("etc/b", "a");
        assert_eq!(tree.read("/etc/a"), None);
    }

    #[test]
    fn the_host_root_is_taken_as_it_is() {
        assert_eq!(
            in_sysroot(Path::new("/"), "/etc/hosts"),
            Path::new("/etc/hosts")
        );
    }
}
