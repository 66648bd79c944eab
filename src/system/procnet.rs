//! `sys.inet`, `sys.inet6` and `sys.interfaces_data`: the network
//! tables of `/proc/net`, read line by line as cf-agent reads them.
//!
//! cf-agent matches each line against a regular expression with named
//! groups, makes an object of the groups in their order, then rewrites
//! some of them: hex addresses become text, numbers become integers
//! (cut to 32 bits, so `ffffffff` reads as -1), each rewritten key
//! moving to the end of the object. cfmini follows the same steps, so
//! that the keys come in the same order to `getindices()`. Where a
//! table is keyed by interface and an interface appears twice, the
//! later line wins, except that a link-local IPv6 address never
//! replaces another.

use super::{Root, System};
use crate::builtins::network::hex_address_text;
use crate::value::{Data, Object, Str};

/// The names of `/proc/net/dev`'s sixteen columns as cf-agent gives
/// them; it takes the transmit side's collisions, carrier and
/// compressed columns for frame, compressed and multicast.
const DEV_COLUMNS: [&str; 16] = [
    "receive_bytes",
    "receive_packets",
    "receive_errors",
    "receive_drop",
    "receive_fifo",
    "receive_frame",
    "receive_compressed",
    "receive_multicast",
    "transmit_bytes",
    "transmit_packets",
    "transmit_errors",
    "transmit_drop",
    "transmit_fifo",
    "transmit_frame",
    "transmit_compressed",
    "transmit_multicast",
];

const RTF_UP: i64 = 0x1;
const RTF_GATEWAY: i64 = 0x2;
const RTF_HOST: i64 = 0x4;

impl System {
    /// `sys.inet`, `sys.inet6`, `sys.interfaces_data` and a class
    /// `ipv4_gw_ADDRESS` for each gateway of a route that is up.
    pub(super) fn add_networking(&mut self, root: &Root) {
        let inet = self.inet(root);
        self.sys_data("inet", inet.into_data());
        self.sys_data("inet6", inet6(root).into_data());
        if let Some(text) = read_table(root, "dev") {
            let mut devices = Obj::default();
            for item in lines(&text).filter_map(dev_line) {
                devices.insert_keyed("device", item);
            }
            self.sys_data("interfaces_data", devices.into_data());
        }
    }

    fn inet(&mut self, root: &Root) -> Obj {
        let mut inet = Obj::default();
        if let Some(text) = read_table(root, "netstat") {
            inet.set("stats", netstat(&text).into_data());
        }
        let Some(text) = read_table(root, "route") else {
            return inet;
        };
        let routes: Vec<Obj> = lines(&text).filter_map(route_line).collect();
        for route in routes.iter().filter(|r| is_up_gateway(r)) {
            let gateway = route.text("gateway").unwrap_or("(null)");
            self.class(&format!("ipv4_gw_{gateway}"));
        }
        let default = default_route(&routes).cloned();
        inet.set("routes", array(routes));
        if let Some(route) = default {
            let gateway = route.text("gateway").unwrap_or_default().to_string();
            inet.set("default_gateway", Data::Str(gateway.into()));
            inet.set("default_route", route.into_data());
        }
        inet
    }
}

fn inet6(root: &Root) -> Obj {
    let mut inet6 = Obj::default();
    if let Some(text) = read_table(root, "snmp6") {
        let mut stats = Obj::default();
        for (key, value) in lines(&text).filter_map(snmp6_line) {
            if let Some(number) = scan_number(value, false) {
                stats.set(key, Data::Int(as_int(number)));
            }
        }
        inet6.set("stats", stats.into_data());
    }
    if let Some(text) = read_table(root, "ipv6_route") {
        let routes = lines(&text).filter_map(route6_line).collect();
        inet6.set("routes", array(routes));
    }
    if let Some(text) = read_table(root, "if_inet6") {
        let mut addresses = Obj::default();
        for item in lines(&text).filter_map(if_inet6_line) {
            addresses.insert_keyed("interface", item);
        }
        inet6.set("addresses", addresses.into_data());
    }
    inet6
}

