//! The builtin function table and the typed helpers builtins read their
//! arguments through.
//!
//! Each builtin is one row of [`TABLE`] and one function in the module of
//! its family. A row carries an example call and what cf-agent prints
//! for it; `tests/examples.rs` runs them all. The evaluator checks arity
//! against the row before calling, so a builtin only reads arguments
//! that exist.

mod data;
mod dates;
#[cfg(test)]
mod fake;
mod files;
mod format;
mod glob;
mod hostrange;
mod hosts;
mod infix;
mod introspect;
mod kernel;
mod lines;
mod lists;
mod logic;
mod maps;
mod matching;
mod math;
pub mod network;
mod numbers;
mod order;
mod patterns;
mod readers;
pub mod refused;
pub mod sockets;
mod sorting;
mod strings;
mod tables;
mod time;
mod users;
mod version;

use std::path::Path;
use std::rc::Rc;

use crate::value::{Data, ScalarKind, Str, Value};

pub use data::data_kind;
pub use format::slist_text;
pub use numbers::cf_real;

/// What a builtin needs from the evaluator besides its arguments.
pub trait Env {
    /// The value of a variable named as policy names it (`x`, `b.x`).
    fn lookup(&self, name: &str) -> Option<Value>;

    /// The directory that stands for `/` when reading `/proc`.
    fn sysroot(&self) -> &Path;

    /// The elements of a classic array (`"a[k]" string => ...`) named
    /// `name`, as one object; `None` when it has none.
    fn classic_array(&self, _name: &str) -> Option<Data> {
        None
    }

    /// Whether the class expression `expr` holds where the call is.
    fn class_holds(&self, _expr: &str) -> bool {
        false
    }

    /// Defines the classic array `name` (`name[k][j]` variables, one
    /// for each element, its indices and value) where the call is, as
    /// `regextract` and `readstringarray` do besides returning a value.
    fn define_array(&self, _name: &str, _elements: Vec<(Vec<Str>, Value)>) {}

    /// `text` expanded where the call is, with the `this` names given
    /// bound (`this`, `this.k`, `this.v`, `this.k[1]`); references that
    /// do not resolve stay as written.
    fn expand_template(&self, text: &str, _this: &[(Str, Str)]) -> String {
        text.to_string()
    }

    /// The value of `template`, a function call, where the call is with
    /// the `this` names given bound; `None` while it does not resolve.
    fn call_template(
        &self,
        _template: &crate::ast::Rval,
        _this: &[(Str, Str)],
    ) -> Option<String> {
        None
    }

    /// Every variable defined, by its full name (`default:bundle.name`),
    /// with its value.
    fn variables(&self) -> Vec<(String, Value)> {
        Vec::new()
    }

    /// The meta tags of the variable `name`, named as policy names it;
    /// `None` when there is no such variable.
    fn variable_tags(&self, _name: &str) -> Option<Vec<Str>> {
        None
    }

    /// Every class defined where the call is.
    fn classes(&self) -> Vec<String> {
        Vec::new()
    }

    /// The meta tags of the class `name`; `None` when it is not defined.
    fn class_tags(&self, _name: &str) -> Option<Vec<Str>> {
        None
    }

    /// Every bundle of the policy, by its full name (`ns:bundle`), with
    /// the tags its `meta:` promise `tags` lists, last written first.
    fn bundles(&self) -> Vec<(String, Vec<Str>)> {
        Vec::new()
    }

    /// The promisers, as written, of the `methods` promises whose bundle
    /// calls lead to where the call is, outermost first.
    fn method_promisers(&self) -> Vec<Str> {
        Vec::new()
    }

    /// Tells the verbose log what builtin `function` decided, such as
    /// an input line it skipped and why.
    fn verbose(&self, _function: &str, _message: &str) {}
}

/// The argument of builtin `name` at position `i` that is a template,
/// which the evaluator passes as written, for the builtin to expand
/// with `this` bound through [`Env::expand_template`].
pub fn is_template(name: &str, i: usize) -> bool {
    matches!((name, i), ("maplist" | "maparray", 0) | ("mapdata", 1))
}

/// One call of a builtin: its evaluated arguments and the environment.
pub struct Call<'a> {
    /// The function's name, for messages.
    pub name: &'a str,
    /// The arguments, expanded: scalars, or lists and data from `@(x)`
    /// and nested calls.
    pub args: Vec<Value>,
    /// Variables and the sysroot.
    pub env: &'a dyn Env,
    /// For each argument written as `@(name)`, that text: a function
    /// that wants a string gets it as written, as in cf-agent.
    pub written: Vec<Option<Str>>,
    /// A map function's template written as a function call, which is
    /// called for each element rather than once.
    pub template: Option<&'a crate::ast::Rval>,
}

/// Why a builtin call failed; the variable it was to set stays undefined.
pub type CallResult = Result<Value, String>;

/// What a builtin returns, as cf-promises checks it against the promise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    /// A string scalar.
    String,
    /// An integer scalar.
    Int,
    /// A real scalar.
    Real,
    /// A list of strings.
    Slist,
    /// A list of integers.
    Ilist,
    /// A list of reals.
    Rlist,
    /// A data container.
    Data,
    /// A class: `any` when true, `!any` when false.
    Class,
    /// An integer range, `a,b`, which only attributes of range type and
    /// other functions' arguments take.
    Irange,
    /// A real range, as [`Returns::Irange`].
    Rrange,
}

/// One row of the builtin table.
pub struct Builtin {
    /// The name policy calls it by.
    pub name: &'static str,
    /// The fewest arguments it takes.
    pub min_args: usize,
    /// The most arguments it takes; `None` for any number.
    pub max_args: Option<usize>,
    /// What it returns.
    pub returns: Returns,
    /// One line saying what it computes.
    pub doc: &'static str,
    /// A call of it, as policy writes it.
    pub example: &'static str,
    /// What a report of the example's value prints, as cf-agent
    /// prints it: scalars as they are, lists and data as `format("%S")`
    /// renders them, classes as `true` or `false`.
    pub yields: &'static str,
    /// The implementation.
    pub run: fn(&Call) -> CallResult,
}

