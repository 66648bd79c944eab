//! `network_sockets()` on the machine that runs the tests, held against
//! `ss -tuanpe` (`ss -tuanp` with each socket's inode, which pairs its
//! lines with the kernel's tables exactly). The test opens loopback
//! sockets of its own first, so that known sockets are always there,
//! then checks every socket `ss` lists: same state, addresses, ports
//! and process. Where `ss` is not installed it says so and passes.
//!
//! Other programs open and close sockets while the test runs, so the
//! tables are read before and after `ss`, and a socket agrees when
//! either reading matches; one that neither reading holds must be gone
//! by a second `ss` run.
//!
//! Run as root with `setpriv` at hand, it also runs cfmini and `ss` as
//! `nobody`, to whom the test's own sockets belong to another user:
//! neither can name their process.

use std::collections::HashMap;
use std::fs;
use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use cfmini::builtins::{self, Call, Env};
use cfmini::json;
use cfmini::value::{Data, Value};

/// The live host as `/`.
struct LiveRoot;

impl Env for LiveRoot {
    fn lookup(&self, _name: &str) -> Option<Value> {
        None
    }

    fn sysroot(&self) -> &Path {
        Path::new("/")
    }
}

fn network_sockets() -> Data {
    let builtin = builtins::find("network_sockets").expect("builtin");
    let call = Call {
        name: builtin.name,
        args: Vec::new(),
        env: &LiveRoot,
        written: Vec::new(),
        template: None,
    };
    match (builtin.run)(&call) {
        Ok(Value::Data(data)) => (*data).clone(),
        other => panic!("network_sockets() on this host: {other:?}"),
    }
}

/// One socket as both sides can state it.
#[derive(Clone, Debug, PartialEq)]
struct Seen {
    protocol: String,
    state: String,
    local: (String, String),
    remote: (String, String),
    inode: String,
    /// Each process holding it, by pid, with its command name.
    processes: HashMap<String, String>,
}

/// The kernel's state name for what `ss` prints.
fn kernel_state(ss_state: &str) -> &str {
    match ss_state {
        "ESTAB" => "ESTABLISHED",
        "UNCONN" => "CLOSE",
        "SYN-SENT" => "SYN_SENT",
        "SYN-RECV" => "SYN_RECV",
        "FIN-WAIT-1" => "FIN_WAIT1",
        "FIN-WAIT-2" => "FIN_WAIT2",
        "TIME-WAIT" => "TIME_WAIT",
        "CLOSE-WAIT" => "CLOSE_WAIT",
        "LAST-ACK" => "LAST_ACK",
        other => other,
    }
}

/// `ADDRESS:PORT` as `ss` prints it: IPv6 in brackets, a device after
/// `%`, `*` for any address or port.
fn ss_endpoint(text: &str) -> (String, String) {
    let (address, port) = text.rsplit_once(':').expect("address:port");
    let address = address.split('%').next().unwrap_or(address);
    let address = address.trim_start_matches('[').trim_end_matches(']');
    let port = if port == "*" { "0" } else { port };
    (address.to_string(), port.to_string())
}

/// `users:(("name",pid=1,fd=3),("name",pid=2,fd=4))`.
fn ss_processes(text: &str) -> HashMap<String, String> {
    let mut found = HashMap::new();
    for entry in text.split("(\"").skip(1) {
        let Some((name, rest)) = entry.split_once('"') else {
            continue;
        };
        let pid = rest.split("pid=").nth(1).unwrap_or_default();
        let pid: String =
            pid.chars().take_while(char::is_ascii_digit).collect();
        found.insert(pid, name.to_string());
    }
    found
}

/// The sockets `ss -tuanpe` lists, `None` when `ss` cannot run.
fn ss_sockets() -> Option<Vec<Seen>> {
    let output = match Command::new("ss").arg("-tuanpe").output() {
        Err(error) if error.kind() == ErrorKind::NotFound => return None,
        result => result.expect("ss runs"),
    };
    assert!(output.status.success(), "ss failed: {output:?}");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let lines = text.lines().skip(1);
    Some(lines.map(ss_line).collect())
}