/// Whether a route's flags say it is up and goes through a gateway.
fn is_up_gateway(route: &Obj) -> bool {
    let Some(Data::Array(flags)) = route.get("flags") else {
        return false;
    };
    let word = |i: usize| flags.get(i).and_then(Data::scalar_text);
    word(0).as_deref() == Some("up") && word(3).as_deref() == Some("gateway")
}

/// The first route that is an active default gateway; a later one
/// replaces it only with a negative metric, since cf-agent compares
/// metrics with a lowest value it never updates from 0.
fn default_route(routes: &[Obj]) -> Option<&Obj> {
    let mut found = None;
    for route in routes {
        let active =
            route.get("active_default_gateway") == Some(&Data::Bool(true));
        let Some(metric) = route.int("metric").filter(|_| active) else {
            continue;
        };
        if found.is_none() || metric < 0 {
            found = Some(route);
        }
    }
    found
}

/// A table of `/proc/net`: its text, empty when something other than
/// a regular file stands in its place (cf-agent opens it and reads no
/// line), `None` when it cannot be opened.
fn read_table(root: &Root, name: &str) -> Option<String> {
    let path = format!("/proc/net/{name}");
    match root.read(&path) {
        Some(text) => Some(text),
        None => root.exists(&path).then(String::new),
    }
}

/// The lines of a table as C strings: each ends at a NUL byte.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    let lines = text.split('\n').filter(move |_| !text.is_empty());
    lines.map(|line| line.split('\0').next().unwrap_or_default())
}

/// `/proc/net/netstat`: pairs of lines, a `Kind: name name ...` line
/// and a `Kind: value value ...` line, into `{Kind: {name: "value"}}`.
fn netstat(text: &str) -> Obj {
    let mut stats = Obj::default();
    let mut lines = lines(text);
    while let Some(header) = lines.next() {
        let Some(colon) = header.find(':') else {
            continue;
        };
        if colon + 2 >= header.len() {
            continue;
        }
        let names = split_spaces(header.get(colon + 2..).unwrap_or_default());
        let values = lines.next().and_then(|line| line.get(colon + 2..));
        let values = split_spaces(values.unwrap_or_default());
        let pairs = names.zip(values.map(|v| Data::Str(v.into())));
        stats.set(&header[..colon], Obj::from_pairs(pairs).into_data());
    }
    stats
}

/// Items between single spaces, as cf-agent splits a list: two spaces
/// make an empty item, a space at the end none.
fn split_spaces(text: &str) -> impl Iterator<Item = &str> {
    let text = text.strip_suffix(' ').unwrap_or(text);
    text.split(' ').filter(move |_| !text.is_empty())
}

/// A line of `/proc/net/route`, decoded.
fn route_line(line: &str) -> Option<Obj> {
    let mut route = route_columns(line)?;
    route.rewrite_address("raw_dest", "dest");
    route.rewrite_address("raw_gw", "gateway");
    route.rewrite_address("raw_mask", "mask");
    for name in ["metric", "mtu", "refcnt", "use", "window", "irtt"] {
        route.extract_number(name, Some(name), false);
    }
    let flags = route.extract_number("raw_flags", None, true).unwrap_or(0);
    let default = route.text("dest") == Some("0.0.0.0");
    let words = [
        if flags & RTF_UP != 0 { "up" } else { "down" },
        if flags & RTF_HOST != 0 { "host" } else { "net" },
        if default { "default" } else { "not_default" },
        if flags & RTF_GATEWAY != 0 {
            "gateway"
        } else {
            "local"
        },
    ];
    route.set("flags", strings(&words));
    let up_gateway = RTF_UP | RTF_GATEWAY;
    let active = default && flags & up_gateway == up_gateway;
    route.set("active_default_gateway", Data::Bool(active));
    Some(route)
}

