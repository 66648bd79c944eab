//! The network interfaces: `sys.interfaces`, `sys.ipv4[...]`,
//! `sys.hardware_mac[...]`, `sys.ip_addresses` and their kin, and the
//! address, `net_iface_*` and `mac_*` classes.
//!
//! cf-agent lists the interfaces that hold an IPv4 address with the
//! `SIOCGIFCONF` ioctl, asks for each one's flags and hardware address,
//! then runs `ifconfig -a` when it is installed and takes the IPv6
//! addresses, and the hardware addresses not seen yet, from its output.
//! cfmini reads the same facts from files:
//!
//! - the interfaces, their index, flags, state, type and hardware
//!   address from `/sys/class/net/NAME/`;
//! - the local IPv4 addresses from `/proc/net/fib_trie`, each placed on
//!   the interface whose connected route in `/proc/net/route` holds it,
//!   or on the loopback interface for `127.0.0.0/8`;
//! - what `ifconfig -a` would print, when `/sbin/ifconfig` or
//!   `/bin/ifconfig` exists, from the same files and
//!   `/proc/net/if_inet6`.
//!
//! So some interfaces look different than to cf-agent: an address
//! without a connected route (a `/32`, or one added with
//! `noprefixroute`) is not placed and left out; an interface that is
//! down has no routes, so its addresses are left out too where
//! cf-agent still lists it; an alias label such as `eth0:1` is not
//! known and its address is listed under `eth0`; and the addresses of
//! one interface come in numeric order rather than the kernel's.
//! `ignore_interfaces.rx` is not read.

use std::collections::HashMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::{Root, System};
use crate::classes::canonify;

const IFF_UP: u32 = 0x1;
const IFF_BROADCAST: u32 = 0x2;
const IFF_DEBUG: u32 = 0x4;
const IFF_LOOPBACK: u32 = 0x8;
const IFF_POINTOPOINT: u32 = 0x10;
const IFF_NOTRAILERS: u32 = 0x20;
const IFF_RUNNING: u32 = 0x40;
const IFF_NOARP: u32 = 0x80;
const IFF_PROMISC: u32 = 0x100;
const IFF_ALLMULTI: u32 = 0x200;
const IFF_MULTICAST: u32 = 0x1000;

/// The words of `sys.interface_flags`, in cf-agent's order.
const FLAG_WORDS: [(u32, &str); 11] = [
    (IFF_UP, "up"),
    (IFF_BROADCAST, "broadcast"),
    (IFF_DEBUG, "debug"),
    (IFF_LOOPBACK, "loopback"),
    (IFF_POINTOPOINT, "pointopoint"),
    (IFF_NOTRAILERS, "notrailers"),
    (IFF_RUNNING, "running"),
    (IFF_NOARP, "noarp"),
    (IFF_PROMISC, "promisc"),
    (IFF_ALLMULTI, "allmulti"),
    (IFF_MULTICAST, "multicast"),
];

/// `ARPHRD_ETHER`, the hardware type `ifconfig` shows as `ether`.
const ARPHRD_ETHER: u32 = 1;

/// A network interface as `/sys/class/net` describes it.
#[derive(Clone, Debug)]
struct Link {
    name: String,
    index: u32,
    /// The flags as `SIOCGIFFLAGS` gives them, `running` included.
    flags: u32,
    hw_type: u32,
    /// The first six bytes of the hardware address, as `ifconfig`
    /// prints them.
    mac: String,
}

/// What cf-agent gathers while it walks the interfaces.
#[derive(Default)]
struct Lists {
    interfaces: Vec<String>,
    hardware: Vec<String>,
    flags: Vec<String>,
    addresses: Vec<String>,
    /// The interface of the entry before.
    last_name: String,
    /// Whether `sys.ipv4` is set.
    address_set: bool,
}

impl System {
    /// The interface variables and classes.
    pub(super) fn add_interfaces(&mut self, root: &Root) {
        let links = read_links(root);
        let mut lists = Lists::default();
        for (link, address) in ipv4_entries(root, &links) {
            self.add_ipv4_entry(link, address, &mut lists);
        }
        if has_ifconfig(root) {
            self.add_ifconfig(root, &links, &mut lists);
        }

        let lists_by_name = [
            ("interfaces", lists.interfaces),
            ("hardware_addresses", lists.hardware),
            ("hardware_flags", lists.flags),
            ("ip_addresses", lists.addresses),
        ];
        for (name, list) in lists_by_name {
            if !list.is_empty() {
                self.sys_list(name, list);
            }
        }
    }

