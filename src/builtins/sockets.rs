//! `network_sockets()`, a builtin of cfmini alone: the sockets of
//! `/proc/net/{tcp,tcp6,udp,udp6}` as the kernel means them.
//!
//! It reads the same tables as `network_connections()` and hands on one
//! data container with a key per table that could be opened, each an
//! array of objects:
//!
//! - `local` and `remote`: `{address, port}`, the address in standard
//!   text form (`127.0.0.1`, `::1`, `fe80::1`, `::ffff:192.0.2.7`, IPv6
//!   compressed as RFC 5952 asks) and the port as a decimal string;
//! - `state`: the name of the kernel's TCP state code (`LISTEN` for
//!   `0A`); UDP sockets use two of them, `ESTABLISHED` once connected
//!   and `CLOSE` otherwise; a code outside the table is `UNKNOWN`;
//! - `tx_queue`, `rx_queue`, `uid` and `inode` as numbers, and `user`,
//!   the name `/etc/passwd` gives the uid, or null; a TIME_WAIT entry,
//!   which belongs to no one, has a null uid and user;
//! - `pid` and `command`: the process holding the socket, found through
//!   the `socket:[INODE]` links under `/proc/PID/fd`, or null where no
//!   readable process holds it (see [`crate::system::owners`]); of
//!   several processes sharing a socket, the lowest pid.
//!
//! Everything is read under the sysroot. The kernel writes addresses as
//! 32-bit words in the byte order of the host that wrote the table;
//! they are decoded as little-endian, the order of x86 and ARM Linux,
//! so a table copied from a big-endian host reads wrong.
//!
//! A line that is not in the kernel's layout is skipped, where
//! `network_connections()` keeps what cf-agent would; the two functions
//! differ on purpose, and the README shows both on one host.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;

use super::network::{MAX_TABLE_BYTES, proc_net_dir};
use super::{Call, CallResult, users};
use crate::system::owners::{Owner, socket_owners};
use crate::system::sysroot::{in_sysroot, open_for_reading};
use crate::value::{Data, Object, Str};

/// What `cfmini help network_sockets` says besides the row.
pub const HELP: &str = "\
network_sockets() exists in cfmini only: cf-agent has no such function,
so a policy calling it runs under cfmini alone, and `cfmini check`
warns of each call.

It reads /proc/net/{tcp,tcp6,udp,udp6} under the sysroot, as
network_connections() does, and gives the kernel's meaning: one key per
table that opens, each an array of sockets with
  local, remote   {address, port}: addresses in standard text form
                  (::1, fe80::1, ::ffff:192.0.2.7), ports as strings
  state           the kernel's TCP state name: ESTABLISHED, SYN_SENT,
                  SYN_RECV, FIN_WAIT1, FIN_WAIT2, TIME_WAIT, CLOSE,
                  CLOSE_WAIT, LAST_ACK, LISTEN, CLOSING, NEW_SYN_RECV
                  (UDP: CLOSE when bound, ESTABLISHED when connected)
  tx_queue, rx_queue, uid, inode   numbers
  user            the name /etc/passwd gives the uid, or null
                  (both null for TIME_WAIT, which has no owner)
  pid, command    the process holding the socket, from the
                  socket:[INODE] links of /proc/PID/fd and
                  /proc/PID/comm; null where none readable holds it;
                  the lowest pid of several sharing it
A table that is not there is left out.

Arguments, both optional, filter:
  PROTOCOL  all, tcp or udp (both families), tcp4, tcp6, udp4, udp6
  STATE     one state name above
An empty string means any; anything else is an error.
";

