//! What cf-agent discovers about the host before it runs a policy: the
//! hard classes and the `sys`, `const` and `def` variables.
//!
//! Everything is read from files under the sysroot (`/proc`, `/sys`,
//! `/etc`, the CFEngine work directory) or taken from the system clock;
//! nothing is run and no name is looked up over the network. Where
//! cf-agent asks the kernel or runs a program, the file that holds the
//! same answer stands in: `/proc/sys/kernel/*` for `uname()`,
//! `/sys/class/net` and `/proc/net` for the interface ioctls and for
//! `ifconfig -a`, `/etc/hosts` for `gethostbyname()`,
//! `/proc/self/status` and `/etc/passwd` for the current user. The
//! discovery steps run in cf-agent's order, since later ones read what
//! earlier ones found (the flavor is set three times on Debian, the last
//! one wins).

mod agent;
mod clock;
mod distro;
mod iface;
mod kernel;
mod monitor;
pub mod owners;
mod procnet;
pub mod sysroot;
mod tz;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::classes::{ClassSet, canonify};
use crate::value::{Data, ListKind, ScalarKind, Str, Value};

pub use agent::FEATURES;
pub use clock::{MONTHS, WEEKDAYS};

/// The host facts a policy can see.
#[derive(Debug, Default)]
pub struct System {
    /// Hard classes.
    pub classes: ClassSet,
    /// Special variables, in the order cf-agent first defines them.
    pub vars: Vec<Var>,
}

/// A special variable: `sys.fqhost`, `const.n`, `def.jq`.
#[derive(Clone, Debug, PartialEq)]
pub struct Var {
    /// `sys`, `const` or `def`.
    pub scope: &'static str,
    /// The name within the scope; a classic array element keeps its key,
    /// as in `ipv4[eth0]`.
    pub name: String,
    /// The value.
    pub value: Value,
}

/// Discovers the host facts now, reading files under `sysroot`.
pub fn discover(sysroot: &Path) -> System {
    discover_at(sysroot, now_seconds())
}

/// Discovers the host facts as they stand at `now`, seconds since the
/// epoch, reading files under `sysroot`.
pub fn discover_at(sysroot: &Path, now: i64) -> System {
    let tz = std::env::var("TZ").ok();
    discover_in(sysroot, now, tz.as_deref())
}

/// Discovers the host facts at `now` under `sysroot`, with `tz` standing
/// for the `TZ` environment variable.
pub fn discover_in(sysroot: &Path, now: i64, tz: Option<&str>) -> System {
    // Calendar arithmetic on a moment past any real clock could
    // overflow; such a clock reads as the nearest moment within reach.
    let now = now.clamp(-MAX_SECONDS, MAX_SECONDS);
    let root = Root::new(sysroot, tz);
    let mut system = System::default();
    let uname = kernel::uname(&root);

    system.add_names(&root, &uname);
    system.add_clock_vars(&root, now);
    system.add_kernel(&uname);
    let dirs = agent::Dirs::for_user(&root);
    system.add_dirs(&root, &dirs);
    system.add_platform(&root, &uname);
    system.add_interfaces(&root);
    system.add_networking(&root);
    system.add_monitor(&root, &dirs.state(), now);
    system.add_version_classes();
    system.add_distribution(&root);
    system.add_user(&root);
    system.add_derived_names();
    system.add_policy_hub(&root, &dirs);
    system.add_time_classes(&root, now);
    system.add_constants();
    system
}

impl System {
    /// Whether the hard class `name` is defined.
    pub fn has_class(&self, name: &str) -> bool {
        self.classes.contains(name)
    }

    /// The value of `scope.name`.
    pub fn var(&self, scope: &str, name: &str) -> Option<&Value> {
        self.vars
            .iter()
            .find(|v| v.scope == scope && v.name == name)
            .map(|v| &v.value)
    }

    /// The text of the string variable `sys.name`.
    pub fn sys_text(&self, name: &str) -> Option<&str> {
        match self.var("sys", name)? {
            Value::Scalar(_, text) => Some(text),
            _ => None,
        }
    }

    /// Defines a hard class, canonified as cf-agent canonifies every
    /// hard class; an empty name defines nothing.
    fn class(&mut self, name: &str) {
        if !name.is_empty() {
            self.classes.insert(canonify(name));
        }
    }

    /// Sets `scope.name`, replacing an earlier value in its place.
    fn put(&mut self, scope: &'static str, name: &str, value: Value) {
        let found = self
            .vars
            .iter_mut()
            .find(|v| v.name == name && v.scope == scope);
        match found {
            Some(var) => var.value = value,
            None => self.vars.push(Var {
                scope,
                name: name.to_string(),
                value,
            }),
        }
    }

    /// Sets the string `sys.name`.
    fn sys(&mut self, name: &str, text: impl Into<Str>) {
        self.put("sys", name, Value::string(text));
    }

