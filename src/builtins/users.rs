//! Builtins about users, groups and the environment.
//!
//! cf-agent asks the C library (`getpwnam()`, `getgrnam()` and their
//! kind), which reads `/etc/passwd` and `/etc/group` on a host without
//! other name services. cfmini reads those two files under the sysroot
//! instead, so that tests can give it their own; users that only a
//! directory service (LDAP, NIS, systemd's) knows are unknown here.
//!
//! A user or group is named by its name or by its number; cf-agent
//! ignores blanks around either and reads `+1` as 1.

use std::collections::HashMap;
use std::path::Path;

use super::logic::class;
use super::{Call, CallResult, data, int};
use crate::system::sysroot::in_sysroot;
use crate::value::{Data, Object, Str, Value};

/// One line of `/etc/passwd`.
struct User {
    name: String,
    uid: String,
    gid: String,
    gecos: String,
    home: String,
    shell: String,
}

/// One line of `/etc/group`.
struct Group {
    name: String,
    gid: String,
}

/// The text of a database file under the sysroot: empty when there is
/// none, an error when it cannot be read whole (a FIFO, a device).
pub(super) fn database_text(
    call: &Call,
    path: &Path,
) -> Result<String, String> {
    if !path.exists() {
        return Ok(String::new());
    }
    let bytes = super::files::read_bounded(path, 0).map_err(|e| {
        format!(
            "function '{}' could not read '{}': {e}",
            call.name,
            path.display()
        )
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The lines of a database file under the sysroot, split at colons;
/// comments, blank lines and lines with too few fields are left out.
fn records(
    call: &Call,
    file: &str,
    fields: usize,
) -> Result<Vec<Vec<String>>, String> {
    let path = in_sysroot(call.env.sysroot(), &format!("/etc/{file}"));
    let text = database_text(call, &path)?;
    Ok(text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split(':').map(String::from).collect::<Vec<_>>())
        .filter(|record| record.len() >= fields)
        .collect())
}

fn users(call: &Call) -> Result<Vec<User>, String> {
    let records = records(call, "passwd", 7)?.into_iter();
    Ok(records
        .map(|mut r| User {
            shell: r.remove(6),
            home: r.remove(5),
            gecos: r.remove(4),
            gid: r.remove(3),
            uid: r.remove(2),
            name: r.remove(0),
        })
        .collect())
}

/// The user name of each number in `/etc/passwd`; the first line
/// with a number names it, as `getpwuid()` finds it.
pub(super) fn names_by_uid(
    call: &Call,
) -> Result<HashMap<u32, String>, String> {
    let mut names = HashMap::new();
    for user in users(call)? {
        if let Ok(uid) = user.uid.parse() {
            names.entry(uid).or_insert(user.name);
        }
    }
    Ok(names)
}

fn groups(call: &Call) -> Result<Vec<Group>, String> {
    let records = records(call, "group", 3)?.into_iter();
    Ok(records
        .map(|mut r| Group {
            gid: r.remove(2),
            name: r.remove(0),
        })
        .collect())
}

/// How a user or group is named: by number when the text, blanks
/// trimmed, reads as an integer, else by name.
enum Key {
    Id(i64),
    Name(String),
}

fn key(text: &str) -> Key {
    let text = text.trim_matches(super::is_c_space);
    match text.parse::<i64>() {
        Ok(id) => Key::Id(id),
        Err(_) => Key::Name(text.to_string()),
    }
}

fn is(key: &Key, name: &str, id: &str) -> bool {
    match key {
        Key::Id(wanted) => id.parse::<i64>().is_ok_and(|id| id == *wanted),
        Key::Name(wanted) => wanted == name,
    }
}

fn find_user(call: &Call, text: &str) -> Result<Option<User>, String> {
    let key = key(text);
    Ok(users(call)?.into_iter().find(|u| is(&key, &u.name, &u.uid)))
}

fn find_group(call: &Call, text: &str) -> Result<Option<Group>, String> {
    let key = key(text);
    Ok(groups(call)?
        .into_iter()
        .find(|g| is(&key, &g.name, &g.gid)))
}

/// `userexists(user)`: whether a user by that name or number exists.
pub fn userexists(call: &Call) -> CallResult {
    Ok(class(find_user(call, call.string(0)?)?.is_some()))
}

/// `groupexists(group)`: whether a group by that name or number exists.
pub fn groupexists(call: &Call) -> CallResult {
    Ok(class(find_group(call, call.string(0)?)?.is_some()))
}

/// `getuid(user)`: the user's number; fails for an unknown user.
pub fn getuid(call: &Call) -> CallResult {
    let name = call.string(0)?;
    let user = find_user(call, name)?
        .ok_or_else(|| format!("function 'getuid' found no user '{name}'"))?;
    id_value(call, &user.uid)
}

/// `getgid(group)`: the group's number; fails for an unknown group.
pub fn getgid(call: &Call) -> CallResult {
    let name = call.string(0)?;
    let group = find_group(call, name)?
        .ok_or_else(|| format!("function 'getgid' found no group '{name}'"))?;
    id_value(call, &group.gid)
}

fn id_value(call: &Call, id: &str) -> CallResult {
    let id = id.parse::<i64>().map_err(|_| {
        format!("function '{}' found a malformed number '{id}'", call.name)
    })?;
    Ok(int(id))
}

/// `getusers(names, ids)`: every user's name in database order, but
/// those whose name or number is in the comma-separated lists; list
/// members are compared as written, blanks and all.
pub fn getusers(call: &Call) -> CallResult {
    let names: Vec<&str> = call.string(0)?.split(',').collect();
    let ids: Vec<&str> = call.string(1)?.split(',').collect();
    let kept = users(call)?
        .into_iter()
        .filter(|u| !names.contains(&&*u.name) && !ids.contains(&&*u.uid))
        .map(|u| Str::from(u.name))
        .collect();
    Ok(Value::slist(kept))
}

/// `getuserinfo(user)`: a user's database entry as an object. Without
/// an argument, and for a user that does not exist, it describes the
/// user running the policy, as cf-agent does.
pub fn getuserinfo(call: &Call) -> CallResult {
    let wanted = match call.args.len() {
        0 => None,
        _ => find_user(call, call.string(0)?)?,
    };
    // SAFETY: getuid() has no preconditions and cannot fail.
    let current = unsafe { libc::getuid() };
    let user = match wanted {
        Some(user) => Some(user),
        None => find_user(call, &current.to_string())?,
    };
    let user = user.ok_or_else(|| {
        format!("function 'getuserinfo' found no user with uid {current}")
    })?;
    Ok(data(user_object(&user)))
}

fn user_object(user: &User) -> Data {
    let text = |s: &str| Data::Str(s.into());
    let number = |s: &str| s.parse().map_or_else(|_| text(s), Data::Int);
    let pairs = vec![
        ("username".into(), text(&user.name)),
        ("description".into(), text(&user.gecos)),
        ("home_dir".into(), text(&user.home)),
        ("shell".into(), text(&user.shell)),
        ("uid".into(), number(&user.uid)),
        ("gid".into(), number(&user.gid)),
    ];
    Data::Object(Object::from_unique_pairs(pairs))
}

/// `getenv(name, maxlen)`: the environment variable's value, cut to
/// `maxlen` bytes (at a character boundary); empty when it is not set.
pub fn getenv(call: &Call) -> CallResult {
    let name = call.string(0)?;
    // cf-agent stops the run on these; std would refuse them.
    if name.is_empty() || name.contains(['=', '\0']) {
        return Err(format!("function 'getenv' cannot read variable '{name}'"));
    }
    let limit = super::files::size_limit(call, 1)?;
    let value = std::env::var_os(name).unwrap_or_default();
    let value = value.to_string_lossy();
    let mut end = usize::try_from(limit)
        .unwrap_or(usize::MAX)
        .min(value.len());
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Ok(Value::string(&value[..end]))
}

#[cfg(test)]
mod tests {
    use super::super::fake::text_in;

    fn users(name: &str, args: &[&str]) -> String {
        text_in("users", name, args)
    }

    #[test]
    fn users_and_groups_come_from_the_sysroot() {
        assert_eq!(users("getuid", &["alice"]), "1000");
        assert_eq!(users("getuid", &[" bob "]), "1001");
        assert_eq!(users("getuid", &["1002"]), "1002");
        assert_eq!(users("getuid", &["nobody"]), "ERR");
        assert_eq!(users("getgid", &["users"]), "100");
        assert_eq!(users("getgid", &["+1000"]), "1000");
        assert_eq!(users("getgid", &["bob"]), "ERR");
        assert_eq!(users("userexists", &["carol"]), "any");
        assert_eq!(users("userexists", &["#"]), "!any");
        assert_eq!(users("groupexists", &["100"]), "any");
        assert_eq!(users("groupexists", &["daemon"]), "!any");
    }

    #[test]
    fn getusers_excludes_by_name_and_number() {
        let all = r#"{ "root", "alice", "bob", "carol" }"#;
        assert_eq!(users("getusers", &["", ""]), all);
        assert_eq!(users("getusers", &["root,bob", "1002"]), r#"{ "alice" }"#);
        assert_eq!(users("getusers", &[" root", " 0"]), all);
    }

    #[test]
    fn getuserinfo_describes_an_entry() {
        assert_eq!(
            users("getuserinfo", &["alice"]),
            r#"{"description":"Alice Liddell,,,","gid":1000,"home_dir":"/home/alice","shell":"/bin/zsh","uid":1000,"username":"alice"}"#
        );
        assert_eq!(
            users("getuserinfo", &["1001"]),
            r#"{"description":"","gid":100,"home_dir":"/home/bob","shell":"/usr/sbin/nologin","uid":1001,"username":"bob"}"#
        );
    }

    #[test]
    fn a_missing_database_knows_nobody() {
        assert_eq!(text_in("proc/none", "userexists", &["root"]), "!any");
        assert_eq!(text_in("proc/none", "getusers", &["", ""]), "{  }");
    }
}