/// The columns of a `/proc/net/route` line: eleven separated by tabs,
/// the interface without blanks, the others hex or decimal digits;
/// what follows the eleventh column's digits is ignored.
fn route_columns(line: &str) -> Option<Obj> {
    const NAMES: [&str; 11] = [
        "interface",
        "raw_dest",
        "raw_gw",
        "raw_flags",
        "refcnt",
        "use",
        "metric",
        "raw_mask",
        "mtu",
        "window",
        "irtt",
    ];
    let fields: Vec<&str> = line.splitn(11, '\t').collect();
    let interface = fields
        .first()
        .filter(|f| !f.is_empty() && !f.contains(is_blank))?;
    let mut route = Obj::default();
    route.set("interface", Data::Str((*interface).into()));
    for (i, &name) in NAMES.iter().enumerate().skip(1) {
        let field = fields.get(i)?;
        let decimal = matches!(name, "refcnt" | "use" | "mtu" | "window");
        let digits =
            field.find(|c| !is_digit(c, decimal)).unwrap_or(field.len());
        if digits == 0 || (i < 10 && digits < field.len()) {
            return None;
        }
        route.set(name, Data::Str(field[..digits].into()));
    }
    Some(route)
}

/// A line of `/proc/net/ipv6_route`: nine columns of hex and decimal
/// digits and the interface, separated by blanks.
fn route6_line(line: &str) -> Option<Obj> {
    const NAMES: [(&str, bool); 9] = [
        ("raw_dest", false),
        ("dest_prefix", false),
        ("raw_source", false),
        ("source_prefix", false),
        ("raw_next_hop", false),
        ("raw_metric", false),
        ("refcnt", true),
        ("use", true),
        ("raw_flags", false),
    ];
    let mut route = blank_separated(line, &NAMES)?;
    route.rewrite_address("raw_dest", "dest");
    route.rewrite_address("raw_next_hop", "next_hop");
    // cf-agent writes the source over the destination.
    route.rewrite_address("raw_source", "dest");
    route.extract_number("raw_metric", Some("metric"), true);
    route.extract_number("refcnt", Some("refcnt"), false);
    route.extract_number("use", Some("use"), false);
    let flags = route.extract_number("raw_flags", None, true).unwrap_or(0);
    let words = [
        if flags & RTF_UP != 0 { "up" } else { "down" },
        if flags & RTF_HOST != 0 { "host" } else { "net" },
        if flags & RTF_GATEWAY != 0 {
            "gateway"
        } else {
            "local"
        },
    ];
    route.set("flags", strings(&words));
    Some(route)
}

/// A line of `/proc/net/if_inet6`: an address, four hex columns and
/// the interface.
fn if_inet6_line(line: &str) -> Option<Obj> {
    const NAMES: [(&str, bool); 5] = [
        ("raw_address", false),
        ("raw_device_number", false),
        ("raw_prefix_length", false),
        ("raw_scope", false),
        ("raw_flags", false),
    ];
    let mut entry = blank_separated(line, &NAMES)?;
    entry.rewrite_address("raw_address", "address");
    entry.extract_number("raw_device_number", Some("device_number"), true);
    entry.extract_number("raw_prefix_length", Some("prefix_length"), true);
    entry.extract_number("raw_scope", Some("scope"), true);
    Some(entry)
}

/// Columns of digits separated by blanks, hex or decimal as `names`
/// says, then an `interface` column: the line must start with the first
/// column.
fn blank_separated(line: &str, names: &[(&str, bool)]) -> Option<Obj> {
    if line.starts_with(is_blank) {
        return None;
    }
    let mut words = line.split(is_blank).filter(|w| !w.is_empty());
    let mut object = Obj::default();
    for &(name, decimal) in names {
        let word = words.next()?;
        if !word.chars().all(|c| is_digit(c, decimal)) {
            return None;
        }
        object.set(name, Data::Str(word.into()));
    }
    object.set("interface", Data::Str(words.next()?.into()));
    Some(object)
}

