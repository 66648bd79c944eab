//! `network_connections()`: the sockets the kernel lists in `/proc/net`.
//!
//! It takes the socket tables `proc/net/{tcp,tcp6,udp,udp6}` under a
//! sysroot and hands on one data container with a key per table that
//! could be opened, each an array of `{local, remote, state}` objects.
//! The result is what cf-agent 3.21 builds from the same bytes, its
//! quirks included, because policies compare these strings:
//!
//! - A line counts when it reads, in C regex terms,
//!   `^\s*[0-9]+:\s+[0-9A-F:]+\s+[0-9A-F:]+\s+[0-9]+`; whatever follows
//!   is ignored, and the line ends early at a NUL byte.
//! - The state is the leading decimal digits of the state column, so
//!   the kernel's hex `0A` (listening) reads as 0; see [`state_name`].
//! - An address token is read by its length, whatever the table: 8 or
//!   13 characters as IPv4 (`0100007F:0016` is 127.0.0.1 port 22), 32
//!   or 37 as IPv6, shown as eight 16-bit groups in the order the
//!   kernel writes them (`::1` becomes `0:0:0:0:0:0:100:0`).
//! - A token of another length, or one the scan rejects, is kept as
//!   text under `raw_local` or `raw_remote` in place of the object.
//!
//! Each table is kept as the sockets read, a few dozen bytes each, and
//! a socket's object is made the first time a policy reads it: counting
//! or indexing a million sockets makes only what it reads.
//!
//! With `-v`, each table left out and each line skipped is told by
//! file and line number, with the reason.
//!
//! One case is not matched: for a 32-character IPv6 token without a
//! port cf-agent prints whatever its port variable held, different on
//! every run; such a line is skipped here.

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::{Call, CallResult};
use crate::system::sysroot::{in_sysroot, open_for_reading};
use crate::value::{Array, Data, LazyItems, Object, Str};

/// The tables read, in the order their keys appear in the result.
pub const TABLES: [&str; 4] = ["tcp", "tcp6", "udp", "udp6"];

/// Names of the states cf-agent knows, indexed by its decimal code: the
/// kernel's table up to `CLOSING`, without the later `NEW_SYN_RECV`.
const STATE_NAMES: &[&str] = super::sockets::STATES.split_at(12).0;

/// How many distinct address strings one call shares; addresses past
/// this get their own string, so a host with a million peers does not
/// also hold a million-entry map.
const ADDRESS_CACHE_LIMIT: usize = 1 << 16;

/// How much of a table is read at a time: tables are streamed, as a
/// million sockets make a table of 150 MB.
const READ_CHUNK: usize = 64 * 1024;

/// `network_connections()`: the socket tables under the sysroot; fails,
/// leaving the variable undefined, when none of them can be opened.
pub fn network_connections(call: &Call) -> CallResult {
    let sysroot = call.env.sysroot();
    let mut tell = |message: String| call.env.verbose(call.name, &message);
    match read_connections_telling(sysroot, &mut tell) {
        Some(tables) => Ok(super::data(tables)),
        None => Err(format!(
            "function '{}' found none of {{tcp,tcp6,udp,udp6}} in '{}'",
            call.name,
            proc_net_dir(sysroot).display()
        )),
    }
}

/// The directory holding the socket tables when `sysroot` stands for
/// `/`. cf-agent run with `CFENGINE_TEST_OVERRIDE_PROCDIR=DIR` reads
/// `DIR/proc/net`, so that `DIR` is the sysroot to pass here.
pub fn proc_net_dir(sysroot: &Path) -> PathBuf {
    in_sysroot(sysroot, "/proc/net")
}

/// The object `network_connections()` returns for the tables under
/// `sysroot`, or `None` when none of them can be opened.
pub fn read_connections(sysroot: &Path) -> Option<Data> {
    read_connections_telling(sysroot, &mut |_| {})
}

/// [`read_connections`], telling `tell` of each table left out and of
/// each line skipped, by file and line number, and why.
pub fn read_connections_telling(
    sysroot: &Path,
    tell: &mut dyn FnMut(String),
) -> Option<Data> {
    let mut reader = TableReader::default();
    let mut tables = Vec::with_capacity(TABLES.len());
    for name in TABLES {
        // A table that cannot be opened, a socket among them, is left
        // out; one that opens but fails to read, such as a directory in
        // its place, gives the rows read before the failure, as cf-agent
        // lists it. A device or a pipe is not read at all: it may never
        // end.
        let path = in_sysroot(sysroot, &format!("/proc/net/{name}"));
        let shown = path.display();
        let table = match open_for_reading(&path) {
            Ok((file, meta)) if meta.is_file() => {
                reader.read_table(file, meta.len())
            }
            Ok(_) => {
                tell(format!("read '{shown}' as empty: not a regular file"));
                Sockets::default()
            }
            Err(e) => {
                tell(format!("left out '{shown}': {e}"));
                continue;
            }
        };
        for (line, why) in reader.skipped.drain(..) {
            tell(format!("skipped '{shown}' line {line}: {why}"));
        }
        if reader.cut_short {
            tell(format!(
                "read only the first {MAX_TABLE_BYTES} bytes of '{shown}'"
            ));
        }
        tables.push((name, table));
    }

    if tables.is_empty() {
        return None;
    }
    let count = tables.iter().map(|(_, table)| table.sockets.len()).sum();
    let maker = Rc::new(RefCell::new(RowMaker::for_rows(count)));
    let pairs = tables.into_iter().map(|(name, table)| {
        (Str::from(name), Data::Array(table.into_rows(&maker)))
    });
    Some(Data::Object(Object::from_unique_pairs(pairs.collect())))
}

