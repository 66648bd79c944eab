//! Checks `network_sockets()`, which cf-agent lacks, against the
//! fixture trees of `tests/fixtures/proc`. Each expected value is
//! worked out by hand from the kernel's meaning of the table columns
//! (`net/ipv4/tcp_ipv4.c`, `net/ipv6/tcp_ipv6.c`, `net/ipv4/udp.c`:
//! addresses as host-order hex words, ports and states in hex, uid and
//! inode in decimal) and the trees' `/etc/passwd` and `/proc/PID`
//! entries; the comment by each says how. Where cf-agent reads a
//! column the kernel's way, the result is also held against what
//! cf-agent's `network_connections()` returned for the same tree.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use cfmini::builtins::{self, Call};
use cfmini::json;
use cfmini::value::{Array, Data, ScalarKind, Value};

mod common;

use common::FixtureRoot;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/proc")
}

/// `network_sockets(args...)` with `root` as the sysroot.
fn call_at(root: &Path, args: &[&str]) -> Result<Data, String> {
    let builtin = builtins::find("network_sockets").expect("builtin");
    let env = FixtureRoot(root.to_path_buf());
    let args = args
        .iter()
        .map(|a| Value::Scalar(ScalarKind::String, (*a).into()))
        .collect();
    let call = Call {
        name: builtin.name,
        args,
        env: &env,
        written: Vec::new(),
        template: None,
    };
    match (builtin.run)(&call)? {
        Value::Data(data) => Ok((*data).clone()),
        other => panic!("not data: {other:?}"),
    }
}

fn sockets_in(tree: &str, args: &[&str]) -> Result<Data, String> {
    call_at(&fixtures().join(tree), args)
}

fn text(data: &Data) -> String {
    match data {
        Data::Str(s) => s.to_string(),
        other => json::to_compact(other),
    }
}

fn field(row: &Data, path: &[&str]) -> String {
    let mut at = row;
    for key in path {
        at = at
            .child(key)
            .unwrap_or_else(|| panic!("no {key} in {row:?}"));
    }
    text(at)
}

/// One socket on one line: `local -> remote STATE`, then the queues,
/// uid, user, inode, pid and command.
fn summary(row: &Data) -> String {
    format!(
        "{}:{} -> {}:{} {} tx={} rx={} uid={} user={} inode={} pid={} \
         command={}",
        field(row, &["local", "address"]),
        field(row, &["local", "port"]),
        field(row, &["remote", "address"]),
        field(row, &["remote", "port"]),
        field(row, &["state"]),
        field(row, &["tx_queue"]),
        field(row, &["rx_queue"]),
        field(row, &["uid"]),
        field(row, &["user"]),
        field(row, &["inode"]),
        field(row, &["pid"]),
        field(row, &["command"]),
    )
}

fn table<'a>(data: &'a Data, name: &str) -> &'a Array {
    match data.child(name) {
        Some(Data::Array(rows)) => rows,
        other => panic!("no table {name}: {other:?}"),
    }
}

fn row<'a>(data: &'a Data, name: &str, index: usize) -> &'a Data {
    let rows = table(data, name);
    rows.get(index)
        .unwrap_or_else(|| panic!("no row {index}: {rows:?}"))
}

fn keys(data: &Data) -> Vec<String> {
    match data {
        Data::Object(object) => {
            object.iter().map(|p| p.0.to_string()).collect()
        }
        other => panic!("not an object: {other:?}"),
    }
}

fn summaries(data: &Data, name: &str) -> Vec<String> {
    table(data, name).iter().map(summary).collect()
}

