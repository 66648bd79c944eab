//! What cf-agent discovers about the host before it runs a policy: the
//! hard classes and the `sys` and `const` variables.
//!
//! Everything is read from files under the sysroot (`/proc`, `/etc`) or
//! from the system clock; nothing is run. Network classes and variables
//! (`ipv4_*`, `sys.inet`, interfaces) are not discovered yet, so policy
//! guarded by them sees them undefined.

use std::fs;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::classes::{ClassSet, canonify};
use crate::macros::CF_VERSION;

/// The host facts a policy can see.
pub struct System {
    /// Hard classes.
    pub classes: ClassSet,
    /// `sys.*` variables, by name without the `sys.` prefix.
    pub vars: Vec<(String, String)>,
}

/// Discovers the host facts, reading files under `sysroot`.
pub fn discover(sysroot: &Path) -> System {
    let mut system = System {
        classes: ClassSet::new(),
        vars: Vec::new(),
    };
    system.add_version();
    system.add_kernel(sysroot);
    system.add_host(sysroot);
    system.add_distribution(sysroot);
    system.add_cpus(sysroot);
    system.add_time(now_seconds());
    system
}

impl System {
    fn class(&mut self, name: &str) {
        self.classes.insert(canonify(name));
    }

    fn var(&mut self, name: &str, value: impl Into<String>) {
        self.vars.push((name.to_string(), value.into()));
    }

    fn add_version(&mut self) {
        let [major, minor, patch] = CF_VERSION;
        for name in ["any", "agent", "cfengine", "community_edition"] {
            self.class(name);
        }
        self.add_features();
        self.class("cfengine_3");
        self.class(&format!("cfengine_{major}_{minor}"));
        self.class(&format!("cfengine_{major}_{minor}_{patch}"));
        self.var("cf_version", format!("{major}.{minor}.{patch}"));
        self.var("cf_version_major", major.to_string());
        self.var("cf_version_minor", minor.to_string());
        self.var("cf_version_patch", patch.to_string());
    }

    /// The features cf-agent 3.21 as Debian builds it announces, each
    /// with every prefix: `feature_tls_1_3` brings `feature_tls_1`,
    /// `feature_tls` and `feature`.
    fn add_features(&mut self) {
        for leaf in FEATURES {
            let mut name = String::from("feature");
            self.class(&name);
            for part in leaf.split('_') {
                name = format!("{name}_{part}");
                self.class(&name);
            }
        }
    }

    /// `linux`, the architecture and the kernel release, as `uname`
    /// would give them; read from `/proc/sys/kernel` so that a sysroot
    /// can stand in for the host.
    fn add_kernel(&mut self, sysroot: &Path) {
        let kernel = sysroot.join("proc/sys/kernel");
        let release = read_trimmed(&kernel.join("osrelease"));
        let version = read_trimmed(&kernel.join("version"));
        let arch = std::env::consts::ARCH;

        self.class("linux");
        self.class("compiled_on_linux_gnu");
        self.class(arch);
        self.class(&format!("linux_{arch}"));
        if arch.ends_with("64") {
            self.class("64_bit");
        }
        if !release.is_empty() {
            self.class(&format!("linux_{release}"));
            self.class(&format!("linux_{arch}_{release}"));
            self.class(&format!("linux_{arch}_{release}_{version}"));
        }

        self.var("os", "linux");
        self.var("class", "linux");
        self.var("arch", arch);
        self.var("ostype", format!("linux_{arch}"));
        self.var("release", release.clone());
        self.var("version", version.clone());
        let long_arch = canonify(&format!("linux_{arch}_{release}_{version}"));
        self.var("long_arch", long_arch);
    }

    fn add_host(&mut self, sysroot: &Path) {
        let path = sysroot.join("proc/sys/kernel/hostname");
        let fqhost = read_trimmed(&path);
        let (uqhost, domain) = match fqhost.split_once('.') {
            Some((host, domain)) => (host.to_string(), domain.to_string()),
            None => (fqhost.clone(), String::new()),
        };
        if !uqhost.is_empty() {
            self.class(&uqhost);
        }
        if fqhost != uqhost {
            self.class(&fqhost);
        }
        self.var("fqhost", fqhost);
        self.var("host", uqhost.clone());
        self.var("uqhost", uqhost);
        self.var("domain", domain);
    }