    /// One entry of the `SIOCGIFCONF` list: an interface and one of its
    /// addresses. `sys.ipv4` is the first address of an interface that
    /// is up and not the loopback one.
    fn add_ipv4_entry(
        &mut self,
        link: &Link,
        address: Ipv4Addr,
        lists: &mut Lists,
    ) {
        if link.name != lists.last_name {
            self.sys("interface", link.name.clone());
            lists.last_name = link.name.clone();
        }
        self.class(&format!("net_iface_{}", canonify(&link.name)));
        self.add_flags(link, lists);
        if link.flags & IFF_UP != 0 {
            if !lists.address_set && link.flags & IFF_LOOPBACK == 0 {
                self.sys("ipv4", address.to_string());
                lists.address_set = true;
            }
            self.add_ipv4(link, address, lists);
        }
        self.add_mac(link, lists);
    }

    fn add_flags(&mut self, link: &Link, lists: &mut Lists) {
        let words: Vec<&str> = FLAG_WORDS
            .iter()
            .filter(|(bit, _)| link.flags & bit != 0)
            .map(|(_, word)| *word)
            .collect();
        if !words.is_empty() {
            let text = words.join(" ");
            self.sys(&format!("interface_flags[{}]", link.name), text.clone());
            lists.flags.push(text);
        }
    }

    /// The classes and array entries of one IPv4 address.
    fn add_ipv4(&mut self, link: &Link, address: Ipv4Addr, lists: &mut Lists) {
        let text = address.to_string();
        let key = canonify(&link.name);
        self.class(&text);
        let mut class = format!("ipv4_{text}");
        lists.addresses.push(text.clone());
        while let Some(cut) = class.rfind('.') {
            self.class(&class);
            class.truncate(cut);
        }
        self.class(&class);

        self.sys(&format!("ipv4[{key}]"), text.clone());
        self.sys(&format!("ip2iface[{text}]"), key.clone());
        let mut prefix = text;
        for n in (1..=3).rev() {
            let Some(cut) = prefix.rfind('.') else {
                break;
            };
            prefix.truncate(cut);
            self.sys(&format!("ipv4_{n}[{key}]"), prefix.clone());
        }
    }

    /// `sys.hardware_mac[NAME]` and its class, for all but loopback
    /// interfaces; each interface and address is listed once.
    fn add_mac(&mut self, link: &Link, lists: &mut Lists) {
        if link.flags & IFF_LOOPBACK != 0 {
            return;
        }
        let mac = link.mac.clone();
        self.sys(
            &format!("hardware_mac[{}]", canonify(&link.name)),
            mac.clone(),
        );
        self.class(&format!("mac_{}", canonify(&mac)));
        push_new(&mut lists.hardware, mac);
        push_new(&mut lists.interfaces, link.name.clone());
    }

    /// What cf-agent takes from `ifconfig -a`: every IPv6 address but
    /// `::1`, with a class for it and one prefixed `ipv6_`, and the
    /// hardware addresses not listed yet.
    fn add_ifconfig(&mut self, root: &Root, links: &[Link], lists: &mut Lists) {
        let inet6 = if_inet6(root);
        let mut links: Vec<&Link> = links.iter().collect();
        links.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        for link in links {
            let addresses = inet6.iter().filter(|(name, _)| *name == link.name);
            for (_, address) in addresses {
                let text = inet_ntop6(*address);
                if text == "::1" {
                    continue;
                }
                lists.addresses.push(text.clone());
                self.class(&text);
                self.class(&format!("ipv6_{text}"));
            }
            if link.hw_type == ARPHRD_ETHER
                && !lists.hardware.contains(&link.mac)
            {
                lists.hardware.push(link.mac.clone());
                let key = format!("hardware_mac[{}]", canonify(&link.name));
                self.sys(&key, link.mac.clone());
            }
        }
    }
}

fn push_new(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Whether `ifconfig` is installed where cf-agent looks for it.
fn has_ifconfig(root: &Root) -> bool {
    let readable = |path: &str| {
        std::fs::metadata(root.path(path)).is_ok_and(|m| m.is_file())
    };
    readable("/sbin/ifconfig") || readable("/bin/ifconfig")
}

/// The interfaces in `/sys/class/net`, in index order.
fn read_links(root: &Root) -> Vec<Link> {
    let Ok(entries) = std::fs::read_dir(root.path("/sys/class/net")) else {
        return Vec::new();
    };
    let mut links: Vec<Link> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| read_link(root, name))
        .collect();
    links.sort_by(|a, b| (a.index, &a.name).cmp(&(b.index, &b.name)));
    links
}

