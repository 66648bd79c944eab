//! Builtins that look at files: whether they exist and what kind they
//! are, their size, metadata and hash, the names in a directory, the
//! paths a glob matches, and their text.
//!
//! These read the paths policy gives as they are, relative ones from the
//! working directory, never under the sysroot: cf-agent reads them so.
//! Whether a file is a directory, plain or a link is decided on the path
//! itself, not on what a link points to, as cf-agent decides it.

use std::fs::{self, Metadata};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

use super::logic::class;
use super::{Call, CallResult, Collection, int};
use crate::value::{Data, Str, Value};

/// Argument `i` as a path, which must not be empty: cf-agent stops the
/// run on an empty one.
fn path_arg<'c>(call: &'c Call, i: usize) -> Result<&'c str, String> {
    let path = call.string(i)?;
    if path.is_empty() {
        return Err(format!(
            "function '{}' was given an empty path",
            call.name
        ));
    }
    Ok(path)
}

fn lstat(path: &str) -> Option<Metadata> {
    fs::symlink_metadata(path).ok()
}

/// `fileexists(path)`: whether anything, a dangling link too, is there.
pub fn fileexists(call: &Call) -> CallResult {
    Ok(class(lstat(path_arg(call, 0)?).is_some()))
}

/// `filesexist(list)`: whether every path of a non-empty list leads to
/// something (a dangling link does not, unlike `fileexists`); the list is
/// named, passed with `@(x)`, or written as the string `"@(x)"`.
pub fn filesexist(call: &Call) -> CallResult {
    let paths: Vec<Str> = match list_arg(call, 0)? {
        Collection::List(items) => items.to_vec(),
        Collection::Data(d) => data_strings(&d),
    };
    let all =
        !paths.is_empty() && paths.iter().all(|p| fs::metadata(&**p).is_ok());
    Ok(class(all))
}

/// A collection argument that may also be written `"@(name)"`.
pub fn list_arg(call: &Call, i: usize) -> Result<Collection, String> {
    if let Value::Scalar(_, text) = &call.args[i] {
        let name = text.strip_prefix("@(").and_then(|t| t.strip_suffix(')'));
        if let Some(name) = name {
            return match call.env.lookup(name) {
                Some(Value::List(_, items)) => Ok(Collection::List(items)),
                Some(Value::Data(d)) => Ok(Collection::Data(d)),
                Some(Value::Scalar(_, s)) => Ok(Collection::List([s].into())),
                None => Err(call.missing(i)),
            };
        }
    }
    call.collection(i)
}

/// `isdir(path)`: whether the path is a directory, not a link to one.
pub fn isdir(call: &Call) -> CallResult {
    let meta = lstat(path_arg(call, 0)?);
    Ok(class(meta.is_some_and(|m| m.is_dir())))
}

/// `isplain(path)`: whether the path is a regular file, not a link.
pub fn isplain(call: &Call) -> CallResult {
    let meta = lstat(path_arg(call, 0)?);
    Ok(class(meta.is_some_and(|m| m.is_file())))
}

/// `islink(path)`: whether the path is a symbolic link, dangling or not.
pub fn islink(call: &Call) -> CallResult {
    let meta = lstat(path_arg(call, 0)?);
    Ok(class(meta.is_some_and(|m| m.file_type().is_symlink())))
}

/// `isexecutable(path)`: whether what the path leads to has an execute
/// bit; directories have one.
pub fn isexecutable(call: &Call) -> CallResult {
    let meta = fs::metadata(path_arg(call, 0)?).ok();
    Ok(class(meta.is_some_and(|m| m.mode() & 0o111 != 0)))
}

/// `filesize(path)`: the size in bytes of the path itself (a link's is
/// the length of its target's name); fails when nothing is there.
pub fn filesize(call: &Call) -> CallResult {
    let path = path_arg(call, 0)?;
    let meta = fs::symlink_metadata(path).map_err(|e| {
        format!("function 'filesize' could not examine '{path}': {e}")
    })?;
    Ok(int(i64::try_from(meta.len()).unwrap_or(i64::MAX)))
}

/// `filestat(path, field)`: one field of the path's own metadata (a
/// link's, not its target's), as cf-agent names and prints them.
pub fn filestat(call: &Call) -> CallResult {
    let path = path_arg(call, 0)?;
    let field = call.string(1)?;
    let meta = fs::symlink_metadata(path).map_err(|e| {
        format!("function 'filestat' could not examine '{path}': {e}")
    })?;
    let text = stat_field(path, &meta, field)
        .ok_or_else(|| format!("function 'filestat' has no field '{field}'"))?;
    Ok(Value::string(text))
}