/// Every builtin, sorted by name.
pub static TABLE: &[Builtin] = &[
    Builtin {
        name: "accessedbefore",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the first file was last read before the second",
        example: r#"accessedbefore("/nonexistent", "/")"#,
        yields: "false",
        run: files::accessedbefore,
    },
    Builtin {
        name: "accumulated",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "a duration in seconds, a year being 365 days and a month 30",
        example: r#"accumulated(0, 0, 1, 1, 1, 1)"#,
        yields: "90061",
        run: dates::accumulated,
    },
    Builtin {
        name: "ago",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "the time that long before now, in seconds since the epoch",
        example: r#"ago(1000, 0, 0, 0, 0, 0)"#,
        yields: "0",
        run: dates::ago,
    },
    Builtin {
        name: "and",
        min_args: 0,
        max_args: None,
        returns: Returns::Class,
        doc: "whether every class expression holds",
        example: r#"and("any", "!nosuchclass")"#,
        yields: "true",
        run: logic::and,
    },
    Builtin {
        name: "basename",
        min_args: 1,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the last component of a path, without a suffix",
        example: r#"basename("/etc/ssh/sshd_config.d/", ".d")"#,
        yields: "sshd_config",
        run: strings::basename,
    },
    Builtin {
        name: "bundlesmatching",
        min_args: 1,
        max_args: None,
        returns: Returns::Slist,
        doc: "the full names of the bundles whose names, and tags, match",
        example: r#"bundlesmatching("default:ma.*")"#,
        yields: r#"{ "default:main" }"#,
        run: introspect::bundlesmatching,
    },
    Builtin {
        name: "bundlestate",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Data,
        doc: "the variables of one bundle, as one object",
        example: r#"bundlestate("const")"#,
        yields: r#"{"at":"@","dirsep":"/","dollar":"$","endl":"\n","n":"\n","r":"\r","t":"\t"}"#,
        run: introspect::bundlestate,
    },
    Builtin {
        name: "callstack_promisers",
        min_args: 0,
        max_args: Some(0),
        returns: Returns::Slist,
        doc: "the promisers of the methods promises that called this bundle",
        example: r#"callstack_promisers()"#,
        yields: "{  }",
        run: introspect::callstack_promisers,
    },
    Builtin {
        name: "canonify",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the string with every byte but letters, digits and _ made _",
        example: r#"canonify("a-b c.d")"#,
        yields: "a_b_c_d",
        run: strings::canonify,
    },
    Builtin {
        name: "canonifyuniquely",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "canonify() of the string, _ and its SHA-1",
        example: r#"canonifyuniquely("a b")"#,
        yields: "a_b_7dbde93504122a707f849f2c12bdd9de71b41929",
        run: strings::canonifyuniquely,
    },
    Builtin {
        name: "cf_version_after",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is after a version",
        example: r#"cf_version_after("3.20")"#,
        yields: "true",
        run: version::after,
    },
    Builtin {
        name: "cf_version_at",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is a version, in the parts it gives",
        example: r#"cf_version_at("3")"#,
        yields: "true",
        run: version::at,
    },
    Builtin {
        name: "cf_version_before",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is before a version",
        example: r#"cf_version_before("3.21")"#,
        yields: "false",
        run: version::before,
    },
    Builtin {
        name: "cf_version_between",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether cf-agent's version lies between two versions",
        example: r#"cf_version_between("3.20", "3.22")"#,
        yields: "true",
        run: version::between,
    },
    Builtin {
        name: "cf_version_maximum",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is at most a version",
        example: r#"cf_version_maximum("3.21.1")"#,
        yields: "true",
        run: version::maximum,
    },
    Builtin {
        name: "cf_version_minimum",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether cf-agent's version is at least a version",
        example: r#"cf_version_minimum("3.22")"#,
        yields: "false",
        run: version::minimum,
    },
    Builtin {
        name: "changedbefore",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the first file's inode changed after the second's",
        example: r#"changedbefore("/nonexistent", "/")"#,
        yields: "false",
        run: files::changedbefore,
    },
    Builtin {
        name: "classesmatching",
        min_args: 0,
        max_args: None,
        returns: Returns::Slist,
        doc: "the classes defined whose names, and tags, patterns match",
        example: r#"classesmatching("cfengine_3")"#,
        yields: r#"{ "cfengine_3" }"#,
        run: introspect::classesmatching,
    },
    Builtin {
        name: "classfiltercsv",
        min_args: 3,
        max_args: Some(4),
        returns: Returns::Data,
        doc: "the records of a CSV file whose class expression holds",
        example: r#"classfiltercsv(concat("tests/fixtures/files/", "classes.csv"), "true", 0, 1)"#,
        yields: r#"[{"n":"2","name":"a"},{"n":"1","name":"b"}]"#,
        run: readers::classfiltercsv,
    },
    Builtin {
        name: "classify",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether the canonified text names a defined class",
        example: r#"classify("cfengine-3")"#,
        yields: "true",
        run: logic::classify,
    },
    Builtin {
        name: "classmatch",
        min_args: 0,
        max_args: None,
        returns: Returns::Class,
        doc: "whether a defined class matches a pattern and tags",
        example: r#"classmatch("cfengine_3_.*", "hardclass")"#,
        yields: "true",
        run: logic::classmatch,
    },
    Builtin {
        name: "concat",
        min_args: 0,
        max_args: None,
        returns: Returns::String,
        doc: "the strings one after another",
        example: r#"concat("a", "b", "1")"#,
        yields: "ab1",
        run: strings::concat,
    },
    Builtin {
        name: "countclassesmatching",
        min_args: 0,
        max_args: None,
        returns: Returns::Int,
        doc: "how many defined classes match a pattern and tags",
        example: r#"countclassesmatching("cfengine_3_21_[0-9]+")"#,
        yields: "1",
        run: logic::countclassesmatching,
    },
    Builtin {
        name: "countlinesmatching",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Int,
        doc: "how many lines of a file a regex matches whole",
        example: r#"countlinesmatching("Linu.", "/proc/sys/kernel/ostype")"#,
        yields: "1",
        run: files::countlinesmatching,
    },
    Builtin {
        name: "data_expand",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Data,
        doc: "a container with the references in its keys and strings expanded",
        example: r#"data_expand('{"$(this.bundle)": ["$(sys.cf_version_major)", 1]}')"#,
        yields: r#"{"main":["3",1]}"#,
        run: maps::data_expand,
    },
    Builtin {
        name: "data_readstringarray",
        min_args: 5,
        max_args: Some(5),
        returns: Returns::Data,
        doc: "an object from each line's first field to its other fields",
        example: r##"data_readstringarray(concat("tests/fixtures/files/", "colon.txt"), "#[^\n]*", ":", 10, 1k)"##,
        yields: r#"{"k1":["again"],"k2":["v2"],"k3":[]}"#,
        run: tables::data_readstringarray,
    },
    Builtin {
        name: "data_readstringarrayidx",
        min_args: 5,
        max_args: Some(5),
        returns: Returns::Data,
        doc: "an array of the fields of each line",
        example: r##"data_readstringarrayidx(concat("tests/fixtures/files/", "colon.txt"), "#[^\n]*", ":", 2, 1k)"##,
        yields: r#"[["k1","v1","w1"],["k2","v2"]]"#,
        run: tables::data_readstringarrayidx,
    },
    Builtin {
        name: "data_regextract",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Data,
        doc: "the groups of the first match, by number or name",
        example: r#"data_regextract("(?<key>\\w+)=(\\d+)", "x port=22")"#,
        yields: r#"{"0":"port=22","2":"22","key":"port"}"#,
        run: patterns::data_regextract,
    },
    Builtin {
        name: "data_sysctlvalues",
        min_args: 0,
        max_args: Some(0),
        returns: Returns::Data,
        doc: "every kernel parameter in /proc/sys, by its dotted name",
        example: r#"data_sysctlvalues()"#,
        yields: r#"{"vm.swappiness":"60"}"#,
        run: kernel::data_sysctlvalues,
    },
    Builtin {
        name: "datastate",
        min_args: 0,
        max_args: Some(0),
        returns: Returns::Data,
        doc: "the classes defined and every bundle's variables, as one container",
        example: r#"getindices(datastate())"#,
        yields: r#"{ "classes", "vars" }"#,
        run: introspect::datastate,
    },
    Builtin {
        name: "difference",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Slist,
        doc: "the distinct items of a list that a second list lacks",
        example: r#"difference('["a", "b", "c", "a"]', '["b"]')"#,
        yields: r#"{ "a", "c" }"#,
        run: lists::difference,
    },
    Builtin {
        name: "dirname",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the path without its last component",
        example: r#"dirname("/etc/ssh/sshd_config")"#,
        yields: "/etc/ssh",
        run: strings::dirname,
    },
    Builtin {
        name: "diskfree",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "the kibibytes free to users on the file system of a path",
        example: r#"diskfree("/nonexistent")"#,
        yields: r#"0"#,
        run: kernel::diskfree,
    },
    Builtin {
        name: "escape",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the string with a backslash before every non-alphanumeric character",
        example: r#"escape("a.b[1]")"#,
        yields: r#"a\.b\[1\]"#,
        run: strings::escape,
    },
    Builtin {
        name: "eval",
        min_args: 1,
        max_args: None,
        returns: Returns::String,
        doc: "an infix arithmetic expression's value, or its truth",
        example: r#"eval("2 + 3 * 4", "math", "infix")"#,
        yields: "14.000000",
        run: math::eval,
    },
    Builtin {
        name: "every",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether a regular expression matches every item of a list",
        example: r#"every("[a-z]+", '["a", "bc"]')"#,
        yields: "true",
        run: matching::every,
    },
    Builtin {
        name: "expandrange",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Slist,
        doc: "a text with its first [from-to] range expanded in steps",
        example: r#"expandrange("host[1-3].x", 1)"#,
        yields: r#"{ "host1.x", "host2.x", "host3.x" }"#,
        run: lists::expandrange,
    },
    Builtin {
        name: "file_hash",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the hex digest of a file by md5, sha1, sha256, sha384 or sha512",
        example: r#"file_hash("/dev/null", "md5")"#,
        yields: "d41d8cd98f00b204e9800998ecf8427e",
        run: files::file_hash,
    },
    Builtin {
        name: "fileexists",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether anything, a dangling link too, is at the path",
        example: r#"fileexists("/dev/null")"#,
        yields: "true",
        run: files::fileexists,
    },
    Builtin {
        name: "filesexist",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether every path of a list exists",
        example: r#"filesexist('["/", "/nonexistent"]')"#,
        yields: "false",
        run: files::filesexist,
    },
    Builtin {
        name: "filesize",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "the size in bytes of the path itself, a link not followed",
        example: r#"filesize("/dev/null")"#,
        yields: "0",
        run: files::filesize,
    },
    Builtin {
        name: "filestat",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "one field of a path's own metadata, such as size, type or permoct",
        example: r#"filestat("/dev/null", "type")"#,
        yields: "character device",
        run: files::filestat,
    },
    Builtin {
        name: "filter",
        min_args: 5,
        max_args: Some(5),
        returns: Returns::Slist,
        doc: "the first items that match a regular expression or equal a string",
        example: r#"filter("a.*", '["ab", "b", "ac"]', "true", "false", 1)"#,
        yields: r#"{ "ab" }"#,
        run: matching::filter,
    },
    Builtin {
        name: "findfiles",
        min_args: 0,
        max_args: None,
        returns: Returns::Slist,
        doc: "the absolute paths that shell globs match, ** for up to six levels",
        example: r#"findfiles("/etc/passw?")"#,
        yields: r#"{ "/etc/passwd" }"#,
        run: files::findfiles,
    },
    Builtin {
        name: "findfiles_up",
        min_args: 2,
        max_args: Some(3),
        returns: Returns::Data,
        doc: "the paths a glob matches in a directory and those above it",
        example: r#"findfiles_up("/proc/self", "cmdline", 0)"#,
        yields: r#"["/proc/self/cmdline"]"#,
        run: files::findfiles_up,
    },
    Builtin {
        name: "format",
        min_args: 1,
        max_args: None,
        returns: Returns::String,
        doc: "the template with printf-style conversions filled in",
        example: r#"format("%d-%5s|%-3s|%.2f", 7, "x", "y", "3.14159")"#,
        yields: "7-    x|y  |3.14",
        run: format::format,
    },
    Builtin {
        name: "getclassmetatags",
        min_args: 1,
        max_args: None,
        returns: Returns::Slist,
        doc: "the meta tags of a class, or the values of its key=value tags",
        example: r#"getclassmetatags("any", "nosuchkey")"#,
        yields: "{  }",
        run: introspect::getclassmetatags,
    },
    Builtin {
        name: "getenv",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "an environment variable's value cut to a length, empty when unset",
        example: r#"getenv("CFMINI_NOSUCH_VARIABLE", 10)"#,
        yields: "",
        run: users::getenv,
    },
    Builtin {
        name: "getfields",
        min_args: 4,
        max_args: Some(4),
        returns: Returns::Int,
        doc: "how many lines a regex matches; the first one split into an array",
        example: r#"getfields("Umask:.*", "/proc/self/status", ":", "f")"#,
        yields: r#"1"#,
        run: lines::getfields,
    },
    Builtin {
        name: "getgid",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "the number of a group named by name or number",
        example: r#"getgid("root")"#,
        yields: "0",
        run: users::getgid,
    },
    Builtin {
        name: "getindices",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Slist,
        doc: "the positions of an array or the keys of an object",
        example: r#"getindices('{"a": 1, "b": [2]}')"#,
        yields: r#"{ "a", "b" }"#,
        run: data::getindices,
    },
    Builtin {
        name: "getuid",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "the number of a user named by name or number",
        example: r#"getuid("root")"#,
        yields: "0",
        run: users::getuid,
    },
    Builtin {
        name: "getuserinfo",
        min_args: 0,
        max_args: Some(1),
        returns: Returns::Data,
        doc: "a user's passwd entry as an object, the running user's by default",
        example: r#"getuserinfo("root")"#,
        yields: r#"{"description":"root","gid":0,"home_dir":"/root","shell":"/bin/bash","uid":0,"username":"root"}"#,
        run: users::getuserinfo,
    },
    Builtin {
        name: "getusers",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Slist,
        doc: "every user's name but those whose name or number is excluded",
        example: r#"nth(getusers("", ""), 0)"#,
        yields: "root",
        run: users::getusers,
    },
    Builtin {
        name: "getvalues",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Slist,
        doc: "every primitive in a collection, depth first",
        example: r#"getvalues('{"a": 1, "b": [2, 3]}')"#,
        yields: r#"{ "1", "2", "3" }"#,
        run: data::getvalues,
    },
    Builtin {
        name: "getvariablemetatags",
        min_args: 1,
        max_args: None,
        returns: Returns::Slist,
        doc: "the meta tags of a variable, or the values of its key=value tags",
        example: r#"getvariablemetatags("sys.fqhost", "nosuchkey")"#,
        yields: "{  }",
        run: introspect::getvariablemetatags,
    },
    Builtin {
        name: "grep",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Slist,
        doc: "the items of a list a regular expression matches whole",
        example: r#"grep("a.*", '["ab", "b", "ac"]')"#,
        yields: r#"{ "ab", "ac" }"#,
        run: matching::grep,
    },
    Builtin {
        name: "groupexists",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether a group by that name or number exists",
        example: r#"groupexists("root")"#,
        yields: "true",
        run: users::groupexists,
    },
    Builtin {
        name: "hash",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the md5, sha1, sha256, sha384 or sha512 digest in hex",
        example: r#"hash("abc", "md5")"#,
        yields: "900150983cd24fb0d6963f7d28e17f72",
        run: strings::hash,
    },
    Builtin {
        name: "hash_to_int",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Int,
        doc: "an integer in a range chosen by the string's SHA-256",
        example: r#"hash_to_int(0, 1000, "abc")"#,
        yields: "874",
        run: strings::hash_to_int,
    },
    Builtin {
        name: "hashmatch",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Class,
        doc: "whether a file's hex digest is the one given",
        example: r#"hashmatch("/nonexistent", "md5", "00000000000000000000000000000000")"#,
        yields: r#"true"#,
        run: files::hashmatch,
    },
    Builtin {
        name: "host2ip",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the first address /etc/hosts gives a name, the name when none",
        example: r#"host2ip("127.1")"#,
        yields: "127.0.0.1",
        run: hosts::host2ip,
    },
    Builtin {
        name: "hostrange",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the host is a prefix and a number within a range",
        example: r#"hostrange("nosuchhost-", "1-9")"#,
        yields: "false",
        run: hostrange::hostrange,
    },
    Builtin {
        name: "ifelse",
        min_args: 0,
        max_args: None,
        returns: Returns::String,
        doc: "the value after the first class expression that holds",
        example: r#"ifelse("nosuchclass", "a", "any", "b", "c")"#,
        yields: "b",
        run: logic::ifelse,
    },
    Builtin {
        name: "int",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "the integer part of a real, read with its unit",
        example: r#"int("-3.7")"#,
        yields: "-3",
        run: math::int,
    },
    Builtin {
        name: "intersection",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Slist,
        doc: "the distinct items of a list that a second list has too",
        example: r#"intersection('["a", "b", "c"]', '["c", "a", "x"]')"#,
        yields: r#"{ "a", "c" }"#,
        run: lists::intersection,
    },
    Builtin {
        name: "ip2host",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the first name /etc/hosts gives an address, the address when none",
        example: r#"ip2host("192.0.2.255")"#,
        yields: "192.0.2.255",
        run: hosts::ip2host,
    },
    Builtin {
        name: "iprange",
        min_args: 1,
        max_args: None,
        returns: Returns::Class,
        doc: "whether an IPv4 address of this host is in a range",
        example: r#"iprange("127.0.0.0/8")"#,
        yields: "true",
        run: hosts::iprange,
    },
    Builtin {
        name: "irange",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Irange,
        doc: "an integer range for attributes of range type, as text",
        example: r#"concat(irange(5, "1k"))"#,
        yields: "5,1000",
        run: lists::irange,
    },
    Builtin {
        name: "isdir",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether the path is a directory, not a link to one",
        example: r#"isdir("/")"#,
        yields: "true",
        run: files::isdir,
    },
    Builtin {
        name: "isexecutable",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether what the path leads to has an execute bit",
        example: r#"isexecutable("/bin/sh")"#,
        yields: "true",
        run: files::isexecutable,
    },
    Builtin {
        name: "isgreaterthan",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the first value is greater, as numbers or bytewise",
        example: r#"isgreaterthan("10", "9")"#,
        yields: "true",
        run: math::isgreaterthan,
    },
    Builtin {
        name: "isipinsubnet",
        min_args: 1,
        max_args: None,
        returns: Returns::Class,
        doc: "whether any of the addresses is in a range",
        example: r#"isipinsubnet("192.168.0.0/16", "10.0.0.1", "192.168.7.7")"#,
        yields: "true",
        run: hosts::isipinsubnet,
    },
    Builtin {
        name: "islessthan",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the first value is less, as numbers or bytewise",
        example: r#"islessthan("10", "9")"#,
        yields: "false",
        run: math::islessthan,
    },
    Builtin {
        name: "islink",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether the path is a symbolic link",
        example: r#"islink("/proc/self")"#,
        yields: "true",
        run: files::islink,
    },
    Builtin {
        name: "isnewerthan",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the first file was modified after the second",
        example: r#"isnewerthan("/", "/nonexistent")"#,
        yields: "false",
        run: files::isnewerthan,
    },
    Builtin {
        name: "isplain",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether the path is a regular file, not a link to one",
        example: r#"isplain("/dev/null")"#,
        yields: "false",
        run: files::isplain,
    },
    Builtin {
        name: "isvariable",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether a variable by that name is defined",
        example: r#"isvariable("sys.fqhost")"#,
        yields: "true",
        run: logic::isvariable,
    },
    Builtin {
        name: "join",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the top-level elements of a collection joined by a separator",
        example: r#"join("+", '[1, "a", true]')"#,
        yields: "1+a+true",
        run: data::join,
    },
    Builtin {
        name: "lastnode",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the last piece of a string cut at a pattern",
        example: r#"lastnode("a/b/c", "/")"#,
        yields: "c",
        run: patterns::lastnode,
    },
    Builtin {
        name: "laterthan",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Class,
        doc: "whether now is after a local date, read as on() reads it",
        example: r#"laterthan(2000, 1, 1, 0, 0, 0)"#,
        yields: "true",
        run: dates::laterthan,
    },
    Builtin {
        name: "length",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "how many top-level elements a collection has",
        example: r#"length('[1, [2], {"x": 3}]')"#,
        yields: "3",
        run: data::length,
    },
    Builtin {
        name: "lsdir",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Slist,
        doc: "the names in a directory that a regex matches whole",
        example: r#"lsdir("/proc/sys/kernel", "ostyp.", "true")"#,
        yields: r#"{ "/proc/sys/kernel/ostype" }"#,
        run: files::lsdir,
    },
    Builtin {
        name: "makerule",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "any when a target is missing or older than a source, else !any",
        example: r#"makerule("/nonexistent", "/")"#,
        yields: r#"any"#,
        run: files::makerule,
    },
    Builtin {
        name: "maparray",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Slist,
        doc: "a template expanded for each key and value of a collection",
        example: r#"maparray("$(this.k)=$(this.v)", '{"a": 1, "b": [2, 3]}')"#,
        yields: r#"{ "a=1", "b=2", "b=3" }"#,
        run: maps::maparray,
    },
    Builtin {
        name: "mapdata",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Data,
        doc: "a template expanded for each key and value, as strings or JSON",
        example: r#"mapdata("json", '{"$(this.k)": "$(this.v)"}', '{"a": 1}')"#,
        yields: r#"[{"a":"1"}]"#,
        run: maps::mapdata,
    },
    Builtin {
        name: "maplist",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Slist,
        doc: "a template expanded for each item of a list",
        example: r#"maplist("<$(this)>", '["a", "b"]')"#,
        yields: r#"{ "<a>", "<b>" }"#,
        run: maps::maplist,
    },
    Builtin {
        name: "max",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the element of a collection that sorts last by a sort mode",
        example: r#"max('[3, "20", 1.5, "x"]', "int")"#,
        yields: "20",
        run: math::max,
    },
    Builtin {
        name: "mean",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Real,
        doc: "the mean of the numbers in a collection",
        example: "mean('[1, 2, 4]')",
        yields: "2.333333",
        run: math::mean,
    },
    Builtin {
        name: "mergedata",
        min_args: 0,
        max_args: None,
        returns: Returns::Data,
        doc: "the collections merged into one container",
        example: r#"mergedata('{"a": 1}', '{"b": 2}')"#,
        yields: r#"{"a":1,"b":2}"#,
        run: data::mergedata,
    },
    Builtin {
        name: "min",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the element of a collection that sorts first by a sort mode",
        example: r#"min('["b", "a", "c"]', "lex")"#,
        yields: "a",
        run: math::min,
    },
    Builtin {
        name: "network_connections",
        min_args: 0,
        max_args: Some(0),
        returns: Returns::Data,
        doc: "the sockets in /proc/net/{tcp,tcp6,udp,udp6}",
        example: "network_connections()",
        yields: r#"{"tcp":[],"tcp6":[],"udp":[],"udp6":[]}"#,
        run: network::network_connections,
    },
    Builtin {
        name: "network_sockets",
        min_args: 0,
        max_args: Some(2),
        returns: Returns::Data,
        doc: "cfmini only: the sockets in /proc/net as the kernel means \
              them, with their users and processes",
        example: r#"network_sockets("tcp", "LISTEN")"#,
        yields: r#"{"tcp":[],"tcp6":[]}"#,
        run: sockets::network_sockets,
    },
    Builtin {
        name: "none",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether a regular expression matches no item of a list",
        example: r#"none("x", '["a", "b"]')"#,
        yields: "true",
        run: matching::none,
    },
    Builtin {
        name: "not",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether the class expression does not hold",
        example: r#"not("nosuchclass")"#,
        yields: "true",
        run: logic::not,
    },
    Builtin {
        name: "now",
        min_args: 0,
        max_args: Some(0),
        returns: Returns::Int,
        doc: "the current time, in seconds since the epoch",
        example: r#"isgreaterthan(now(), "1700000000")"#,
        yields: "true",
        run: dates::now,
    },
    Builtin {
        name: "nth",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the element at a position or key of a collection",
        example: r#"nth('["a", "b"]', 1)"#,
        yields: "b",
        run: data::nth,
    },
    Builtin {
        name: "on",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "a local date in seconds since the epoch, month and day one higher",
        example: r#"on(1970, 1, 1, 0, 0, 0)"#,
        yields: "2764800",
        run: dates::on,
    },
    Builtin {
        name: "or",
        min_args: 0,
        max_args: None,
        returns: Returns::Class,
        doc: "whether any class expression holds",
        example: r#"or("nosuchclass", "any")"#,
        yields: "true",
        run: logic::or,
    },
    Builtin {
        name: "parseintarray",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "defines array[key][i] from integer fields of text's lines; how many lines",
        example: r#"parseintarray("pi", "1:2$(const.n)3:4", "", ":", 10, 1k)"#,
        yields: "2",
        run: tables::parseintarray,
    },
    Builtin {
        name: "parsejson",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Data,
        doc: "the container JSON text holds",
        example: r#"parsejson('{"k": [1, 2.5]}')"#,
        yields: r#"{"k":[1,2.5000]}"#,
        run: data::parsejson,
    },
    Builtin {
        name: "parserealarray",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "defines array[key][i] from real fields of text's lines; how many lines",
        example: r#"parserealarray("pr", "1:2.5", "", ":", 10, 1k)"#,
        yields: "1",
        run: tables::parserealarray,
    },
    Builtin {
        name: "parsestringarray",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "defines array[key][i] from the fields of text's lines; how many lines",
        example: r##"parsestringarray("ps", "a:b$(const.n)# c$(const.n)d:e", "#[^\n]*", ":", 10, 1k)"##,
        yields: "2",
        run: tables::parsestringarray,
    },
    Builtin {
        name: "parsestringarrayidx",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "defines array[row][i] from the fields of text's lines; how many lines",
        example: r#"parsestringarrayidx("px", "a:b$(const.n)d", "", ":", 10, 1k)"#,
        yields: "2",
        run: tables::parsestringarrayidx,
    },
    Builtin {
        name: "parseyaml",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Data,
        doc: "the container YAML text holds, scalars typed as cf-agent types them",
        example: r#"parseyaml('{a: 1, b: yes, c: "2", d: 010}')"#,
        yields: r#"{"a":1,"b":true,"c":"2","d":"010"}"#,
        run: data::parseyaml,
    },
    Builtin {
        name: "peerleaders",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Slist,
        doc: "the first host of every group of a peers file",
        example: r##"peerleaders(concat("tests/fixtures/files/", "peers.txt"), "#[^\n]*", 3)"##,
        yields: r#"{ "alpha", "delta", "omega.example" }"#,
        run: hosts::peerleaders,
    },
    Builtin {
        name: "peers",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Slist,
        doc: "the other hosts in this host's group of a peers file",
        example: r##"peers("/proc/sys/kernel/hostname", "#[^\n]*", 2)"##,
        yields: "{  }",
        run: hosts::peers,
    },
    Builtin {
        name: "product",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Real,
        doc: "the product of the numbers in a collection",
        example: "product('[2, 3.5]')",
        yields: "7.000000",
        run: math::product,
    },
    Builtin {
        name: "randomint",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Int,
        doc: "a random integer from the lower bound up to the upper one",
        example: "randomint(5, 5)",
        yields: "5",
        run: math::randomint,
    },
    Builtin {
        name: "readcsv",
        min_args: 1,
        max_args: Some(2),
        returns: Returns::Data,
        doc: "the CRLF-ended records of a CSV file as arrays of strings",
        example: r#"readcsv("/proc/sys/kernel/ostype")"#,
        yields: r#"[["Linux\n"]]"#,
        run: readers::readcsv,
    },
    Builtin {
        name: "readdata",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Data,
        doc: "a file read as JSON, YAML, CSV or ENV, or chosen by its name",
        example: r#"readdata(concat("tests/fixtures/files/", "data.yaml"), "auto")"#,
        yields: r#"{"a":1,"b":["x",2.5000,true],"c":{"d":null}}"#,
        run: readers::readdata,
    },
    Builtin {
        name: "readenvfile",
        min_args: 1,
        max_args: Some(2),
        returns: Returns::Data,
        doc: "the KEY=value lines of a file as an object",
        example: r#"readenvfile("/proc/sys/kernel/ostype")"#,
        yields: "{}",
        run: readers::readenvfile,
    },
    Builtin {
        name: "readfile",
        min_args: 1,
        max_args: Some(2),
        returns: Returns::String,
        doc: "a file's text, or its first bytes when a size is given",
        example: r#"readfile("/proc/sys/kernel/ostype", 5)"#,
        yields: "Linux",
        run: files::readfile,
    },
    Builtin {
        name: "readintarray",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "defines array[key][i] from integer fields of a file's lines; how many lines",
        example: r#"readintarray("ri", concat("tests/fixtures/files/", "ints.txt"), "", " ", 10, 1k)"#,
        yields: "2",
        run: tables::readintarray,
    },
    Builtin {
        name: "readintlist",
        min_args: 5,
        max_args: Some(5),
        returns: Returns::Ilist,
        doc: "the integers of a file split by a regex",
        example: r#"join(",", readintlist(concat("tests/fixtures/files/", "ints.txt"), "", "\s+", 10, 1k))"#,
        yields: "1,2,3,4,6",
        run: tables::readintlist,
    },
    Builtin {
        name: "readjson",
        min_args: 1,
        max_args: Some(2),
        returns: Returns::Data,
        doc: "the container a JSON file holds",
        example: r#"readjson(concat("tests/fixtures/files/", "data.json"))"#,
        yields: r#"{"a":[1,2.5000,"x"],"b":{"c":null,"d":true}}"#,
        run: readers::readjson,
    },
    Builtin {
        name: "readrealarray",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "defines array[key][i] from real fields of a file's lines; how many lines",
        example: r#"readrealarray("rr", concat("tests/fixtures/files/", "reals.txt"), "", " ", 10, 1k)"#,
        yields: "2",
        run: tables::readrealarray,
    },
    Builtin {
        name: "readreallist",
        min_args: 5,
        max_args: Some(5),
        returns: Returns::Rlist,
        doc: "the reals of a file split by a regex",
        example: r#"join(",", readreallist(concat("tests/fixtures/files/", "reals.txt"), "", "\s+", 10, 1k))"#,
        yields: "1,2,3,4.5,6",
        run: tables::readreallist,
    },
    Builtin {
        name: "readstringarray",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "defines array[key][i] from the fields of a file's lines; how many lines",
        example: r##"readstringarray("rs", concat("tests/fixtures/files/", "colon.txt"), "#[^\n]*", ":", 10, 1k)"##,
        yields: "4",
        run: tables::readstringarray,
    },
    Builtin {
        name: "readstringarrayidx",
        min_args: 6,
        max_args: Some(6),
        returns: Returns::Int,
        doc: "defines array[row][i] from the fields of a file's lines; how many lines",
        example: r##"readstringarrayidx("rx", concat("tests/fixtures/files/", "colon.txt"), "#[^\n]*", ":", 10, 1k)"##,
        yields: "4",
        run: tables::readstringarrayidx,
    },
    Builtin {
        name: "readstringlist",
        min_args: 5,
        max_args: Some(5),
        returns: Returns::Slist,
        doc: "the pieces of a file split by a regex, empty ones left out",
        example: r#"readstringlist(concat("tests/fixtures/files/", "ints.txt"), "", "\s", 3, 1k)"#,
        yields: r#"{ "1", "2", "3" }"#,
        run: tables::readstringlist,
    },
    Builtin {
        name: "readyaml",
        min_args: 1,
        max_args: Some(2),
        returns: Returns::Data,
        doc: "the container the first document of a YAML file holds",
        example: r#"readyaml(concat("tests/fixtures/files/", "data.yaml"))"#,
        yields: r#"{"a":1,"b":["x",2.5000,true],"c":{"d":null}}"#,
        run: readers::readyaml,
    },
    Builtin {
        name: "regarray",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether a pattern matches all of a value of an array",
        example: r#"regarray('{"k": "22"}', "\d+")"#,
        yields: "true",
        run: patterns::regarray,
    },
    Builtin {
        name: "regcmp",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether a pattern matches the whole string",
        example: r#"regcmp("[a-z]+\\d", "abc1")"#,
        yields: "true",
        run: patterns::regcmp,
    },
    Builtin {
        name: "regex_replace",
        min_args: 4,
        max_args: Some(4),
        returns: Returns::String,
        doc: "the string with the first or every match of a pattern replaced",
        example: r#"regex_replace("a-b-c", "-(.)", "<$1>", "g")"#,
        yields: "a<b><c>",
        run: patterns::regex_replace,
    },
    Builtin {
        name: "regextract",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Class,
        doc: "whether a pattern matches; its groups go to an array",
        example: r#"regextract("(\\d+)", "port 22", "ex_groups")"#,
        yields: "true",
        run: patterns::regextract,
    },
    Builtin {
        name: "regline",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether a regex matches a line of a file whole",
        example: r#"regline(".*", "/nonexistent")"#,
        yields: r#"false"#,
        run: lines::regline,
    },
    Builtin {
        name: "reglist",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether a pattern matches all of an item of a list",
        example: r#"reglist('["a1", "b"]', "a\\d")"#,
        yields: "true",
        run: patterns::reglist,
    },
    Builtin {
        name: "reverse",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Slist,
        doc: "a list backwards",
        example: r#"reverse('["a", "b", "c"]')"#,
        yields: r#"{ "c", "b", "a" }"#,
        run: lists::reverse,
    },
    Builtin {
        name: "rrange",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Rrange,
        doc: "a real range for attributes of range type, as text",
        example: r#"concat(rrange("2.5", 1))"#,
        yields: "2.500000,2.500000",
        run: lists::rrange,
    },
    Builtin {
        name: "search_up",
        min_args: 2,
        max_args: Some(3),
        returns: Returns::Data,
        doc: "findfiles_up() by another name",
        example: r#"search_up("/proc/self/fd", "status", 1)"#,
        yields: r#"["/proc/self/status"]"#,
        run: files::findfiles_up,
    },
    Builtin {
        name: "shuffle",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Slist,
        doc: "a list in the order a seed gives",
        example: r#"shuffle('["a", "b", "c", "d"]', "skruf")"#,
        yields: r#"{ "b", "a", "c", "d" }"#,
        run: lists::shuffle,
    },
    Builtin {
        name: "some",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether a regular expression matches an item of a list",
        example: r#"some("b", '["a", "b"]')"#,
        yields: "true",
        run: matching::some,
    },
    Builtin {
        name: "sort",
        min_args: 1,
        max_args: None,
        returns: Returns::Slist,
        doc: "a list sorted by lex, int, real, IP or MAC order",
        example: r#"sort('["10", "9", "b", "a"]', "int")"#,
        yields: r#"{ "a", "b", "9", "10" }"#,
        run: lists::sort,
    },
    Builtin {
        name: "splayclass",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the five-minute slot a text hashes to is now",
        example: r#"and("!any", splayclass("s14", "hourly"))"#,
        yields: "false",
        run: dates::splayclass,
    },
    Builtin {
        name: "splitstring",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Slist,
        doc: "the pieces of a string cut at a pattern, at most max",
        example: r#"splitstring("a,b,c", ",", 2)"#,
        yields: r#"{ "a", "b" }"#,
        run: patterns::splitstring,
    },
    Builtin {
        name: "storejson",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "a collection as indented JSON text",
        example: "storejson('[1]')",
        yields: "[\n  1\n]",
        run: data::storejson,
    },
    Builtin {
        name: "strcmp",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether the two strings are equal",
        example: r#"strcmp("a", "a")"#,
        yields: "true",
        run: logic::strcmp,
    },
    Builtin {
        name: "strftime",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::String,
        doc: "a time printed by a C strftime template",
        example: r#"strftime("gmtime", "%Y-%m-%d %H:%M:%S %a", 0)"#,
        yields: "1970-01-01 00:00:00 Thu",
        run: time::strftime,
    },
    Builtin {
        name: "string",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "a scalar as it is, a list or container as one-line JSON",
        example: r#"string("x")"#,
        yields: r#"x"#,
        run: strings::string,
    },
    Builtin {
        name: "string_downcase",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the string with ASCII letters in lower case",
        example: r#"string_downcase("AbC")"#,
        yields: "abc",
        run: strings::string_downcase,
    },
    Builtin {
        name: "string_head",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the first n bytes, or all but the last -n",
        example: r#"string_head("abcdef", 3)"#,
        yields: "abc",
        run: strings::string_head,
    },
    Builtin {
        name: "string_length",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Int,
        doc: "the length in bytes",
        example: r#"string_length("abc")"#,
        yields: "3",
        run: strings::string_length,
    },
    Builtin {
        name: "string_mustache",
        min_args: 0,
        max_args: None,
        returns: Returns::String,
        doc: "a Mustache template rendered with a container",
        example: r#"string_mustache("{{#l}}<{{.}}>{{/l}}", '{"l": ["a", "b"]}')"#,
        yields: "<a><b>",
        run: strings::string_mustache,
    },
    Builtin {
        name: "string_replace",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::String,
        doc: "the string with every occurrence of a substring replaced",
        example: r#"string_replace("a-b-c", "-", "+")"#,
        yields: "a+b+c",
        run: strings::string_replace,
    },
    Builtin {
        name: "string_reverse",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the bytes in reverse order",
        example: r#"string_reverse("abc")"#,
        yields: "cba",
        run: strings::string_reverse,
    },
    Builtin {
        name: "string_split",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Slist,
        doc: "the pieces of a string cut at a pattern, the rest in the last",
        example: r#"string_split("a,b,c", ",", 2)"#,
        yields: r#"{ "a", "b,c" }"#,
        run: patterns::string_split,
    },
    Builtin {
        name: "string_tail",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::String,
        doc: "the last n bytes, or all but the first -n",
        example: r#"string_tail("abcdef", 3)"#,
        yields: "def",
        run: strings::string_tail,
    },
    Builtin {
        name: "string_trim",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the string without leading and trailing blanks",
        example: r#"string_trim("  a b  ")"#,
        yields: "a b",
        run: strings::string_trim,
    },
    Builtin {
        name: "string_upcase",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the string with ASCII letters in upper case",
        example: r#"string_upcase("AbC")"#,
        yields: "ABC",
        run: strings::string_upcase,
    },
    Builtin {
        name: "sublist",
        min_args: 3,
        max_args: Some(3),
        returns: Returns::Slist,
        doc: "the first or last items of a list",
        example: r#"sublist('["a", "b", "c"]', "tail", 2)"#,
        yields: r#"{ "b", "c" }"#,
        run: lists::sublist,
    },
    Builtin {
        name: "sum",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Real,
        doc: "the sum of the numbers in a collection",
        example: "sum('[1, 2.5]')",
        yields: "3.500000",
        run: math::sum,
    },
    Builtin {
        name: "sysctlvalue",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "the value of a kernel parameter in /proc/sys",
        example: r#"sysctlvalue("vm.swappiness")"#,
        yields: r#"60"#,
        run: kernel::sysctlvalue,
    },
    Builtin {
        name: "translatepath",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::String,
        doc: "a path as this system writes it, on Unix the same",
        example: r#"translatepath("/a/b")"#,
        yields: r#"/a/b"#,
        run: strings::translatepath,
    },
    Builtin {
        name: "type",
        min_args: 1,
        max_args: None,
        returns: Returns::String,
        doc: "the type of a variable, in detail on request",
        example: r#"type("sys.fqhost", "true")"#,
        yields: "policy string",
        run: data::r#type,
    },
    Builtin {
        name: "unique",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Slist,
        doc: "a list with each item's first occurrence only",
        example: r#"unique('["b", "a", "b"]')"#,
        yields: r#"{ "b", "a" }"#,
        run: lists::unique,
    },
    Builtin {
        name: "userexists",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Class,
        doc: "whether a user by that name or number exists",
        example: r#"userexists("nosuchuser")"#,
        yields: "false",
        run: users::userexists,
    },
    Builtin {
        name: "validdata",
        min_args: 2,
        max_args: Some(2),
        returns: Returns::Class,
        doc: "whether a text is valid data of a type, JSON being the only one",
        example: r#"validdata("[1]", "JSON")"#,
        yields: r#"true"#,
        run: data::validdata,
    },
    Builtin {
        name: "validjson",
        min_args: 1,
        max_args: None,
        returns: Returns::Class,
        doc: "whether a text is JSON, a primitive at the top included",
        example: r#"validjson('{"a": [1, 2]}')"#,
        yields: "true",
        run: data::validjson,
    },
    Builtin {
        name: "variablesmatching",
        min_args: 0,
        max_args: None,
        returns: Returns::Slist,
        doc: "the full names of the variables whose names, and tags, patterns match",
        example: r#"variablesmatching("default:const\.do.*")"#,
        yields: r#"{ "default:const.dollar" }"#,
        run: introspect::variablesmatching,
    },
    Builtin {
        name: "variablesmatching_as_data",
        min_args: 0,
        max_args: None,
        returns: Returns::Data,
        doc: "the variables whose names, and tags, patterns match, with their values",
        example: r#"variablesmatching_as_data("default:const\.dollar")"#,
        yields: r#"{"default:const.dollar":"$"}"#,
        run: introspect::variablesmatching_as_data,
    },
    Builtin {
        name: "variance",
        min_args: 1,
        max_args: Some(1),
        returns: Returns::Real,
        doc: "the sample variance of the numbers in a collection",
        example: "variance('[1, 2, 4]')",
        yields: "2.333333",
        run: math::variance,
    },
];

