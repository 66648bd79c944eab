//! Generated `/proc/net` tables read back by `network_connections()`.
//!
//! Each line is written as the kernel writes it (`tcp4_seq_show`,
//! `udp4_format_sock` and their IPv6 forms, on a little-endian host),
//! and the expected value is worked out here from the socket's
//! address, port and state, never from the reader.

use cfmini::builtins::network::parse_table;
use cfmini::json;
use proptest::prelude::*;

/// The header line every table opens with; it is no socket.
const HEADER: &str = "  sl  local_address rem_address   st tx_queue \
                      rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

/// The kernel's TCP states (`include/net/tcp_states.h`), by number.
const KERNEL_STATES: [&str; 13] = [
    "",
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

/// One socket as the kernel holds it.
#[derive(Clone, Debug)]
struct Socket {
    local: Vec<u8>,
    local_port: u16,
    remote: Vec<u8>,
    remote_port: u16,
    state: u8,
}

/// The kernel writes an address as 32-bit words in host order, each
/// `%08X`: on a little-endian host the bytes of a word come out last
/// first.
fn kernel_hex(address: &[u8]) -> String {
    address
        .chunks(4)
        .map(|word| {
            let value = u32::from_le_bytes(word.try_into().unwrap());
            format!("{value:08X}")
        })
        .collect()
}

/// A table line for `socket` at `slot`, with the kernel's other columns.
fn kernel_line(slot: usize, socket: &Socket) -> String {
    format!(
        "{slot:4}: {}:{:04X} {}:{:04X} {:02X} 00000000:00000000 \
         00:00000000 00000000     0        0 {} 1 0000000000000000 \
         100 0 0 10 0\n",
        kernel_hex(&socket.local),
        socket.local_port,
        kernel_hex(&socket.remote),
        socket.remote_port,
        socket.state,
        40000 + slot
    )
}

/// The address as cf-agent shows it: IPv4 dotted; IPv6 as the eight
/// 16-bit groups of the text the kernel wrote, so each word's bytes
/// come out last first, two by two.
fn shown_address(address: &[u8]) -> String {
    if let [a, b, c, d] = address {
        return format!("{a}.{b}.{c}.{d}");
    }
    let groups: Vec<String> = address
        .chunks(4)
        .flat_map(|w| {
            let high = u16::from_be_bytes([w[3], w[2]]);
            let low = u16::from_be_bytes([w[1], w[0]]);
            [format!("{high:x}"), format!("{low:x}")]
        })
        .collect();
    groups.join(":")
}

/// cf-agent reads the state column, which the kernel writes in hex,
/// as a decimal number: states 1 to 9 read as themselves, and from 10
/// (`0A`, LISTEN) on only the leading `0` is read, which it names
/// UNKNOWN.
fn shown_state(state: u8) -> &'static str {
    match state {
        1..=9 => KERNEL_STATES[usize::from(state)],
        _ => "UNKNOWN",
    }
}

fn expected_row(socket: &Socket) -> String {
    format!(
        "{{\"local\":{{\"address\":\"{}\",\"port\":\"{}\"}},\
         \"remote\":{{\"address\":\"{}\",\"port\":\"{}\"}},\
         \"state\":\"{}\"}}",
        shown_address(&socket.local),
        socket.local_port,
        shown_address(&socket.remote),
        socket.remote_port,
        shown_state(socket.state)
    )
}

fn sockets(address_len: usize) -> impl Strategy<Value = Vec<Socket>> {
    let address = proptest::collection::vec(any::<u8>(), address_len);
    let socket = (
        address.clone(),
        any::<u16>(),
        address,
        any::<u16>(),
        1..=12u8,
    )
        .prop_map(|(local, local_port, remote, remote_port, state)| Socket {
            local,
            local_port,
            remote,
            remote_port,
            state,
        });
    proptest::collection::vec(socket, 0..20)
}

/// The table the kernel writes for `sockets`, and the rows read from it.
fn read_back(sockets: &[Socket]) -> (Vec<String>, Vec<String>) {
    let mut table = String::from(HEADER);
    for (slot, socket) in sockets.iter().enumerate() {
        table.push_str(&kernel_line(slot, socket));
    }
    let rows = parse_table(table.as_bytes());
    let read = rows.iter().map(json::to_compact).collect();
    let expected = sockets.iter().map(expected_row).collect();
    (read, expected)
}

proptest! {
    #[test]
    fn ipv4_tables_read_back_what_the_kernel_wrote(sockets in sockets(4)) {
        let (read, expected) = read_back(&sockets);
        prop_assert_eq!(read, expected);
    }

    #[test]
    fn ipv6_tables_read_back_what_the_kernel_wrote(sockets in sockets(16)) {
        let (read, expected) = read_back(&sockets);
        prop_assert_eq!(read, expected);
    }
}

#[test]
fn loopback_reads_as_people_write_it() {
    // 127.0.0.1:22 listening, as any Linux host lists sshd.
    let socket = Socket {
        local: vec![127, 0, 0, 1],
        local_port: 22,
        remote: vec![0; 4],
        remote_port: 0,
        state: 10,
    };
    let line = kernel_line(0, &socket);
    assert!(line.starts_with("   0: 0100007F:0016 00000000:0000 0A "));
    let (read, _) = read_back(&[socket]);
    let expected = "{\"local\":{\"address\":\"127.0.0.1\",\"port\":\"22\"},\
                    \"remote\":{\"address\":\"0.0.0.0\",\"port\":\"0\"},\
                    \"state\":\"UNKNOWN\"}";
    assert_eq!(read, [expected]);
}
