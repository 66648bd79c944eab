//! Builtins about host names and addresses: looking names up, and
//! whether addresses fall in a range.
//!
//! cf-agent asks the resolver, which reads `/etc/hosts` and then asks
//! DNS. cfmini sends nothing over the network: it reads `/etc/hosts`
//! under the sysroot alone, so a name or address only DNS knows is not
//! found here, and, as cf-agent does for one it cannot find, the
//! function gives back its argument unchanged.

use std::net::{IpAddr, Ipv4Addr};

use super::logic::class;
use super::{Call, CallResult};
use crate::system::sysroot::in_sysroot;
use crate::value::Value;

/// One line of `/etc/hosts`: an address and its names.
struct HostLine {
    address: IpAddr,
    names: Vec<String>,
}

fn hosts_file(call: &Call) -> Result<Vec<HostLine>, String> {
    let path = in_sysroot(call.env.sysroot(), "/etc/hosts");
    let text = super::users::database_text(call, &path)?;
    Ok(text.lines().filter_map(host_line).collect())
}

fn host_line(line: &str) -> Option<HostLine> {
    let line = line.split('#').next().unwrap_or_default();
    let mut words = line.split_whitespace();
    let address = words.next()?.parse().ok()?;
    let names = words.map(String::from).collect();
    Some(HostLine { address, names })
}

/// Reads an address as the resolver reads a numeric host: IPv6 text, or
/// IPv4 in any form `inet_aton()` takes (`127.1`, `0x7f.0.0.1`).
fn numeric_address(text: &str) -> Option<IpAddr> {
    if let Ok(v6) = text.parse::<std::net::Ipv6Addr>() {
        return Some(IpAddr::V6(v6));
    }
    inet_aton(text).map(IpAddr::V4)
}

/// IPv4 in one to four dotted parts, each decimal, `0x` hex or
/// `0`-led octal, the last filling the bytes that remain.
pub fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<u64> =
        text.split('.').map(c_number).collect::<Option<_>>()?;
    let (last, leading) = parts.split_last()?;
    if leading.len() > 3 || leading.iter().any(|&p| p > 255) {
        return None;
    }
    let room = 8 * (4 - leading.len() as u32);
    if room < 64 && *last >> room != 0 {
        return None;
    }
    let high = leading.iter().fold(0u64, |acc, &p| (acc << 8) | p);
    let value = (high << room) | last;
    Some(Ipv4Addr::from(u32::try_from(value).ok()?))
}