fn stat_field(path: &str, meta: &Metadata, field: &str) -> Option<String> {
    let dev = meta.dev();
    let text = match field {
        "size" => meta.size().to_string(),
        "gid" => meta.gid().to_string(),
        "uid" => meta.uid().to_string(),
        "ino" => meta.ino().to_string(),
        "nlink" => meta.nlink().to_string(),
        "ctime" => meta.ctime().to_string(),
        "atime" => meta.atime().to_string(),
        "mtime" => meta.mtime().to_string(),
        "mode" => meta.mode().to_string(),
        "modeoct" => format!("{:o}", meta.mode()),
        "permstr" => permstr(meta),
        "permoct" => format!("{:o}", meta.mode() & 0o7777),
        "type" => file_type(meta).to_string(),
        "devno" => dev.to_string(),
        "dev_minor" => libc::minor(dev).to_string(),
        "dev_major" => libc::major(dev).to_string(),
        "basename" => basename(path),
        "dirname" => dirname(path),
        "linktarget" => link_target(path, meta, true),
        "linktarget_shallow" => link_target(path, meta, false),
        "xattr" => xattr_text(path),
        _ => return None,
    };
    Some(text)
}

/// The `xattr` field as cf-agent 3.21 prints it: empty for a file
/// without extended attributes, else `name=value` and a newline for the
/// last attribute only, its value read into the buffer every value went
/// into, so that the tail of a longer earlier value shows after a
/// shorter last one (`user.size=10ue`).
fn xattr_text(path: &str) -> String {
    let names = xattr_names(path);
    let Some(last) = names.last() else {
        return String::new();
    };
    let mut buffer: Vec<u8> = Vec::new();
    for name in &names {
        let value = xattr_value(path, name);
        if buffer.len() < value.len() {
            buffer.resize(value.len(), 0);
        }
        buffer[..value.len()].copy_from_slice(&value);
    }
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    let value = String::from_utf8_lossy(&buffer[..end]);
    format!("{}={value}\n", last.to_string_lossy())
}

/// The names of a file's extended attributes, in the order the kernel
/// lists them.
fn xattr_names(path: &str) -> Vec<std::ffi::CString> {
    let Ok(c_path) = std::ffi::CString::new(path) else {
        return Vec::new();
    };
    let mut buffer = vec![0u8; 64 * 1024];
    // SAFETY: the buffer is writable for the length given, and the
    // kernel writes at most that many bytes of NUL-ended names.
    let len = unsafe {
        libc::listxattr(
            c_path.as_ptr(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
        )
    };
    let Ok(len) = usize::try_from(len) else {
        return Vec::new();
    };
    buffer[..len]
        .split(|&b| b == 0)
        .filter(|name| !name.is_empty())
        .filter_map(|name| std::ffi::CString::new(name).ok())
        .collect()
}

fn xattr_value(path: &str, name: &std::ffi::CStr) -> Vec<u8> {
    let Ok(c_path) = std::ffi::CString::new(path) else {
        return Vec::new();
    };
    let mut buffer = vec![0u8; 64 * 1024];
    // SAFETY: as in xattr_names; the value is at most the buffer long.
    let len = unsafe {
        libc::getxattr(
            c_path.as_ptr(),
            name.as_ptr(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
        )
    };
    buffer.truncate(usize::try_from(len).unwrap_or(0));
    buffer
}

fn file_type(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_symlink() {
        "symlink"
    } else if kind.is_dir() {
        "directory"
    } else if kind.is_file() {
        "regular file"
    } else if kind.is_block_device() {
        "block device"
    } else if kind.is_char_device() {
        "character device"
    } else if kind.is_fifo() {
        "FIFO"
    } else {
        "socket"
    }
}

/// `ls -l` style permissions; cf-agent marks directories with `d` and
/// every other kind, links too, with `-`.
fn permstr(meta: &Metadata) -> String {
    let mode = meta.mode();
    let mut out = String::from(if meta.is_dir() { "d" } else { "-" });
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        out.push(if bits & 4 != 0 { 'r' } else { '-' });
        out.push(if bits & 2 != 0 { 'w' } else { '-' });
        out.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    out
}

/// The absolute form of `path`, without resolving links.
fn absolute(path: &str) -> String {
    std::path::absolute(path)
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| path.to_string())
}

/// What follows the last `/`, empty for `/` itself.
fn basename(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_string()
}

fn dirname(path: &str) -> String {
    let absolute = absolute(path);
    let parent = Path::new(&absolute).parent().unwrap_or(Path::new("/"));
    parent.to_string_lossy().into_owned()
}

/// What a link points to: resolved to the end and made absolute when
/// `deep`, read once and left as written otherwise. Other paths give
/// themselves, absolute when `deep`.
fn link_target(path: &str, meta: &Metadata, deep: bool) -> String {
    let is_link = meta.file_type().is_symlink();
    match (is_link, deep) {
        (true, true) => fs::canonicalize(path)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| absolute(path)),
        (true, false) => fs::read_link(path)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_else(|_| path.to_string()),
        (false, true) => absolute(path),
        (false, false) => path.to_string(),
    }
}