/// The builtins cfmini has and cf-agent 3.21 does not. A policy that
/// calls one runs under cfmini only; `cfmini check` warns of it, and
/// their examples are checked against fixture trees, not cf-agent.
/// Each comes with the longer text `cfmini help NAME` prints.
pub const CFMINI_ONLY: [(&str, &str); 1] = [("network_sockets", sockets::HELP)];

/// Whether `name` is a builtin of cfmini that cf-agent lacks.
pub fn is_cfmini_only(name: &str) -> bool {
    cfmini_only_help(name).is_some()
}

/// The longer text of a builtin only cfmini has, `None` for others.
pub fn cfmini_only_help(name: &str) -> Option<&'static str> {
    let found = CFMINI_ONLY.iter().find(|(n, _)| *n == name);
    found.map(|(_, help)| *help)
}

/// The row of the builtin called `name`, among those cfmini runs and
/// those it refuses to run.
pub fn find(name: &str) -> Option<&'static Builtin> {
    let mut rows = TABLE.iter().chain(refused::REFUSED);
    rows.find(|b| b.name == name)
}

impl Call<'_> {
    /// Argument `i` as a string scalar.
    pub fn string(&self, i: usize) -> Result<&str, String> {
        match (&self.args[i], self.written.get(i)) {
            (Value::Scalar(_, s), _) => Ok(s),
            (_, Some(Some(written))) => Ok(written),
            (other, _) => Err(format!(
                "function '{}' expected a string as argument {}, got {}",
                self.name,
                i + 1,
                other.type_name()
            )),
        }
    }

    /// Argument `i` as an integer, read as cf-agent reads integers in
    /// function arguments (see [`parse_int`]).
    pub fn int(&self, i: usize) -> Result<i64, String> {
        let text = self.string(i)?;
        parse_int(text).ok_or_else(|| {
            format!(
                "function '{}' expected an integer as argument {}, got '{}'",
                self.name,
                i + 1,
                text
            )
        })
    }

    /// Argument `i` resolved as cf-agent resolves a collection argument:
    /// a list or data value passed with `@(x)` or a nested call, else the
    /// variable named by the string (of any type), else inline JSON text
    /// holding an array or object; `None` when it is none of these.
    pub fn resolve(&self, i: usize) -> Option<Value> {
        let text = match &self.args[i] {
            Value::Scalar(_, text) => text,
            value => return Some(value.clone()),
        };
        if let Some(value) = self.env.lookup(text) {
            return Some(value);
        }
        // A quoted `"@(name)"` names the variable as `name` does.
        let list_name =
            text.strip_prefix("@(").and_then(|t| t.strip_suffix(')'));
        if let Some(value) = list_name.and_then(|name| self.env.lookup(name)) {
            return Some(value);
        }
        if let Some(array) = self.env.classic_array(text) {
            return Some(Value::Data(array.into()));
        }
        let variable = |name: &str| self.env.lookup(name).map(|v| v.to_data());
        match crate::json::parse_with_references(text, &variable) {
            Ok(data) => Some(Value::Data(data.into())),
            Err(_) => None,
        }
    }

    /// Argument `i` as a list or a data container, resolved as
    /// [`Call::resolve`] does; a scalar variable is an error.
    pub fn collection(&self, i: usize) -> Result<Collection, String> {
        match self.resolve(i) {
            Some(Value::List(_, items)) => Ok(Collection::List(items)),
            Some(Value::Data(d)) => Ok(Collection::Data(d)),
            Some(scalar) => Err(format!(
                "function '{}' expected a list or data container as \
                 argument {}, got {} variable '{}'",
                self.name,
                i + 1,
                scalar.type_name(),
                self.arg_text(i),
            )),
            None => Err(self.missing(i)),
        }
    }

    /// Argument `i` as the items a list builtin works on: a list's
    /// items, or the primitives at the top of a data container (nulls
    /// and nested containers left out, reals with four decimals).
    pub fn strings(&self, i: usize) -> Result<Vec<Str>, String> {
        Ok(match self.collection(i)? {
            Collection::List(items) => items.to_vec(),
            Collection::Data(d) => data::top_primitives(&d)
                .into_iter()
                .map(Str::from)
                .collect(),
        })
    }

    /// The elements of the collection argument `i` as text: a list's
    /// items, or the primitives at the top of a container (reals with
    /// two decimals, as `$(d[k])` prints them), nulls and nested
    /// containers left out, as cf-agent's arithmetic on lists reads them.
    pub fn scalars(&self, i: usize) -> Result<Vec<Str>, String> {
        Ok(match self.collection(i)? {
            Collection::List(items) => items.to_vec(),
            Collection::Data(d) => match &*d {
                Data::Array(items) => {
                    items.iter().filter_map(Data::scalar_text).collect()
                }
                Data::Object(object) => {
                    object.iter().filter_map(|(_, v)| v.scalar_text()).collect()
                }
                primitive => primitive.scalar_text().into_iter().collect(),
            },
        })
    }

    /// The error for argument `i` naming no variable.
    pub fn missing(&self, i: usize) -> String {
        format!(
            "function '{}' could not find variable '{}'",
            self.name,
            self.arg_text(i)
        )
    }

    /// The text of argument `i` when it is a scalar, else empty.
    fn arg_text(&self, i: usize) -> &str {
        match &self.args[i] {
            Value::Scalar(_, text) => text,
            _ => "",
        }
    }
}