/// The rows cf-agent makes of one table's bytes.
pub fn parse_table(bytes: &[u8]) -> Array {
    let table = TableReader::default().read_table(bytes, 0);
    let count = table.sockets.len();
    table.into_rows(&Rc::new(RefCell::new(RowMaker::for_rows(count))))
}

/// The name cf-agent gives a state column, read as decimal up to its
/// first other byte; `None`, skipping the line, when it starts with no
/// digit.
pub fn state_name(column: &[u8]) -> Option<&'static str> {
    let digits = &column[..count_digits(column)];
    (!digits.is_empty()).then(|| STATE_NAMES[state_code(digits)])
}

/// The index into [`STATE_NAMES`] for a state column's leading digits.
fn state_code(digits: &[u8]) -> usize {
    // cf-agent converts the digits to a C long, which saturates, and
    // keeps the low 32 bits: 4294967297 reads as 1, 2^64 + 1 as -1.
    let long = digits.iter().fold(0i64, |value, digit| {
        value
            .saturating_mul(10)
            .saturating_add(i64::from(digit.wrapping_sub(b'0')))
    });
    let code = long as i32;
    match usize::try_from(code) {
        Ok(index) if index < STATE_NAMES.len() => index,
        _ => 0,
    }
}

/// The three columns of a line that cf-agent reads.
#[derive(Debug, PartialEq)]
struct Columns<'a> {
    local: &'a [u8],
    remote: &'a [u8],
    state_digits: &'a [u8],
    /// The rest of the line and the lines after it.
    rest: &'a [u8],
}

/// Splits the line `text` starts with, or `None` when it does not read
/// as a socket. `text` may run on past the line: no step crosses a
/// newline. A NUL byte cannot be part of any column, so a line fails at
/// a NUL exactly where cf-agent's C string would have ended.
/// Fails with the reason the line is skipped.
fn split_columns(text: &[u8]) -> Result<Columns<'_>, &'static str> {
    let rest = skip_spaces(text);
    if matches!(rest.first(), None | Some(b'\n')) {
        return Err("blank line");
    }
    let rest = after_slot(rest).ok_or("no slot number and colon")?;
    let (local, rest) =
        address_token(rest).ok_or("no local address of hex digits")?;
    token_ends(
        rest,
        "line ends after the local address",
        "local address holds a byte not upper-case hex or ':'",
    )?;
    let (remote, rest) =
        address_token(rest).ok_or("no remote address of hex digits")?;
    token_ends(
        rest,
        "line ends after the remote address",
        "remote address holds a byte not upper-case hex or ':'",
    )?;
    let rest = after_required_spaces(rest).ok_or("no state column")?;
    let (state_digits, rest) = rest.split_at(count_digits(rest));
    if state_digits.is_empty() {
        return Err("state does not start with a decimal digit");
    }
    Ok(Columns {
        local,
        remote,
        state_digits,
        rest,
    })
}

/// Whether an address token ends where `rest` starts, at a space;
/// else why not: the line `ended`, or a byte no address holds stopped
/// it (`bad_byte`).
fn token_ends(
    rest: &[u8],
    ended: &'static str,
    bad_byte: &'static str,
) -> Result<(), &'static str> {
    match rest.first() {
        Some(&b) if is_space(b) => Ok(()),
        None | Some(b'\n') => Err(ended),
        _ => Err(bad_byte),
    }
}

/// What follows the slot number and its colon, `None` without them.
fn after_slot(text: &[u8]) -> Option<&[u8]> {
    let digits = count_digits(text);
    match text.get(digits) {
        Some(b':') if digits > 0 => Some(&text[digits + 1..]),
        _ => None,
    }
}

/// The address token after at least one space, and what follows it.
fn address_token(text: &[u8]) -> Option<(&[u8], &[u8])> {
    let text = after_required_spaces(text)?;
    let len = text.iter().take_while(|&&b| is_token_byte(b)).count();
    (len > 0).then(|| text.split_at(len))
}

fn after_required_spaces(text: &[u8]) -> Option<&[u8]> {
    let rest = skip_spaces(text);
    (rest.len() < text.len()).then_some(rest)
}

fn skip_spaces(text: &[u8]) -> &[u8] {
    let spaces = text.iter().take_while(|&&b| is_space(b)).count();
    &text[spaces..]
}

fn count_digits(text: &[u8]) -> usize {
    text.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// The C locale's white space, less the newline that ends a line.
fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | 0x0b | 0x0c | b'\r')
}

/// The bytes an address token may hold: upper-case hex and colons.
fn is_token_byte(byte: u8) -> bool {
    matches!(byte, b'0'..=b'9' | b'A'..=b'F' | b':')
}

/// Whether the line `text` starts with is the kernel's header line,
/// which opens every table and is no socket.
fn is_header(text: &[u8]) -> bool {
    skip_spaces(text).starts_with(b"sl ")
}

/// The text after the first newline in `text`, empty when there is none.
fn next_line(text: &[u8]) -> &[u8] {
    match text.iter().position(|&b| b == b'\n') {
        Some(end) => &text[end + 1..],
        None => &[],
    }
}

/// An address as cf-agent decodes it from the kernel's hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Address {
    /// The four bytes in the order the hex text gives them.
    V4([u8; 4]),
    /// The eight 16-bit groups in the order the hex text gives them.
    V6([u16; 8]),
}