#[test]
fn owners_tree_gives_each_socket_its_kernel_meaning() {
    let data = sockets_in("owners", &[]).expect("sockets");
    // No udp6 table in the tree: its key is left out.
    assert_eq!(keys(&data), ["tcp", "tcp6", "udp"]);

    // 0100007F is 127.0.0.1 written as a little-endian word; 0A is
    // LISTEN. Processes 100 and 250 both hold socket 1001: the lower
    // wins. Process 500 has no comm file, 400 no fd directory, so
    // socket 1005 has no known owner. uid 1000 is named twice in
    // /etc/passwd: the first line, alice, names it. The TIME_WAIT line
    // has inode 0, which no process holds, and the placeholder uid 0
    // the kernel writes for an entry that belongs to no one. D431 is port 54321, 2382
    // port 9090, queues 00000010:00000200 are 16 and 512; the wide slot
    // 12345 is read like any other.
    let tcp = [
        "127.0.0.1:22 -> 0.0.0.0:0 LISTEN tx=0 rx=0 uid=0 user=root \
         inode=1001 pid=100 command=sshd",
        "0.0.0.0:80 -> 0.0.0.0:0 LISTEN tx=0 rx=0 uid=33 user=www-data \
         inode=1002 pid=200 command=nginx",
        "127.0.0.1:80 -> 127.0.0.1:54321 ESTABLISHED tx=16 rx=512 uid=33 \
         user=www-data inode=1003 pid=201 command=nginx",
        "127.0.0.1:54321 -> 127.0.0.1:80 ESTABLISHED tx=0 rx=0 uid=1000 \
         user=alice inode=1004 pid=300 command=curl",
        "127.0.0.1:54319 -> 127.0.0.1:80 TIME_WAIT tx=0 rx=0 uid=null \
         user=null inode=0 pid=null command=null",
        "127.0.0.1:8080 -> 0.0.0.0:0 LISTEN tx=0 rx=0 uid=4242 user=null \
         inode=1005 pid=null command=null",
        "127.0.0.1:9090 -> 0.0.0.0:0 LISTEN tx=0 rx=0 uid=1000 user=alice \
         inode=1006 pid=500 command=null",
        "192.0.2.10:443 -> 198.51.100.9:40000 ESTABLISHED tx=0 rx=0 \
         uid=33 user=www-data inode=1007 pid=201 command=nginx",
    ];
    assert_eq!(summaries(&data, "tcp"), tcp);

    // IPv6 words are host-order too: 000080FE... is fe80::, and
    // FFFF0000 0100007F the mapped 127.0.0.1. 08 is CLOSE_WAIT.
    let tcp6 = [
        "::1:631 -> :::0 LISTEN tx=0 rx=0 uid=0 user=root inode=2001 \
         pid=600 command=cupsd",
        "fe80::1:22 -> fe80::a:58536 ESTABLISHED tx=0 rx=0 uid=0 \
         user=root inode=2002 pid=100 command=sshd",
        "::ffff:127.0.0.1:80 -> ::ffff:127.0.0.1:54323 CLOSE_WAIT tx=0 \
         rx=1 uid=33 user=www-data inode=2003 pid=200 command=nginx",
    ];
    assert_eq!(summaries(&data, "tcp6"), tcp6);

    // UDP: 07 is an unconnected socket (CLOSE), 01 a connected one;
    // the last is in the five-digit slot 12001.
    let udp = [
        "127.0.0.53:53 -> 0.0.0.0:0 CLOSE tx=0 rx=0 uid=101 \
         user=systemd-resolve inode=3001 pid=700 command=systemd-resolve",
        "127.0.0.1:50000 -> 127.0.0.53:53 ESTABLISHED tx=0 rx=0 uid=1000 \
         user=alice inode=3002 pid=800 command=dig",
        "0.0.0.0:68 -> 0.0.0.0:0 CLOSE tx=0 rx=0 uid=0 user=root \
         inode=3003 pid=900 command=dhclient",
    ];
    assert_eq!(summaries(&data, "udp"), udp);
}

/// The states of a table's sockets, in order.
fn states(data: &Data, name: &str) -> Vec<String> {
    table(data, name)
        .iter()
        .map(|r| field(r, &["state"]))
        .collect()
}

#[test]
fn states_tree_names_every_kernel_state_code() {
    let data = sockets_in("states", &[]).expect("sockets");
    // Codes 01 to 0C, one line each, local ports 4E21 (20001) onward.
    let tcp = [
        "ESTABLISHED",
        "SYN_SENT",
        "SYN_RECV",
        "FIN_WAIT1",
        "FIN_WAIT2",
        "TIME_WAIT",
        "CLOSE",
        "CLOSE_WAIT",
        "LAST_ACK",
        "LISTEN",
        "CLOSING",
        "NEW_SYN_RECV",
    ];
    assert_eq!(states(&data, "tcp"), tcp);
    let ports: Vec<String> = table(&data, "tcp")
        .iter()
        .map(|r| field(r, &["local", "port"]))
        .collect();
    let expected: Vec<String> =
        (20001..=20012).map(|p| p.to_string()).collect();
    assert_eq!(ports, expected);
    // A connected UDP socket in slot 100, an unconnected one in 4974.
    assert_eq!(states(&data, "udp"), ["ESTABLISHED", "CLOSE"]);
}