/// `file_hash(path, algorithm)`: the hex digest of a file's bytes; all
/// zeros when it cannot be read, and the digest of nothing for a
/// directory, as cf-agent gives them.
pub fn file_hash(call: &Call) -> CallResult {
    let path = path_arg(call, 0)?;
    Ok(Value::string(hash_of(call, path, call.string(1)?)?))
}

/// `hashmatch(path, algorithm, hash)`: whether the file's digest, as
/// [`file_hash`] gives it, is the hex text given.
pub fn hashmatch(call: &Call) -> CallResult {
    let path = path_arg(call, 0)?;
    let digest = hash_of(call, path, call.string(1)?)?;
    Ok(class(digest == call.string(2)?))
}

/// The hex digest of the file at `path`, as [`file_hash`] gives it.
fn hash_of(call: &Call, path: &str, algorithm: &str) -> Result<String, String> {
    let bytes = match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Some(Vec::new()),
        Ok(_) => read_bounded(path, 0).ok(),
        Err(_) => None,
    };
    let digest = match bytes {
        Some(bytes) => digest(algorithm, &bytes),
        None => digest(algorithm, b"").map(|d| vec![0; d.len()]),
    };
    let digest = digest.ok_or_else(|| {
        format!(
            "function '{}' knows no hash algorithm '{algorithm}'",
            call.name
        )
    })?;
    Ok(hex(&digest))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `readfile(path, maxbytes)`: the file's text, at most `maxbytes` bytes
