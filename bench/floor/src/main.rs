//! The floor for `network_connections()` benchmarks: the least work that
//! gives the same answer. It reads `DIR/proc/net/{tcp,tcp6,udp,udp6}`
//! whole, one at a time, and writes the JSON object cfmini builds from
//! them, without building it: each line is decoded and printed at once.
//!
//! It handles the lines the kernel writes (13- and 37-character address
//! tokens, a state of decimal digits) and skips the odd shapes cfmini
//! also accepts, so on kernel tables it prints exactly what
//! `storejson(network_connections())` holds, compacted.
//!
//! usage: floor DIR

use std::io::{self, BufWriter, Write};

const TABLES: [&str; 4] = ["tcp", "tcp6", "udp", "udp6"];

const STATES: [&str; 12] = [
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
];

fn main() -> io::Result<()> {
    let dir = std::env::args().nth(1).expect("usage: floor DIR");
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut first_table = true;
    out.write_all(b"{")?;
    for table in TABLES {
        let path = format!("{dir}/proc/net/{table}");
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if !first_table {
            out.write_all(b",")?;
        }
        first_table = false;
        write!(out, "\"{table}\":[")?;
        let mut first_row = true;
        for line in bytes.split(|&b| b == b'\n') {
            let Some(row) = Row::parse(line) else {
                continue;
            };
            if !first_row {
                out.write_all(b",")?;
            }
            first_row = false;
            row.write(&mut out)?;
        }
        out.write_all(b"]")?;
    }
    out.write_all(b"}\n")?;
    out.flush()
}

/// The three columns of a socket line.
struct Row<'a> {
    local: &'a [u8],
    remote: &'a [u8],
    state: usize,
}

impl<'a> Row<'a> {
    /// `   N: LOCAL REMOTE ST ...`, or `None` for a header line.
    fn parse(line: &'a [u8]) -> Option<Row<'a>> {
        let mut words = line
            .split(|&b| b == b' ')
            .filter(|word| !word.is_empty());
        let slot = words.next()?;
        if slot.last() != Some(&b':') {
            return None;
        }
        let local = words.next()?;
        let remote = words.next()?;
        let state = words.next()?;
        let digits = state.iter().take_while(|b| b.is_ascii_digit());
        let code = digits.fold(0usize, |n, &d| n * 10 + usize::from(d - b'0'));
        let state = if code < STATES.len() { code } else { 0 };
        Some(Row {
            local,
            remote,
            state,
        })
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        out.write_all(b"{\"local\":")?;
        write_endpoint(out, self.local)?;
        out.write_all(b",\"remote\":")?;
        write_endpoint(out, self.remote)?;
        out.write_all(b",\"state\":\"")?;
        out.write_all(STATES[self.state].as_bytes())?;
        out.write_all(b"\"}")
    }
}

/// `{"address":"…","port":"…"}` for an `ADDRESS:PORT` hex token.
fn write_endpoint(out: &mut impl Write, token: &[u8]) -> io::Result<()> {
    let (address, port) = token.split_at(token.len() - 5);
    let mut text = Vec::with_capacity(80);
    text.extend_from_slice(b"{\"address\":\"");
    if address.len() == 8 {
        let word = hex(address) as u32;
        for (i, byte) in word.to_le_bytes().into_iter().enumerate() {
            if i > 0 {
                text.push(b'.');
            }
            decimal(&mut text, u64::from(byte));
        }
    } else {
        for (i, group) in address.chunks(4).enumerate() {
            if i > 0 {
                text.push(b':');
            }
            lower_hex(&mut text, hex(group));
        }
    }
    text.extend_from_slice(b"\",\"port\":\"");
    decimal(&mut text, hex(&port[1..]));
    text.extend_from_slice(b"\"}");
    out.write_all(&text)
}

/// Appends `value` in decimal; std's formatting machinery costs more
/// than the rest of a row.
fn decimal(text: &mut Vec<u8>, value: u64) {
    if value >= 10 {
        decimal(text, value / 10);
    }
    text.push(b'0' + (value % 10) as u8);
}

/// Appends `value` in lower-case hex without leading zeros.
fn lower_hex(text: &mut Vec<u8>, value: u64) {
    if value >= 16 {
        lower_hex(text, value >> 4);
    }
    text.push(b"0123456789abcdef"[(value & 15) as usize]);
}

fn hex(digits: &[u8]) -> u64 {
    digits.iter().fold(0, |n, &d| {
        let value = match d {
            b'0'..=b'9' => d - b'0',
            _ => d - b'A' + 10,
        };
        n << 4 | u64::from(value)
    })
}