impl Address {
    /// The address as one number, unique per address, to key a map.
    fn key(&self) -> u128 {
        match self {
            Address::V4(bytes) => {
                1 << 127 | u128::from(u32::from_le_bytes(*bytes))
            }
            Address::V6(groups) => groups
                .iter()
                .fold(0, |key, &group| key << 16 | u128::from(group)),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            // The kernel writes the address as a host-order word; cf-agent
            // reads that text as little-endian, as on x86 and ARM hosts.
            Address::V4([a, b, c, d]) => write!(f, "{d}.{c}.{b}.{a}"),
            Address::V6(groups) => {
                write!(f, "{:x}", groups[0])?;
                groups[1..].iter().try_for_each(|g| write!(f, ":{g:x}"))
            }
        }
    }
}

/// What an address token decodes to.
#[derive(Debug, PartialEq)]
enum Endpoint {
    /// An address and port.
    Decoded(Address, u16),
    /// Text cf-agent keeps as it is, under a `raw_` key.
    Raw,
    /// A 32-character IPv6 address without port: cf-agent shows a port
    /// it never set, which differs from run to run. Such a line is
    /// skipped rather than given a made-up port.
    PortUnknown,
}

/// Decodes a token the way cf-agent does: its length picks the form,
/// then the hex is scanned as C's `sscanf` would with fixed widths, so
/// a colon ends a group early (`0100007:F0016` is 7.0.0.1 port 61441).
fn decode_endpoint(token: &[u8]) -> Endpoint {
    let mut scan = HexScan { rest: token };
    let decoded = match token.len() {
        8 => scan.ipv4().map(|address| (address, 0)),
        13 => scan.ipv4().zip(scan.port()),
        32 => {
            return match scan.ipv6() {
                Some(_) => Endpoint::PortUnknown,
                None => Endpoint::Raw,
            };
        }
        37 => scan.ipv6().zip(scan.port()),
        _ => None,
    };
    match decoded {
        Some((address, port)) => Endpoint::Decoded(address, port),
        None => Endpoint::Raw,
    }
}

/// The address in a hex token as cf-agent prints it without its port
/// (`010200C0` is 192.0.2.1), or `None` for a token it keeps as text.
pub(crate) fn hex_address_text(token: &str) -> Option<String> {
    let bytes = token.as_bytes();
    match decode_endpoint(bytes) {
        Endpoint::Decoded(address, _) => Some(address.to_string()),
        Endpoint::PortUnknown => {
            HexScan { rest: bytes }.ipv6().map(|a| a.to_string())
        }
        Endpoint::Raw => None,
    }
}

/// A cursor reading hex fields as `sscanf("%Nx")` does.
struct HexScan<'a> {
    rest: &'a [u8],
}

impl HexScan<'_> {
    fn ipv4(&mut self) -> Option<Address> {
        let mut bytes = [0u8; 4];
        for byte in &mut bytes {
            // Two hex digits always fit a byte.
            *byte = self.hex(2)? as u8;
        }
        Some(Address::V4(bytes))
    }

    fn ipv6(&mut self) -> Option<Address> {
        let mut groups = [0u16; 8];
        for group in &mut groups {
            *group = self.hex(4)?;
        }
        Some(Address::V6(groups))
    }

    /// A colon, then up to four hex digits.
    fn port(&mut self) -> Option<u16> {
        let (b':', rest) = self.rest.split_first()? else {
            return None;
        };
        self.rest = rest;
        self.hex(4)
    }

    /// One to `width` hex digits, stopping early at any other byte.
    fn hex(&mut self, width: usize) -> Option<u16> {
        let digits = self.rest.iter().take(width);
        let len = digits.take_while(|b| b.is_ascii_hexdigit()).count();
        if len == 0 {
            return None;
        }
        let (digits, rest) = self.rest.split_at(len);
        self.rest = rest;
        Some(digits.iter().fold(0, |value, &b| value << 4 | hex_value(b)))
    }
}

/// The value of a byte known to be a hex digit.
fn hex_value(byte: u8) -> u16 {
    char::from(byte)
        .to_digit(16)
        .map_or(0, |digit| digit as u16)
}

/// One socket line as read: what a row will be made of. A million
/// sockets kept so take about 44 MB, where their rows as objects would
/// take over 300.
#[derive(Clone, Debug, PartialEq)]
struct Socket {
    local: Token,
    remote: Token,
    /// The index into [`STATE_NAMES`].
    state: u8,
}

/// An address token of a socket line.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    Decoded(Address, u16),
    /// A token cf-agent keeps as text, by its place in
    /// [`Sockets::raw`].
    Raw(u32),
}

/// The sockets of one table, read.
#[derive(Debug, Default, PartialEq)]
struct Sockets {
    sockets: Vec<Socket>,
    /// The tokens kept as text.
    raw: Vec<Str>,
}

impl Sockets {
    /// The table as an array whose rows `maker` makes when first read.
    fn into_rows(self, maker: &Rc<RefCell<RowMaker>>) -> Array {
        Array::lazy(Rc::new(SocketRows {
            table: self,
            rows: OnceCell::new(),
            maker: Rc::clone(maker),
        }))
    }
}

/// A table's rows: the sockets stay as read until a row is asked for,
/// so a policy that only counts them never pays for a million objects.
/// A row once made is kept, in a slot made for every row the first time
/// any is read.
struct SocketRows {
    table: Sockets,
    rows: OnceCell<Box<[OnceCell<Data>]>>,
    /// Shared by the tables of one call, so rows share their strings.
    maker: Rc<RefCell<RowMaker>>,
}

