//! What cf-agent knows about itself and the user running it: its
//! version and build features, its directories and programs, the policy
//! server it was bootstrapped to, and the current user.
//!
//! The directories are those of Debian's cf-agent 3.21 build (work
//! directory `/var/lib/cfengine3`, binaries in `/usr/bin`) run without
//! `-w`: a root run uses them as built, another user's run uses
//! `~/.cfagent`. The current user is the real uid in
//! `/proc/self/status`, looked up in `/etc/passwd`; without that file
//! the run counts as root's.

use super::kernel::hosts_entry;
use super::{Root, System};
use crate::macros::CF_VERSION;
use crate::value::{Data, Object, Str};

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

/// The programs cf-agent looks for in its binary directory, each giving
/// `sys.NAME` (canonified) when present.
const COMPONENTS: [&str; 16] = [
    "cf-twin",
    "cf-agent",
    "cf-serverd",
    "cf-monitord",
    "cf-know",
    "cf-report",
    "cf-key",
    "cf-runagent",
    "cf-execd",
    "cf-hub",
    "cf-reactor",
    "cf-promises",
    "cf-upgrade",
    "cf-net",
    "cf-check",
    "cf-secret",
];

/// The port `sys.policy_hub_port` defaults to.
const DEFAULT_PORT: &str = "5308";

/// cf-agent's directories for a run.
pub(super) struct Dirs {
    pub work: String,
    pub log: String,
    pub pid: String,
    pub bin: String,
}

impl Dirs {
    /// The directories for the current user: as built for root, under
    /// `~/.cfagent` for anyone else.
    pub fn for_user(root: &Root) -> Dirs {
        match current_user(root).filter(|user| user.uid != 0) {
            Some(user) => Dirs {
                work: format!("{}/.cfagent", user.home),
                log: format!("{}/.cfagent/log", user.home),
                pid: format!("{}/.cfagent", user.home),
                bin: "/usr/bin".into(),
            },
            None => Dirs {
                work: "/var/lib/cfengine3".into(),
                log: "/var/log/cfengine3".into(),
                pid: "/var/run/cfengine3".into(),
                bin: "/usr/bin".into(),
            },
        }
    }

    fn inputs(&self) -> String {
        format!("{}/inputs", self.work)
    }

    pub fn state(&self) -> String {
        format!("{}/state", self.work)
    }
}

impl System {
    /// The directories, the policy paths, the version variables and the
    /// programs found in the binary directory.
    pub(super) fn add_dirs(&mut self, root: &Root, dirs: &Dirs) {
        let inputs = dirs.inputs();
        self.sys("workdir", dirs.work.clone());
        self.sys("fstab", "/etc/fstab");
        self.sys("resolv", "/etc/resolv.conf");
        self.sys("maildir", "/var/spool/mail");
        self.sys("exports", "/etc/exports");
        self.sys("logdir", dirs.log.clone());
        self.sys("piddir", dirs.pid.clone());
        self.sys("statedir", dirs.state());
        self.sys("masterdir", format!("{}/masterfiles", dirs.work));
        self.sys("inputdir", inputs.clone());
        self.sys("bindir", dirs.bin.clone());
        for (name, file) in [
            ("default_policy_path", "promises.cf"),
            ("failsafe_policy_path", "failsafe.cf"),
            ("update_policy_path", "update.cf"),
        ] {
            self.sys(name, format!("{inputs}/{file}"));
        }
        self.add_version_vars(&inputs);
        self.add_components(root, &dirs.bin);
    }

    fn add_version_vars(&mut self, inputs: &str) {
        let [major, minor, patch] = CF_VERSION;
        self.sys("cf_version", format!("{major}.{minor}.{patch}"));
        self.sys("cf_version_major", major.to_string());
        self.sys("cf_version_minor", minor.to_string());
        self.sys("cf_version_patch", patch.to_string());
        self.sys("cf_version_release", "1");
        self.sys("local_libdir", "lib");
        self.sys("libdir", format!("{inputs}/lib"));
    }

    /// `sys.cf_agent`, `sys.cf_promises` and their kin, quoted, for the
    /// programs present; `sys.cf_twin` falls back on cf-agent.
    fn add_components(&mut self, root: &Root, bin: &str) {
        let path = |name: &str| format!("{bin}/{name}");
        for name in COMPONENTS {
            if root.exists(&path(name)) {
                self.sys(
                    &name.replace('-', "_"),
                    format!("\"{}\"", path(name)),
                );
            }
        }
        if !root.exists(&path("cf-twin")) && root.exists(&path("cf-agent")) {
            self.sys("cf_twin", format!("\"{}\"", path("cf-agent")));
        }
    }

    /// `any`, the version classes with each of their prefixes, the
    /// feature classes, `agent` and `community_edition`.
    pub(super) fn add_version_classes(&mut self) {
        let [major, minor, patch] = CF_VERSION;
        for name in ["any", "agent", "community_edition"] {
            self.class(name);
        }
        with_prefixes(&format!("cfengine_{major}_{minor}_{patch}"))
            .for_each(|name| self.class(name));
        for leaf in FEATURES {
            with_prefixes(&format!("feature_{leaf}"))
                .for_each(|name| self.class(name));
        }
    }

