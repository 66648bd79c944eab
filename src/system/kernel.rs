//! The kernel's names for the host and the platform classes built from
//! them, as cf-agent gets them from `uname()` and `gethostbyname()`.
//!
//! `uname()` reads what `/proc/sys/kernel/{ostype,hostname,osrelease,
//! version,arch}` show, so those files stand in for it. The fully
//! qualified name comes from the resolver: cfmini reads `/etc/hosts` as
//! the resolver's `files` source does and asks no DNS server, so a name
//! only DNS knows leaves `sys.fqhost` unqualified.

use super::{Root, System};
use crate::classes::canonify;

/// What `uname()` gives, with cf-agent's case changes applied: the
/// system and machine names are lower case, the node name is as the
/// kernel holds it.
pub(super) struct Uname {
    pub sysname: String,
    pub nodename: String,
    pub release: String,
    pub version: String,
    pub machine: String,
}

/// The kernel's names under `root`; a missing file gives what the
/// running cfmini was built for (`linux`, its architecture).
pub(super) fn uname(root: &Root) -> Uname {
    let field = |name: &str| {
        let path = format!("/proc/sys/kernel/{name}");
        let text = root.read(&path).unwrap_or_default();
        let line = text.strip_suffix('\n').unwrap_or(&text);
        uname_field(line).to_string()
    };
    let sysname = Some(field("ostype")).filter(|s| !s.is_empty());
    let machine = Some(field("arch")).filter(|s| !s.is_empty());
    Uname {
        sysname: sysname.unwrap_or("linux".into()).to_lowercase(),
        nodename: field("hostname"),
        release: field("osrelease"),
        version: field("version"),
        machine: machine
            .unwrap_or(std::env::consts::ARCH.into())
            .to_lowercase(),
    }
}

/// How many bytes a field of `uname()` holds, its ending NUL left out.
const UNAME_FIELD_BYTES: usize = 64;