impl LazyItems for SocketRows {
    fn len(&self) -> usize {
        self.table.sockets.len()
    }

    fn get(&self, index: usize) -> Option<&Data> {
        let socket = self.table.sockets.get(index)?;
        let rows = self.rows.get_or_init(|| {
            self.table.sockets.iter().map(|_| OnceCell::new()).collect()
        });
        let row = rows[index].get_or_init(|| {
            self.maker.borrow_mut().row(socket, &self.table.raw)
        });
        Some(row)
    }
}

/// Reads socket tables, one at a time, into [`Sockets`].
#[derive(Default)]
struct TableReader {
    /// Lines of the table being read so far.
    lines: usize,
    /// The lines skipped, by number, and why, since last taken.
    skipped: Vec<(usize, &'static str)>,
    /// Whether the last table read passed [`MAX_TABLE_BYTES`].
    cut_short: bool,
}

/// The fewest bytes a kernel's socket line takes, to reserve room for
/// every socket of a table from its size at once: growing the vector
/// of a million would copy it and hold two at its peak. Room reserved
/// and never written costs no memory, but counts against a limit on
/// address space, so no more is reserved than [`MAX_RESERVED`] holds.
const MIN_LINE_BYTES: u64 = 100;

/// The most sockets room is reserved for at once: ten million, more
/// than a kernel's tables list in practice.
const MAX_RESERVED: u64 = 10_000_000;

/// How much of one table is read: about ten million sockets' worth. A
/// larger file is no kernel's table (a sparse file of zeros can claim
/// terabytes), and reading it to its end would take minutes.
pub(crate) const MAX_TABLE_BYTES: u64 = 2 << 30;

impl TableReader {
    /// The sockets of a table of about `size` bytes read from `source`
    /// through a buffer holding the lines not yet complete. A read error
    /// ends the table there.
    fn read_table(&mut self, source: impl Read, size: u64) -> Sockets {
        self.lines = 0;
        let mut source = source.take(MAX_TABLE_BYTES);
        let room = (size / MIN_LINE_BYTES).min(MAX_RESERVED);
        let room = usize::try_from(room).unwrap_or(0);
        let mut table = Sockets {
            sockets: Vec::with_capacity(room),
            raw: Vec::new(),
        };
        let mut buffer = Vec::with_capacity(READ_CHUNK);
        // Whether the rest of an overlong line is being dropped.
        let mut dropping = false;
        while let Some(read) = read_more(&mut source, &mut buffer) {
            if dropping {
                let start = buffer.len() - read;
                let newline = buffer[start..].iter().position(|&b| b == b'\n');
                let Some(newline) = newline else {
                    buffer.truncate(start);
                    continue;
                };
                buffer.drain(start..start + newline);
                dropping = false;
            }

            let Some(last) = buffer.iter().rposition(|&b| b == b'\n') else {
                // No socket line is this long: keep its head, where the
                // columns would be, and drop the rest of it.
                if buffer.len() > MAX_LINE {
                    buffer.truncate(MAX_LINE);
                    dropping = true;
                }
                continue;
            };
            self.add_sockets(&buffer[..=last], &mut table);
            buffer.drain(..=last);
        }
        // The last line may lack its newline.
        self.add_sockets(&buffer, &mut table);
        self.cut_short = source.limit() == 0;
        table
    }

    /// Adds the socket of every line of `bytes` that reads as one, in
    /// one pass: a line that reads is left from where its state ends.
    fn add_sockets(&mut self, bytes: &[u8], table: &mut Sockets) {
        let mut text = bytes;
        while !text.is_empty() {
            self.lines += 1;
            let line_rest = match split_columns(text) {
                Ok(columns) => {
                    match table.socket(&columns) {
                        Some(socket) => table.sockets.push(socket),
                        None => self.skip("IPv6 address without a port"),
                    }
                    columns.rest
                }
                Err(why) => {
                    if !(self.lines == 1 && is_header(text)) {
                        self.skip(why);
                    }
                    text
                }
            };
            text = next_line(line_rest);
        }
    }

    fn skip(&mut self, why: &'static str) {
        self.skipped.push((self.lines, why));
    }
}

impl Sockets {
    /// The socket of one line, `None` when an address has no knowable
    /// port.
    fn socket(&mut self, columns: &Columns) -> Option<Socket> {
        Some(Socket {
            local: self.token(columns.local)?,
            remote: self.token(columns.remote)?,
            // Codes index a table of 12 names.
            state: state_code(columns.state_digits) as u8,
        })
    }