/// A line of `/proc/net/snmp6`: a name, blanks, then digits.
fn snmp6_line(line: &str) -> Option<(&str, &str)> {
    let line = line.trim_start_matches(is_blank);
    let end = line.find(is_blank)?;
    let (key, rest) = line.split_at(end);
    let rest = rest.trim_start_matches(is_blank);
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    (!key.is_empty() && digits > 0).then(|| (key, &rest[..digits]))
}

/// A line of `/proc/net/dev`: the device before the first colon, then
/// sixteen numbers separated by blanks. The device keeps blanks that
/// precede the colon.
fn dev_line(line: &str) -> Option<Obj> {
    let (prefix, rest) = line.split_once(':')?;
    let lead = prefix.len() - prefix.trim_start_matches(is_blank).len();
    let device = match lead == prefix.len() {
        true => prefix.get(prefix.len().checked_sub(1)?..)?,
        false => &prefix[lead..],
    };
    let mut rest = rest.trim_start_matches(is_blank);
    let mut item = Obj::default();
    item.set("device", Data::Str(device.into()));
    for (i, name) in DEV_COLUMNS.iter().enumerate() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        item.set(name, Data::Str(rest[..digits].into()));
        let after = &rest[digits..];
        rest = after.trim_start_matches(is_blank);
        if i < 15 && rest.len() == after.len() {
            return None;
        }
    }
    Some(item)
}

/// Whitespace as PCRE's `\s` knows it.
fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

fn is_digit(c: char, decimal: bool) -> bool {
    match decimal {
        true => c.is_ascii_digit(),
        false => c.is_ascii_hexdigit(),
    }
}

/// A number as C's `sscanf("%ld")` or `sscanf("%lx")` reads it: blanks,
/// a sign, for hex an optional `0x`, then digits; too large a number
/// stops at the largest `long`.
fn scan_number(text: &str, hex: bool) -> Option<i64> {
    let text = text.trim_start_matches(is_blank);
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let radix = if hex { 16 } else { 10 };
    let prefixed = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X"));
    let text = match prefixed {
        Some(rest)
            if hex && rest.starts_with(|c: char| c.is_ascii_hexdigit()) =>
        {
            rest
        }
        _ => text,
    };
    let mut digits = 0;
    // `None` once the number no longer fits.
    let mut magnitude = Some(0i64);
    for digit in text.chars().map_while(|c| c.to_digit(radix)) {
        digits += 1;
        magnitude = magnitude.and_then(|n| {
            n.checked_mul(i64::from(radix))?
                .checked_add(i64::from(digit))
        });
    }
    if digits == 0 {
        return None;
    }
    Some(match (magnitude, negative) {
        (Some(n), false) => n,
        (Some(n), true) => -n,
        (None, false) => i64::MAX,
        (None, true) => i64::MIN,
    })
}

/// A number as cf-agent stores it in JSON: cut to a C `int`.
fn as_int(number: i64) -> i64 {
    i64::from(number as i32)
}

/// Whether an address as cf-agent prints it lies in `fe80::/10`.
fn is_link_local(address: &str) -> bool {
    let group = address.split(':').next().unwrap_or_default();
    address.contains(':')
        && u16::from_str_radix(group, 16).is_ok_and(|g| g & 0xffc0 == 0xfe80)
}

fn strings(words: &[&str]) -> Data {
    Data::Array(words.iter().map(|w| Data::Str(Str::from(*w))).collect())
}

fn array(objects: Vec<Obj>) -> Data {
    Data::Array(objects.into_iter().map(Obj::into_data).collect())
}

/// An object being built as cf-agent builds one: setting a key that is
/// there already removes it first, so the key moves to the end.
#[derive(Clone, Debug, Default)]
pub(super) struct Obj {
    pairs: Vec<(Str, Data)>,
}