/// Reads an integer as cf-agent reads one in a function argument: like
/// C's `strtol` (leading blanks, a sign, digits, saturating), then one
/// trailing byte may be a unit (`k` 1000, `K` 1024, `m`, `M`, `g`, `G`)
/// or `%`, which cf-agent encodes as a negative number; any other single
/// trailing byte is ignored and two or more are an error. `inf` is
/// cf-agent's infinity, 999999999.
pub fn parse_int(text: &str) -> Option<i64> {
    let text = text.trim_start_matches(is_c_space);
    if text == "inf" {
        return Some(999_999_999);
    }
    let (value, rest) = strtol(text)?;
    let mut suffix = rest.bytes();
    let scale: i64 = match (suffix.next(), suffix.next()) {
        (None, _) => 1,
        (Some(_), Some(_)) => return None,
        (Some(b'%'), None) => -1,
        (Some(unit), None) => unit_scale(unit),
    };
    Some(value.saturating_mul(scale))
}

/// The factor a unit suffix stands for: `k`, `m`, `g` powers of 1000,
/// `K`, `M`, `G` powers of 1024, 1 for any other byte.
pub fn unit_scale(unit: u8) -> i64 {
    match unit {
        b'k' => 1000,
        b'K' => 1024,
        b'm' => 1_000_000,
        b'M' => 1 << 20,
        b'g' => 1_000_000_000,
        b'G' => 1 << 30,
        _ => 1,
    }
}