    fn token(&mut self, token: &[u8]) -> Option<Token> {
        match decode_endpoint(token) {
            Endpoint::Decoded(address, port) => {
                Some(Token::Decoded(address, port))
            }
            Endpoint::Raw => {
                let place = u32::try_from(self.raw.len()).ok()?;
                self.raw.push(ascii_str(token));
                Some(Token::Raw(place))
            }
            Endpoint::PortUnknown => None,
        }
    }
}

/// Makes the rows of one call, sharing strings between them: the keys,
/// the state names, every port and the most common addresses each
/// exist once however many sockets use them, and so does the
/// `{address, port}` object of an endpoint many sockets have in common.
///
/// A row made costs about 300 bytes, most of it the three objects'
/// pairs: a `Data` is 24 bytes where thin pointers would make it 16.
/// That is why rows are made only when read.
struct RowMaker {
    keys: Keys,
    states: Vec<Str>,
    addresses: HashMap<u128, Str, BuildHasherDefault<KeyHasher>>,
    ports: HashMap<u16, Str, BuildHasherDefault<KeyHasher>>,
    /// The `{address, port}` objects made last, one per slot, so that
    /// the sockets of a listening port share one object. A slot keeps
    /// the latest endpoint hashed to it: unique peers pass through
    /// without growing the table.
    /// A power of two, smaller for small tables: clearing the slots
    /// would cost a small table more than reading it.
    endpoints: Vec<Option<(u128, u16, Data)>>,
}

/// How many endpoint objects [`RowMaker`] keeps at most for sharing.
const ENDPOINT_SLOTS: usize = 1 << 12;

/// A hasher for address keys: a multiply and a shift, as the keys come
/// from the kernel, not from someone choosing collisions. The default
/// hasher costs more than the rest of a row's lookup.
#[derive(Default)]
struct KeyHasher {
    hash: u64,
}

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.hash
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        const SPREAD: u64 = 0x9e37_79b9_7f4a_7c15;
        self.hash = (self.hash.rotate_left(26) ^ word).wrapping_mul(SPREAD);
    }

    fn write_u16(&mut self, word: u16) {
        self.write_u64(u64::from(word));
    }

    fn write_u128(&mut self, word: u128) {
        self.write_u64(word as u64);
        self.write_u64((word >> 64) as u64);
    }
}

/// The object keys of a row, made once per call.
struct Keys {
    local: Str,
    remote: Str,
    raw_local: Str,
    raw_remote: Str,
    address: Str,
    port: Str,
    state: Str,
}

impl RowMaker {
    /// A maker for the rows of `count` sockets.
    fn for_rows(count: usize) -> RowMaker {
        let slots = count.next_power_of_two().clamp(16, ENDPOINT_SLOTS);
        RowMaker {
            keys: Keys {
                local: "local".into(),
                remote: "remote".into(),
                raw_local: "raw_local".into(),
                raw_remote: "raw_remote".into(),
                address: "address".into(),
                port: "port".into(),
                state: "state".into(),
            },
            states: STATE_NAMES.iter().map(|&name| name.into()).collect(),
            addresses: HashMap::default(),
            ports: HashMap::default(),
            endpoints: vec![None; slots],
        }
    }

    /// The `{local, remote, state}` object of a socket whose tokens
    /// kept as text are in `raw`.
    fn row(&mut self, socket: &Socket, raw: &[Str]) -> Data {
        let local = self.endpoint(&socket.local, Side::Local, raw);
        let remote = self.endpoint(&socket.remote, Side::Remote, raw);
        let state = self.states[usize::from(socket.state)].clone();
        let state = (self.keys.state.clone(), Data::Str(state));
        // cf-agent puts a token kept raw before the decoded ones.
        let remote_first = matches!(socket.remote, Token::Raw(_))
            && !matches!(socket.local, Token::Raw(_));
        let pairs = match remote_first {
            true => [remote, local, state],
            false => [local, remote, state],
        };
        Data::Object(Object::from_unique_array(pairs))
    }

    /// The key and value one address token gives.
    fn endpoint(
        &mut self,
        token: &Token,
        side: Side,
        raw: &[Str],
    ) -> (Str, Data) {
        match *token {
            Token::Decoded(address, port) => {
                let object = self.address_object(address, port);
                (self.keys.decoded(side), object)
            }
            Token::Raw(place) => {
                let text = raw.get(place as usize).cloned().unwrap_or_default();
                (self.keys.raw(side), Data::Str(text))
            }
        }
    }

    fn address_object(&mut self, address: Address, port: u16) -> Data {
        let key = address.key();
        let mut hasher = KeyHasher::default();
        hasher.write_u128(key);
        hasher.write_u64(u64::from(port));
        let slots = self.endpoints.len();
        let slot = (hasher.finish() >> 32) as usize & (slots - 1);
        if let Some((k, p, object)) = &self.endpoints[slot]
            && (*k, *p) == (key, port)
        {
            return object.clone();
        }
        let object = self.new_address_object(address, port);
        self.endpoints[slot] = Some((key, port, object.clone()));
        object
    }

    fn new_address_object(&mut self, address: Address, port: u16) -> Data {
        let pairs = [
            (self.keys.address.clone(), Data::Str(self.address(address))),
            (self.keys.port.clone(), Data::Str(self.port(port))),
        ];
        Data::Object(Object::from_unique_array(pairs))
    }

    fn address(&mut self, address: Address) -> Str {
        let key = address.key();
        if let Some(text) = self.addresses.get(&key) {
            return text.clone();
        }
        let text: Str = address.to_string().into();
        if self.addresses.len() < ADDRESS_CACHE_LIMIT {
            self.addresses.insert(key, text.clone());
        }
        text
    }

    fn port(&mut self, port: u16) -> Str {
        let text = self.ports.entry(port);
        text.or_insert_with(|| port.to_string().into()).clone()
    }
}

impl Keys {
    /// The key of a decoded address object.
    fn decoded(&self, side: Side) -> Str {
        match side {
            Side::Local => self.local.clone(),
            Side::Remote => self.remote.clone(),
        }
    }

    /// The key of a token kept as text.
    fn raw(&self, side: Side) -> Str {
        match side {
            Side::Local => self.raw_local.clone(),
            Side::Remote => self.raw_remote.clone(),
        }
    }
}

/// Which end of a socket a token names.
#[derive(Clone, Copy)]
enum Side {
    Local,
    Remote,
}

