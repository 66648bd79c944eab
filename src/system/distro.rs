//! The distribution: `sys.os_release`, `sys.flavor`, the distribution
//! and version classes, and what cf-agent derives from them.
//!
//! cf-agent reads `/etc/os-release` first and then each release file it
//! knows, in a fixed order; every one that exists adds classes and may
//! set the flavor again, so the last wins. cfmini reads the same files
//! in the same order for the distributions in use today: os-release,
//! Red Hat and Fedora, Oracle Linux, Amazon Linux, Slackware, Debian and
//! Ubuntu (`/etc/debian_version` and `/etc/issue`), Cumulus
//! (`/etc/lsb-release`), Alpine, Gentoo, Arch, Xen and OpenVZ. The
//! files of distributions long gone (`/etc/SuSE-release`, Mandrake and
//! Mandriva, Oracle VM Server, VMware ESX, Arista EOS, BIG-IP) are not
//! read.

use super::{Root, System};
use crate::classes::canonify;
use crate::value::{Data, Object, Str};

impl System {
    /// The classes and variables of the distribution, in cf-agent's
    /// order, and `sys.cpus`.
    pub(super) fn add_distribution(&mut self, root: &Root) {
        self.add_systemd(root);
        self.add_os_release(root);
        self.add_redhat_family(root);
        self.add_other_releases(root);
        self.add_debian(root);
        self.add_lsb(root);
        if root.exists("/usr/bin/aptitude") {
            self.class("have_aptitude");
        }
        self.add_flavor_files(root);
        self.add_virtualization(root);
        self.add_cpus(root);
    }

    /// `sys.os_name_human`, `sys.os_version_major` and `sys.doc_root`,
    /// which read the classes and the flavor found before.
    pub(super) fn add_derived_names(&mut self) {
        for (class, root) in [
            ("redhat", "/var/www/html"),
            ("SUSE", "/srv/www/htdocs"),
            ("debian", "/var/www"),
        ] {
            if self.has_class(class) {
                self.sys("doc_root", root);
            }
        }
        let human = HUMAN_NAMES.iter().find(|(class, _)| self.has_class(class));
        self.sys("os_name_human", human.map_or("Unknown", |(_, name)| name));
        let flavor = self.sys_text("flavor").unwrap_or_default();
        let major = version_major(flavor).unwrap_or("Unknown").to_string();
        self.sys("os_version_major", major);
    }

    /// Sets `sys.flavor` and `sys.flavour`, and the flavor's class.
    fn flavor(&mut self, flavor: &str) {
        self.class(flavor);
        self.sys("flavour", flavor.to_string());
        self.sys("flavor", flavor.to_string());
    }

    /// `systemd` when process 1 runs a program named `systemd`.
    fn add_systemd(&mut self, root: &Root) {
        let Some(cmdline) = root.read("/proc/1/cmdline") else {
            return;
        };
        let program = cmdline.split(['\0', '\n']).next().unwrap_or_default();
        let resolved = resolve_under(root, program);
        if resolved.ends_with("/systemd") {
            self.class("systemd");
        }
    }

    /// `sys.os_release` and the classes and flavor from its `ID` and
    /// `VERSION_ID`.
    fn add_os_release(&mut self, root: &Root) {
        let text = root
            .read("/etc/os-release")
            .or_else(|| root.read("/usr/lib/os-release"));
        let Some(text) = text else {
            return;
        };
        let pairs = parse_env_file(&text);
        let field = |key: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        let id = field("ID").map(|id| canonify(&id));
        let version = field("VERSION_ID").map(|v| canonify(&v));
        self.sys_data("os_release", env_data(&pairs));

        let Some(id) = id else {
            return;
        };
        let alias = match id.as_str() {
            "rhel" => Some("redhat"),
            "opensuse" | "sles" => Some("suse"),
            _ => None,
        };
        let names = [Some(id.as_str()), alias].into_iter().flatten();
        let Some(version) = version else {
            names.for_each(|name| self.class(name));
            return;
        };
        let major = version.split('_').next().unwrap_or_default();
        self.flavor(&format!("{id}_{major}"));
        names.for_each(|name| self.versioned_classes(name, &version));
    }

    /// `id_1_2_3`, `id_1_2`, `id_1` and `id`.
    fn versioned_classes(&mut self, id: &str, version: &str) {
        let mut name = format!("{id}_{version}");
        loop {
            self.class(&name);
            match name.rfind('_') {
                Some(cut) => name.truncate(cut),
                None => break,
            }
        }
    }

