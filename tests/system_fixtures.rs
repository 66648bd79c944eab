//! Discovery under `--sysroot`: each tree under `tests/fixtures/sys`
//! stands for `/` on a host, and the classes and variables cfmini finds
//! there are those cf-agent derives from the same files as its source
//! documents it. cf-agent itself cannot be pointed at these trees (only
//! `/proc/net` moves with `CFENGINE_TEST_OVERRIDE_PROCDIR`, which
//! `tests/cases/sys_inet_*.cf` use), so the expected values here are
//! worked out from the files' meaning; `tests/live_system.rs` checks
//! the same code against cf-agent on the machine that runs the tests.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use cfmini::json;
use cfmini::system::{System, discover_in};
use cfmini::value::Value;

/// 2024-07-01 12:34:56 UTC, a Monday.
const SUMMER_NOON: i64 = 1_719_837_296;
/// 2025-01-15 03:04:05 UTC, a Wednesday.
const WINTER_NIGHT: i64 = 1_736_910_245;

fn tree(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sys")
        .join(name)
}

fn discover(name: &str, now: i64, tz: Option<&str>) -> System {
    discover_in(&tree(name), now, tz)
}

/// A variable as text: scalars as they are, lists and data as JSON.
fn var(system: &System, name: &str) -> Option<String> {
    let (scope, short) = name.split_once('.').unwrap();
    Some(match system.var(scope, short)? {
        Value::Scalar(_, text) => text.to_string(),
        Value::List(_, items) => {
            let items: Vec<String> =
                items.iter().map(|i| format!("{i:?}")).collect();
            format!("[{}]", items.join(","))
        }
        Value::Data(data) => json::to_compact(data),
    })
}

fn assert_vars(system: &System, expected: &[(&str, &str)]) {
    for (name, value) in expected {
        assert_eq!(var(system, name).as_deref(), Some(*value), "{name}");
    }
}

fn assert_classes(system: &System, defined: &[&str], undefined: &[&str]) {
    for class in defined {
        assert!(system.has_class(class), "{class} should be defined");
    }
    for class in undefined {
        assert!(!system.has_class(class), "{class} should not be defined");
    }
}

#[test]
fn debian_names_come_from_the_kernel_and_etc_hosts() {
    let system = discover("debian", SUMMER_NOON, None);
    assert_vars(
        &system,
        &[
            ("sys.host", "web1"),
            ("sys.fqhost", "web1.example.org"),
            ("sys.uqhost", "web1"),
            ("sys.domain", "example.org"),
        ],
    );
    // Every domain suffix, and the aliases /etc/hosts gives the name:
    // with `multi on` every line naming it adds its names.
    let names = [
        "web1_example_org",
        "example_org",
        "org",
        "web1",
        "www",
        "web1_backup",
    ];
    assert_classes(&system, &names, &["hub"]);
}

#[test]
fn debian_kernel_and_distribution() {
    let system = discover("debian", SUMMER_NOON, None);
    assert_vars(
        &system,
        &[
            ("sys.os", "linux"),
            ("sys.class", "linux"),
            ("sys.arch", "x86_64"),
            ("sys.release", "6.1.0-18-amd64"),
            (
                "sys.version",
                "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
            ),
            ("sys.ostype", "linux_x86_64"),
            (
                "sys.long_arch",
                concat!(
                    "linux_x86_64_6_1_0_18_amd64__1_SMP_PREEMPT_DYNAMIC_",
                    "Debian_6_1_76_1__2024_02_01_",
                ),
            ),
            ("sys.flavor", "debian_12"),
            ("sys.flavour", "debian_12"),
            ("sys.os_name_human", "Debian"),
            ("sys.os_version_major", "12"),
            ("sys.doc_root", "/var/www"),
            ("sys.cpus", "4"),
            ("sys.uptime", "90"),
        ],
    );
    let os_release = var(&system, "sys.os_release").unwrap();
    assert!(
        os_release
            .contains("\"PRETTY_NAME\":\"Debian GNU/Linux 12 (bookworm)\"")
    );
    assert!(os_release.contains("\"VERSION_CODENAME\":\"bookworm\""));
    assert_classes(
        &system,
        &[
            "linux",
            "x86_64",
            "linux_x86_64",
            "linux_6_1_0_18_amd64",
            "linux_x86_64_6_1_0_18_amd64",
            "debian",
            "debian_12",
            "debian_12_5",
            "4_cpus",
            "systemd",
            "64_bit",
            "compiled_on_linux_gnu",
        ],
        &["ubuntu", "redhat", "have_aptitude", "xen"],
    );
}