/// A token's text; tokens hold only ASCII hex digits and colons.
fn ascii_str(token: &[u8]) -> Str {
    token
        .iter()
        .map(|&b| char::from(b))
        .collect::<String>()
        .into()
}

/// How long a line may grow before the reader stops keeping it: the
/// first this many bytes are kept and the rest dropped, so only a
/// line whose columns run past a megabyte reads differently.
const MAX_LINE: usize = 1 << 20;

/// Appends up to [`READ_CHUNK`] bytes of `source` to `buffer`; how many,
/// or `None` at the end of the file or on an error.
fn read_more(source: &mut impl Read, buffer: &mut Vec<u8>) -> Option<usize> {
    let filled = buffer.len();
    buffer.resize(filled + READ_CHUNK, 0);
    let read = loop {
        match source.read(&mut buffer[filled..]) {
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            result => break result.unwrap_or(0),
        }
    };
    buffer.truncate(filled + read);
    (read > 0).then_some(read)
}

#[cfg(test)]
mod tests {
    //! Every expected value here was checked against cf-agent 3.21 run
    //! on the same bytes with `CFENGINE_TEST_OVERRIDE_PROCDIR`.

    use std::io;
    use std::rc::Rc;

    use super::*;
    use crate::json;

    const TAIL: &str = " 00000000:00000000 00:00000000 00000000  1000";

    /// An address token as cf-agent shows it: text and port, or `None`.
    fn decoded(token: &str) -> Option<(String, u16)> {
        let endpoint = decode_endpoint(token.as_bytes());
        let Endpoint::Decoded(address, port) = endpoint else {
            return None;
        };
        Some((address.to_string(), port))
    }

    fn pair(address: &str, port: u16) -> Option<(String, u16)> {
        Some((address.to_string(), port))
    }

    /// The rows of `table` as one-line JSON each.
    fn rows(table: &str) -> Vec<String> {
        parse_table(table.as_bytes())
            .iter()
            .map(json::to_compact)
            .collect()
    }

    /// One table line with the given columns and a usual tail.
    fn line(local: &str, remote: &str, state: &str) -> String {
        format!("   0: {local} {remote} {state}{TAIL}\n")
    }

    #[test]
    fn ipv4_is_the_little_endian_word() {
        assert_eq!(decoded("0100007F:0016"), pair("127.0.0.1", 22));
        assert_eq!(decoded("00000000:0000"), pair("0.0.0.0", 0));
        assert_eq!(decoded("12345678:FFFF"), pair("120.86.52.18", 65535));
    }

    #[test]
    fn ipv6_groups_follow_the_text() {
        let loopback = "00000000000000000000000001000000:0016";
        assert_eq!(decoded(loopback), pair("0:0:0:0:0:0:100:0", 22));
        let mapped = "0000000000000000FFFF00000100007F:46A0";
        assert_eq!(decoded(mapped), pair("0:0:0:0:ffff:0:100:7f", 18080));
        let link_local = "000080FE000000000000000001000000:1F90";
        assert_eq!(decoded(link_local), pair("0:80fe:0:0:0:0:100:0", 8080));
    }

    #[test]
    fn length_not_table_picks_the_family() {
        assert_eq!(decoded("0100007F"), pair("127.0.0.1", 0));
        let ones = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF:0001";
        let all = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        assert_eq!(decoded(ones), pair(all, 1));
    }

    #[test]
    fn a_colon_ends_a_hex_group_early() {
        assert_eq!(decoded("0100007:F0016"), pair("7.0.0.1", 61441));
        assert_eq!(decoded("0100007F:0:16"), pair("127.0.0.1", 0));
        let short = "0000000000000000000000000100000:00016";
        assert_eq!(decoded(short), pair("0:0:0:0:0:0:100:0", 1));
    }

    #[test]
    fn other_tokens_stay_raw() {
        let raw = [
            "0100007F:16",
            "0100007F:",
            "0100007F00016",
            "0100:07F:0016",
            "0100007F::016",
            "0100007F:0016:0017",
            "::",
            "0000000000000000000000000000:000",
        ];
        for token in raw {
            let endpoint = decode_endpoint(token.as_bytes());
            assert_eq!(endpoint, Endpoint::Raw, "{token}");
        }
    }

    #[test]
    fn ipv6_without_port_is_unknowable() {
        let token = [b'0'; 32];
        assert_eq!(decode_endpoint(&token), Endpoint::PortUnknown);
        let table = line(&"0".repeat(32), "00000000:0000", "07");
        assert!(rows(&table).is_empty());
    }

    #[test]
    fn states_read_as_decimal() {
        let names = [
            ("00", "UNKNOWN"),
            ("01", "ESTABLISHED"),
            ("02", "SYN_SENT"),
            ("03", "SYN_RECV"),
            ("04", "FIN_WAIT1"),
            ("05", "FIN_WAIT2"),
            ("06", "TIME_WAIT"),
            ("07", "CLOSE"),
            ("08", "CLOSE_WAIT"),
            ("09", "LAST_ACK"),
            ("0A", "UNKNOWN"),
            ("0B", "UNKNOWN"),
            ("0C", "UNKNOWN"),
            ("10", "LISTEN"),
            ("11", "CLOSING"),
            ("12", "UNKNOWN"),
            ("1A", "ESTABLISHED"),
            ("0a", "UNKNOWN"),
        ];
        for (column, name) in names {
            assert_eq!(state_name(column.as_bytes()), Some(name), "{column}");
        }
    }