    /// Fedora's and Red Hat's release files, only the first of
    /// [`REDHAT_FAMILY`] present counting, then Oracle Linux's.
    fn add_redhat_family(&mut self, root: &Root) {
        let first = REDHAT_FAMILY.iter().find(|file| root.exists(file));
        match first.copied() {
            Some("/etc/fedora-release") => self.add_fedora(root),
            Some("/etc/redhat-release") => self.add_redhat(root),
            _ => {}
        }
        if root.exists("/etc/oracle-release") {
            self.add_oracle(root);
        }
    }

    fn add_fedora(&mut self, root: &Root) {
        self.class("redhat");
        self.class("fedora");
        let Some(line) = root.first_line("/etc/fedora-release") else {
            return;
        };
        if !line.starts_with("Fedora") {
            return;
        }
        let release = line.find("release ").map(|at| &line[at + 8..]);
        if let Some(major) = release.and_then(|r| scan_int(r).map(|(n, _)| n)) {
            self.class("fedora");
            self.flavor(&format!("fedora_{major}"));
        }
    }

    fn add_redhat(&mut self, root: &Root) {
        self.class("redhat");
        let Some(line) = root.first_line("/etc/redhat-release") else {
            return;
        };
        let Some((vendor, edition)) = redhat_vendor(&line) else {
            return;
        };
        let line = line.to_ascii_lowercase();
        let Some(at) = line.find("release ") else {
            return;
        };
        let Some((major, minor)) = major_minor(&line[at + 8..]) else {
            return;
        };
        let minor = minor.map(|m| format!("_{m}")).unwrap_or_default();

        self.class(vendor);
        let mut name = format!("{vendor}_");
        if !edition.is_empty() {
            name.push_str(edition);
            self.class(&name);
            name.push('_');
        }
        self.class(&format!("{name}{major}"));
        self.class(&format!("{name}{major}{minor}"));
        self.flavor(&format!("{vendor}_{major}"));
        self.class(&format!("{vendor}_{major}{minor}"));
    }

    fn add_oracle(&mut self, root: &Root) {
        self.class("oracle");
        let Some(line) = root.first_line("/etc/oracle-release") else {
            return;
        };
        let release = line.find("release ").map(|at| &line[at + 8..]);
        let numbers =
            release.filter(|_| line.starts_with("Oracle Linux Server"));
        if let Some((major, Some(minor))) = numbers.and_then(major_minor) {
            self.flavor(&format!("oracle_{major}"));
            self.class(&format!("oracle_{major}_{minor}"));
        }
    }

    /// SunCobalt's, Amazon Linux's and Slackware's release files.
    fn add_other_releases(&mut self, root: &Root) {
        if root.exists("/etc/generic-release") {
            self.flavor("SunCobalt");
        }
        if root.exists("/etc/system-release") {
            self.add_amazon(root);
        }
        let slackware = ["/etc/slackware-version", "/etc/slackware-release"];
        if let Some(file) = slackware.into_iter().find(|f| root.exists(f)) {
            self.add_slackware(root, file);
        }
    }

    /// Amazon Linux's `/etc/system-release`. cf-agent 3.21 takes the
    /// fifth word for the version, as in `Amazon Linux AMI release
    /// 2018.03`; on Amazon Linux 2 that is `(Karoo)`.
    fn add_amazon(&mut self, root: &Root) {
        let Some(line) = root.first_line("/etc/system-release") else {
            return;
        };
        if !line.contains("Amazon") {
            return;
        }
        self.class("amazon_linux");
        if let Some(version) = line.split_whitespace().nth(4) {
            self.class(&format!("amazon_linux_{}", canonify(version)));
        }
        self.flavor("AmazonLinux");
    }

    fn add_slackware(&mut self, root: &Root, file: &str) {
        self.class("slackware");
        let line = root.first_line(file).unwrap_or_default();
        let Some(rest) = line.strip_prefix("Slackware ") else {
            return;
        };
        let mut numbers = Vec::new();
        let mut text = rest;
        while let Some((n, after)) = scan_int(text) {
            numbers.push(n);
            match after.strip_prefix('.') {
                Some(more) if numbers.len() < 3 => text = more,
                _ => break,
            }
        }
        for len in (1..=numbers.len()).rev() {
            let parts: Vec<String> =
                numbers[..len].iter().map(|n| n.to_string()).collect();
            self.class(&format!("slackware_{}", parts.join("_")));
        }
    }