#[test]
fn ipv6_tree_writes_addresses_in_standard_form() {
    let data = sockets_in("ipv6", &[]).expect("sockets");
    let pairs = |name: &str| -> Vec<String> {
        table(&data, name)
            .iter()
            .map(|r| {
                let local = field(r, &["local", "address"]);
                format!("{local} {}", field(r, &["remote", "address"]))
            })
            .collect()
    };
    // Each 32-bit word is little-endian: B80D0120 is 2001:0db8.
    let tcp6 = [
        ":: ::",
        "fe80::1 fe80::2",
        "::ffff:192.0.2.7 ::ffff:198.51.100.9",
        "2001:db8::1 2001:db8:85a3::8a2e:370:7334",
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff::",
    ];
    assert_eq!(pairs("tcp6"), tcp6);
    assert_eq!(
        pairs("udp6"),
        ["fe80::1 ::", "2001:db8::53 2001:db8:0:1::99"]
    );
    assert_eq!(states(&data, "tcp6")[4], "SYN_SENT");
}

#[test]
fn lines_out_of_the_kernel_layout_are_left_out() {
    let data = sockets_in("malformed", &[]).expect("sockets");
    // Kept: lines 0, 4 and 5 (lower-case hex), 6, the slot 12345678,
    // 10, 12 (an IPv6 token in the IPv4 table), 14 and 15 (A0 and 1A,
    // past the last state), 21. Left out: lines cut short, a
    // non-numeric slot, no blank after the slot, tokens too short or
    // too long, a state of more than two digits, garbage.
    let remote_ports: Vec<String> = table(&data, "tcp")
        .iter()
        .map(|r| field(r, &["remote", "port"]))
        .collect();
    let expected = [
        "0", "51000", "51000", "51001", "51003", "51005", "51007", "51009",
        "51010", "51016",
    ];
    assert_eq!(remote_ports, expected);
    let tcp = states(&data, "tcp");
    assert_eq!(tcp[2], "LISTEN");
    assert_eq!(&tcp[7..9], ["UNKNOWN", "UNKNOWN"]);
    let mapped = field(row(&data, "tcp", 6), &["local", "address"]);
    assert_eq!(mapped, "::ffff:127.0.0.1");
    // Of the UDP lines only the whole one, slot 4974, is kept.
    assert_eq!(states(&data, "udp"), ["CLOSE"]);
}

#[test]
fn empty_header_only_and_missing_tables() {
    // tcp and udp6 are empty, tcp6 and udp hold only their header.
    let data = sockets_in("empty", &[]).expect("sockets");
    assert_eq!(
        json::to_compact(&data),
        r#"{"tcp":[],"tcp6":[],"udp":[],"udp6":[]}"#
    );
    // Only tcp exists.
    let data = sockets_in("missing", &[]).expect("sockets");
    assert_eq!(keys(&data), ["tcp"]);
    assert_eq!(states(&data, "tcp"), ["LISTEN"]);
    // None exists: no table, and no error.
    let data = sockets_in("none", &[]).expect("sockets");
    assert!(keys(&data).is_empty());
}