/// of it when that is above zero, without the newline of a single line.
/// Fails on a missing file or a directory.
pub fn readfile(call: &Call) -> CallResult {
    let path = path_arg(call, 0)?;
    let limit = match call.args.len() {
        1 => 0,
        _ => size_limit(call, 1)?,
    };
    let mut bytes = read_limited(path, limit).map_err(|e| {
        format!("function 'readfile' could not read '{path}': {e}")
    })?;
    if is_one_line(&bytes) {
        bytes.pop();
    }
    Ok(Value::string(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Whether the text is a single line ended by a bare `\n`, whose newline
/// cf-agent drops (`a\n` reads as `a`, but `a\n\n`, `a\nb\n` and
/// `a\r\n` stay as they are).
fn is_one_line(bytes: &[u8]) -> bool {
    let newlines = bytes.iter().filter(|&&b| b == b'\n').count();
    let crlf = bytes.ends_with(b"\r\n");
    newlines == 1 && bytes.ends_with(b"\n") && !crlf
}

/// Argument `i` as a byte count, which cf-agent refuses when negative.
pub fn size_limit(call: &Call, i: usize) -> Result<u64, String> {
    let n = call.int(i)?;
    u64::try_from(n).map_err(|_| {
        format!("function '{}' was given a negative size '{n}'", call.name)
    })
}

/// The first `limit` bytes of a file, all of it when `limit` is zero.
pub fn read_limited(path: &str, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = read_bounded(path, limit)?;
    if limit > 0 {
        bytes.truncate(limit as usize);
    }
    Ok(bytes)
}

/// The most a function reads of a file it is given no size for: a
/// device such as `/dev/zero` never ends, and a huge file would fill
/// memory.
const MAX_FUNCTION_READ: u64 = 64 << 20;

/// Reads a file for a function: at most `limit` bytes and one more (so
/// that the caller can tell the file is larger), or, when `limit` is
/// zero, all of it up to [`MAX_FUNCTION_READ`], past which it is an
/// error. A FIFO or a socket is an error too, as reading one may never
/// end.
pub fn read_bounded(
    path: impl AsRef<Path>,
    limit: u64,
) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind};

    let path = path.as_ref();
    let kind = fs::metadata(path)?.file_type();
    if kind.is_fifo() || kind.is_socket() {
        let message = "not a regular file, device or directory";
        return Err(Error::new(ErrorKind::InvalidInput, message));
    }
    let cap = if limit > 0 { limit } else { MAX_FUNCTION_READ };
    let mut bytes = Vec::new();
    fs::File::open(path)?
        .take(cap.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if limit == 0 && bytes.len() as u64 > MAX_FUNCTION_READ {
        let message = format!("larger than {} MiB", MAX_FUNCTION_READ >> 20);
        return Err(Error::other(message));
    }
    Ok(bytes)
}

/// Times in seconds, for the comparisons below.
fn seconds(path: &str, pick: fn(&Metadata) -> i64) -> Option<i64> {
    fs::metadata(path).ok().map(|m| pick(&m))
}

/// Compares `pick` of the two paths with `order`; false when either is
/// missing.
fn compare(
    call: &Call,
    pick: fn(&Metadata) -> i64,
    order: std::cmp::Ordering,
) -> CallResult {
    let a = seconds(path_arg(call, 0)?, pick);
    let b = seconds(path_arg(call, 1)?, pick);
    Ok(class(
        matches!((a, b), (Some(a), Some(b)) if a.cmp(&b) == order),
    ))
}

/// `accessedbefore(a, b)`: whether `a` was last read before `b`.
pub fn accessedbefore(call: &Call) -> CallResult {
    compare(call, |m| m.atime(), std::cmp::Ordering::Less)
}

/// `changedbefore(a, b)`: whether `a`'s inode changed *after* `b`'s.
/// The name says otherwise, but that is how cf-agent answers.
pub fn changedbefore(call: &Call) -> CallResult {
    compare(call, |m| m.ctime(), std::cmp::Ordering::Greater)
}

/// `isnewerthan(a, b)`: whether `a` was modified after `b`.
pub fn isnewerthan(call: &Call) -> CallResult {
    compare(call, |m| m.mtime(), std::cmp::Ordering::Greater)
}

/// `findfiles(pattern, ...)`: the paths the glob patterns match (see
/// [`super::glob`]), each once, pattern after pattern. cf-agent skips
/// patterns that are not absolute, with a warning; so does this,
/// silently.
pub fn findfiles(call: &Call) -> CallResult {
    let mut found = Vec::new();
    for i in 0..call.args.len() {
        let pattern = call.string(i)?;
        if pattern.starts_with('/') {
            found.extend(super::glob::expand(pattern));
        }
    }
    let mut seen = std::collections::HashSet::new();
    found.retain(|path| seen.insert(path.clone()));
    Ok(Value::slist(found.into_iter().map(Str::from).collect()))
}

/// `findfiles_up(path, glob, level)`, also `search_up`: the paths the
/// glob matches in the directory `path` and in each directory above it,
/// up to `level` levels up (all of them when not given), nearest first.
/// For the root cf-agent globs the bare pattern, from the working
/// directory; so does this.
pub fn findfiles_up(call: &Call) -> CallResult {
    let path = call.string(0)?;
    let pattern = call.string(1)?;
    let levels = match call.args.len() {
        2 => usize::MAX,
        _ => usize::try_from(call.int(2)?).map_err(|_| {
            format!("function '{}' was given a negative level", call.name)
        })?,
    };
    check_start(call, path)?;

    let mut dir = path.trim_end_matches('/');
    let mut found = Vec::new();
    for _ in 0..=levels {
        found.extend(super::glob::expand(&match dir {
            "" => pattern.to_string(),
            _ => format!("{dir}/{pattern}"),
        }));
        let Some((parent, _)) = dir.rsplit_once('/') else {
            break;
        };
        dir = parent;
    }
    let items = found.into_iter().map(|p| Data::Str(p.into())).collect();
    Ok(super::data(Data::Array(items)))
}

/// Fails unless `path` is an absolute path to a directory, as
/// `findfiles_up` demands.
fn check_start(call: &Call, path: &str) -> Result<(), String> {
    if !path.starts_with('/') {
        return Err(format!(
            "function '{}' was given '{path}', not an absolute path",
            call.name
        ));
    }
    if !Path::new(path).is_dir() {
        return Err(format!(
            "function '{}' was given '{path}', not a directory",
            call.name
        ));
    }
    Ok(())
}

/// The digest of `bytes` by the algorithm cf-agent names `algorithm`;
/// `None` for one it does not know.
fn digest(algorithm: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    use sha2::Digest;
    let digest = match algorithm {
        "md5" => md5::Md5::digest(bytes).to_vec(),
        "sha1" => sha1::Sha1::digest(bytes).to_vec(),
        "sha256" => sha2::Sha256::digest(bytes).to_vec(),
        "sha384" => sha2::Sha384::digest(bytes).to_vec(),
        "sha512" => sha2::Sha512::digest(bytes).to_vec(),
        _ => return None,
    };
    Some(digest)
}

/// The primitives at the top of a container, as text.
fn data_strings(data: &crate::value::Data) -> Vec<Str> {
    use crate::value::Data;
    let children: Vec<&Data> = match data {
        Data::Array(items) => items.iter().collect(),
        Data::Object(object) => object.iter().map(|(_, v)| v).collect(),
        primitive => vec![primitive],
    };
    children.into_iter().filter_map(Data::scalar_text).collect()
}

/// `lsdir(path, regex, include_base)`: the names in a directory, `.`
/// and `..` too, that the regex matches whole, prefixed with the path
/// and a `/` when `include_base` is true; none when it cannot be read.
/// cf-agent lists them in the reverse of the order the directory gives
/// them; so does this.
pub fn lsdir(call: &Call) -> CallResult {
    let path = path_arg(call, 0)?;
    let regex = crate::regex::compile(call.string(1)?)?;
    let with_base = boolean(call, 2)?;
    // cf-agent only logs a directory it cannot open, and lists nothing.
    let names = raw_entries(path).unwrap_or_default();
    let listed = names
        .into_iter()
        .rev()
        .filter(|name| regex.is_full_match(name))
        .map(|name| match with_base {
            true => Str::from(format!("{path}/{name}")),
            false => Str::from(name),
        })
        .collect();
    Ok(Value::slist(listed))
}

/// Argument `i` as a yes or no, in the words cf-agent takes for one.
pub fn boolean(call: &Call, i: usize) -> Result<bool, String> {
    match call.string(i)? {
        "true" | "yes" | "on" => Ok(true),
        "false" | "no" | "off" => Ok(false),
        other => Err(format!(
            "function '{}' expected true or false as argument {}, got '{other}'",
            call.name,
            i + 1
        )),
    }
}

/// Every name in a directory in the order `readdir()` gives them, `.`
/// and `..` included, which `std::fs::read_dir` leaves out.
fn raw_entries(path: &str) -> std::io::Result<Vec<String>> {
    let c_path = std::ffi::CString::new(path)
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
    let mut names = Vec::new();
    // SAFETY: the directory stream is opened, read to its end and closed
    // here; each entry's name is a NUL-terminated string valid until the
    // next readdir() call, and is copied before that.
    unsafe {
        let dir = libc::opendir(c_path.as_ptr());
        if dir.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        loop {
            let entry = libc::readdir(dir);
            let Some(entry) = entry.as_ref() else { break };
            let name = std::ffi::CStr::from_ptr(entry.d_name.as_ptr());
            names.push(name.to_string_lossy().into_owned());
        }
        libc::closedir(dir);
    }
    Ok(names)
}

/// `makerule(target, sources)`: `any` when the target must be made
/// again, because it is missing or a source was modified after it, else
/// `!any`. `sources` is a list or container, passed or named, whose
/// missing paths are passed over, or else one path, which must exist.
/// Times are those of the paths themselves, not of what links lead to.
pub fn makerule(call: &Call) -> CallResult {
    let target = modified(path_arg(call, 0)?);
    let modified: Vec<i64> = match sources(call) {
        Some(paths) => paths.iter().filter_map(|p| modified(p)).collect(),
        None => {
            let path = call.string(1)?;
            vec![modified(path).ok_or_else(|| {
                format!("function 'makerule' found no source '{path}'")
            })?]
        }
    };
    let stale = target.is_none_or(|t| modified.iter().any(|&m| m > t));
    Ok(Value::string(if stale { "any" } else { "!any" }))
}

fn modified(path: &str) -> Option<i64> {
    lstat(path).map(|m| m.mtime())
}

/// The paths of `makerule`'s sources when they are a collection.
fn sources(call: &Call) -> Option<Vec<Str>> {
    let collection = match &call.args[1] {
        Value::Scalar(_, name) => match call.env.lookup(name)? {
            Value::List(_, items) => Collection::List(items),
            Value::Data(d) => Collection::Data(d),
            Value::Scalar(..) => return None,
        },
        _ => call.collection(1).ok()?,
    };
    Some(match collection {
        Collection::List(items) => items.to_vec(),
        Collection::Data(d) => data_strings(&d),
    })
}

/// `countlinesmatching(regex, path)`: how many lines of a file the
/// regex matches whole; 0 when the file cannot be read, as in cf-agent,
/// which only logs that.
pub fn countlinesmatching(call: &Call) -> CallResult {
    let regex = crate::regex::compile(call.string(0)?)?;
    let path = path_arg(call, 1)?;
    let text = read_bounded(path, 0).unwrap_or_default();
    let text = String::from_utf8_lossy(&text);
    let count = text
        .split_terminator('\n')
        .filter(|line| regex.is_full_match(line))
        .count();
    Ok(int(i64::try_from(count).unwrap_or(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use std::fs::{self, File};
    use std::time::{Duration, SystemTime};

    use super::super::fake::text;

    /// A file in the test's own directory with the given access and
    /// modification times, in seconds after the epoch.
    fn file_with_times(name: &str, accessed: u64, modified: u64) -> String {
        let dir = std::env::temp_dir()
            .join(format!("cfmini-times-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let file = File::create(&path).unwrap();
        let at = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        let times = fs::FileTimes::new()
            .set_accessed(at(accessed))
            .set_modified(at(modified));
        file.set_times(times).unwrap();
        path.to_string_lossy().into_owned()
    }

    // cf-agent: the same comparisons on files given these times.
    #[test]
    fn times_compare_as_cf_agent_compares_them() {
        let old = file_with_times("old", 1_000, 2_000_000_000);
        let new = file_with_times("new", 2_000, 1_000_000_000);
        assert_eq!(text("accessedbefore", &[&old, &new]), "any");
        assert_eq!(text("accessedbefore", &[&new, &old]), "!any");
        assert_eq!(text("isnewerthan", &[&old, &new]), "any");
        assert_eq!(text("isnewerthan", &[&new, &old]), "!any");
        assert_eq!(text("isnewerthan", &[&old, &old]), "!any");
        assert_eq!(text("changedbefore", &[&old, "/nonexistent"]), "!any");
    }

    /// Sets a user extended attribute; false where the file system
    /// refuses them.
    fn set_xattr(path: &str, name: &str, value: &str) -> bool {
        let path = std::ffi::CString::new(path).unwrap();
        let name = std::ffi::CString::new(name).unwrap();
        // SAFETY: the strings are NUL-ended and the value is read for
        // its length only.
        let status = unsafe {
            libc::setxattr(
                path.as_ptr(),
                name.as_ptr(),
                value.as_ptr().cast(),
                value.len(),
                0,
            )
        };
        status == 0
    }

    // cf-agent: filestat(path, "xattr") after the same attributes were
    // set, in the same order.
    #[test]
    fn xattr_shows_the_last_attribute_over_earlier_values() {
        let path = file_with_times("xattr", 0, 0);
        assert_eq!(text("filestat", &[&path, "xattr"]), "");
        if !set_xattr(&path, "user.color", "blue") {
            return;
        }
        assert_eq!(text("filestat", &[&path, "xattr"]), "user.color=blue\n");
        set_xattr(&path, "user.size", "10");
        assert_eq!(text("filestat", &[&path, "xattr"]), "user.size=10ue\n");
    }

    #[test]
    fn an_empty_path_is_an_error() {
        assert_eq!(text("fileexists", &[""]), "ERR");
        assert_eq!(text("filestat", &["", "size"]), "ERR");
    }

    #[test]
    fn unknown_hash_and_field_names_are_errors() {
        assert_eq!(text("file_hash", &["/dev/null", "crc32"]), "ERR");
        assert_eq!(text("filestat", &["/dev/null", "bogus"]), "ERR");
    }
}