    /// `/etc/debian_version` and the first line of `/etc/issue`.
    fn add_debian(&mut self, root: &Root) {
        if !root.exists("/etc/debian_version") {
            return;
        }
        self.class("debian");
        let Some(line) = root.first_line("/etc/debian_version") else {
            return;
        };
        let numbers = major_minor(&line);
        match numbers {
            Some((major, Some(minor))) => {
                self.class(&format!("debian_{major}_{minor}"));
                self.flavor(&format!("debian_{major}"));
            }
            Some((major, None)) => self.flavor(&format!("debian_{major}")),
            None => {
                let name: String =
                    line.chars().take_while(|&c| c != '/').take(25).collect();
                if !name.is_empty() {
                    self.class(&format!("debian_{name}"));
                }
            }
        }
        let point_release = matches!(numbers, Some((_, Some(_))));
        if let Some(issue) = root.first_line("/etc/issue") {
            self.add_issue(&issue, point_release);
        }
    }

    /// Debian's and Ubuntu's `/etc/issue`: `Debian GNU/Linux 12 \n \l`,
    /// `Ubuntu 22.04.3 LTS \n \l`.
    fn add_issue(&mut self, issue: &str, point_release: bool) {
        let first = issue.split_whitespace().next().unwrap_or_default();
        let clean = sanitize_issue(issue);
        match first {
            "Debian" => {
                let Some(version) = third_field(&clean) else {
                    return;
                };
                self.class("debian");
                self.flavor(&format!("debian_{version}"));
            }
            "Ubuntu" => {
                let rest = after_word(&clean);
                let (major, minor) = match rest.split_once('.') {
                    Some((major, after)) => (major, first_word(after)),
                    None => (rest, ""),
                };
                if major.is_empty() {
                    return;
                }
                self.flavor(&format!("ubuntu_{major}"));
                self.class("ubuntu");
                if point_release {
                    self.class(&format!("ubuntu_{major}_{minor}"));
                }
            }
            _ => {}
        }
    }

    /// Cumulus Linux's `/etc/lsb-release`.
    fn add_lsb(&mut self, root: &Root) {
        let Some(text) = root.read("/etc/lsb-release") else {
            return;
        };
        let mut cumulus = false;
        let mut version = String::new();
        for line in text.lines() {
            if line.contains("Cumulus") {
                self.class("cumulus");
                cumulus = true;
            }
            if let Some(at) = line.find("DISTRIB_RELEASE=") {
                version = canonify(&line[at + 16..]);
            }
        }
        if cumulus && !version.is_empty() {
            self.flavor(&format!("cumulus_{version}"));
        }
    }

    /// The distributions known by a release file's presence alone.
    fn add_flavor_files(&mut self, root: &Root) {
        if root.exists("/etc/UnitedLinux-release") {
            self.flavor("UnitedLinux");
        }
        if root.exists("/etc/alpine-release") {
            self.class("alpine_linux");
            let line =
                root.first_line("/etc/alpine-release").unwrap_or_default();
            if let Some(version) = line.split_whitespace().next() {
                self.class(&format!("alpine_linux_{}", canonify(version)));
            }
            self.flavor("alpinelinux");
        }
        if root.exists("/etc/gentoo-release") {
            self.flavor("gentoo");
        }
        if root.exists("/etc/arch-release") {
            self.flavor("archlinux");
        }
    }

    /// Xen and OpenVZ, from their `/proc` entries.
    fn add_virtualization(&mut self, root: &Root) {
        if root.exists("/proc/xen/capabilities") {
            self.class("xen");
            if let Some(text) = root.read("/proc/xen/capabilities") {
                let dom0 = text.contains("control_d");
                self.class(if dom0 { "xen_dom0" } else { "xen_domu_pv" });
            }
        }
        if !root.exists("/proc/self/status") {
            return;
        }
        if root.exists("/proc/bc/0") {
            self.class("virt_host_vz");
            if root.exists("/bin/vzps") {
                self.class("virt_host_vz_vzps");
            }
        } else if root.exists("/proc/vz") {
            self.class("virt_guest_vz");
        }
    }
}

/// The release files of Red Hat's family in the order cf-agent tries
/// them; Mandrake's, Mandriva's and Oracle VM Server's are not read but
/// still hide the others.
const REDHAT_FAMILY: [&str; 5] = [
    "/etc/mandriva-release",
    "/etc/mandrake-release",
    "/etc/fedora-release",
    "/etc/ovs-release",
    "/etc/redhat-release",
];

/// The names `sys.os_name_human` gives, the first class defined winning.
const HUMAN_NAMES: [(&str, &str); 13] = [
    ("ubuntu", "Ubuntu"),
    ("debian", "Debian"),
    ("centos", "CentOS"),
    ("fedora", "Fedora"),
    ("redhat", "RHEL"),
    ("aix", "AIX"),
    ("hpux", "HP-UX"),
    ("opensuse", "OpenSUSE"),
    ("suse", "SUSE"),
    ("macos", "macOS"),
    ("windows", "Windows"),
    ("freebsd", "FreeBSD"),
    ("solaris", "Solaris"),
];

