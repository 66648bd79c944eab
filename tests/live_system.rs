//! Compares what cfmini discovers about this machine with what cf-agent
//! discovers, where cf-agent is installed: every hard class and every
//! special variable cf-agent lists with `--show-evaluated-classes` and
//! `--show-evaluated-vars` after running an empty policy.
//!
//! cfmini discovers the host at the moment cf-agent's `sys.systime`
//! names, so the clock's classes and variables must agree to the
//! second. A few values cannot agree and are compared otherwise, each
//! with its reason in [`compared_apart`].
//!
//! Where this machine also lets root make private namespaces, cf-agent
//! runs again with `/etc` and the host name of each fixture tree
//! (`tests/oracle/cf-agent-in-tree`), and what it derives from them is
//! compared with what cfmini finds under the tree; and the whole
//! comparison runs again in a private network namespace holding
//! interfaces of several kinds ([`NETWORK_SETUP`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use cfmini::json;
use cfmini::system::{self, System};
use cfmini::value::{Data, Value};

/// cf-agent's lists of classes and of variables with their printed
/// values.
struct Shown {
    /// Each class with its tags.
    classes: BTreeMap<String, String>,
    vars: BTreeMap<String, String>,
}

fn oracle_available() -> bool {
    if std::env::var_os("CFMINI_SKIP_ORACLE").is_some() {
        eprintln!("skipped: CFMINI_SKIP_ORACLE is set");
        return false;
    }
    let found = Command::new("sh")
        .args(["-c", "command -v cf-agent && command -v cf-promises"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipped: cf-agent is not installed");
    }
    found
}

fn run_oracle() -> Shown {
    run_script("cf-agent-run", &[])
}

/// Runs an empty policy through an oracle script, with `args` before
/// the policy, and reads the tables cf-agent shows.
fn run_script(script: &str, args: &[&str]) -> Shown {
    run_script_in_zone(script, args, None)
}

/// [`run_script`] with `TZ` set to `tz` when it is given.
fn run_script_in_zone(script: &str, args: &[&str], tz: Option<&str>) -> Shown {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("live_system");
    std::fs::create_dir_all(&dir).unwrap();
    // Runs go in parallel: each writes its own copy of the policy.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, Ordering::Relaxed);
    let policy = dir.join(format!("empty-{run}.cf"));
    std::fs::write(&policy, "bundle agent main { reports: \"ran\"; }\n")
        .unwrap();
    let oracle = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle");
    let mut command = Command::new(oracle.join(script));
    command
        .args(args)
        .arg(&policy)
        .args(["", "", "--show-evaluated-classes", "--show-evaluated-vars"])
        .env_remove("CFENGINE_TEST_OVERRIDE_PROCDIR");
    if let Some(tz) = tz {
        command.env("TZ", tz);
    }
    let output = command.output().expect("the oracle script runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{script}: {stderr}");
    parse_shown(&String::from_utf8_lossy(&output.stdout))
}

/// Reads the two tables: a class per line, then `scope.name value tags`
/// with the value starting at the 42nd column.
fn parse_shown(text: &str) -> Shown {
    let mut shown = Shown {
        classes: BTreeMap::new(),
        vars: BTreeMap::new(),
    };
    let mut section = "";
    for line in text.lines() {
        if line.starts_with("Class name") || line.starts_with("Variable name") {
            section = if line.starts_with("Class") {
                "classes"
            } else {
                "vars"
            };
            continue;
        }
        let name = line.split_whitespace().next().unwrap_or_default();
        match section {
            "classes" => {
                let tags = line.get(61..).unwrap_or_default().trim();
                shown.classes.insert(name.to_string(), tags.to_string());
            }
            "vars" => {
                let name = name.strip_prefix("default:").unwrap_or(name);
                let rest = line.get(41..).unwrap_or_default();
                shown.vars.insert(name.to_string(), rest.to_string());
            }
            _ => {}
        }
    }
    shown
}

/// A value as cf-agent's table prints it.
fn printed(value: &Value) -> String {
    match value {
        Value::Scalar(_, text) if text.chars().any(|c| c.is_control()) => {
            "<non-printable>".into()
        }
        Value::Scalar(_, text) => text.replace('"', "\\\""),
        Value::List(_, items) => {
            let items: Vec<String> =
                items.iter().map(|i| format!("\"{i}\"")).collect();
            format!(" {{{}}}", items.join(","))
        }
        Value::Data(data) => json::to_compact(data),
    }
}

/// The value column of a printed line, cut where the tags start, when
/// it starts with `expected`.
fn value_matches(column: &str, expected: &str) -> bool {
    let Some(rest) = column.strip_prefix(expected) else {
        return false;
    };
    rest.is_empty() || rest.starts_with(' ')
}

/// The variables whose values differ between two runs for reasons
/// other than discovery, with the reason each is compared otherwise.
fn compared_apart(name: &str) -> Option<&'static str> {
    let dirs = [
        "sys.workdir",
        "sys.bindir",
        "sys.inputdir",
        "sys.masterdir",
        "sys.statedir",
        "sys.logdir",
        "sys.piddir",
        "sys.libdir",
        "sys.default_policy_path",
        "sys.failsafe_policy_path",
        "sys.update_policy_path",
    ];
    let programs = [
        "sys.cf_twin",
        "sys.cf_agent",
        "sys.cf_serverd",
        "sys.cf_monitord",
        "sys.cf_know",
        "sys.cf_report",
        "sys.cf_key",
        "sys.cf_runagent",
        "sys.cf_execd",
        "sys.cf_hub",
        "sys.cf_reactor",
        "sys.cf_promises",
        "sys.cf_upgrade",
        "sys.cf_net",
        "sys.cf_check",
        "sys.cf_secret",
    ];
    if dirs.contains(&name) || programs.contains(&name) {
        return Some("cf-agent runs with a private -w work directory");
    }
    match name {
        "sys.uptime" => Some("read a moment apart; must agree within a minute"),
        "sys.inet" | "sys.inet6" | "sys.interfaces_data" => Some(
            "traffic counters move between the runs; compared without them",
        ),
        "sys.policy_entry_filename"
        | "sys.policy_entry_dirname"
        | "sys.policy_entry_basename" => {
            Some("set by the evaluator for the policy run, not by discovery")
        }
        _ => None,
    }
}