fn read_link(root: &Root, name: String) -> Option<Link> {
    let field = |file: &str| {
        let text = root.read(&format!("/sys/class/net/{name}/{file}"))?;
        Some(text.trim().to_string())
    };
    let number = |file: &str| -> Option<u32> {
        let text = field(file)?;
        match text.strip_prefix("0x") {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => text.parse().ok(),
        }
    };
    let mut flags = number("flags")? & !IFF_RUNNING;
    let operstate = field("operstate").unwrap_or_default();
    if flags & IFF_UP != 0 && matches!(operstate.as_str(), "up" | "unknown") {
        flags |= IFF_RUNNING;
    }
    Some(Link {
        index: number("ifindex").unwrap_or(u32::MAX),
        flags,
        hw_type: number("type").unwrap_or(0),
        mac: mac_text(&field("address").unwrap_or_default()),
        name,
    })
}

/// The first six bytes of a hardware address, zeros where it has none.
fn mac_text(address: &str) -> String {
    let mut bytes = address
        .split(':')
        .map(|b| u8::from_str_radix(b, 16).unwrap_or(0));
    let six: Vec<String> = (0..6)
        .map(|_| format!("{:02x}", bytes.next().unwrap_or(0)))
        .collect();
    six.join(":")
}

/// The local IPv4 addresses and the interface each is on, in interface
/// index order and then address order.
fn ipv4_entries<'a>(
    root: &Root,
    links: &'a [Link],
) -> Vec<(&'a Link, Ipv4Addr)> {
    let routes = connected_routes(root);
    let by_name: HashMap<&str, &Link> =
        links.iter().map(|l| (l.name.as_str(), l)).collect();
    let loopback = links.iter().find(|l| l.flags & IFF_LOOPBACK != 0);
    let mut entries: Vec<(&Link, Ipv4Addr)> = local_addresses(root)
        .into_iter()
        .filter_map(|address| {
            let route = routes
                .iter()
                .filter(|(net, mask, _)| u32::from(address) & mask == *net)
                .max_by_key(|(_, mask, _)| mask.count_ones());
            let link = match route {
                Some((_, _, name)) => by_name.get(name.as_str()).copied(),
                None if address.octets()[0] == 127 => loopback,
                None => None,
            };
            Some((link?, address))
        })
        .collect();
    entries.sort_by_key(|(link, address)| {
        (link.index, link.name.clone(), *address)
    });
    entries
}

/// The addresses `/proc/net/fib_trie` lists as `/32 host LOCAL`.
fn local_addresses(root: &Root) -> Vec<Ipv4Addr> {
    let text = root.read("/proc/net/fib_trie").unwrap_or_default();
    let mut addresses = Vec::new();
    let mut leaf = None;
    for line in text.lines() {
        let line = line.trim_start();
        if let Some(address) = line.strip_prefix("|-- ") {
            leaf = address.trim().parse::<Ipv4Addr>().ok();
        } else if line.starts_with("/32 host LOCAL")
            && let Some(address) = leaf.filter(|a| !addresses.contains(a))
        {
            addresses.push(address);
        }
    }
    addresses
}

/// The routes of `/proc/net/route` that reach a network directly, as
/// network, mask and interface.
fn connected_routes(root: &Root) -> Vec<(u32, u32, String)> {
    let text = root.read("/proc/net/route").unwrap_or_default();
    // The kernel writes each address as a word in host order.
    let hex =
        |field: &str| u32::from_str_radix(field, 16).ok().map(u32::from_be);
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [name, dest, _, flags, _, _, _, mask, ..] = fields[..] else {
                return None;
            };
            let flags = u32::from_str_radix(flags, 16).ok()?;
            let gateway = flags & 0x2 != 0;
            let (dest, mask) = (hex(dest)?, hex(mask)?);
            (!gateway).then(|| (dest & mask, mask, name.to_string()))
        })
        .collect()
}