#[test]
fn debian_agent_directories_programs_and_user() {
    let system = discover("debian", SUMMER_NOON, None);
    assert_vars(
        &system,
        &[
            ("sys.workdir", "/var/lib/cfengine3"),
            ("sys.statedir", "/var/lib/cfengine3/state"),
            ("sys.inputdir", "/var/lib/cfengine3/inputs"),
            ("sys.masterdir", "/var/lib/cfengine3/masterfiles"),
            ("sys.libdir", "/var/lib/cfengine3/inputs/lib"),
            (
                "sys.default_policy_path",
                "/var/lib/cfengine3/inputs/promises.cf",
            ),
            ("sys.logdir", "/var/log/cfengine3"),
            ("sys.piddir", "/var/run/cfengine3"),
            ("sys.bindir", "/usr/bin"),
            ("sys.cf_agent", "\"/usr/bin/cf-agent\""),
            ("sys.cf_promises", "\"/usr/bin/cf-promises\""),
            // No cf-twin: cf-agent stands in for it.
            ("sys.cf_twin", "\"/usr/bin/cf-agent\""),
            ("sys.crontab", "/var/spool/cron/crontabs/root"),
            (
                "sys.user_data",
                "{\"description\":\"root\",\"gid\":0,\"home_dir\":\"/root\",\
                 \"shell\":\"/bin/bash\",\"uid\":0,\"username\":\"root\"}",
            ),
            // The hub is named in policy_server.dat and found in /etc/hosts.
            ("sys.policy_hub", "192.0.2.10"),
            ("sys.policy_hub_port", "5309"),
        ],
    );
    assert_eq!(var(&system, "sys.cf_serverd"), None);
    assert_classes(&system, &[], &["am_policy_hub", "policy_server"]);
}

#[test]
fn debian_clock_follows_etc_localtime() {
    // Europe/Oslo is two hours ahead of UTC in summer.
    let system = discover("debian", SUMMER_NOON, None);
    assert_vars(
        &system,
        &[
            ("sys.date", "Mon Jul  1 14:34:56 2024"),
            ("sys.cdate", "Mon_Jul__1_14_34_56_2024"),
            ("sys.systime", "1719837296"),
            ("sys.sysday", "19905"),
        ],
    );
    let local = [
        "Monday",
        "July",
        "Day1",
        "Afternoon",
        "Hr14",
        "Hr14_Q3",
        "Q3",
        "Min34",
        "Min30_35",
        "Yr2024",
        "Lcycle_2",
    ];
    let gmt = [
        "GMT_Hr12",
        "GMT_Hr12_Q3",
        "GMT_Min34",
        "GMT_Monday",
        "GMT_Afternoon",
    ];
    assert_classes(&system, &local, &["Hr12", "GMT_Hr14"]);
    assert_classes(&system, &gmt, &[]);
}