/// The kernel's TCP states, indexed by code (`include/net/tcp_states.h`).
pub const STATES: [&str; 13] = [
    "UNKNOWN",
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

/// What the first argument accepts, and the tables each one selects.
const PROTOCOLS: [(&str, &[&str]); 7] = [
    ("all", &["tcp", "tcp6", "udp", "udp6"]),
    ("tcp", &["tcp", "tcp6"]),
    ("udp", &["udp", "udp6"]),
    ("tcp4", &["tcp"]),
    ("tcp6", &["tcp6"]),
    ("udp4", &["udp"]),
    ("udp6", &["udp6"]),
];

/// `network_sockets([PROTOCOL[, STATE]])`: the socket tables under the
/// sysroot. PROTOCOL is `all` (or empty), `tcp` or `udp` for both
/// families, or one table: `tcp4`, `tcp6`, `udp4`, `udp6`. STATE is
/// one name of [`STATES`] but `UNKNOWN`, or empty for any. A table
/// that is not there is left out, so that a policy can merge what it
/// gets without a guard; fails when an argument is none of these, or
/// when the sysroot has no `proc/net` directory at all.
pub fn network_sockets(call: &Call) -> CallResult {
    let tables = selected_tables(call)?;
    let state = selected_state(call)?;

    let dir = proc_net_dir(call.env.sysroot());
    if !dir.is_dir() {
        let shown = dir.display();
        return Err(format!("function '{}' found no '{shown}'", call.name));
    }
    let found = read_tables(call.env.sysroot(), tables, state);

    // The slower reads, every process's fd links, only once a table
    // is known to be there. An `/etc/passwd` that cannot be read names
    // no user, as one that is missing.
    let users = users::names_by_uid(call).unwrap_or_default();
    let owners = socket_owners(call.env.sysroot());
    let pairs = found.into_iter().map(|(name, sockets)| {
        let rows = sockets.iter().map(|s| s.to_data(&users, &owners));
        (Str::from(name), Data::Array(rows.collect()))
    });
    let object = Object::from_unique_pairs(pairs.collect());
    Ok(super::data(Data::Object(object)))
}

/// The sockets of each table in `tables` that opens, those in `state`
/// alone when one is given.
fn read_tables(
    sysroot: &Path,
    tables: &[&'static str],
    state: Option<&str>,
) -> Vec<(&'static str, Vec<Socket>)> {
    let mut found = Vec::new();
    for &name in tables {
        let path = in_sysroot(sysroot, &format!("/proc/net/{name}"));
        let Some(mut sockets) = read_table(&path) else {
            continue;
        };
        if let Some(state) = state {
            sockets.retain(|socket| socket.state == state);
        }
        found.push((name, sockets));
    }
    found
}

fn selected_tables(call: &Call) -> Result<&'static [&'static str], String> {
    let text = match call.args.len() {
        0 => "all",
        _ => call.string(0)?,
    };
    let text = if text.is_empty() { "all" } else { text };
    let found = PROTOCOLS.iter().find(|(name, _)| *name == text);
    found.map(|(_, tables)| *tables).ok_or_else(|| {
        let names: Vec<&str> = PROTOCOLS.iter().map(|p| p.0).collect();
        format!(
            "function '{}' takes a protocol of {}, not '{text}'",
            call.name,
            names.join(", ")
        )
    })
}

fn selected_state(call: &Call) -> Result<Option<&'static str>, String> {
    if call.args.len() < 2 {
        return Ok(None);
    }
    let text = call.string(1)?;
    if text.is_empty() {
        return Ok(None);
    }
    let names = &STATES[1..];
    match names.iter().find(|name| **name == text) {
        Some(name) => Ok(Some(name)),
        None => Err(format!(
            "function '{}' takes a state of {} or '', not '{text}'",
            call.name,
            names.join(", ")
        )),
    }
}

/// One socket line, decoded.
#[derive(Debug, PartialEq)]
struct Socket {
    local: (String, u16),
    remote: (String, u16),
    state: &'static str,
    tx_queue: u64,
    rx_queue: u64,
    uid: u32,
    inode: u64,
}

/// The sockets of one table, `None` when it is not a file that opens.
/// A device or a pipe is not read, as it may never end.
fn read_table(path: &Path) -> Option<Vec<Socket>> {
    let (file, metadata) = open_for_reading(path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    let mut reader = BufReader::new(file.take(MAX_TABLE_BYTES));
    let mut sockets = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        // A read error ends the table where it happened.
        let read = (&mut reader)
            .take(MAX_LINE_BYTES)
            .read_until(b'\n', &mut line);
        if !matches!(read, Ok(1..)) {
            break;
        }
        // No kernel's line is this long: skip it whole, unread.
        if line.len() as u64 == MAX_LINE_BYTES && line.last() != Some(&b'\n') {
            if reader.skip_until(b'\n').is_err() {
                break;
            }
            continue;
        }
        sockets.extend(parse_line(&line));
    }
    Some(sockets)
}

/// The longest line read as a socket; the kernel's are under 200 bytes.
const MAX_LINE_BYTES: u64 = 4096;