fn c_number(text: &str) -> Option<u64> {
    if let Some(hex) = text.strip_prefix("0x").or(text.strip_prefix("0X")) {
        return u64::from_str_radix(hex, 16).ok();
    }
    if text.len() > 1 && text.starts_with('0') {
        return u64::from_str_radix(&text[1..], 8).ok();
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `host2ip(name)`: the first address `/etc/hosts` gives the name (in
/// any case), or the address itself when it is one; the name unchanged
/// when it is not found.
pub fn host2ip(call: &Call) -> CallResult {
    let name = call.string(0)?;
    if let Some(address) = numeric_address(name) {
        return Ok(Value::string(address.to_string()));
    }
    let found = hosts_file(call)?
        .into_iter()
        .find(|line| line.names.iter().any(|n| n.eq_ignore_ascii_case(name)));
    let text = found.map_or(name.to_string(), |l| l.address.to_string());
    Ok(Value::string(text))
}

/// `ip2host(address)`: the first name `/etc/hosts` gives the address;
/// the argument unchanged when it is not an address or not found.
pub fn ip2host(call: &Call) -> CallResult {
    let text = call.string(0)?;
    let Some(address) = numeric_address(text) else {
        return Ok(Value::string(text));
    };
    let found = hosts_file(call)?
        .into_iter()
        .find(|line| line.address == address && !line.names.is_empty());
    let name = found.map_or(text.to_string(), |l| l.names[0].clone());
    Ok(Value::string(name))
}

/// Whether `ip` is in `range`, as cf-agent matches them: `a.b.c.d/n`
/// for a CIDR block (the mask read like `atoi()`), `a.b.c-d.e` with
/// ranges in any of four parts, and otherwise leading dotted parts
/// equal as text, so `192.168.1` matches `192.168.1.15` but `192.168.1.1`
/// and `192.168.001.015` do not. IPv6 blocks match nothing.
pub fn in_range(range: &str, ip: &str) -> bool {
    if let Some((network, mask)) = range.split_once('/') {
        return in_cidr(network, mask, ip);
    }
    if range.contains('-') {
        return in_octet_ranges(range, ip);
    }
    let wanted: Vec<&str> = range.split('.').collect();
    let parts: Vec<&str> = ip.split('.').collect();
    wanted.len() <= parts.len()
        && wanted.iter().zip(&parts).all(|(a, b)| a == b)
}

fn in_cidr(network: &str, mask: &str, ip: &str) -> bool {
    let digits = mask.bytes().take_while(u8::is_ascii_digit).count();
    let Ok(bits) = mask[..digits].parse::<u32>() else {
        return false;
    };
    let (Ok(network), Ok(ip)) =
        (network.parse::<Ipv4Addr>(), ip.parse::<Ipv4Addr>())
    else {
        return false;
    };
    if bits > 32 {
        return false;
    }
    let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
    u32::from(network) & mask == u32::from(ip) & mask
}

fn in_octet_ranges(range: &str, ip: &str) -> bool {
    let Ok(ip) = ip.parse::<Ipv4Addr>() else {
        return false;
    };
    let parts: Vec<&str> = range.split('.').collect();
    parts.len() == 4
        && parts
            .iter()
            .zip(ip.octets())
            .all(|(part, octet)| octet_in(part, octet))
}

fn octet_in(part: &str, octet: u8) -> bool {
    let (low, high) = part.split_once('-').unwrap_or((part, part));
    match (low.parse::<u8>(), high.parse::<u8>()) {
        (Ok(low), Ok(high)) => low <= octet && octet <= high,
        _ => false,
    }
}

/// `isipinsubnet(range, ip, ...)`: whether any of the addresses is in
/// the range (see [`in_range`]).
pub fn isipinsubnet(call: &Call) -> CallResult {
    let range = call.string(0)?;
    let mut holds = false;
    for i in 1..call.args.len() {
        holds |= in_range(range, call.string(i)?);
    }
    Ok(class(holds))
}

/// `iprange(range, interface, ...)`: whether an IPv4 address of this
/// host, on any interface or on those named, is in the range.
pub fn iprange(call: &Call) -> CallResult {
    let range = call.string(0)?;
    let wanted: Vec<&str> = (1..call.args.len())
        .map(|i| call.string(i))
        .collect::<Result<_, _>>()?;
    let holds = interface_addresses().iter().any(|(name, ip)| {
        (wanted.is_empty() || wanted.contains(&name.as_str()))
            && in_range(range, &ip.to_string())
    });
    Ok(class(holds))
}

/// The IPv4 addresses of this host's interfaces, with their names.
fn interface_addresses() -> Vec<(String, Ipv4Addr)> {
    let mut found = Vec::new();
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs() fills `list` with a list we free below; we
    // only read entries whose address is an AF_INET sockaddr_in.
    unsafe {
        if libc::getifaddrs(&mut list) != 0 {
            return found;
        }
        let mut entry = list;
        while let Some(ifa) = entry.as_ref() {
            let addr = ifa.ifa_addr;
            if !addr.is_null() && i32::from((*addr).sa_family) == libc::AF_INET
            {
                let sin = &*(addr as *const libc::sockaddr_in);
                let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
                let name = std::ffi::CStr::from_ptr(ifa.ifa_name);
                found.push((name.to_string_lossy().into_owned(), ip));
            }
            entry = ifa.ifa_next;
        }
        libc::freeifaddrs(list);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_in_every_form_inet_aton_reads() {
        let read = |t: &str| inet_aton(t).map(|a| a.to_string());
        assert_eq!(read("127.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(read("127.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(read("0x7f.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(read("0177.0.0.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(read("1").as_deref(), Some("0.0.0.1"));
        assert_eq!(read("256.1.1.1"), None);
        assert_eq!(read("1.2.3.4.5"), None);
        assert_eq!(read("bogus"), None);
        assert_eq!(read(""), None);
    }

    // cf-agent: isipinsubnet(range, "192.168.1.15") for each range.
    #[test]
    fn ranges_match_as_cf_agent_matches_them() {
        let ip = "192.168.1.15";
        for range in [
            "192.168.1.0/24",
            "192.168.1.10-20",
            "192.168.0-3.15",
            "192.168.1.15",
            "192.168.1",
            "192.168.1.0/0",
            "192.168.1.0/24x",
            "192.168.1.0/16",
            "192.168.1.14/31",
            "1-255.1-255.1-255.1-255",
        ] {
            assert!(in_range(range, ip), "{range}");
        }
        for range in [
            "192.168.1.0/33",
            "10.0.0.0/8",
            "192.168.1.20-10",
            "192.168.1.*",
            "fe80::/10",
            "192.168.001.015",
            "192.168.1.15 ",
            "192.168.1.1",
            "",
        ] {
            assert!(!in_range(range, ip), "{range}");
        }
    }
}

#[cfg(test)]
mod sysroot_tests {
    use super::super::fake::text_in;

    #[test]
    fn names_and_addresses_come_from_the_sysroot_hosts_file() {
        assert_eq!(text_in("users", "host2ip", &["web01"]), "192.0.2.10");
        assert_eq!(
            text_in("users", "host2ip", &["WEB01.example.org"]),
            "192.0.2.10"
        );
        assert_eq!(text_in("users", "host2ip", &["six"]), "2001:db8::5");
        assert_eq!(text_in("users", "host2ip", &["nosuch"]), "nosuch");
        assert_eq!(
            text_in("users", "ip2host", &["192.0.2.10"]),
            "web01.example.org"
        );
        assert_eq!(text_in("users", "ip2host", &["192.0.2.11"]), "web02");
        assert_eq!(text_in("users", "ip2host", &["2001:db8:0::5"]), "six");
        assert_eq!(text_in("users", "ip2host", &["192.0.2.99"]), "192.0.2.99");
    }
}

/// The groups of `groupsize` host names a peers file lists, in order:
/// its non-empty lines once every match of the comment regex is gone.
fn peer_groups(call: &Call) -> Result<Vec<Vec<String>>, String> {
    let path = call.string(0)?;
    let text = super::files::read_bounded(path, 0).map_err(|e| {
        format!("function '{}' could not read '{path}': {e}", call.name)
    })?;
    let text = String::from_utf8_lossy(&text);
    let comment = crate::regex::compile(call.string(1)?)?;
    // cf-agent stops the run on a size outside 2 to 64.
    let size = usize::try_from(call.int(2)?).ok();
    let size = size.filter(|n| (2..=64).contains(n)).ok_or_else(|| {
        format!("function '{}' needs a group size from 2 to 64", call.name)
    })?;
    let mut kept = String::new();
    let mut from = 0;
    for found in comment.captures_all(&text).iter().filter_map(|c| c.get(0)) {
        kept += &crate::regex::slice(&text, from..found.start);
        from = found.end;
    }
    kept += &crate::regex::slice(&text, from..text.len());
    let names: Vec<String> = kept
        .split('\n')
        .filter(|line| !line.is_empty())
        .map(String::from)
        .collect();
    Ok(names.chunks(size).map(<[String]>::to_vec).collect())
}

/// Whether a peers file line names this host.
fn is_this_host(call: &Call, name: &str) -> bool {
    ["sys.fqhost", "sys.uqhost"].iter().any(|var| {
        matches!(call.env.lookup(var), Some(Value::Scalar(_, host)) if &*host == name)
    })
}

/// A group's leader as cf-agent names it: `localhost` when it is this
/// host.
fn leader(call: &Call, group: &[String]) -> String {
    match is_this_host(call, &group[0]) {
        true => "localhost".to_string(),
        false => group[0].clone(),
    }
}

/// `peers(path, comment, groupsize)`: the other hosts in this host's
/// group of the file; none when the file does not list this host.
pub fn peers(call: &Call) -> CallResult {
    let groups = peer_groups(call)?;
    let mine = groups
        .iter()
        .find(|g| g.iter().any(|name| is_this_host(call, name)));
    let others = mine.into_iter().flatten();
    let others = others.filter(|name| !is_this_host(call, name));
    Ok(Value::slist(others.map(|n| n.as_str().into()).collect()))
}

/// `peerleaders(path, comment, groupsize)`: the first host of every
/// group.
pub fn peerleaders(call: &Call) -> CallResult {
    let groups = peer_groups(call)?;
    let leaders = groups.iter().map(|g| leader(call, g).into()).collect();
    Ok(Value::slist(leaders))
}
