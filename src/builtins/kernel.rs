//! Builtins that read what the kernel says about the host: `sysctlvalue`
//! and `data_sysctlvalues` from `/proc/sys` under the sysroot, and
//! `diskfree` from `statvfs()`.

use std::fs;
use std::path::Path;

use super::{Call, CallResult, data, int};
use crate::system::sysroot::in_sysroot;
use crate::value::{Data, Object, Str, Value};

/// How deep `data_sysctlvalues` descends, well past `/proc/sys`'s depth,
/// so that a loop of links cannot keep it going.
const MAX_DEPTH: usize = 16;

/// A `/proc/sys` file's text without its trailing newlines; `None` when
/// it cannot be read.
fn sysctl_text(path: &Path) -> Option<String> {
    let bytes = super::files::read_bounded(path, 0).ok()?;
    let text = String::from_utf8_lossy(&bytes);
    Some(text.trim_end_matches('\n').to_string())
}

/// `sysctlvalue(key)`: the value of a kernel parameter, its key written
/// with `/` or `.` between the parts (`net.ipv4.ip_forward`).
pub fn sysctlvalue(call: &Call) -> CallResult {
    let key = call.string(0)?;
    let key_path = key.trim_start_matches('/').replace('.', "/");
    let path = in_sysroot(call.env.sysroot(), &format!("/proc/sys/{key_path}"));
    let text = path.is_file().then(|| sysctl_text(&path)).flatten();
    text.map(Value::string).ok_or_else(|| {
        format!("function 'sysctlvalue' could not read the key '{key}'")
    })
}

/// `data_sysctlvalues()`: every kernel parameter that can be read, keyed
/// by its name with `.` between the parts, in name order.
pub fn data_sysctlvalues(call: &Call) -> CallResult {
    let mut found = Vec::new();
    let root = in_sysroot(call.env.sysroot(), "/proc/sys");
    collect(&root, "", 0, &mut found);
    found.sort();
    let pairs = found
        .into_iter()
        .map(|(k, v)| (Str::from(k), Data::Str(v.into())))
        .collect();
    Ok(data(Data::Object(Object::from_unique_pairs(pairs))))
}

/// Adds the parameters under `dir` to `found`, their names after
/// `prefix`.
fn collect(
    dir: &Path,
    prefix: &str,
    depth: usize,
    found: &mut Vec<(String, String)>,
) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = format!("{prefix}{name}");
        let path = entry.path();
        if path.is_dir() && depth < MAX_DEPTH {
            collect(&path, &format!("{key}."), depth + 1, found);
        } else if let Some(text) = path.is_file().then(|| sysctl_text(&path)) {
            found.extend(text.map(|t| (key, t)));
        }
    }
}

/// `diskfree(path)`: the kibibytes free to unprivileged users on the file
/// system holding the path; 0 when it cannot be asked.
pub fn diskfree(call: &Call) -> CallResult {
    let path = call.string(0)?;
    Ok(int(free_kib(path).unwrap_or(0)))
}

fn free_kib(path: &str) -> Option<i64> {
    let c_path = std::ffi::CString::new(path).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: a valid C string and a buffer the size of `statvfs`.
    let status = unsafe { libc::statvfs(c_path.as_ptr(), stat.as_mut_ptr()) };
    if status != 0 {
        return None;
    }
    // SAFETY: `statvfs` returned 0, so it filled the buffer.
    let stat = unsafe { stat.assume_init() };
    let bytes = u128::from(stat.f_bavail) * u128::from(stat.f_frsize);
    i64::try_from(bytes / 1024).ok()
}