    #[test]
    fn large_states_wrap_as_a_c_long_cast_to_int() {
        let names = [
            ("4294967297", "ESTABLISHED"),
            ("4294967306", "LISTEN"),
            ("2147483648", "UNKNOWN"),
            ("9223372036854775809", "UNKNOWN"),
            ("18446744073709551617", "UNKNOWN"),
        ];
        for (column, name) in names {
            assert_eq!(state_name(column.as_bytes()), Some(name), "{column}");
        }
    }

    #[test]
    fn a_state_must_start_with_a_digit() {
        for column in ["A0", "FF", "-1", "+1", ""] {
            assert_eq!(state_name(column.as_bytes()), None, "{column}");
        }
        assert!(rows(&line("0100007F:0016", "00000000:0000", "A0")).is_empty());
    }

    #[test]
    fn a_row_has_local_remote_and_state() {
        let table = line("0100007F:0016", "0100007F:C738", "01");
        let expected = concat!(
            r#"{"local":{"address":"127.0.0.1","port":"22"},"#,
            r#""remote":{"address":"127.0.0.1","port":"51000"},"#,
            r#""state":"ESTABLISHED"}"#
        );
        assert_eq!(rows(&table), [expected]);
    }

    #[test]
    fn raw_tokens_keep_their_place() {
        let table = line("0100007F:16", "7F:C73E", "01");
        let expected = concat!(
            r#"{"raw_local":"0100007F:16","raw_remote":"7F:C73E","#,
            r#""state":"ESTABLISHED"}"#
        );
        assert_eq!(rows(&table), [expected]);
    }

    #[test]
    fn lines_that_do_not_read_are_skipped() {
        let skipped: [&[u8]; 14] = [
            b"  sl  local_address rem_address   st tx_queue\n",
            b"garbage\n",
            b"   0: 0100007f:0016 00000000:0000 01\n",
            b"   0: 0100007F:0016 00000000:0000\n",
            b"   0: 0100007F:00\n",
            b"  x7: 0100007F:0016 00000000:0000 01\n",
            b"  -1: 0100007F:0016 00000000:0000 01\n",
            b"   0:0100007F:0016 00000000:0000 01\n",
            b"   0 : 0100007F:0016 00000000:0000 01\n",
            b"x  0: 0100007F:0016 00000000:0000 01\n",
            b"   0: 0X00007F:0016 00000000:0000 01\n",
            b"   0: 0100007F:001G 00000000:0000 01\n",
            b"   0: 0100007F:0016\xa000000000:0000 01\n",
            b"   0: 0100007F:0016\0 00000000:0000 01\n",
        ];
        for table in skipped {
            assert!(parse_table(table).is_empty(), "{table:?}");
        }
    }

    #[test]
    fn lines_that_read_despite_their_shape() {
        let kept = [
            "0: 0100007F:0016 00000000:0000 01\n",
            "12345678: 0100007F:0016 00000000:0000 01\n",
            "\t0:\t0100007F:0016\u{b}00000000:0000\u{c}01\n",
            "   0: 0100007F:0016 00000000:0000 01\r\n",
            "\r   0: 0100007F:0016 00000000:0000 01 x y z extra\n",
            "   0: 0100007F:0016 00000000:0000 01\0 after a NUL\n",
            "   0: 0100007F:0016 00000000:0000 01",
        ];
        for table in kept {
            assert_eq!(rows(table).len(), 1, "{table:?}");
        }
    }