#[test]
fn arguments_select_tables_and_states() {
    let listening = sockets_in("owners", &["tcp", "LISTEN"]).unwrap();
    assert_eq!(keys(&listening), ["tcp", "tcp6"]);
    let ports = |data: &Data, name: &str| -> Vec<String> {
        table(data, name)
            .iter()
            .map(|r| field(r, &["local", "port"]))
            .collect()
    };
    assert_eq!(ports(&listening, "tcp"), ["22", "80", "8080", "9090"]);
    assert_eq!(ports(&listening, "tcp6"), ["631"]);

    let udp4 = sockets_in("owners", &["udp4"]).unwrap();
    assert_eq!(keys(&udp4), ["udp"]);
    let any = sockets_in("owners", &["", ""]).unwrap();
    assert_eq!(any, sockets_in("owners", &[]).unwrap());
    let bound = sockets_in("owners", &["all", "CLOSE"]).unwrap();
    assert_eq!(ports(&bound, "udp"), ["53", "68"]);
    assert!(table(&bound, "tcp").is_empty());

    // The tree has no udp6 table.
    let none = sockets_in("owners", &["udp6"]).unwrap();
    assert!(keys(&none).is_empty());
    let error = sockets_in("owners", &["sctp"]).unwrap_err();
    assert!(error.contains("protocol of all, tcp, udp"), "{error}");
    assert!(error.contains("not 'sctp'"), "{error}");
    let error = sockets_in("owners", &["tcp", "listen"]).unwrap_err();
    assert!(error.contains("not 'listen'"), "{error}");
    let error = sockets_in("owners", &["tcp", "UNKNOWN"]).unwrap_err();
    assert!(error.contains("not 'UNKNOWN'"), "{error}");
}

#[test]
fn real_capture_holds_the_sockets_listed_when_it_was_taken() {
    // SOCKETS.txt of the capture names these; other lines belong to
    // whatever else ran on the host.
    let data = sockets_in("loopback", &[]).expect("sockets");
    let find = |name: &str, line: &str| {
        let rows = summaries(&data, name);
        assert!(
            rows.iter().any(|r| r.starts_with(line)),
            "{name}: no '{line}' in {rows:#?}"
        );
    };
    find("tcp", "127.0.0.1:18631 -> 0.0.0.0:0 LISTEN");
    find("tcp", "0.0.0.0:18022 -> 0.0.0.0:0 LISTEN");
    find("tcp", "127.0.0.1:18022 -> 127.0.0.1:");
    find("tcp6", "::1:18631 -> :::0 LISTEN");
    find("tcp6", ":::18080 -> :::0 LISTEN");
    find("tcp6", "::ffff:127.0.0.1:18080 -> ::ffff:127.0.0.1:");
    find("udp", "127.0.0.1:15353 -> 0.0.0.0:0 CLOSE");
    find("udp6", "::1:15354 -> :::0 CLOSE");
    find("udp6", ":::15355 -> :::0 CLOSE");
    let tcp = states(&data, "tcp");
    for state in ["ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT2"] {
        assert!(tcp.contains(&state.to_string()), "{state} in {tcp:?}");
    }
}

/// The rows cf-agent's `network_connections()` gave for a tree, from
/// the golden `tests/oracle/regen-network` recorded.
fn cf_agent_rows(tree: &str) -> Data {
    let path = fixtures().join(tree).join("expected.json");
    let text = fs::read_to_string(path).expect("expected.json");
    json::parse(&text).expect("json")
}

/// Where cf-agent reads the kernel's columns right, it agrees: the same
/// sockets in the same order, IPv4 addresses and every port alike, and
/// states alike for codes 01 to 09, which read the same in decimal.
#[test]
fn agrees_with_cf_agent_where_cf_agent_reads_the_kernel_right() {
    for tree in ["loopback", "states", "ipv6", "owners", "missing"] {
        let ours = sockets_in(tree, &[]).expect("sockets");
        let theirs = cf_agent_rows(tree);
        assert_eq!(keys(&ours), keys(&theirs), "{tree}");
        for name in keys(&ours) {
            let (ours, theirs) = (table(&ours, &name), table(&theirs, &name));
            assert_eq!(ours.len(), theirs.len(), "{tree} {name}");
            for (a, b) in ours.iter().zip(theirs) {
                for end in ["local", "remote"] {
                    let port = [end, "port"];
                    assert_eq!(field(a, &port), field(b, &port), "{tree}");
                    if !name.ends_with('6') {
                        let address = [end, "address"];
                        assert_eq!(field(a, &address), field(b, &address));
                    }
                }
                let theirs = field(b, &["state"]);
                if theirs != "UNKNOWN" {
                    assert_eq!(field(a, &["state"]), theirs, "{tree} {name}");
                }
            }
        }
    }
}