#[test]
fn discovery_matches_cf_agent_on_this_machine() {
    if !oracle_available() {
        return;
    }
    let shown = run_oracle();
    assert!(
        shown.classes.len() > 50 && shown.vars.len() > 50,
        "tables not read"
    );
    let found = system::discover_at(Path::new("/"), systime(&shown));
    let class_problems = at_some_moment(systime(&shown), |now| {
        let ours = system::discover_at(Path::new("/"), now).classes;
        class_differences(&shown, &ours.iter().collect())
    });
    assert!(class_problems.is_empty(), "{}", class_problems.join("\n"));

    let mut problems = Vec::new();
    for (name, column) in &shown.vars {
        let (scope, short) = name.split_once('.').unwrap();
        let Some(value) = found.var(scope, short) else {
            if compared_apart(name).is_none() {
                problems
                    .push(format!("{name}: missing, cf-agent has {column:?}"));
            }
            continue;
        };
        if compared_apart(name).is_some() {
            continue;
        }
        let expected = printed(value);
        if !value_matches(column, &expected) {
            problems.push(format!(
                "{name}: cfmini {expected:?}, cf-agent {column:?}"
            ));
        }
    }
    for var in &found.vars {
        let name = format!("{}.{}", var.scope, var.name);
        if !shown.vars.contains_key(&name) && compared_apart(&name).is_none() {
            problems.push(format!("{name}: not defined by cf-agent"));
        }
    }
    problems.extend(apart_problems(&found, &shown));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Compares the values [`compared_apart`] sets aside.
fn apart_problems(found: &System, shown: &Shown) -> Vec<String> {
    let mut problems = Vec::new();
    let minutes = |text: &str| {
        text.split_whitespace()
            .next()
            .and_then(|m| m.parse::<i64>().ok())
    };
    let ours = found.sys_text("uptime").and_then(minutes);
    let theirs = shown.vars.get("sys.uptime").and_then(|t| minutes(t));
    if ours.zip(theirs).is_none_or(|(a, b)| (a - b).abs() > 1) {
        problems
            .push(format!("sys.uptime: cfmini {ours:?}, cf-agent {theirs:?}"));
    }
    for name in ["inet", "inet6", "interfaces_data"] {
        let ours = found
            .var("sys", name)
            .map(|v| printed(&without_counters(v)));
        let theirs = shown.vars.get(&format!("sys.{name}")).map(|t| {
            let data = json::parse(t).expect("cf-agent prints JSON");
            printed(&without_counters(&Value::Data(data.into())))
        });
        if ours != theirs {
            problems.push(format!(
                "sys.{name}: cfmini {ours:?}\ncf-agent {theirs:?}"
            ));
        }
    }
    problems
}

/// A networking container without the numbers that move between two
/// runs: the `stats`, the traffic counters of `interfaces_data` and the
/// reference and use counts of routes.
fn without_counters(value: &Value) -> Value {
    match value {
        Value::Data(data) => Value::Data(steady(data).into()),
        other => other.clone(),
    }
}

fn steady(data: &Data) -> Data {
    const MOVING: [&str; 3] = ["stats", "refcnt", "use"];
    match data {
        Data::Object(object) if object.get("receive_bytes").is_some() => {
            Data::Null
        }
        Data::Object(object) => {
            let pairs = object
                .iter()
                .filter(|(k, _)| !MOVING.contains(&&***k))
                .map(|(k, v)| (k.clone(), steady(v)))
                .collect();
            Data::Object(cfmini::value::Object::from_unique_pairs(pairs))
        }
        Data::Array(items) => Data::Array(items.iter().map(steady).collect()),
        other => other.clone(),
    }
}

/// The moment cf-agent ran, as its `sys.systime` shows it.
fn systime(shown: &Shown) -> i64 {
    let text = shown.vars.get("sys.systime").expect("sys.systime shown");
    text.split_whitespace().next().unwrap().parse().unwrap()
}

/// Whether root may make private mount and UTS namespaces here.
fn namespaces_available() -> bool {
    let works = Command::new("unshare")
        .args(["-m", "-u", "true"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !works {
        eprintln!("skipped: no private namespaces (needs root and unshare)");
    }
    works
}

/// The trees under `tests/fixtures/sys` that name their host (and so
/// stand for a whole host), sorted.
fn trees_with_host_names() -> Vec<std::path::PathBuf> {
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sys");
    let entries = std::fs::read_dir(fixtures).expect("fixture trees");
    let mut trees: Vec<_> = entries
        .map(|entry| entry.expect("fixture entry").path())
        .filter(|tree| tree.join("proc/sys/kernel/hostname").is_file())
        .collect();
    trees.sort();
    assert!(trees.len() >= 3, "fixture trees missing: {trees:?}");
    trees
}

/// A copy of `tree` without its `etc` and host name: what cfmini finds
/// there and not in the tree comes from those.
fn bare_copy(tree: &Path) -> std::path::PathBuf {
    let name = tree.file_name().unwrap();
    let bare = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("live_system/bare")
        .join(name);
    let _ = std::fs::remove_dir_all(&bare);
    copy_tree(tree, &bare);
    let _ = std::fs::remove_dir_all(bare.join("etc"));
    let _ = std::fs::remove_file(bare.join("proc/sys/kernel/hostname"));
    bare
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            let link = std::fs::read_link(&source).unwrap();
            std::os::unix::fs::symlink(link, &target).unwrap();
        } else if kind.is_dir() {
            copy_tree(&source, &target);
        } else {
            std::fs::copy(&source, &target).unwrap();
        }
    }
}

/// The variables cf-agent derives from `/etc` and the host name.
const TREE_VARS: [&str; 12] = [
    "sys.host",
    "sys.fqhost",
    "sys.uqhost",
    "sys.domain",
    "sys.flavor",
    "sys.flavour",
    "sys.os_release",
    "sys.os_name_human",
    "sys.os_version_major",
    "sys.doc_root",
    "sys.date",
    "sys.cdate",
];

/// Whether a class cf-agent shows comes from `/etc`, the host name or
/// the clock, by its tags.
fn from_tree(tags: &str) -> bool {
    let sources = [
        "derived-from-file=/etc/",
        "derived-from=sys.flavor",
        "derived-from=sys.fqhost",
        "derived-from=sys.uqhost",
        "derived-from=sys.domain",
        "based-on=sys.fqhost",
        "time_based",
    ];
    sources.iter().any(|source| tags.contains(source))
}

#[test]
fn fixture_trees_match_cf_agent_in_their_etc_and_host_name() {
    if !oracle_available() || !namespaces_available() {
        return;
    }
    let trees = trees_with_host_names();
    // Each run takes a couple of seconds, spent mostly waiting.
    let problems: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = trees
            .iter()
            .map(|tree| scope.spawn(move || tree_problems(tree)))
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().unwrap())
            .collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// How cfmini under `tree` differs from cf-agent given the tree's
/// `/etc` and host name.
fn tree_problems(tree: &Path) -> Vec<String> {
    let name = tree.file_name().unwrap().to_string_lossy().into_owned();
    let shown = run_script("cf-agent-in-tree", &[tree.to_str().unwrap()]);
    let found = system::discover_at(tree, systime(&shown));
    let mut problems = Vec::new();
    for var in TREE_VARS {
        let (scope, short) = var.split_once('.').unwrap();
        let ours = found.var(scope, short).map(printed);
        let theirs = shown.vars.get(var);
        let agree = match (&ours, theirs) {
            (Some(ours), Some(theirs)) => value_matches(theirs, ours),
            (None, None) => true,
            _ => false,
        };
        if !agree {
            problems.push(format!(
                "{name}: {var}: cfmini {ours:?}, cf-agent {theirs:?}"
            ));
        }
    }
    let bare = bare_copy(tree);
    problems.extend(at_some_moment(systime(&shown), |now| {
        tree_class_problems(&name, &shown, tree, &bare, now)
    }));
    problems
}

/// The classes cf-agent derives from a tree's `/etc`, host name and
/// clock that cfmini lacks at `now`, and those cfmini derives from them
/// that cf-agent lacks.
fn tree_class_problems(
    name: &str,
    shown: &Shown,
    tree: &Path,
    bare: &Path,
    now: i64,
) -> Vec<String> {
    let found = system::discover_at(tree, now);
    let mut problems = Vec::new();
    for (class, tags) in &shown.classes {
        if from_tree(tags) && !found.has_class(class) {
            problems.push(format!("{name}: class {class} missing"));
        }
    }
    let bare = system::discover_at(bare, now);
    // The hub classes come from the work directory, which the user in
    // /etc/passwd places and cf-agent-run replaces.
    let work = ["am_policy_hub", "policy_server"];
    let from_etc = found.classes.difference(&bare.classes);
    let from_etc = from_etc.filter(|c| !work.contains(&c.as_str()));
    for class in from_etc.filter(|c| !shown.classes.contains_key(*c)) {
        problems.push(format!("{name}: class {class} extra"));
    }
    problems
}

/// `TZ` settings: zone names with and without a colon, a zone with a
/// half-hour offset, POSIX rules for southern summer time and with a
/// quoted name, and UTC.
const ZONES: [&str; 6] = [
    "Europe/Oslo",
    ":America/New_York",
    "Asia/Kolkata",
    "AEST-10AEDT,M10.1.0,M4.1.0/3",
    "<-03>3",
    "",
];

#[test]
fn local_time_follows_tz_as_in_cf_agent() {
    if !oracle_available() {
        return;
    }
    let problems: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = ZONES
            .iter()
            .map(|tz| scope.spawn(move || zone_problems(tz)))
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().unwrap())
            .collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// How cfmini's clock differs from cf-agent's with `TZ` set to `tz`.
fn zone_problems(tz: &str) -> Vec<String> {
    let shown = run_script_in_zone("cf-agent-run", &[], Some(tz));
    let found = system::discover_in(Path::new("/"), systime(&shown), Some(tz));
    let mut problems = Vec::new();
    for name in ["sys.date", "sys.cdate"] {
        let ours = found.sys_text(&name[4..]).unwrap_or_default();
        let theirs = shown.vars.get(name).map_or("", String::as_str);
        if !value_matches(theirs, ours) {
            problems.push(format!(
                "TZ={tz:?}: {name}: cfmini {ours:?}, cf-agent {theirs:?}"
            ));
        }
    }
    problems.extend(at_some_moment(systime(&shown), |now| {
        let root = Path::new("/");
        let ours = system::discover_in(root, now, Some(tz)).classes;
        let differences = class_differences(&shown, &ours.iter().collect());
        differences
            .into_iter()
            .map(|d| format!("TZ={tz:?}: {d}"))
            .collect()
    }));
    problems
}

/// The classes only one of cf-agent and cfmini defines.
fn class_differences(shown: &Shown, ours: &BTreeSet<&String>) -> Vec<String> {
    let theirs: BTreeSet<&String> = shown.classes.keys().collect();
    let missing = theirs
        .difference(ours)
        .map(|c| format!("class {c} missing"));
    let extra = ours.difference(&theirs).map(|c| format!("class {c} extra"));
    missing.chain(extra).collect()
}

/// cf-agent reads the clock for `sys.systime` and again, a moment
/// later, for the time classes; when a minute ends in between, its
/// classes belong to a later second. So the classes may agree at any of
/// the few seconds from `systime` on: no problems when they do, else
/// the problems at `systime`.
fn at_some_moment(
    systime: i64,
    problems: impl Fn(i64) -> Vec<String>,
) -> Vec<String> {
    let first = problems(systime);
    let later = || (1..=5).any(|delay| problems(systime + delay).is_empty());
    if first.is_empty() || later() {
        return Vec::new();
    }
    first
}

/// The interfaces of the private network namespace: a veth pair, one
/// end with two IPv4 addresses and a global IPv6 address, and a bridge
/// without ports, behind a default route. Without duplicate address
/// detection and after a pause, the addresses and routes are settled
/// before cf-agent and cfmini look at them.
const NETWORK_SETUP: &str = "\
    set -e
    mount -t sysfs sysfs /sys
    sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
    ip link set lo up
    ip link add v0 type veth peer name v1
    ip addr add 192.0.2.10/24 dev v0
    ip addr add 192.0.2.11/24 dev v0
    ip addr add 198.51.100.1/24 dev v1
    ip link set v0 up
    ip link set v1 up
    ip -6 addr add 2001:db8:1::10/64 dev v0 nodad
    ip link add b0 type bridge
    ip addr add 10.20.0.1/16 dev b0
    ip link set b0 up
    ip route add default via 192.0.2.1
    sleep 2
";

/// Set for the copy of this test binary that runs inside the private
/// network namespace.
const INSIDE: &str = "CFMINI_TEST_INSIDE_NETWORK_NAMESPACE";

#[test]
fn discovery_matches_cf_agent_in_a_private_network_namespace() {
    if std::env::var_os(INSIDE).is_some() {
        return discovery_matches_cf_agent_on_this_machine();
    }
    if !oracle_available() || !namespaces_available() {
        return;
    }
    let script = format!("{NETWORK_SETUP}\nexec \"$0\" \"$@\"");
    let output = Command::new("unshare")
        .args(["-n", "-m", "sh", "-c", &script])
        .arg(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "discovery_matches_cf_agent_in_a_private_network_namespace",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .env(INSIDE, "1")
        .output()
        .expect("unshare runs");
    let text = String::from_utf8_lossy(&output.stdout)
        + String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("1 passed"), "{text}");
}