impl Obj {
    /// The object that setting each of `pairs` in turn builds: a key
    /// that comes again keeps its last value, in its last place.
    fn from_pairs<'a>(pairs: impl Iterator<Item = (&'a str, Data)>) -> Obj {
        let pairs: Vec<_> = pairs.collect();
        // Tables name each key once; only then can the pairs be taken
        // as they come, without a search per key.
        let mut keys: Vec<&str> = pairs.iter().map(|&(key, _)| key).collect();
        keys.sort_unstable();
        let mut object = Obj::default();
        if keys.windows(2).any(|two| two[0] == two[1]) {
            for (key, value) in pairs {
                object.set(key, value);
            }
        } else {
            let pairs = pairs.into_iter().map(|(k, v)| (Str::from(k), v));
            object.pairs = pairs.collect();
        }
        object
    }

    pub fn set(&mut self, key: &str, value: Data) {
        self.remove(key);
        self.pairs.push((key.into(), value));
    }

    fn remove(&mut self, key: &str) {
        // A key is there at most once, as `set` keeps it.
        let found = self.pairs.iter().position(|(k, _)| &**k == key);
        if let Some(at) = found {
            self.pairs.remove(at);
        }
    }

    pub fn get(&self, key: &str) -> Option<&Data> {
        self.pairs.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    fn text(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Data::Str(s) => Some(s),
            _ => None,
        }
    }

    fn int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Data::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn into_data(self) -> Data {
        Data::Object(Object::from_unique_pairs(self.pairs))
    }

    /// Adds `item` under the text of its key `key`. An interface seen
    /// again replaces the earlier entry unless that would put a
    /// link-local address in place of another.
    fn insert_keyed(&mut self, key: &str, item: Obj) {
        let Some(name) = item.text(key).map(str::to_string) else {
            return;
        };
        let local = |data: &Data| match data {
            Data::Object(o) => match o.get("address") {
                Some(Data::Str(a)) => is_link_local(a),
                _ => false,
            },
            _ => false,
        };
        let new_local = item.text("address").is_some_and(is_link_local);
        if new_local && self.get(&name).is_some_and(|old| !local(old)) {
            return;
        }
        self.set(&name, item.into_data());
    }

    /// Replaces the hex address under `raw` with its text under `key`;
    /// a token cf-agent cannot decode stays as it is.
    fn rewrite_address(&mut self, raw: &str, key: &str) {
        let text = self.text(raw).and_then(hex_address_text);
        if let Some(text) = text {
            self.remove(raw);
            self.set(key, Data::Str(text.into()));
        }
    }

    /// Reads the number under `raw`, removes it and, when `key` is
    /// given, stores it there as a C `int`; a value that does not read
    /// as a number stays as it is.
    fn extract_number(
        &mut self,
        raw: &str,
        key: Option<&str>,
        hex: bool,
    ) -> Option<i64> {
        let number = scan_number(self.text(raw)?, hex)?;
        self.remove(raw);
        if let Some(key) = key {
            self.set(key, Data::Int(as_int(number)));
        }
        Some(number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn compact(obj: Option<Obj>) -> String {
        obj.map_or("none".into(), |o| json::to_compact(&o.into_data()))
    }

    #[test]
    fn a_route_line_becomes_an_object_in_cf_agent_s_key_order() {
        let line =
            "eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0   ";
        let route = route_line(line).unwrap();
        let keys: Vec<&str> = route.pairs.iter().map(|(k, _)| &**k).collect();
        assert_eq!(
            keys,
            [
                "interface",
                "dest",
                "gateway",
                "mask",
                "metric",
                "mtu",
                "refcnt",
                "use",
                "window",
                "irtt",
                "flags",
                "active_default_gateway",
            ]
        );
        assert_eq!(route.text("gateway"), Some("192.0.2.1"));
        assert_eq!(
            route.get("active_default_gateway"),
            Some(&Data::Bool(true))
        );
    }

    #[test]
    fn route_lines_that_do_not_match_are_skipped() {
        let header = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\t\
                      Metric\tMask\t\tMTU\tWindow\tIRTT";
        assert!(route_line(header).is_none());
        assert!(
            route_line(
                "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0"
            )
            .is_none()
        );
        assert!(route_line("e th0\t0\t0\t0\t0\t0\t0\t0\t0\t0\t0").is_none());
    }

    #[test]
    fn ipv6_routes_take_the_source_as_destination_and_cut_metrics() {
        let line = "fe800000000000000000000000000000 40 \
                    00000000000000000000000000000000 00 \
                    00000000000000000000000000000000 ffffffff \
                    00000001 00000000 00200200     lo";
        let route = route6_line(line).unwrap();
        let keys: Vec<&str> = route.pairs.iter().map(|(k, _)| &**k).collect();
        assert_eq!(
            keys,
            [
                "dest_prefix",
                "source_prefix",
                "interface",
                "next_hop",
                "dest",
                "metric",
                "refcnt",
                "use",
                "flags",
            ]
        );
        assert_eq!(
            compact(Some(route)),
            "{\"dest\":\"0:0:0:0:0:0:0:0\",\"dest_prefix\":\"40\",\
             \"flags\":[\"down\",\"net\",\"local\"],\"interface\":\"lo\",\
             \"metric\":-1,\"next_hop\":\"0:0:0:0:0:0:0:0\",\"refcnt\":1,\
             \"source_prefix\":\"00\",\"use\":0}"
        );
        let hex_use = line.replace(" 00000000 00200200", " 0007e26c 00200200");
        assert!(route6_line(&hex_use).is_none());
    }

    #[test]
    fn dev_lines_keep_blanks_before_the_colon() {
        let item = dev_line("  eth1 : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16x")
            .unwrap();
        assert_eq!(item.text("device"), Some("eth1 "));
        assert_eq!(item.text("transmit_multicast"), Some("16"));
        assert!(
            dev_line("eth3: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15").is_none()
        );
        assert!(dev_line(" face |bytes    packets errs drop").is_none());
    }

    #[test]
    fn a_link_local_address_never_replaces_another() {
        let mut addresses = Obj::default();
        let entry = |address: &str| {
            let mut o = Obj::default();
            o.set("address", Data::Str(address.into()));
            o.set("interface", Data::Str("eth0".into()));
            o
        };
        addresses.insert_keyed("interface", entry("fe80:0:0:0:0:0:0:1"));
        addresses.insert_keyed("interface", entry("fe80:0:0:0:0:0:0:2"));
        addresses.insert_keyed("interface", entry("2001:0:0:0:0:0:0:3"));
        addresses.insert_keyed("interface", entry("febf:0:0:0:0:0:0:4"));
        addresses.insert_keyed("interface", entry("fe8:0:0:0:0:0:0:5"));
        let found = addresses.get("eth0").and_then(|d| d.child("address"));
        assert_eq!(found, Some(&Data::Str("fe8:0:0:0:0:0:0:5".into())));
    }

    #[test]
    fn netstat_pairs_names_with_values() {
        let text = "TcpExt: A B C\nTcpExt: 1 2\nIpExt: X\nIpExt:\nbad line\n";
        assert_eq!(
            json::to_compact(&netstat(text).into_data()),
            "{\"IpExt\":{},\"TcpExt\":{\"A\":\"1\",\"B\":\"2\"}}"
        );
    }

    #[test]
    fn a_key_named_twice_keeps_its_last_value_in_its_last_place() {
        let pairs = [("a", 1), ("b", 2), ("a", 3)];
        let object =
            Obj::from_pairs(pairs.map(|(k, n)| (k, Data::Int(n))).into_iter());
        let found: Vec<_> =
            object.pairs.iter().map(|(k, v)| (&**k, v)).collect();
        assert_eq!(found, [("b", &Data::Int(2)), ("a", &Data::Int(3))]);
        let unique = Obj::from_pairs([("x", Data::Int(1))].into_iter());
        assert_eq!(unique.int("x"), Some(1));
    }

    #[test]
    fn numbers_read_as_sscanf_reads_them() {
        assert_eq!(scan_number("00A0", false), Some(0));
        assert_eq!(scan_number("ffffffff", true), Some(0xffff_ffff));
        assert_eq!(as_int(0xffff_ffff), -1);
        assert_eq!(scan_number("99999999999999999999", false), Some(i64::MAX));
        assert_eq!(scan_number("x", true), None);
    }
}
