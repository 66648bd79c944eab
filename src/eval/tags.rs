//! The meta tags cf-agent 3.21 gives the variables and hard classes it
//! discovers about the host, for the ones cfmini discovers too.
//!
//! A `sys` variable missing from [`SYS_VAR_TAGS`] is tagged
//! `source=agent`, and a hard class no rule below recognizes
//! `source=agent,hardclass`, which is what cf-agent gives most of them.

use crate::classes::canonify;
use crate::system::{MONTHS, WEEKDAYS};
use crate::value::Str;

/// Tags of `sys` variables that carry more than `source=agent`.
const SYS_VAR_TAGS: [(&str, &str); 24] = [
    ("arch", "inventory,source=agent,attribute_name=Architecture"),
    ("cdate", "time_based,source=agent"),
    ("cf_promises", "cfe_internal,source=agent"),
    (
        "cf_version",
        "inventory,source=agent,attribute_name=CFEngine version",
    ),
    ("class", "inventory,source=agent,attribute_name=Kernel"),
    (
        "cpus",
        "inventory,source=agent,attribute_name=CPU logical cores",
    ),
    ("date", "time_based,source=agent"),
    ("flavor", "inventory,source=agent,attribute_name=none"),
    ("fqhost", "inventory,source=agent,attribute_name=Host name"),
    (
        "hardware_addresses",
        "inventory,source=agent,attribute_name=MAC addresses",
    ),
    ("host", "inventory,source=agent,attribute_name=none"),
    ("inet", PROCFS),
    ("inet6", PROCFS),
    (
        "interfaces",
        "inventory,source=agent,attribute_name=Interfaces",
    ),
    ("interfaces_data", PROCFS),
    ("ipv4", "inventory,source=agent,attribute_name=none"),
    (
        "os_release",
        "inventory,attribute_name=none,source=agent,\
         derived-from-file=/etc/os-release",
    ),
    ("os_version_major", "source=agent,derived-from=flavor"),
    (
        "release",
        "inventory,source=agent,attribute_name=Kernel Release",
    ),
    ("sysday", "time_based,source=agent"),
    ("systime", "time_based,source=agent"),
    (
        "uptime",
        "inventory,time_based,source=agent,attribute_name=Uptime minutes",
    ),
    ("uqhost", "inventory,source=agent,attribute_name=none"),
    ("user_data", "source=agent,user_info"),
];

/// What cf-agent gives the facts it reads from `/proc/net`.
const PROCFS: &str = "networking,/proc,source=agent,procfs";

const INVENTORY: &str = "inventory,attribute_name=none,source=agent";
const TIME: &str =
    "time_based,cfengine_internal_time_based_autoremove,source=agent";
const SYSNAME: &str = "source=agent,derived-from=sys.sysname";

/// The tags of variable `name` in scope `sys`, `const` or `def`.
pub(super) fn system_var(scope: &str, name: &str) -> Vec<Str> {
    let found = SYS_VAR_TAGS.iter().find(|(var, _)| *var == name);
    match found {
        Some((_, tags)) if scope == "sys" => split(tags),
        _ if scope == "def" && name == "jq" => {
            split("invocation,source=agent,command_name=jq")
        }
        _ => split("source=agent"),
    }
}

/// The tags of hard class `class`; `sys` gives the text of a `sys`
/// variable, from which some classes are derived.
pub(super) fn hard_class(
    class: &str,
    sys: &dyn Fn(&str) -> String,
) -> Vec<Str> {
    let canonical = |var: &str| canonify(&sys(var));
    let release = canonify(&sys("release"));
    let flavor = sys("flavor");
    let os = flavor.split('_').next().unwrap_or_default();

    let tags = match class {
        "agent" => "cfe_internal,source=agent".to_string(),
        "cfengine" | "community_edition" => INVENTORY.to_string(),
        _ if class.starts_with("cfengine_3") => INVENTORY.to_string(),
        _ if is_time_class(class) => TIME.to_string(),
        "linux" => format!("{INVENTORY},derived-from=sys.class"),
        _ if class == flavor => format!("{INVENTORY},derived-from=sys.flavor"),
        _ if !os.is_empty() && class == os => {
            format!("{INVENTORY},derived-from-file=/etc/os-release")
        }
        _ if !os.is_empty() && class.starts_with(&format!("{flavor}_")) => {
            format!("{INVENTORY},derived-from-file=/etc/{os}_version")
        }
        _ if class == canonical("arch") => {
            "source=agent,derived-from=sys.machine".to_string()
        }
        _ if class == canonical("ostype") => {
            format!("{SYSNAME},derived-from=sys.machine")
        }
        _ if class == format!("linux_{release}") => format!(
            "inventory,attribute_name=none,{SYSNAME},derived-from=sys.release"
        ),
        _ if class == format!("{}_{release}", canonical("ostype")) => format!(
            "{SYSNAME},derived-from=sys.machine,derived-from=sys.release"
        ),
        _ if class == canonical("long_arch") => {
            "source=agent,derived-from=sys.long_arch".to_string()
        }
        _ if class == canonical("uqhost") || class == canonical("fqhost") => {
            format!("{INVENTORY},derived-from=sys.fqhost")
        }
        _ if class == format!("{}_cpus", sys("cpus")) => {
            "source=agent,derived-from=sys.cpus".to_string()
        }
        _ if class.starts_with("ipv4_gw_") => {
            "inventory,networking,/proc,source=agent,attribute_name=none,\
             procfs"
                .to_string()
        }
        _ if ["ipv4_", "ipv6_", "mac_"]
            .iter()
            .any(|p| class.starts_with(p)) =>
        {
            INVENTORY.to_string()
        }
        _ if is_address_class(class) => INVENTORY.to_string(),
        _ => "source=agent".to_string(),
    };
    split(&format!("{tags},hardclass"))
}