fn ss_line(line: &str) -> Seen {
    let columns: Vec<&str> = line.split_whitespace().collect();
    let rest = &columns[6..];
    let find = |prefix: &str| {
        rest.iter()
            .find_map(|c| c.strip_prefix(prefix))
            .unwrap_or_default()
            .to_string()
    };
    Seen {
        protocol: columns[0].to_string(),
        state: kernel_state(columns[1]).to_string(),
        local: ss_endpoint(columns[4]),
        remote: ss_endpoint(columns[5]),
        inode: match find("ino:") {
            inode if inode.is_empty() => "0".to_string(),
            inode => inode,
        },
        processes: ss_processes(&find("users:")),
    }
}

fn text(data: &Data, path: &[&str]) -> String {
    let mut at = data;
    for key in path {
        at = at.child(key).expect("key");
    }
    match at {
        Data::Str(s) => s.to_string(),
        Data::Int(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Every row of a `network_sockets()` result as a [`Seen`], the
/// process map holding the one owner it names.
fn rows(data: &Data) -> Vec<Seen> {
    let Data::Object(tables) = data else {
        panic!("not an object: {data:?}");
    };
    let mut seen = Vec::new();
    for (name, rows) in tables.iter() {
        let Data::Array(rows) = rows else { continue };
        for row in rows.iter() {
            let pid = text(row, &["pid"]);
            let processes = match pid.is_empty() {
                true => HashMap::new(),
                false => HashMap::from([(pid, text(row, &["command"]))]),
            };
            let end = |side: &str| {
                (text(row, &[side, "address"]), text(row, &[side, "port"]))
            };
            seen.push(Seen {
                protocol: name.trim_end_matches('6').to_string(),
                state: text(row, &["state"]),
                local: end("local"),
                remote: end("remote"),
                inode: text(row, &["inode"]),
                processes,
            });
        }
    }
    seen
}

/// Whether a row stands for what `ss` printed: `*` is either family's
/// any-address, and the row's one owner is among the processes `ss`
/// names, or there is none on both sides.
fn agrees(row: &Seen, ss: &Seen) -> bool {
    let address = |ours: &str, theirs: &str| {
        ours == theirs || (theirs == "*" && matches!(ours, "0.0.0.0" | "::"))
    };
    let owner = match row.processes.iter().next() {
        None => ss.processes.is_empty(),
        Some((pid, command)) => ss.processes.get(pid) == Some(command),
    };
    row.protocol == ss.protocol
        && row.state == ss.state
        && address(&row.local.0, &ss.local.0)
        && row.local.1 == ss.local.1
        && address(&row.remote.0, &ss.remote.0)
        && row.remote.1 == ss.remote.1
        && owner
}

/// The row for what `ss` printed: by inode, or by its ends for a socket
/// without one (TIME_WAIT).
fn matching<'a>(rows: &'a [Seen], ss: &Seen) -> Option<&'a Seen> {
    rows.iter().find(|row| match ss.inode.as_str() {
        "0" => row.inode == "0" && agrees(row, ss),
        inode => row.inode == inode,
    })
}

#[test]
fn every_socket_ss_lists_agrees_with_network_sockets() {
    if ss_sockets().is_none() {
        eprintln!("ss is not installed: network_sockets() not compared");
        return;
    }

    // Known sockets: a listener with one connection to it, a bound UDP
    // socket and one connected to it, and an IPv6 listener where the
    // host has IPv6 loopback.
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, _) = listener.accept().expect("accepted");
    let bound = UdpSocket::bind("127.0.0.1:0").expect("udp");
    let connected = UdpSocket::bind("127.0.0.1:0").expect("udp");
    connected.connect(bound.local_addr().unwrap()).unwrap();
    let listener6 = TcpListener::bind("[::1]:0").ok();

    let before = rows(&network_sockets());
    let listed = ss_sockets().expect("ss");
    let after = rows(&network_sockets());

    let pid = std::process::id().to_string();
    // The ports of the sockets opened above; other tests of this
    // process open their own.
    let ports: Vec<String> = [
        listener.local_addr(),
        client.local_addr(),
        bound.local_addr(),
        connected.local_addr(),
    ]
    .into_iter()
    .chain(listener6.as_ref().map(TcpListener::local_addr))
    .map(|address| address.unwrap().port().to_string())
    .collect();
    let mut own = 0;
    for ss in &listed {
        let found = [&before, &after]
            .into_iter()
            .filter_map(|rows| matching(rows, ss))
            .any(|row| agrees(row, ss));
        if ss.processes.contains_key(&pid) && ports.contains(&ss.local.1) {
            assert!(found, "own socket {ss:?} not in {before:#?}");
            own += 1;
        } else if !found {
            // Gone between the readings, or the test is wrong.
            let again = ss_sockets().expect("ss");
            assert!(!again.contains(ss), "{ss:?} not in {before:#?}");
        }
    }

    // listener, client, server, bound, connected, and maybe listener6.
    let expected = 5 + usize::from(listener6.is_some());
    assert_eq!(own, expected, "own sockets in {listed:#?}");
    let port = listener.local_addr().unwrap().port().to_string();
    let own_listener = before.iter().find(|row| {
        row.local == ("127.0.0.1".to_string(), port.clone())
            && row.state == "LISTEN"
    });
    let owner = own_listener.and_then(|row| row.processes.get(&pid));
    assert!(owner.is_some(), "listener on {port} not held by {pid}");
    drop((client, server, connected));
}