/// Red Hat's vendors and editions by the start of the release line, in
/// the order cf-agent tries them.
const REDHAT_VENDORS: [(&str, &str, &str); 17] = [
    ("Red Hat Enterprise Linux ES", "redhat", "es"),
    ("Red Hat Enterprise Linux WS", "redhat", "ws"),
    ("Red Hat Enterprise Linux AS", "redhat", "as"),
    ("Red Hat Linux Advanced Server", "redhat", "as"),
    ("Red Hat Enterprise Linux Server", "redhat", "s"),
    ("Red Hat Enterprise Linux Client", "redhat", "c"),
    ("Red Hat Enterprise Linux Workstation", "redhat", "c"),
    ("Red Hat Enterprise Linux ComputeNode", "redhat", "cn"),
    ("Red Hat Linux", "redhat", ""),
    ("Red Hat Enterprise Linux", "redhat", ""),
    ("Linux Mandrake", "mandrake", ""),
    ("Mandrakelinux", "mandrake", ""),
    ("White Box Enterprise Linux", "whitebox", ""),
    ("Scientific Linux SL", "scientific", "sl"),
    ("Scientific Linux CERN", "scientific", "cern"),
    ("Scientific Linux", "scientific", "sl"),
    ("CentOS", "centos", ""),
];

fn redhat_vendor(line: &str) -> Option<(&'static str, &'static str)> {
    if line.starts_with("Enterprise Linux Enterprise Linux Server") {
        return Some(("oracle", "s"));
    }
    REDHAT_VENDORS
        .iter()
        .find(|(prefix, _, _)| line.starts_with(prefix))
        .map(|&(_, vendor, edition)| (vendor, edition))
}

/// A leading decimal number as C's `%d` reads it: blanks, a sign, then
/// digits; with the rest of the text.
fn scan_int(text: &str) -> Option<(i64, &str)> {
    let trimmed = text.trim_start();
    let digits_at = usize::from(trimmed.starts_with(['+', '-']));
    let len = trimmed[digits_at..]
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len() - digits_at);
    if len == 0 {
        return None;
    }
    let (number, rest) = trimmed.split_at(digits_at + len);
    Some((number.parse().ok()?, rest))
}

/// `%d.%d` as C's `sscanf()` reads it: a major number and, when a dot
/// and a number follow, a minor one.
fn major_minor(text: &str) -> Option<(i64, Option<i64>)> {
    let (major, rest) = scan_int(text)?;
    let minor = rest.strip_prefix('.').and_then(scan_int).map(|(n, _)| n);
    Some((major, minor))
}

/// The first number in a flavor, the second for Solaris, whose major
/// release follows `5.`.
fn version_major(flavor: &str) -> Option<&str> {
    let mut numbers = flavor
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    if flavor.starts_with("solaris") || flavor.starts_with("sunos") {
        numbers.next();
    }
    numbers.next()
}

/// `/etc/issue` without its `\x` and `@x` escapes and trailing blanks.
fn sanitize_issue(issue: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in issue.chars() {
        if c == '\\' || c == '@' || escaped {
            escaped = !escaped;
        } else {
            out.push(c);
        }
    }
    out.trim_end().to_string()
}

/// The text after the first word and the blanks that follow it.
fn after_word(text: &str) -> &str {
    let text = text.trim_start();
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    text[end..].trim_start()
}

fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or_default()
}

/// What `sscanf("%*s %*s %255[^./]")` takes: after two words, the text
/// up to a dot or a slash.
fn third_field(text: &str) -> Option<String> {
    let rest = after_word(after_word(text));
    let field: String = rest
        .chars()
        .take_while(|c| !matches!(c, '.' | '/'))
        .take(255)
        .collect();
    Some(field).filter(|f| !f.is_empty())
}

/// The keys and values of an env file such as `/etc/os-release`, read
/// as cf-agent reads them: `KEY=value`, blanks around both dropped,
/// comment and malformed lines skipped, one pair of quotes removed and
/// `\n`, `\\`, `\"` and `\'` unescaped.
pub(super) fn parse_env_file(text: &str) -> Vec<(String, String)> {
    text.lines().filter_map(parse_env_line).collect()
}

fn parse_env_line(line: &str) -> Option<(String, String)> {
    let line = line.trim();
    if line.starts_with('#') {
        return None;
    }
    let (key, value) = line.split_once('=')?;
    let key = key.trim();
    if key.is_empty() {
        return None;
    }
    Some((key.to_string(), unquote(value.trim())?))
}

