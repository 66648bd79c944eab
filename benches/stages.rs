//! Benchmarks of each stage a policy goes through, so that a change
//! that slows one shows: the grammar, the expansion of `$(...)`, the
//! reader of `/proc/net` socket tables and a few builtins run through
//! the evaluator.
//!
//! `cargo bench --bench stages [FILTER]`; whole runs against cf-agent
//! are measured by `bench/run`.

use std::collections::HashMap;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};

use cfmini::builtins::network;
use cfmini::eval::{self, Options};
use cfmini::expand::{self, Resolved, Resolver};
use cfmini::parse;
use cfmini::value::Str;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every language case of the test suite, as (path, text).
fn cases() -> Vec<(PathBuf, String)> {
    let dir = repository().join("tests/cases");
    let mut cases: Vec<(PathBuf, String)> = std::fs::read_dir(dir)
        .expect("tests/cases")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            let text = std::fs::read_to_string(&path).ok()?;
            (path.extension()? == "cf").then_some((path, text))
        })
        .collect();
    cases.sort();
    cases
}

fn grammar(c: &mut Criterion) {
    let cases = cases();
    let bytes: usize = cases.iter().map(|(_, text)| text.len()).sum();
    let mut group = c.benchmark_group("grammar");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse every tests/cases policy", |b| {
        b.iter(|| {
            for (path, text) in &cases {
                // Some cases are meant not to parse; both outcomes count.
                let _ = black_box(parse::parse(text, path));
            }
        })
    });
    group.finish();
}

/// Variables for expansion: scalars, and one list to iterate over.
struct Variables(HashMap<&'static str, Resolved>);

impl Resolver for Variables {
    fn resolve(&self, name: &str) -> Resolved {
        match self.0.get(name) {
            Some(Resolved::Scalar(text)) => Resolved::Scalar(text.clone()),
            Some(Resolved::Items(items)) => Resolved::Items(items.clone()),
            _ => Resolved::Missing,
        }
    }
}

fn expansion(c: &mut Criterion) {
    let scalar = |text: &str| Resolved::Scalar(Str::from(text));
    let variables = Variables(HashMap::from([
        ("sys.host", scalar("bench.example")),
        ("main.port", scalar("5308")),
        ("main.kind", scalar("port")),
        ("main.port_name", scalar("cfengine")),
        (
            "main.tables",
            Resolved::Items(vec!["tcp".into(), "udp".into()]),
        ),
    ]));
    let texts = [
        ("plain text", "no reference in this text at all"),
        ("two scalars", "$(sys.host) listens on $(main.port)"),
        ("nested", "name: $(main.$(main.kind)_name) on ${sys.host}"),
        ("a list", "table $(main.tables)"),
    ];
    let mut group = c.benchmark_group("expand");
    for (name, text) in texts {
        group.bench_function(name, |b| {
            b.iter(|| expand::expand(black_box(text), &variables))
        });
    }
    group.finish();
}

/// A socket table of `rows` lines in the kernel's layout, its addresses
/// and ports varying with the line.
fn socket_table(rows: usize) -> Vec<u8> {
    let mut table = String::from(
        "  sl  local_address rem_address   st tx_queue rx_queue tr \
         tm->when retrnsmt   uid  timeout inode\n",
    );
    for i in 0..rows {
        let local = format!("0100007F:{:04X}", 1024 + i % 60_000);
        let remote = format!("{:08X}:{:04X}", 0x0A00_0000 + i % 5_000, 443);
        table.push_str(&format!(
            "{i:4}: {local} {remote} 01 00000000:00000000 00:00000000 \
             00000000     0        0 {inode} 1 0000000000000000 20 0 0 10 -1\n",
            inode = 400_000 + i
        ));
    }
    table.into_bytes()
}

fn proc_reader(c: &mut Criterion) {
    let mut group = c.benchmark_group("proc_net");
    for rows in [100, 10_000] {
        let table = socket_table(rows);
        group.throughput(Throughput::Elements(rows as u64));
        group.bench_function(format!("parse_table {rows} sockets"), |b| {
            b.iter(|| network::parse_table(black_box(&table)))
        });
        // Rows are made when read: this is the cost of reading them all.
        group.bench_function(format!("make {rows} rows"), |b| {
            b.iter(|| network::parse_table(black_box(&table)).iter().count())
        });
    }
    let fixture = repository().join("tests/fixtures/proc/loopback");
    group.bench_function("read_connections loopback fixture", |b| {
        b.iter(|| network::read_connections(black_box(&fixture)))
    });
    group.finish();
}

/// Policies that each spend their time in a few builtins.
const BUILTIN_POLICIES: [(&str, &str); 4] = [
    (
        "splitstring and join",
        r#"bundle agent main {
  vars:
      "parts" slist => splitstring("a,b,c,d,e,f,g,h,i,j", ",", 100);
      "joined" string => join(":", "parts");
}"#,
    ),
    (
        "format and canonify",
        r#"bundle agent main {
  vars:
      "text" string => format("%s-%d-%.2f", "host name", 42, "3.14159");
      "name" string => canonify("$(text) / more / text");
}"#,
    ),
    (
        "parsejson and mergedata",
        r#"bundle agent main {
  vars:
      "a" data => parsejson('{"x": [1, 2, 3], "y": {"z": "w"}}');
      "b" data => parsejson('{"y": {"v": true}, "n": null}');
      "m" data => mergedata("a", "b");
      "k" slist => getindices("m");
}"#,
    ),
    (
        "regex matching",
        r#"bundle agent main {
  vars:
      "words" slist => { "alpha", "beta", "gamma", "delta", "epsilon" };
      "found" slist => grep("^[a-d].*a$", "words");
      "cut" string => regex_replace("one two three", "(\w+)", "<$1>", "g");
  classes:
      "matched" expression => regcmp("^[a-z]+[0-9]*$", "host42");
}"#,
    ),
];

fn builtins(c: &mut Criterion) {
    let options = Options {
        sysroot: repository().join("tests/fixtures/proc/loopback"),
        ..Options::default()
    };
    let file = Path::new("bench.cf");
    let mut group = c.benchmark_group("builtins");
    for (name, source) in BUILTIN_POLICIES {
        let policy = parse::parse(source, file).expect("a policy that parses");
        let outcome = eval::run(&policy, file, &options, &mut io::sink());
        let errors = outcome.map(|o| o.errors).unwrap_or_default();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        group.bench_function(name, |b| {
            b.iter(|| eval::run(&policy, file, &options, &mut io::sink()))
        });
    }
    group.finish();
}

criterion_group!(stages, grammar, expansion, proc_reader, builtins);
criterion_main!(stages);