    #[test]
    fn a_nul_inside_the_state_ends_it() {
        let table = "   0: 0100007F:0016 00000000:0000 0\u{0}1\n";
        assert!(rows(table)[0].contains(r#""state":"UNKNOWN""#));
    }

    #[test]
    fn strings_are_shared_between_rows() {
        let one = line("0100007F:0016", "00000000:0000", "01");
        let table = parse_table(one.repeat(2).as_bytes());
        let first_key = |row: &Data| match row {
            Data::Object(object) => object.iter().next().map(|p| p.0.clone()),
            _ => None,
        };
        let address = |row: &Data| match row.child("local")?.child("address") {
            Some(Data::Str(text)) => Some(text.clone()),
            _ => None,
        };
        let keys = table.iter().map(first_key).collect::<Option<Vec<_>>>();
        let texts = table.iter().map(address).collect::<Option<Vec<_>>>();
        let (Some(keys), Some(texts)) = (keys, texts) else {
            panic!("rows without local address: {table:?}");
        };
        assert!(Rc::ptr_eq(&keys[0], &keys[1]));
        assert!(Rc::ptr_eq(&texts[0], &texts[1]));
    }

    #[test]
    fn sockets_of_one_endpoint_share_its_object() {
        let listener = line("0100007F:0016", "00000000:0000", "0A");
        let table = parse_table(listener.repeat(3).as_bytes());
        let local = |row: &Data| match row.child("local") {
            Some(Data::Object(object)) => object.clone(),
            _ => panic!("a row without local object: {row:?}"),
        };
        let objects: Vec<Object> = table.iter().map(local).collect();
        // The same pairs in memory, not merely equal ones.
        let first_pair =
            |o: &Object| o.iter().next().map(|p| p.0 as *const Str);
        assert_eq!(objects.len(), 3);
        assert!(first_pair(&objects[0]).is_some());
        assert!(
            objects
                .iter()
                .all(|o| first_pair(o) == first_pair(&objects[0]))
        );
    }

    // Endpoints outnumber the slots that share them: each row must
    // still get its own address and port, never a slot's other tenant.
    #[test]
    fn shared_endpoints_never_stand_for_another() {
        let mut table = String::new();
        for i in 0..3 * ENDPOINT_SLOTS {
            let local = format!("{:08X}:{:04X}", i % 251, i % 65521);
            table.push_str(&line(&local, "00000000:0000", "01"));
        }
        let rows = parse_table(table.as_bytes());
        assert_eq!(rows.len(), 3 * ENDPOINT_SLOTS);
        for (i, row) in rows.iter().enumerate() {
            let expected = format!(
                r#"{{"address":"{}.0.0.0","port":"{}"}}"#,
                i % 251,
                i % 65521
            );
            let local = row.child("local").map(json::to_compact);
            assert_eq!(local.as_deref(), Some(expected.as_str()), "row {i}");
        }
    }

    #[test]
    fn rows_are_made_only_when_read() {
        let lines = line("0100007F:0016", "00000000:0000", "0A").repeat(3);
        let table = TableReader::default().read_table(lines.as_bytes(), 0);
        let maker = RowMaker::for_rows(table.sockets.len());
        let rows = SocketRows {
            table,
            rows: OnceCell::new(),
            maker: Rc::new(RefCell::new(maker)),
        };
        assert_eq!(rows.len(), 3);
        assert!(rows.rows.get().is_none());

        let second = rows.get(1).map(json::to_compact);
        let made = |i: usize| rows.rows.get().map(|r| r[i].get().is_some());
        assert_eq!(
            [made(0), made(1), made(2)],
            [Some(false), Some(true), Some(false)]
        );
        assert!(second.is_some_and(|row| row.contains(r#""port":"22""#)));
        assert!(rows.get(3).is_none());
    }

    // cf-agent keeps a raw token of 5000 characters on a line of 2 MiB.
    #[test]
    fn long_tokens_on_overlong_lines_are_kept() {
        let token = "A".repeat(5000);
        let long = format!(
            "   0: {token} 00000000:0000 01 {}\n",
            "x".repeat(2 * MAX_LINE),
        );
        let rows = streamed_rows(io::Cursor::new(long));
        let raw = rows.first().and_then(|row| row.child("raw_local"));
        assert_eq!(raw, Some(&Data::Str(token.into())));
    }

    #[test]
    fn a_socket_in_place_of_a_table_leaves_it_out() {
        let scratch = format!("cfmini-network-socket-{}", std::process::id());
        let root = std::env::temp_dir().join(scratch);
        let net = root.join("proc/net");
        std::fs::create_dir_all(&net).expect("a scratch dir");
        let bound = std::os::unix::net::UnixListener::bind(net.join("udp"));
        std::fs::write(net.join("tcp"), "").expect("a scratch table");
        let found = read_connections(&root).map(|d| json::to_compact(&d));
        let _ = std::fs::remove_dir_all(&root);
        assert!(bound.is_ok());
        assert_eq!(found.as_deref(), Some(r#"{"tcp":[]}"#));
    }

    /// Hands out its bytes a few at a time, then fails.
    struct Trickle<'a> {
        bytes: &'a [u8],
        fail_at_end: bool,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            if self.bytes.is_empty() && self.fail_at_end {
                return Err(io::Error::other("gone"));
            }
            let n = self.bytes.len().min(out.len()).min(3);
            out[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The rows of a table read from `source`.
    fn streamed_rows(source: impl Read) -> Array {
        let table = TableReader::default().read_table(source, 0);
        let maker = RowMaker::for_rows(table.sockets.len());
        table.into_rows(&Rc::new(RefCell::new(maker)))
    }

    #[test]
    fn streamed_tables_read_as_a_whole() {
        let table = [
            line("0100007F:0016", "00000000:0000", "0A"),
            line("0100007F:0017", "0100007F:C738", "01"),
            "   2: 0100007F:0018 00000000:0000 07".to_string(),
        ]
        .concat();
        let whole = parse_table(table.as_bytes());
        for fail_at_end in [false, true] {
            let bytes = table.as_bytes();
            let source = Trickle { bytes, fail_at_end };
            let streamed = streamed_rows(source);
            assert_eq!(streamed, whole);
        }
    }

    #[test]
    fn a_directory_in_place_of_a_table_gives_no_rows() {
        let scratch = format!("cfmini-network-{}", std::process::id());
        let root = std::env::temp_dir().join(scratch);
        let net = root.join("proc/net");
        std::fs::create_dir_all(net.join("tcp")).expect("a scratch dir");
        let found = read_connections(&root).map(|d| json::to_compact(&d));
        let _ = std::fs::remove_dir_all(&root);
        assert_eq!(found.as_deref(), Some(r#"{"tcp":[]}"#));
    }

    // cf-agent keeps a line whose columns are whole however long its
    // tail runs; the reader keeps such a line's head and drops the rest.
    #[test]
    fn overlong_lines_keep_their_columns_and_drop_their_tail() {
        let long = format!(
            "   0: 0100007F:0016 00000000:0000 01 {}\n{}",
            "x".repeat(3 * MAX_LINE),
            line("0100007F:0017", "00000000:0000", "01"),
        );
        let rows = streamed_rows(io::Cursor::new(long));
        let ports: Vec<String> = rows
            .iter()
            .map(|row| json::to_compact(row.child("local").unwrap()))
            .collect();
        assert_eq!(ports.len(), 2);
        assert!(ports[0].contains("\"22\"") && ports[1].contains("\"23\""));
    }
}