/// A line in the kernel's layout: slot, local, remote, state,
/// `tx:rx` queues, timer, retransmits, uid, timeout, inode, then
/// columns not read. `None` for any other line, the header included.
fn parse_line(line: &[u8]) -> Option<Socket> {
    let line = std::str::from_utf8(line).ok()?;
    let mut columns = line.split_ascii_whitespace();
    let slot = columns.next()?.strip_suffix(':')?;
    if slot.is_empty() || !slot.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let local = endpoint(columns.next()?)?;
    let remote = endpoint(columns.next()?)?;
    let state = state_name(columns.next()?)?;
    let (tx, rx) = columns.next()?.split_once(':')?;
    let _timer = columns.next()?;
    let _retransmits = columns.next()?;
    let uid = columns.next()?.parse().ok()?;
    let _timeout = columns.next()?;
    let inode = columns.next()?.parse().ok()?;
    Some(Socket {
        local,
        remote,
        state,
        tx_queue: hex(tx)?,
        rx_queue: hex(rx)?,
        uid,
        inode,
    })
}

/// The name of a state column, two hex digits.
fn state_name(column: &str) -> Option<&'static str> {
    if column.len() != 2 {
        return None;
    }
    let code = hex(column)? as usize;
    Some(STATES.get(code).copied().unwrap_or(STATES[0]))
}

/// `ADDRESS:PORT` in hex: 8 digits for IPv4, 32 for IPv6, 4 for the
/// port.
fn endpoint(token: &str) -> Option<(String, u16)> {
    let (address, port) = token.split_once(':')?;
    if port.len() != 4 {
        return None;
    }
    let port = u16::try_from(hex(port)?).ok()?;
    let address = match address.len() {
        8 => Ipv4Addr::from(word_bytes(address)?).to_string(),
        32 => ipv6_text(address)?,
        _ => return None,
    };
    Some((address, port))
}

/// Four 32-bit words of hex, each in host (little-endian) order.
fn ipv6_text(hex_text: &str) -> Option<String> {
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(4).enumerate() {
        let word = hex_text.get(i * 8..i * 8 + 8)?;
        chunk.copy_from_slice(&word_bytes(word)?);
    }
    Some(Ipv6Addr::from(bytes).to_string())
}

/// The bytes in memory order of a 32-bit word the kernel printed with
/// `%08X` on a little-endian host.
fn word_bytes(word: &str) -> Option<[u8; 4]> {
    let value = u32::try_from(hex(word)?).ok()?;
    Some(value.to_le_bytes())
}

/// A run of hex digits, upper or lower case, and nothing else.
fn hex(text: &str) -> Option<u64> {
    let digits =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_hexdigit());
    digits.then(|| u64::from_str_radix(text, 16).ok())?
}

impl Socket {
    /// The object a socket becomes, its user and owner looked up.
    fn to_data(
        &self,
        users: &HashMap<u32, String>,
        owners: &HashMap<u64, Owner>,
    ) -> Data {
        let text = |s: &str| Data::Str(s.into());
        let number = |n: u64| Data::Int(i64::try_from(n).unwrap_or(i64::MAX));
        // The kernel writes uid 0 for a TIME_WAIT entry, which no
        // longer belongs to anyone.
        let uid = Some(self.uid).filter(|_| self.state != "TIME_WAIT");
        let user = uid
            .and_then(|u| users.get(&u))
            .map_or(Data::Null, |u| text(u));
        // Inode 0 is no socket file: a TIME_WAIT entry has none.
        let owner = owners.get(&self.inode).filter(|_| self.inode != 0);
        let pid = owner.map_or(Data::Null, |o| number(o.pid.into()));
        let command = owner
            .and_then(|o| o.command.as_deref())
            .map_or(Data::Null, text);
        let pairs = vec![
            ("local", endpoint_data(&self.local)),
            ("remote", endpoint_data(&self.remote)),
            ("state", text(self.state)),
            ("tx_queue", number(self.tx_queue)),
            ("rx_queue", number(self.rx_queue)),
            ("uid", uid.map_or(Data::Null, |u| number(u.into()))),
            ("user", user),
            ("inode", number(self.inode)),
            ("pid", pid),
            ("command", command),
        ];
        let pairs = pairs.into_iter().map(|(k, v)| (Str::from(k), v));
        Data::Object(Object::from_unique_pairs(pairs.collect()))
    }
}