    /// The distribution classes from `/etc/os-release`, with the point
    /// release from `/etc/debian_version` on Debian.
    fn add_distribution(&mut self, sysroot: &Path) {
        let text = fs::read_to_string(sysroot.join("etc/os-release"));
        let text = text.unwrap_or_default();
        let field = |key: &str| os_release_field(&text, key);
        let id = field("ID");
        let version = field("VERSION_ID");
        if id.is_empty() {
            return;
        }

        self.class(&id);
        let major = version.split('.').next().unwrap_or("").to_string();
        let mut flavor = id.clone();
        if !major.is_empty() {
            flavor = format!("{id}_{major}");
            self.class(&flavor);
            self.var("os_version_major", major);
        }
        if id == "debian" {
            let point = read_trimmed(&sysroot.join("etc/debian_version"));
            if point.contains('.') {
                self.class(&format!("debian_{point}"));
            }
        }
        self.var("flavor", flavor.clone());
        self.var("flavour", flavor);
    }

    fn add_cpus(&mut self, sysroot: &Path) {
        let text = fs::read_to_string(sysroot.join("proc/cpuinfo"));
        let count = text
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with("processor"))
            .count()
            .max(1);
        self.class(&format!("{count}_cpus"));
        self.var("cpus", count.to_string());
    }

    /// Time classes in local time and in GMT; cfmini takes local time to
    /// be GMT, as on hosts whose zone is UTC.
    fn add_time(&mut self, seconds: i64) {
        let t = civil_time(seconds);
        let names = time_classes(&t);
        for name in &names {
            self.class(name);
            self.class(&format!("GMT_{name}"));
        }
        self.var("date", t.ctime());
        self.var("cdate", canonify(&t.ctime()));
        self.var("systime", seconds.to_string());
        self.var("sysday", (seconds / 86_400).to_string());
    }
}

/// The build features of cf-agent 3.21 in Debian, as it reports them.
pub const FEATURES: [&str; 9] = [
    "copyfrom_restrict_keys",
    "def_json_preparse",
    "host_specific_data_load",
    "tls_1_0",
    "tls_1_1",
    "tls_1_2",
    "tls_1_3",
    "xml",
    "yaml",
];

fn read_trimmed(path: &Path) -> String {
    fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

fn os_release_field(text: &str, key: &str) -> String {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .find(|(k, _)| k.trim() == key)
        .map(|(_, v)| v.trim().trim_matches('"').to_string())
        .unwrap_or_default()
}

fn now_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A broken-down UTC time.
struct CivilTime {
    year: i64,
    month: usize,
    day: i64,
    weekday: usize,
    hour: i64,
    minute: i64,
    second: i64,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

impl CivilTime {
    /// `Fri Dec  4 17:01:03 2026`, as C's ctime().
    fn ctime(&self) -> String {
        format!(
            "{} {} {:2} {:02}:{:02}:{:02} {}",
            &WEEKDAYS[self.weekday][..3],
            &MONTHS[self.month][..3],
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.year
        )
    }
}

/// Days since 1970-01-01 to a civil date (the algorithm of H. Hinnant).
fn civil_time(seconds: i64) -> CivilTime {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);

    CivilTime {
        year,
        month: (month - 1) as usize,
        day,
        weekday: (days + 4).rem_euclid(7) as usize,
        hour: secs / 3600,
        minute: secs % 3600 / 60,
        second: secs % 60,
    }
}

/// The time classes cf-agent defines for a moment.
fn time_classes(t: &CivilTime) -> Vec<String> {
    let quarter = t.minute / 15 + 1;
    let five = t.minute / 5 * 5;
    let shift = match t.hour {
        0..=5 => "Night",
        6..=11 => "Morning",
        12..=17 => "Afternoon",
        _ => "Evening",
    };
    // The lifecycle index counts years modulo three.
    let lifecycle = t.year % 3;
    vec![
        shift.to_string(),
        format!("Day{}", t.day),
        MONTHS[t.month].to_string(),
        WEEKDAYS[t.weekday].to_string(),
        format!("Hr{:02}", t.hour),
        format!("Hr{:02}_Q{quarter}", t.hour),
        format!("Lcycle_{lifecycle}"),
        format!("Min{:02}_{:02}", five, (five + 5) % 60),
        format!("Min{:02}", t.minute),
        format!("Q{quarter}"),
        format!("Yr{}", t.year),
    ]
}