/// Whether `c` is blank as C's `isspace` sees it.
pub fn is_c_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// C's `strtol` in base 10 on text without leading blanks: the value of
/// an optional sign and at least one digit, saturating at the bounds of
/// `i64`, and the text after them.
pub fn strtol(text: &str) -> Option<(i64, &str)> {
    let (negative, unsigned) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }

    let mut value: i64 = 0;
    for d in unsigned[..digits].bytes() {
        let d = i64::from(d - b'0');
        value = value.saturating_mul(10);
        value = if negative {
            value.saturating_sub(d)
        } else {
            value.saturating_add(d)
        };
    }
    Some((value, &unsigned[digits..]))
}

/// Reads a real argument as C's `strtod` does, 0 when none.
pub fn strtod(text: &str) -> f64 {
    numbers::strtod_prefix(text).map_or(0.0, |(value, _)| value)
}

/// A list or a data container, as a collection argument resolves.
pub enum Collection {
    /// The items of a list of any kind.
    List(Rc<[Str]>),
    /// A data container.
    Data(Rc<Data>),
}

/// An integer scalar as a builtin result.
pub fn int(n: i64) -> Value {
    Value::Scalar(ScalarKind::Int, n.to_string().into())
}

/// A real scalar as a builtin result, printed as C's `%f` prints it.
pub fn real(x: f64) -> Value {
    Value::Scalar(ScalarKind::Real, numbers::print(x).into())
}