/// Whether `class` is an address canonified, as cf-agent defines one
/// for each address of the host: `192_0_2_2`, `fe80__1`. A host name
/// of hex digits and underscores alone would pass too.
fn is_address_class(class: &str) -> bool {
    // Nine groups are enough to tell: a name of more is no address,
    // and a name can be megabytes of underscores.
    let groups: Vec<&str> = class.split('_').take(9).collect();
    let ipv4 = groups.len() == 4
        && groups.iter().all(|g| !g.is_empty() && g.len() <= 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    let ipv6 = (class.contains("__") || groups.len() == 8)
        && class.bytes().all(|b| b == b'_' || b.is_ascii_hexdigit())
        && class.bytes().any(|b| b.is_ascii_hexdigit());
    ipv4 || ipv6
}

fn split(tags: &str) -> Vec<Str> {
    tags.split(',').map(Str::from).collect()
}

/// Whether `class` is one of the time classes, in local time or GMT.
fn is_time_class(class: &str) -> bool {
    const PARTS_OF_DAY: [&str; 4] =
        ["Night", "Morning", "Afternoon", "Evening"];
    let class = class.strip_prefix("GMT_").unwrap_or(class);
    let digits =
        |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let pair = |prefix: &str, separator: &str| {
        class
            .strip_prefix(prefix)
            .and_then(|rest| rest.split_once(separator))
            .is_some_and(|(a, b)| digits(a) && digits(b))
    };
    let numbered = ["Day", "Hr", "Lcycle_", "Min", "Q", "Yr"]
        .iter()
        .any(|prefix| class.strip_prefix(prefix).is_some_and(digits));
    let named = PARTS_OF_DAY.iter().chain(&WEEKDAYS).chain(&MONTHS);
    named.into_iter().any(|word| *word == class)
        || numbered
        || pair("Hr", "_Q")
        || pair("Min", "_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(var: &str) -> String {
        let value = match var {
            "release" => "6.1.0-9-amd64",
            "flavor" => "debian_12",
            "arch" => "x86_64",
            "ostype" => "linux_x86_64",
            "long_arch" => "linux_x86_64_6.1.0-9-amd64_#1 SMP",
            "uqhost" | "fqhost" => "vm",
            "cpus" => "2",
            _ => "",
        };
        value.to_string()
    }

    fn tags(class: &str) -> String {
        hard_class(class, &host).join(",")
    }

    #[test]
    fn address_classes_are_told_by_their_groups() {
        assert!(is_address_class("192_168_1_10"));
        assert!(is_address_class("fe80__1"));
        assert!(is_address_class("2001_db8_0_0_0_0_0_1"));
        assert!(!is_address_class("192_168_1_10_7"));
        assert!(!is_address_class(&"_".repeat(1 << 20)));
    }

    // cf-agent 3.21 --show-evaluated-classes on Debian 12.
    #[test]
    fn hard_classes_take_the_tags_of_their_source() {
        assert_eq!(tags("any"), "source=agent,hardclass");
        assert_eq!(
            tags("GMT_Hr18_Q4"),
            "time_based,cfengine_internal_time_based_autoremove,\
             source=agent,hardclass"
        );
        assert_eq!(tags("Min55_00"), tags("Friday"));
        assert_eq!(
            tags("debian_12_11"),
            "inventory,attribute_name=none,source=agent,\
             derived-from-file=/etc/debian_version,hardclass"
        );
        assert_eq!(
            tags("linux_x86_64_6_1_0_9_amd64"),
            "source=agent,derived-from=sys.sysname,derived-from=sys.machine,\
             derived-from=sys.release,hardclass"
        );
        assert_eq!(
            tags("vm"),
            "inventory,attribute_name=none,source=agent,\
             derived-from=sys.fqhost,hardclass"
        );
        assert_eq!(
            tags("2_cpus"),
            "source=agent,derived-from=sys.cpus,hardclass"
        );
        assert_eq!(tags("Hrs"), "source=agent,hardclass");
    }

    #[test]
    fn sys_vars_default_to_source_agent() {
        assert_eq!(system_var("sys", "os").join(","), "source=agent");
        assert_eq!(system_var("const", "n").join(","), "source=agent");
        assert_eq!(
            system_var("sys", "cdate").join(","),
            "time_based,source=agent"
        );
    }
}