/// The interface and address of each line of `/proc/net/if_inet6`.
fn if_inet6(root: &Root) -> Vec<(String, Ipv6Addr)> {
    let text = root.read("/proc/net/if_inet6").unwrap_or_default();
    text.lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (hex, name) = (fields.first()?, fields.get(5)?);
            let bits = u128::from_str_radix(hex, 16)
                .ok()
                .filter(|_| hex.len() == 32)?;
            Some((name.to_string(), Ipv6Addr::from(bits)))
        })
        .collect()
}

/// An IPv6 address as glibc's `inet_ntop()` writes it: the longest run
/// of two or more zero groups shortened to `::`, and the last 32 bits
/// in dotted form for IPv4-compatible and IPv4-mapped addresses.
fn inet_ntop6(address: Ipv6Addr) -> String {
    let groups = address.segments();
    let best = longest_zero_run(&groups);
    let embeds_ipv4 = best.is_some_and(|(base, len)| {
        base == 0 && (len == 6 || (len == 5 && groups[5] == 0xffff))
    });

    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if let Some((base, len)) = best.filter(|(base, _)| *base == i) {
            out.push_str(if base + len == 8 { "::" } else { ":" });
            i = base + len;
            continue;
        }
        if i > 0 {
            out.push(':');
        }
        if i == 6 && embeds_ipv4 {
            let [.., a, b, c, d] = address.octets();
            out.push_str(&format!("{a}.{b}.{c}.{d}"));
            break;
        }
        out.push_str(&format!("{:x}", groups[i]));
        i += 1;
    }
    out
}

/// The first longest run of two or more zero groups, as start and
/// length.
fn longest_zero_run(groups: &[u16; 8]) -> Option<(usize, usize)> {
    let mut best = (0, 0);
    let mut start = 0;
    for (i, &group) in groups.iter().enumerate() {
        if group != 0 {
            start = i + 1;
        } else if i + 1 - start > best.1 {
            best = (start, i + 1 - start);
        }
    }
    (best.1 >= 2).then_some(best)
}

/// Compares names as `ifconfig` sorts interfaces: runs of digits by
/// their value, other characters by their code.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while let (Some(&x), Some(&y)) = (a.first(), b.first()) {
        if x.is_ascii_digit() && y.is_ascii_digit() {
            let (na, ra) = split_number(a);
            let (nb, rb) = split_number(b);
            if na != nb {
                return na.cmp(&nb);
            }
            (a, b) = (ra, rb);
            continue;
        }
        if x != y {
            return x.cmp(&y);
        }
        (a, b) = (&a[1..], &b[1..]);
    }
    a.len().cmp(&b.len())
}

fn split_number(text: &[u8]) -> (u128, &[u8]) {
    let len = text.iter().take_while(|b| b.is_ascii_digit()).count();
    let value = text[..len].iter().fold(0u128, |n, &d| {
        n.saturating_mul(10).saturating_add(u128::from(d - b'0'))
    });
    (value, &text[len..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ntop(text: &str) -> String {
        inet_ntop6(text.parse().unwrap())
    }

    #[test]
    fn ipv6_text_is_glibc_s() {
        assert_eq!(ntop("fe80::fc:ff:fe00:1"), "fe80::fc:ff:fe00:1");
        assert_eq!(ntop("fd00::2"), "fd00::2");
        assert_eq!(ntop("::1"), "::1");
        assert_eq!(ntop("::"), "::");
        assert_eq!(ntop("2001:db8:0:1:0:0:0:1"), "2001:db8:0:1::1");
        assert_eq!(ntop("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
        assert_eq!(ntop("1:0:2:3:4:5:6:7"), "1:0:2:3:4:5:6:7");
        assert_eq!(ntop("::ffff:192.0.2.7"), "::ffff:192.0.2.7");
        assert_eq!(ntop("::192.0.2.7"), "::192.0.2.7");
        assert_eq!(ntop("1::"), "1::");
    }

    #[test]
    fn names_sort_with_numbers_by_value() {
        let mut names = vec!["lo", "eth10", "eth2", "ifb0", "eth0", "br-1"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(names, ["br-1", "eth0", "eth2", "eth10", "ifb0", "lo"]);
    }

    #[test]
    fn hardware_addresses_keep_six_bytes() {
        assert_eq!(mac_text("02:fc:00:00:00:01"), "02:fc:00:00:00:01");
        assert_eq!(mac_text(""), "00:00:00:00:00:00");
        let infiniband = "80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03";
        assert_eq!(mac_text(infiniband), "80:00:02:08:fe:80");
    }
}