/// A data container as a builtin result.
pub fn data(data: Data) -> Value {
    Value::Data(data.into())
}

#[cfg(test)]
mod table_tests {
    use super::TABLE;
    use crate::syntax::syntax;

    #[test]
    fn names_are_sorted_unique_and_documented() {
        for pair in TABLE.windows(2) {
            assert!(
                pair[0].name < pair[1].name,
                "{} out of order",
                pair[1].name
            );
        }
        for row in TABLE {
            assert!(!row.doc.is_empty(), "{} has no doc line", row.name);
            let call = format!("{}(", row.name);
            assert!(row.example.contains(&call), "{} example", row.name);
        }
    }

    /// Every row takes the arguments cf-promises says the function takes.
    #[test]
    fn arity_agrees_with_cf_promises() {
        for row in TABLE {
            let function = syntax().function(row.name).expect(row.name);
            let fixed = function.params.len();
            let max = (!function.variadic).then_some(fixed);
            assert!(row.min_args <= fixed, "{}", row.name);
            assert!(max.is_none() || row.max_args == max, "{}", row.name);
        }
    }

    /// Every builtin is called by at least one language case, whose
    /// expected output comes from cf-agent.
    #[test]
    fn every_builtin_has_a_language_case() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases");
        let mut cases = String::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "cf") {
                cases += &std::fs::read_to_string(path).unwrap();
            }
        }
        // cf-agent cannot run a builtin it lacks; tests/sockets.rs
        // checks those against fixture trees instead.
        let shared = TABLE.iter().filter(|r| !super::is_cfmini_only(r.name));
        for row in shared {
            let call = format!("{}(", row.name);
            assert!(cases.contains(&call), "no case calls {}", row.name);
        }
    }
}