/// The value of an env line; `None` for a quote left open inside an
/// unquoted value.
fn unquote(value: &str) -> Option<String> {
    let mut chars = value.chars().peekable();
    let quote = chars.next_if(|&c| c == '"' || c == '\'');
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            c if Some(c) == quote => break,
            '"' | '\'' if quote.is_none() => return None,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(next) => out.push(next),
                None => break,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

/// The object of an env file's pairs, a repeated key keeping its last
/// value at its last place.
fn env_data(pairs: &[(String, String)]) -> Data {
    let pairs = pairs
        .iter()
        .map(|(k, v)| (Str::from(k.as_str()), Data::Str(Str::from(v.as_str()))))
        .collect();
    Data::Object(Object::from_unique_pairs(crate::json::last_wins(pairs)))
}

/// Where `path` leads under the sysroot once links are followed, as
/// `realpath()` resolves it; the path itself when it cannot be.
fn resolve_under(root: &Root, path: &str) -> String {
    if !root.is_host() {
        // The links were followed inside the tree: what is left is the
        // tree's own path.
        let resolved = root.path(path);
        return match resolved.strip_prefix(root.path("/")) {
            Ok(rest) if resolved.exists() => format!("/{}", rest.display()),
            _ => path.to_string(),
        };
    }
    let resolved = root.path(path).canonicalize();
    let base = root.path("/").canonicalize();
    match (resolved, base) {
        (Ok(full), Ok(base)) => match full.strip_prefix(&base) {
            Ok(rest) => format!("/{}", rest.display()),
            Err(_) => full.display().to_string(),
        },
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse_env_file(text)
    }

    fn pair(k: &str, v: &str) -> (String, String) {
        (k.into(), v.into())
    }

    #[test]
    fn env_values_lose_their_quotes_and_escapes() {
        let text =
            "A=\"x y\"\nB='it''s'\nC=plain\\ntext\n D = spaced \nE=\"open";
        assert_eq!(
            pairs(text),
            [
                pair("A", "x y"),
                pair("B", "it"),
                pair("C", "plain\ntext"),
                pair("D", "spaced"),
                pair("E", "open"),
            ]
        );
    }

    #[test]
    fn malformed_env_lines_are_skipped() {
        let text = "# comment\n\nNOEQUALS\n=novalue\nBAD=a\"b\nOK=1";
        assert_eq!(pairs(text), [pair("OK", "1")]);
    }

    #[test]
    fn issue_escapes_are_removed() {
        assert_eq!(
            sanitize_issue("Debian GNU/Linux 12 \\n \\l"),
            "Debian GNU/Linux 12"
        );
        assert_eq!(
            sanitize_issue("Ubuntu 22.04.3 LTS \\n \\l"),
            "Ubuntu 22.04.3 LTS"
        );
        assert_eq!(sanitize_issue("a@bc"), "ac");
    }

    #[test]
    fn the_third_issue_field_ends_at_a_dot_or_slash() {
        let field = |t| third_field(t);
        assert_eq!(field("Debian GNU/Linux 12"), Some("12".into()));
        assert_eq!(field("Debian GNU/Linux trixie/sid"), Some("trixie".into()));
        assert_eq!(field("Debian GNU/Linux 9.13 x"), Some("9".into()));
        assert_eq!(field("Debian GNU/Linux"), None);
    }

    #[test]
    fn numbers_read_as_c_reads_them() {
        assert_eq!(major_minor("12.11"), Some((12, Some(11))));
        assert_eq!(major_minor(" 9 (x)"), Some((9, None)));
        assert_eq!(major_minor("8."), Some((8, None)));
        assert_eq!(major_minor("bookworm/sid"), None);
    }

    #[test]
    fn the_major_version_is_the_flavor_s_first_number() {
        assert_eq!(version_major("debian_12"), Some("12"));
        assert_eq!(version_major("amazon_linux_2"), Some("2"));
        assert_eq!(version_major("solaris_5_11"), Some("11"));
        assert_eq!(version_major("archlinux"), None);
    }

    #[test]
    fn red_hat_vendors_match_in_order() {
        let vendor = |line| redhat_vendor(line);
        assert_eq!(
            vendor("Red Hat Enterprise Linux Server release 7.9"),
            Some(("redhat", "s"))
        );
        assert_eq!(
            vendor("Red Hat Enterprise Linux release 8.4"),
            Some(("redhat", ""))
        );
        assert_eq!(
            vendor("CentOS Linux release 7.9.2009"),
            Some(("centos", ""))
        );
        assert_eq!(vendor("Rocky Linux release 9.2"), None);
    }
}