    /// `sys.user_data` and `sys.crontab` for the current user.
    pub(super) fn add_user(&mut self, root: &Root) {
        let Some(user) = current_user(root) else {
            return;
        };
        let spool = if self.has_class("SUSE") {
            "/var/spool/cron/tabs"
        } else if self.has_class("redhat") {
            "/var/spool/cron"
        } else {
            "/var/spool/cron/crontabs"
        };
        self.sys("crontab", format!("{spool}/{}", user.name));
        self.sys_data("user_data", user.to_data());
    }

    /// `sys.policy_hub` and `sys.policy_hub_port` from the work
    /// directory's `policy_server.dat`, and `am_policy_hub` and
    /// `policy_server` when the state directory marks this host as the
    /// hub. A hub given by name is found in `/etc/hosts` only.
    pub(super) fn add_policy_hub(&mut self, root: &Root, dirs: &Dirs) {
        let file = format!("{}/policy_server.dat", dirs.work);
        let line = root.first_line(&file).unwrap_or_default();
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        let (host, port) = split_host_port(line);
        if let Some(address) = hub_address(root, host) {
            self.sys("policy_hub", address);
        }
        let port = Some(port).filter(|p| !p.is_empty());
        self.sys("policy_hub_port", port.unwrap_or(DEFAULT_PORT).to_string());
        if root.exists(&format!("{}/am_policy_hub", dirs.state())) {
            self.class("am_policy_hub");
            self.class("policy_server");
        }
    }
}

/// `a_b_c`, `a_b` and `a`: a name and each prefix ending before an
/// underscore.
fn with_prefixes(name: &str) -> impl Iterator<Item = &str> {
    let cuts = name.match_indices('_').map(|(i, _)| i);
    std::iter::once(name)
        .chain(cuts.rev().map(|i| &name[..i]).collect::<Vec<_>>())
}

/// `host:port`, `[v6]:port`, a bare IPv6 address or a bare host.
fn split_host_port(text: &str) -> (&str, &str) {
    if let Some(rest) = text.strip_prefix('[') {
        let (host, after) = rest.split_once(']').unwrap_or((rest, ""));
        return (host, after.strip_prefix(':').unwrap_or(""));
    }
    if text.matches(':').count() > 1 {
        return (text, "");
    }
    text.split_once(':').unwrap_or((text, ""))
}

/// The address a hub is reached at: an address as given, a name as
/// `/etc/hosts` resolves it.
fn hub_address(root: &Root, host: &str) -> Option<String> {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return Some(host.to_string());
    }
    hosts_entry(root, host).map(|entry| entry.address)
}

/// An `/etc/passwd` entry.
pub(super) struct User {
    pub name: String,
    pub uid: i64,
    pub gid: i64,
    pub gecos: String,
    pub home: String,
    pub shell: String,
}

impl User {
    fn to_data(&self) -> Data {
        let text = |s: &str| Data::Str(Str::from(s));
        let pairs = vec![
            ("username".into(), text(&self.name)),
            ("description".into(), text(&self.gecos)),
            ("home_dir".into(), text(&self.home)),
            ("shell".into(), text(&self.shell)),
            ("uid".into(), Data::Int(self.uid)),
            ("gid".into(), Data::Int(self.gid)),
        ];
        Data::Object(Object::from_unique_pairs(pairs))
    }
}

/// The user whose real uid `/proc/self/status` names, from
/// `/etc/passwd`.
pub(super) fn current_user(root: &Root) -> Option<User> {
    let status = root.read("/proc/self/status")?;
    let uid_line = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    let uid: i64 = uid_line.split_whitespace().next()?.parse().ok()?;
    let passwd = root.read("/etc/passwd")?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        let [name, _, id, gid, gecos, home, shell] = fields[..] else {
            return None;
        };
        (id.parse() == Ok(uid)).then(|| User {
            name: name.into(),
            uid,
            gid: gid.parse().unwrap_or(0),
            gecos: gecos.into(),
            home: home.into(),
            shell: shell.into(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_end_before_each_underscore() {
        let names: Vec<&str> = with_prefixes("cfengine_3_21_0").collect();
        assert_eq!(
            names,
            ["cfengine_3_21_0", "cfengine_3_21", "cfengine_3", "cfengine"]
        );
    }

    #[test]
    fn host_and_port_split_as_policy_server_dat_reads() {
        assert_eq!(split_host_port("192.0.2.7:5309"), ("192.0.2.7", "5309"));
        assert_eq!(split_host_port("192.0.2.7:"), ("192.0.2.7", ""));
        assert_eq!(split_host_port("hub"), ("hub", ""));
        assert_eq!(split_host_port("[2001:db8::1]:99"), ("2001:db8::1", "99"));
        assert_eq!(split_host_port("::1"), ("::1", ""));
    }
}