    /// Sets the int `sys.name`.
    fn sys_int(&mut self, name: &str, number: i64) {
        let text = Str::from(number.to_string());
        self.put("sys", name, Value::Scalar(ScalarKind::Int, text));
    }

    /// Sets the slist `sys.name`.
    fn sys_list(&mut self, name: &str, items: Vec<String>) {
        let items = items.into_iter().map(Str::from).collect();
        self.put("sys", name, Value::List(ListKind::String, items));
    }

    /// Sets the data container `sys.name`.
    fn sys_data(&mut self, name: &str, data: Data) {
        self.put("sys", name, Value::Data(data.into()));
    }

    fn add_constants(&mut self) {
        let constants = [
            ("at", "@"),
            ("dirsep", "/"),
            ("dollar", "$"),
            ("endl", "\n"),
            ("n", "\n"),
            ("r", "\r"),
            ("t", "\t"),
        ];
        for (name, text) in constants {
            self.put("const", name, Value::string(text));
        }
        let jq = "jq --compact-output --monochrome-output --ascii-output \
                  --unbuffered --sort-keys";
        self.put("def", "jq", Value::string(jq));
    }
}

/// The furthest moment from the epoch discovery works with, about
/// 30 000 years.
pub(super) const MAX_SECONDS: i64 = 1 << 40;

/// The largest file discovery reads; the rest of a longer file is
/// ignored, so that a sysroot cannot make cfmini read without end.
const MAX_FILE_BYTES: u64 = 64 << 20;

/// The room a file's first read gets when its size is not known.
const FIRST_READ_BYTES: u64 = 8 << 10;

/// The directory that stands for `/`, the time zone setting, and what
/// discovery has read so far.
pub(crate) struct Root {
    dir: PathBuf,
    /// The `TZ` setting local time follows.
    tz: Option<String>,
    /// The files read so far, by path: several steps read the same
    /// file, and one discovery sees each as it was when first read.
    files: RefCell<HashMap<String, Option<Rc<Vec<u8>>>>>,
    /// Whether something exists at each path asked about so far.
    found: RefCell<HashMap<String, bool>>,
}

impl Root {
    fn new(dir: &Path, tz: Option<&str>) -> Root {
        Root {
            dir: dir.to_path_buf(),
            tz: tz.map(str::to_string),
            files: RefCell::default(),
            found: RefCell::default(),
        }
    }

    /// Where the absolute path `path` lies under the sysroot, its links
    /// followed inside the sysroot.
    fn path(&self, path: &str) -> PathBuf {
        sysroot::in_sysroot(&self.dir, path)
    }

    /// Whether the sysroot is this host's own root.
    fn is_host(&self) -> bool {
        self.dir == Path::new("/")
    }

    /// The text of a regular file, bytes that are not UTF-8 replaced;
    /// `None` when it cannot be read or is not a regular file (a device
    /// might never end).
    fn read(&self, path: &str) -> Option<String> {
        let bytes = self.read_bytes(path)?;
        // Checking for UTF-8 at once is several times faster than
        // going through the text in valid and invalid runs.
        match std::str::from_utf8(&bytes) {
            Ok(text) => Some(text.to_string()),
            Err(_) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// The bytes of a regular file, as [`Root::read`] reads them.
    fn read_bytes(&self, path: &str) -> Option<Rc<Vec<u8>>> {
        if let Some(read) = self.files.borrow().get(path) {
            return read.clone();
        }
        let read = read_regular(&self.path(path)).map(Rc::new);
        let mut files = self.files.borrow_mut();
        files.insert(path.to_string(), read.clone());
        read
    }

    /// The first line of a file without its newline, as C's `fgets()`
    /// gives it; `None` when the file is missing or empty.
    fn first_line(&self, path: &str) -> Option<String> {
        let text = self.read(path)?;
        if text.is_empty() {
            return None;
        }
        let line = text.split('\n').next().unwrap_or_default();
        Some(line.to_string())
    }

    /// Whether something exists at `path`, as `stat()` tells.
    fn exists(&self, path: &str) -> bool {
        let read = self.files.borrow().get(path).is_some_and(Option::is_some);
        if read {
            return true;
        }
        if let Some(&found) = self.found.borrow().get(path) {
            return found;
        }
        let found = self.path(path).exists();
        self.found.borrow_mut().insert(path.to_string(), found);
        found
    }
}

/// The bytes of the regular file at `path`, up to [`MAX_FILE_BYTES`].
fn read_regular(path: &Path) -> Option<Vec<u8>> {
    let (file, metadata) = sysroot::open_for_reading(path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    // Files under /proc and /sys give their size as 0 and hold a few
    // kilobytes; room for those up front reads them in one call, where
    // an empty buffer would be filled 32 bytes at a time.
    let room = metadata.len().clamp(FIRST_READ_BYTES, MAX_FILE_BYTES);
    let mut bytes = Vec::with_capacity(room as usize);
    file.take(MAX_FILE_BYTES).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