/// Whether this test runs as root with `setpriv` to drop to `nobody`.
fn can_drop_to_nobody() -> bool {
    let root = fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .any(|l| l.split_whitespace().eq(["Uid:", "0", "0", "0", "0"]))
    });
    let setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    root && setpriv
}

/// `COMMAND ARGS` run as uid and gid 65534 (`nobody`).
fn as_nobody(command: &str, args: &[&str]) -> String {
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", command])
        .args(args)
        .output()
        .expect("setpriv runs");
    assert!(output.status.success(), "{command}: {output:?}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A socket of another user's process has no known process for one
/// who may not read that process's fd links, as `ss` shows it too.
#[test]
fn another_users_socket_has_no_process_where_its_fds_cannot_be_read() {
    if !can_drop_to_nobody() {
        eprintln!("not root, or no setpriv: unreadable owners not tried");
        return;
    }
    if ss_sockets().is_none() {
        eprintln!("ss is not installed: unreadable owners not compared");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
    let port = listener.local_addr().unwrap().port().to_string();

    // The policy must be readable by nobody.
    let dir = std::env::temp_dir()
        .join(format!("cfmini-live-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let policy = dir.join("listening.cf");
    fs::write(
        &policy,
        "bundle agent main { vars: \"s\" data => network_sockets(\"tcp4\", \"LISTEN\");\n\
         reports: \"$(with)\" with => format(\"%S\", s); }\n",
    )
    .unwrap();
    let readable = fs::Permissions::from_mode(0o755);
    fs::set_permissions(&dir, readable.clone()).unwrap();
    fs::set_permissions(&policy, readable).unwrap();
    let printed = as_nobody(
        env!("CARGO_BIN_EXE_cfmini"),
        &["run", policy.to_str().unwrap()],
    );
    let listed = as_nobody("ss", &["-tlnpe"]);
    let _ = fs::remove_dir_all(&dir);

    let json = printed.strip_prefix("R: ").expect("one report").trim_end();
    let data = json::parse(json).expect("JSON");
    let rows = rows(&data);
    let ours = rows
        .iter()
        .find(|row| row.local.1 == port)
        .expect("own listener");
    assert!(ours.processes.is_empty(), "{ours:?}");
    let line = listed
        .lines()
        .find(|l| l.contains(&format!("127.0.0.1:{port} ")));
    let line = line.expect("ss lists the listener");
    assert!(!line.contains("users:"), "{line}");
    drop(listener);
}