/// `cfmini run POLICY`, under `sysroot` when given: stdout and status.
fn run_policy(policy: &str, sysroot: Option<&Path>) -> (String, Option<i32>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cfmini"));
    command.arg("run").current_dir(env!("CARGO_MANIFEST_DIR"));
    if let Some(root) = sysroot {
        command.arg("--sysroot").arg(root);
    }
    let output = command.arg(policy).output().expect("cfmini runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.is_empty(), "{policy}: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    (stdout, output.status.code())
}

const POLICIES: [&str; 3] = [
    "policies/listening_services.cf",
    "policies/connections_per_host.cf",
    "policies/loopback_only.cf",
];

/// The example policies on the `owners` tree: what each line of its
/// tables means, as the first test here spells out.
#[test]
fn example_policies_report_the_owners_tree() {
    let root = fixtures().join("owners");
    let listening = "\
R: 7 listening sockets
R: tcp_0: 127.0.0.1 port 22, sshd (pid 100), user root
R: tcp_1: 0.0.0.0 port 80, nginx (pid 200), user www-data
R: tcp_2: 127.0.0.1 port 8080, unknown process, user uid 4242
R: tcp_3: 127.0.0.1 port 9090, pid 500, user alice
R: tcp6_0: ::1 port 631, cupsd (pid 600), user root
R: udp_0: 127.0.0.53 port 53, systemd-resolve (pid 700), user systemd-resolve
R: udp_1: 0.0.0.0 port 68, dhclient (pid 900), user root
";
    // Established: 127.0.0.1 twice (both ends of one connection), the
    // peer of the wide slot, and the link-local peer over IPv6.
    let per_host = "\
R: 4 established connections
R: 127.0.0.1: 2
R: 198.51.100.9: 1
R: fe80::a: 1
";
    // Port 80 listens on 0.0.0.0; 22, 631 and 8080 on loopback.
    let loopback = "\
R: port 5432: not listening
R: port 22: loopback only
R: port 631: loopback only
R: port 8080: loopback only
R: port 80: NOT loopback only
R: port 80: listens on 0.0.0.0
";
    for (policy, expected) in
        POLICIES.iter().zip([listening, per_host, loopback])
    {
        let (stdout, status) = run_policy(policy, Some(&root));
        assert_eq!(status, Some(0), "{policy}");
        assert_eq!(stdout, expected, "{policy}");
    }
}

/// On the machine that runs the tests each policy runs to the end and
/// opens with its count line.
#[test]
fn example_policies_run_on_this_host() {
    let heads = ["listening sockets", "established connections", "port "];
    for (policy, head) in POLICIES.iter().zip(heads) {
        let (stdout, status) = run_policy(policy, None);
        assert_eq!(status, Some(0), "{policy}");
        let first = stdout.lines().next().unwrap_or_default();
        assert!(first.starts_with("R: ") && first.contains(head), "{stdout}");
    }
}

#[test]
fn a_comm_file_the_kernel_could_not_have_written_names_no_command() {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("odd-comm");
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(root.join("proc/net")).unwrap();
    let tcp = fixtures().join("owners/proc/net/tcp");
    fs::copy(tcp, root.join("proc/net/tcp")).unwrap();

    // Socket 1001 is held by process 12, whose comm is, in turn, longer
    // than the kernel's 16 bytes, endless, and a pipe no one writes.
    let process = root.join("proc/12");
    fs::create_dir_all(process.join("fd")).unwrap();
    std::os::unix::fs::symlink("socket:[1001]", process.join("fd/3")).unwrap();
    let comm = process.join("comm");
    let odd_comms: [&dyn Fn(); 3] = [
        &|| fs::write(&comm, "x".repeat(100)).unwrap(),
        &|| std::os::unix::fs::symlink("/dev/zero", &comm).unwrap(),
        &|| {
            let status = Command::new("mkfifo").arg(&comm).status();
            assert!(status.unwrap().success(), "mkfifo");
        },
    ];
    for make in odd_comms {
        let _ = fs::remove_file(&comm);
        make();
        let data = call_at(&root, &["tcp4", "LISTEN"]).unwrap();
        let socket = row(&data, "tcp", 0);
        assert_eq!(field(socket, &["pid"]), "12");
        assert_eq!(field(socket, &["command"]), "null");
    }
}