#[test]
fn debian_interfaces_and_addresses() {
    let system = discover("debian", SUMMER_NOON, None);
    assert_vars(
        &system,
        &[
            ("sys.interface", "wg0"),
            ("sys.interfaces", r#"["eth0","docker0","wg0"]"#),
            ("sys.ipv4", "192.0.2.20"),
            (
                "sys.ip_addresses",
                concat!(
                    r#"["127.0.0.1","192.0.2.20","198.51.100.7","172.17.0.1","#,
                    r#""10.8.0.1","fe80::42:acff:fe11:1","2001:db8::20","#,
                    r#""fe80::5054:ff:fe12:3456"]"#,
                ),
            ),
            (
                "sys.hardware_addresses",
                concat!(
                    r#"["52:54:00:12:34:56","02:42:ac:11:00:01","#,
                    r#""00:00:00:00:00:00","52:54:00:ab:cd:ef"]"#,
                ),
            ),
            (
                "sys.hardware_flags",
                concat!(
                    r#"["up loopback running","#,
                    r#""up broadcast running multicast","#,
                    r#""up broadcast running multicast","#,
                    r#""up broadcast multicast","up pointopoint running noarp"]"#,
                ),
            ),
            // Of eth0's two addresses the last in order stays.
            ("sys.ipv4[eth0]", "198.51.100.7"),
            ("sys.ipv4_3[docker0]", "172.17.0"),
            ("sys.ipv4_2[docker0]", "172.17"),
            ("sys.ipv4_1[docker0]", "172"),
            ("sys.ip2iface[10.8.0.1]", "wg0"),
            ("sys.interface_flags[docker0]", "up broadcast multicast"),
            ("sys.hardware_mac[eth0]", "52:54:00:12:34:56"),
            ("sys.hardware_mac[wg0]", "00:00:00:00:00:00"),
            // eth1 has no IPv4 address; ifconfig shows its MAC.
            ("sys.hardware_mac[eth1]", "52:54:00:ab:cd:ef"),
        ],
    );
    assert_eq!(var(&system, "sys.ipv4[eth1]"), None);
    assert_classes(
        &system,
        &[
            "net_iface_lo",
            "net_iface_eth0",
            "net_iface_docker0",
            "net_iface_wg0",
            "127_0_0_1",
            "ipv4_127_0_0_1",
            "192_0_2_20",
            "ipv4_192_0_2_20",
            "ipv4_192_0_2",
            "ipv4_192_0",
            "ipv4_192",
            "ipv4_198_51_100_7",
            "mac_52_54_00_12_34_56",
            "mac_02_42_ac_11_00_01",
            "mac_00_00_00_00_00_00",
            "fe80__5054_ff_fe12_3456",
            "ipv6_fe80__5054_ff_fe12_3456",
            "2001_db8__20",
            "ipv6_2001_db8__20",
            "ipv4_gw_192_0_2_254",
            "ipv4_gw_10_8_0_1",
        ],
        &[
            "net_iface_eth1",
            "mac_52_54_00_ab_cd_ef",
            "ipv6___1",
            "mac_00_00_00_00_00_00_00",
        ],
    );
}

#[test]
fn debian_monitor_data_is_read_while_fresh() {
    let file = tree("debian").join("var/lib/cfengine3/state/env_data");
    let written = std::fs::metadata(&file).unwrap().modified().unwrap();
    let written = written.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;

    let fresh = discover("debian", written + 60, Some("UTC0"));
    assert_vars(
        &fresh,
        &[
            ("mon.users", r#"["root","alice"]"#),
            ("mon.loadavg", "0.42"),
        ],
    );
    assert!(var(&fresh, "mon.env_time").is_some());
    assert_classes(&fresh, &["web1_busy"], &[]);

    let stale = discover("debian", written + 7200, Some("UTC0"));
    assert_eq!(var(&stale, "mon.users"), None);
    assert_classes(&stale, &[], &["web1_busy"]);
}

#[test]
fn ubuntu_is_named_by_os_release_debian_version_and_issue() {
    let system =
        discover("ubuntu", WINTER_NIGHT, Some("EST5EDT,M3.2.0,M11.1.0"));
    assert_vars(
        &system,
        &[
            // The node name is lower-cased and split at its first dot.
            ("sys.host", "build-02.ci.example.net"),
            ("sys.fqhost", "build-02.ci.example.net"),
            ("sys.uqhost", "build-02"),
            ("sys.domain", "ci.example.net"),
            ("sys.arch", "aarch64"),
            ("sys.flavor", "ubuntu_22"),
            ("sys.os_name_human", "Ubuntu"),
            ("sys.os_version_major", "22"),
            ("sys.cpus", "2"),
            ("sys.inet", "{}"),
            ("sys.inet6", "{}"),
            ("sys.date", "Tue Jan 14 22:04:05 2025"),
        ],
    );
    for absent in [
        "sys.uptime",
        "sys.interfaces",
        "sys.interfaces_data",
        "sys.user_data",
    ] {
        assert_eq!(var(&system, absent), None, "{absent}");
    }
    assert_classes(
        &system,
        &[
            "ubuntu",
            "ubuntu_22",
            "ubuntu_22_04",
            "debian",
            "debian_bookworm",
            "have_aptitude",
            "aarch64",
            "linux_aarch64",
            "2_cpus",
            "build_02_ci_example_net",
            "ci_example_net",
            "example_net",
            "net",
            "build_02",
            "Tuesday",
            "Evening",
            "Hr22",
            "Day14",
            "Lcycle_0",
            "GMT_Wednesday",
            "GMT_Night",
            "GMT_Hr03",
            "GMT_Hr3",
            "GMT_Day15",
        ],
        &["debian_12", "cumulus", "systemd", "Wednesday", "GMT_Hr22"],
    );
}

#[test]
fn red_hat_release_sets_the_last_flavor() {
    let system = discover("rhel", SUMMER_NOON, None);
    assert_vars(
        &system,
        &[
            ("sys.fqhost", "db7.corp.example.com"),
            ("sys.domain", "corp.example.com"),
            ("sys.flavor", "redhat_7"),
            ("sys.os_name_human", "RHEL"),
            ("sys.os_version_major", "7"),
            ("sys.doc_root", "/var/www/html"),
            ("sys.date", "Mon Jul  1 12:34:56 2024"),
        ],
    );
    assert_classes(
        &system,
        &[
            "rhel",
            "rhel_7",
            "rhel_7_9",
            "redhat",
            "redhat_7",
            "redhat_7_9",
            "redhat_s",
            "redhat_s_7",
            "redhat_s_7_9",
            "xen",
            "xen_dom0",
            "database",
            "Hr12",
        ],
        &["debian", "amazon_linux", "xen_domu_pv", "fedora", "centos"],
    );
}

#[test]
fn another_user_works_under_the_home_directory() {
    let system = discover("rhel", SUMMER_NOON, None);
    assert_vars(
        &system,
        &[
            ("sys.workdir", "/home/alice/.cfagent"),
            ("sys.logdir", "/home/alice/.cfagent/log"),
            ("sys.piddir", "/home/alice/.cfagent"),
            ("sys.statedir", "/home/alice/.cfagent/state"),
            ("sys.inputdir", "/home/alice/.cfagent/inputs"),
            ("sys.masterdir", "/home/alice/.cfagent/masterfiles"),
            ("sys.bindir", "/usr/bin"),
            ("sys.crontab", "/var/spool/cron/alice"),
            ("sys.policy_hub", "2001:db8::53"),
            ("sys.policy_hub_port", "5310"),
        ],
    );
    let user = var(&system, "sys.user_data").unwrap();
    assert!(
        user.contains("\"uid\":1000")
            && user.contains("\"username\":\"alice\"")
    );
    assert_classes(&system, &["am_policy_hub", "policy_server"], &[]);
}

#[test]
fn an_empty_tree_still_gives_the_agent_s_own_facts() {
    let system = discover("minimal", SUMMER_NOON, Some(""));
    assert_vars(
        &system,
        &[
            ("sys.os", "linux"),
            ("sys.fqhost", ""),
            ("sys.cf_version", "3.21.0"),
            ("sys.os_name_human", "Unknown"),
            ("sys.os_version_major", "Unknown"),
            ("sys.inet", "{}"),
            ("const.dirsep", "/"),
            ("sys.date", "Mon Jul  1 12:34:56 2024"),
        ],
    );
    for absent in ["sys.flavor", "sys.os_release", "sys.cpus", "sys.crontab"] {
        assert_eq!(var(&system, absent), None, "{absent}");
    }
    assert_classes(
        &system,
        &[
            "any",
            "agent",
            "community_edition",
            "cfengine_3_21_0",
            "linux",
            "Monday",
        ],
        &["debian", "systemd"],
    );
}

/// For each tree: the flavor, `sys.os_name_human`, `sys.os_version_major`
/// and classes the tree's release files give.
const DISTRIBUTIONS: [(&str, &str, &str, &str, &[&str]); 18] = [
    // cf-agent 3.21 takes the fifth word of system-release as the
    // version and knows no human name for Amazon Linux.
    (
        "amazon",
        "AmazonLinux",
        "Unknown",
        "Unknown",
        &["amzn_2", "amazon_linux", "amazon_linux__Karoo_"],
    ),
    (
        "alpine",
        "alpinelinux",
        "Unknown",
        "Unknown",
        &["alpine_3_19_1", "alpine_linux", "alpine_linux_3_19_1"],
    ),
    // os-release's sles is also suse, and SUSE's name follows the class.
    (
        "sles",
        "sles_15",
        "SUSE",
        "15",
        &["sles_15_5", "suse", "suse_15", "suse_15_5"],
    ),
    (
        "centos",
        "centos_7",
        "CentOS",
        "7",
        &["redhat", "centos_7_9"],
    ),
    // "release 9" has no minor number.
    (
        "centos-stream",
        "centos_9",
        "CentOS",
        "9",
        &["redhat", "centos_9"],
    ),
    // The version's parts are cut one by one, into the ID's own parts.
    (
        "os-release-quirks",
        "my_distro_1",
        "Unknown",
        "1",
        &[
            "my_distro_1_2_3beta",
            "my_distro",
            "my",
            "Alias1",
            "QUIRKY_HOST_Example_COM",
        ],
    ),
    // /etc/issue of a development release has no number: the flavor
    // takes the rest of the line.
    (
        "ubuntu-devel",
        "ubuntu_Oracular Oriole (development branch)",
        "Ubuntu",
        "Unknown",
        &[
            "ubuntu_24_10",
            "debian_13_0",
            "ubuntu_Oracular_Oriole__development_branch__",
        ],
    ),
    (
        "ubuntu2004",
        "ubuntu_20",
        "Ubuntu",
        "20",
        &["ubuntu_20_04", "debian_bullseye"],
    ),
    (
        "slackware",
        "slackware_15",
        "Unknown",
        "15",
        &["slackware_15_0_1", "slackware_15_0", "slackware_15"],
    ),
    (
        "cumulus",
        "cumulus_4_4_0",
        "Debian",
        "4",
        &["cumulus", "cumulus_linux_4_4_0", "debian_10_13"],
    ),
    (
        "trixie",
        "debian_trixie",
        "Debian",
        "Unknown",
        &["debian_trixie"],
    ),
    ("debian9", "debian_9", "Debian", "9", &["debian_9_13"]),
    (
        "debian-no-issue",
        "debian_11",
        "Debian",
        "11",
        &["debian_11"],
    ),
    (
        "rhel8",
        "redhat_8",
        "RHEL",
        "8",
        &["rhel_8_10", "redhat_8_10"],
    ),
    (
        "rhel-workstation",
        "redhat_7",
        "RHEL",
        "7",
        &["redhat_c", "redhat_c_7_9", "rhel_7_9"],
    ),
    ("fedora", "fedora_39", "Fedora", "39", &["fedora", "redhat"]),
    // Oracle Linux's files make it Red Hat's too.
    (
        "oracle",
        "oracle_8",
        "RHEL",
        "8",
        &["ol_8_9", "oracle_8_9", "redhat_8_9"],
    ),
    // Rocky Linux's redhat-release names no vendor cf-agent knows.
    ("rocky", "rocky_9", "RHEL", "9", &["redhat", "rocky_9_3"]),
];

#[test]
fn release_files_name_each_distribution() {
    for (tree, flavor, human, major, classes) in DISTRIBUTIONS {
        let system = discover(tree, SUMMER_NOON, Some("UTC0"));
        let found = |name: &str| var(&system, name).unwrap_or_default();
        assert_eq!(found("sys.flavor"), flavor, "{tree}");
        assert_eq!(found("sys.os_name_human"), human, "{tree}");
        assert_eq!(found("sys.os_version_major"), major, "{tree}");
        for class in classes {
            assert!(system.has_class(class), "{tree}: {class}");
        }
    }
}

#[test]
fn a_clock_past_any_calendar_does_not_break_discovery() {
    for now in [i64::MIN, i64::MAX] {
        let system =
            discover("debian", now, Some("CET-1CEST,M3.5.0,M10.5.0/3"));
        assert!(var(&system, "sys.date").is_some());
    }
}