/// The part of `text` that `uname()` could give: the kernel keeps 64
/// bytes of each field, so more in a sysroot's file is no kernel's.
fn uname_field(text: &str) -> &str {
    let mut end = text.len().min(UNAME_FIELD_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

impl System {
    /// `sys.host`, `sys.uqhost`, `sys.fqhost`, `sys.domain` and a class
    /// for the host name and each of its domain suffixes.
    pub(super) fn add_names(&mut self, root: &Root, uname: &Uname) {
        let nodename = uname.nodename.to_lowercase();
        let dns = hosts_entry(root, &uname.nodename)
            .map(|entry| entry.name.to_lowercase())
            .unwrap_or_default();
        let names = HostNames::new(&nodename, &dns);

        let mut suffix = Some(names.fqhost.as_str());
        while let Some(name) = suffix {
            self.class(name);
            suffix = name.split_once('.').map(|(_, rest)| rest);
        }
        self.class(&names.uqhost);
        self.class(&names.domain);

        self.sys("host", nodename);
        self.sys("uqhost", names.uqhost);
        self.sys("fqhost", names.fqhost);
        self.sys("domain", names.domain);
    }

    /// `sys.os`, `sys.release`, `sys.version` and `sys.arch`.
    pub(super) fn add_kernel(&mut self, uname: &Uname) {
        self.sys("os", uname.sysname.clone());
        self.sys("release", uname.release.clone());
        self.sys("version", uname.version.clone());
        self.sys("arch", uname.machine.clone());
    }

    /// The classes for the platform, `sys.class`, `sys.long_arch` and
    /// `sys.ostype`, and the aliases the resolver knows for the host.
    pub(super) fn add_platform(&mut self, root: &Root, uname: &Uname) {
        let Uname {
            sysname,
            release,
            version,
            machine,
            ..
        } = uname;
        if sysname == "linux" {
            self.class("linux");
            self.sys("class", "linux");
        }
        self.class(&format!("{}_bit", usize::BITS));
        self.class(&format!("{sysname}_{release}"));
        self.class(machine);
        self.class(&format!("{sysname}_{machine}"));
        self.class(&format!("{sysname}_{machine}_{release}"));

        let long_arch =
            canonify(&format!("{sysname}_{machine}_{release}_{version}"));
        self.sys("long_arch", long_arch.clone());
        self.class(&long_arch);
        let ostype = canonify(&format!("{sysname}_{machine}"));
        self.sys("ostype", ostype.clone());
        self.class(&ostype);
        self.class("compiled_on_linux_gnu");

        let fqhost = self.sys_text("fqhost").unwrap_or_default().to_string();
        let entry = hosts_entry(root, &fqhost);
        for alias in entry.map(|e| e.aliases).unwrap_or_default() {
            self.class(&alias);
        }
    }

    /// `sys.cpus` and its class, as `sysconf(_SC_NPROCESSORS_ONLN)`
    /// counts: the ranges in `/sys/devices/system/cpu/online`, else the
    /// `cpuN` lines of `/proc/stat`.
    pub(super) fn add_cpus(&mut self, root: &Root) {
        let online = root.read("/sys/devices/system/cpu/online");
        let count = online.as_deref().and_then(count_cpu_ranges);
        let count = count.or_else(|| stat_cpus(root)).unwrap_or(0);
        match count {
            0 => {}
            1 => {
                self.class("1_cpu");
                self.sys("cpus", "1");
            }
            n => {
                self.class(&format!("{n}_cpus"));
                self.sys("cpus", n.to_string());
            }
        }
    }
}

/// The host names cf-agent settles on, from the kernel's node name and
/// the name the resolver gives for it.
#[derive(Debug, PartialEq)]
struct HostNames {
    fqhost: String,
    uqhost: String,
    domain: String,
}

impl HostNames {
    /// The resolver's name is taken as the qualified name only when it
    /// has a dot; a node name that is itself qualified splits at its
    /// first dot.
    fn new(nodename: &str, dns: &str) -> HostNames {
        let fqhost = if dns.contains('.') { dns } else { nodename };
        let rest = fqhost.strip_prefix(nodename);
        if let Some(domain) = rest.and_then(|r| r.strip_prefix('.')) {
            return HostNames {
                fqhost: fqhost.to_string(),
                uqhost: nodename.to_string(),
                domain: domain.to_string(),
            };
        }
        let (uqhost, domain) =
            nodename.split_once('.').unwrap_or((nodename, ""));
        HostNames {
            fqhost: fqhost.to_string(),
            uqhost: uqhost.to_string(),
            domain: domain.to_string(),
        }
    }
}

/// A line of `/etc/hosts`: the canonical name and its aliases.
pub(super) struct HostsEntry {
    pub address: String,
    pub name: String,
    pub aliases: Vec<String>,
}

/// What `gethostbyname()` answers from `/etc/hosts` for `name`, any
/// case: the address and canonical name of the first IPv4 line naming
/// it, and that line's other names as aliases. With `multi on` in
/// `/etc/host.conf` glibc merges every line that names it: each adds
/// its aliases, and its canonical name when that differs.
pub(super) fn hosts_entry(root: &Root, name: &str) -> Option<HostsEntry> {
    if name.is_empty() {
        return None;
    }
    let text = root.read("/etc/hosts")?;
    let mut lines = text.lines().filter_map(hosts_line).filter(|(_, names)| {
        names.iter().any(|n| n.eq_ignore_ascii_case(name))
    });
    let (address, names) = lines.next()?;
    let mut aliases: Vec<String> =
        names[1..].iter().map(|s| s.to_string()).collect();
    for (_, more) in lines.filter(|_| multi_on(root)) {
        aliases.extend(more[1..].iter().map(|s| s.to_string()));
        if more[0] != names[0] {
            aliases.push(more[0].to_string());
        }
    }
    Some(HostsEntry {
        address: address.to_string(),
        name: names[0].to_string(),
        aliases,
    })
}

/// Whether `/etc/host.conf` says `multi on`.
fn multi_on(root: &Root) -> bool {
    let text = root.read("/etc/host.conf").unwrap_or_default();
    text.lines().any(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.len() >= 2
            && words[0] == "multi"
            && words[1].eq_ignore_ascii_case("on")
    })
}

/// An IPv4 line of `/etc/hosts`: its address and names.
fn hosts_line(line: &str) -> Option<(&str, Vec<&str>)> {
    let line = line.split('#').next().unwrap_or_default();
    let mut words = line.split_whitespace();
    let address = words.next()?;
    address.parse::<std::net::Ipv4Addr>().ok()?;
    let names: Vec<&str> = words.collect();
    (!names.is_empty()).then_some((address, names))
}

/// How many CPUs a list of ranges such as `0-3,8,10-11` names.
fn count_cpu_ranges(text: &str) -> Option<usize> {
    let mut count = 0;
    for part in text.trim().split(',') {
        let (low, high) = part.split_once('-').unwrap_or((part, part));
        let low: usize = low.trim().parse().ok()?;
        let high: usize = high.trim().parse().ok()?;
        count += high.checked_sub(low)? + 1;
    }
    Some(count)
}

fn stat_cpus(root: &Root) -> Option<usize> {
    let text = root.read("/proc/stat")?;
    let is_cpu = |line: &&str| {
        let rest = line.strip_prefix("cpu").unwrap_or_default();
        rest.starts_with(|c: char| c.is_ascii_digit())
    };
    Some(text.lines().filter(is_cpu).count()).filter(|&n| n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(nodename: &str, dns: &str) -> (String, String, String) {
        let n = HostNames::new(nodename, dns);
        (n.fqhost, n.uqhost, n.domain)
    }

    fn strings(a: &str, b: &str, c: &str) -> (String, String, String) {
        (a.into(), b.into(), c.into())
    }

    #[test]
    fn uname_fields_hold_what_the_kernel_keeps() {
        let long = "é".repeat(40);
        assert_eq!(uname_field(&long), "é".repeat(32));
        assert_eq!(uname_field(&"x".repeat(65)), "x".repeat(64));
        assert_eq!(uname_field("6.1.0-13-amd64"), "6.1.0-13-amd64");
    }

    #[test]
    fn a_qualified_resolver_name_gives_the_domain() {
        let found = names("web1", "web1.example.org");
        assert_eq!(found, strings("web1.example.org", "web1", "example.org"));
    }

    #[test]
    fn an_unqualified_resolver_name_is_ignored() {
        assert_eq!(names("vm", "vm"), strings("vm", "vm", ""));
        assert_eq!(names("vm", ""), strings("vm", "vm", ""));
    }

    #[test]
    fn a_qualified_node_name_splits_at_its_first_dot() {
        let found = names("db.lan.example", "");
        assert_eq!(found, strings("db.lan.example", "db", "lan.example"));
    }

    #[test]
    fn a_resolver_name_for_another_host_keeps_the_node_name() {
        let found = names("web1", "proxy.example.org");
        assert_eq!(found, strings("proxy.example.org", "web1", ""));
    }

    #[test]
    fn cpu_ranges_are_counted() {
        assert_eq!(count_cpu_ranges("0-1\n"), Some(2));
        assert_eq!(count_cpu_ranges("0\n"), Some(1));
        assert_eq!(count_cpu_ranges("0-3,8,10-11"), Some(7));
        assert_eq!(count_cpu_ranges("3-1"), None);
        assert_eq!(count_cpu_ranges("x"), None);
    }
}