fn endpoint_data((address, port): &(String, u16)) -> Data {
    let pairs = vec![
        (Str::from("address"), Data::Str(address.as_str().into())),
        (Str::from("port"), Data::Str(port.to_string().into())),
    ];
    Data::Object(Object::from_unique_pairs(pairs))
}

#[cfg(test)]
mod tests {
    //! Expected values come from the kernel's meaning of each column
    //! (`net/ipv4/tcp_ipv4.c`, `net/ipv6/tcp_ipv6.c`, `udp.c`), not from
    //! another run of this code.

    use super::*;

    fn line(local: &str, remote: &str, state: &str) -> String {
        format!(
            "   0: {local} {remote} {state} 0000001F:00000A00 00:00000000 \
             00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0"
        )
    }

    fn socket(text: &str) -> Option<Socket> {
        parse_line(text.as_bytes())
    }

    #[test]
    fn ipv4_words_read_little_endian() {
        assert_eq!(endpoint("0100007F:0016"), Some(("127.0.0.1".into(), 22)));
        assert_eq!(endpoint("00000000:FFFF"), Some(("0.0.0.0".into(), 65535)));
        let ones = endpoint("FFFFFFFF:0001");
        assert_eq!(ones, Some(("255.255.255.255".into(), 1)));
    }

    #[test]
    fn ipv6_is_written_as_rfc_5952_asks() {
        let cases = [
            ("00000000000000000000000001000000", "::1"),
            ("00000000000000000000000000000000", "::"),
            ("000080FE000000000000000001000000", "fe80::1"),
            ("0000000000000000FFFF0000070200C0", "::ffff:192.0.2.7"),
            (
                "B80D01200000A3852E8A000034737003",
                "2001:db8:85a3::8a2e:370:7334",
            ),
            ("FFFFFFFF000000000000000000000000", "ffff:ffff::"),
            ("B80D0120010000000000000099000000", "2001:db8:0:1::99"),
        ];
        for (hex_text, text) in cases {
            assert_eq!(
                ipv6_text(hex_text).as_deref(),
                Some(text),
                "{hex_text}"
            );
        }
        let ones = "F".repeat(32);
        let all = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        assert_eq!(ipv6_text(&ones).as_deref(), Some(all));
    }

    #[test]
    fn every_kernel_state_code_has_its_name() {
        let codes = [
            ("01", "ESTABLISHED"),
            ("02", "SYN_SENT"),
            ("03", "SYN_RECV"),
            ("04", "FIN_WAIT1"),
            ("05", "FIN_WAIT2"),
            ("06", "TIME_WAIT"),
            ("07", "CLOSE"),
            ("08", "CLOSE_WAIT"),
            ("09", "LAST_ACK"),
            ("0A", "LISTEN"),
            ("0B", "CLOSING"),
            ("0C", "NEW_SYN_RECV"),
            ("0D", "UNKNOWN"),
            ("00", "UNKNOWN"),
        ];
        for (code, name) in codes {
            assert_eq!(state_name(code), Some(name), "{code}");
        }
        assert_eq!(state_name("A"), None);
        assert_eq!(state_name("0G"), None);
    }

    #[test]
    fn a_line_gives_queues_uid_and_inode() {
        let text = line("0100007F:0016", "00000000:0000", "0A");
        let socket = socket(&text).expect("a socket line");
        assert_eq!(socket.state, "LISTEN");
        assert_eq!((socket.tx_queue, socket.rx_queue), (31, 2560));
        assert_eq!((socket.uid, socket.inode), (1000, 4242));
    }

    #[test]
    fn lines_out_of_the_kernel_layout_are_skipped() {
        let header = "  sl  local_address rem_address   st tx_queue rx_queue";
        assert_eq!(socket(header), None);
        assert_eq!(socket(&line("0100007F:16", "00000000:0000", "01")), None);
        assert_eq!(socket(&line("0100007F:0016", "00000000:0000", "1")), None);
        assert_eq!(socket(&line("7F:0016", "00000000:0000", "01")), None);
        assert_eq!(socket("   0: 0100007F:0016 00000000:0000 0A"), None);
        let slot = line("0100007F:0016", "00000000:0000", "01");
        assert_eq!(socket(&slot.replacen("0:", "x:", 1)), None);
    }
}
