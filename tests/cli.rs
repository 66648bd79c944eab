//! The command line as a user meets it: exit codes, error locations and
//! help, run against the built binary.

use std::path::Path;
use std::process::{Command, Output};

use cfmini::builtins::Returns;
use cfmini::builtins::refused::REFUSED;

mod common;

use common::{SOCKET_COLUMNS, cfmini, cfmini_fed, stderr, stdout, table_cells};

/// Writes `text` to a fresh file under the target directory.
fn policy_file(name: &str, text: &str) -> String {
    common::scratch_file("cli", name, text)
}

#[test]
fn run_prints_reports_and_exits_0() {
    let file = policy_file("ok.cf", "bundle agent main { reports: \"hi\"; }\n");
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "R: hi\n");
}

#[test]
fn syntax_error_shows_file_line_column_source_and_caret() {
    let text =
        "bundle agent main {\nvars:\n  \"x\" string => \"a\"\n  \"y\";\n}\n";
    let file = policy_file("syntax.cf", text);
    for command in ["run", "check"] {
        let output = cfmini(&[command, &file]);
        assert_eq!(output.status.code(), Some(3));
        let message = stderr(&output);
        let expected = [
            format!("{file}:4:3: error: syntax error: expected ',' or ';'"),
            "    \"y\";".to_string(),
            "    ^".to_string(),
        ]
        .join("\n");
        let message = message.trim_end();
        // `check` ends with its count.
        let message = message
            .strip_suffix("\nchecked 1 file: 1 error, 0 warnings")
            .unwrap_or(message);
        assert!(message.ends_with(&expected), "{message}");
        assert!(stdout(&output).is_empty());
    }
}

#[test]
fn check_reports_every_syntax_error_and_run_stops_at_the_first() {
    let text = "bundle agent main\n{\nvars:\n\
                \"x\" string => \"a\"\n\
                \"y\" string => \"b\";\n\
                \"z\" slist => { \"a\" \"b\" };\n\
                \"ok\" string => \"fine\";\n\
                }\n\
                body common control\n{\nbundlesequence => { \"main\" }\n\
                inputs => { };\n}\n";
    let file = policy_file("many_errors.cf", text);
    let output = cfmini(&["check", &file]);
    assert_eq!(output.status.code(), Some(3));
    let message = stderr(&output);
    let expected = [
        format!("{file}:5:1: error: syntax error: expected ',' or ';'"),
        "  \"y\" string => \"b\";".into(),
        "  ^".into(),
        format!("{file}:6:20: error: syntax error: expected ',' or '}}'"),
        "  \"z\" slist => { \"a\" \"b\" };".into(),
        "                     ^".into(),
        format!("{file}:12:1: error: syntax error: expected ';'"),
        "  inputs => { };".into(),
        "  ^".into(),
        "checked 1 file: 3 errors, 0 warnings".into(),
    ];
    assert_eq!(message.lines().collect::<Vec<_>>(), expected, "{message}");

    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(3));
    let message = stderr(&output);
    assert_eq!(message.lines().count(), 3, "{message}");
    assert!(message.starts_with(&expected[0]), "{message}");
}

#[test]
fn check_reports_every_syntax_error_of_an_input() {
    let lib = policy_file(
        "many_errors_lib.cf",
        "bundle agent lib\n{\nreports:\n\"a\"\n\"b\";\n\"c\" junk;\n}\n",
    );
    let text = format!(
        "body common control {{ inputs => {{ \"{lib}\" }}; }}\n\
         bundle agent main {{ methods: \"m\" usebundle => lib; }}\n"
    );
    let file = policy_file("many_errors_main.cf", &text);
    let output = cfmini(&["check", &file]);
    assert_eq!(output.status.code(), Some(3));
    let message = stderr(&output);
    assert!(message.contains(&format!("{lib}:5:1: error: syntax error")));
    assert!(message.contains(&format!("{lib}:6:9: error: syntax error")));
    assert!(message.ends_with("checked 2 files: 2 errors, 0 warnings\n"));
}

#[test]
fn check_counts_files_and_errors_of_a_valid_policy() {
    let file =
        policy_file("counted.cf", "bundle agent main { reports: \"hi\"; }\n");
    let output = cfmini(&["check", &file]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stderr(&output), "checked 1 file: 0 errors, 0 warnings\n");
}

#[test]
fn check_lists_every_error_and_exits_3() {
    let text = "body common control { bundlesequence => { \"nope\" }; }\n\
                bundle agent main { vars: \"i\" int => \"abc\";\n\
                \"j\" string => nosuchfn(); }\n";
    let file = policy_file("checks.cf", text);
    let output = cfmini(&["check", &file]);
    assert_eq!(output.status.code(), Some(3));
    let message = stderr(&output);
    assert!(
        message.contains(":2:38: error: cannot parse 'abc'"),
        "{message}"
    );
    assert!(message.contains(":3:15: error: unknown function 'nosuchfn'"));
    assert!(message.contains(":1:43: error: bundle 'nope' listed"));
}

#[test]
fn check_accepts_every_case_and_example() {
    let dirs = ["tests/cases", "policies"];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in dirs {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            // A case cf-agent rejects before running, `# exit: 3`, is
            // one check must reject too.
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let rejected = text
                .lines()
                .take_while(|line| line.starts_with('#'))
                .any(|line| line == "# exit: 3");
            if path.extension().is_some_and(|e| e == "cf") && !rejected {
                let output = cfmini(&["check", path.to_str().unwrap()]);
                assert_eq!(
                    output.status.code(),
                    Some(0),
                    "{}",
                    stderr(&output)
                );
            }
        }
    }
}

#[test]
fn unreadable_files_and_bad_arguments_exit_2() {
    let output = cfmini(&["run", "/nonexistent/policy.cf"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read '/nonexistent/policy.cf'"));

    let output = cfmini(&["check", "/"]);
    assert_eq!(output.status.code(), Some(2));

    let output = cfmini(&["run"]);
    assert_eq!(output.status.code(), Some(2));
    let policy = "policies/network_connections.cf";
    let output = cfmini(&["run", policy, "--sysroot", "/nonexistent"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("sysroot '/nonexistent' is not a"));
    let output = cfmini(&["frobnicate"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn failed_function_exits_1_and_names_it() {
    // Every /proc/net file missing: cf-agent leaves the variable
    // undefined, so the report prints its reference.
    let text = "bundle agent main { vars: \"n\" data => network_connections();\n\
                reports: \"n=$(n[tcp])\"; }\n";
    let file = policy_file("failed.cf", text);
    let empty = Path::new(env!("CARGO_TARGET_TMPDIR")).join("empty-root");
    std::fs::create_dir_all(&empty).unwrap();
    let output = cfmini(&["run", &file, "--sysroot", empty.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "R: n=$(n[tcp])\n");
    assert!(stderr(&output).contains("network_connections"));
}

#[test]
fn not_utf8_is_a_parse_error() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("latin1.cf");
    std::fs::write(&path, b"bundle agent main { reports: \"caf\xe9\"; }")
        .unwrap();
    let output = cfmini(&["check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&output).contains("not UTF-8 text: line 1, column 34"));
}

#[test]
fn help_states_the_exit_codes() {
    for args in [&["--help"][..], &["run", "--help"], &["check", "--help"]] {
        let output = cfmini(args);
        assert_eq!(output.status.code(), Some(0));
        let help = stdout(&output);
        assert!(help.contains("3  parse or check error"), "{help}");
        assert!(help.contains("1  the policy ran but something failed"));
    }
}

#[test]
fn procdir_variable_stands_for_sysroot() {
    let policy = "policies/network_connections.cf";
    let with_flag =
        cfmini(&["run", policy, "--sysroot", "tests/fixtures/proc/loopback"]);
    let with_variable = Command::new(env!("CARGO_BIN_EXE_cfmini"))
        .args(["run", policy])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env(
            "CFENGINE_TEST_OVERRIDE_PROCDIR",
            "tests/fixtures/proc/loopback",
        )
        .output()
        .unwrap();
    assert_eq!(with_flag.status.code(), Some(0));
    assert!(stdout(&with_flag).contains("R: tcp: 8 sockets"));
    assert_eq!(stdout(&with_flag), stdout(&with_variable));
}

#[test]
fn method_calling_an_undefined_bundle_stops_the_run() {
    // cf-agent: "Aborting due to missing bundle", and no report after.
    let text = "bundle agent main {\nmethods:\n \"m\" usebundle => nosuch;\n\
                reports:\n \"after\";\n}\n";
    let file = policy_file("undefined_bundle.cf", text);
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    let message = stderr(&output);
    assert!(message.contains(":3:2: error: method calls undefined bundle"));
}

#[test]
fn select_class_of_several_is_an_error_not_a_guess() {
    // cf-agent defines "pick" and one of the three by a hash of the
    // host's identity; cfmini defines "pick" and says it cannot choose.
    let text = "bundle agent main {\n\
                classes: \"pick\" select_class => { \"a\", \"b\", \"c\" };\n\
                reports: \"pick\" if => \"pick\";\n\
                \"chosen\" if => \"a|b|c\"; }\n";
    let file = policy_file("select_class.cf", text);
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "R: pick\n");
    assert!(stderr(&output).contains("select_class.cf:2: error: select_class"));
}

#[test]
fn input_that_never_resolves_is_reported_and_the_run_goes_on() {
    // cf-agent prints "Unresolved variable ... in input list" and runs.
    let text = "body common control { inputs => { \"$(nosuch.dir)/x.cf\" }; }\n\
                bundle agent main { reports: \"ran\"; }\n";
    let file = policy_file("unresolved_input.cf", text);
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "R: ran\n");
    let expected =
        "unresolved_input.cf:1:35: error: input '$(nosuch.dir)/x.cf'";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}

#[test]
fn sequence_entry_of_another_namespace_stops_before_any_bundle_runs() {
    // cf-promises finds `b` in ns1 and passes; cf-agent looks for it in
    // default, prints "Bundle 'b' listed in the bundlesequence was not
    // found", runs nothing and exits 1.
    let text = "body common control { bundlesequence => { \"main\", \"b\" }; }\n\
                bundle agent main { reports: \"main\"; }\n\
                body file control { namespace => \"ns1\"; }\n\
                bundle agent b { reports: \"b\"; }\n";
    let file = policy_file("sequence_other_namespace.cf", text);
    assert_eq!(cfmini(&["check", &file]).status.code(), Some(0));
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "");
    assert!(stderr(&output).contains("bundle 'b' in the bundlesequence"));
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("not JSON ({e}):\n{}\n{}", stdout(output), stderr(output))
    })
}

// The values and tags below are those of tests/show/*.expected, which
// cf-agent printed.
#[test]
fn json_holds_the_reports_and_the_shown_state_with_typed_values() {
    let output = cfmini(&[
        "run",
        "tests/show/values.cf",
        "--show-vars=^default:(main|lists)\\.",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let state = json(&output);
    assert_eq!(state["reports"], serde_json::json!(["ran"]));
    assert!(state.get("classes").is_none(), "classes were not asked for");
    let vars = &state["vars"];
    let table = std::fs::read_to_string("tests/show/values.expected");
    let rows = table
        .unwrap()
        .lines()
        .filter(|l| {
            l.starts_with("default:main.") || l.starts_with("default:lists.")
        })
        .count();
    assert_eq!(vars.as_object().map(|v| v.len()), Some(rows));
    let value = |name: &str| vars[name]["value"].clone();
    assert_eq!(value("default:main.int_k"), 2000);
    assert_eq!(value("default:main.int_inf"), 999_999_999);
    assert_eq!(value("default:main.real"), 0.5);
    assert_eq!(value("default:main.quoted"), "say \"hi\" to a\\back\\slash");
    // The table says <non-printable>; JSON has the text.
    assert_eq!(value("default:main.accent"), "café");
    assert_eq!(value("default:lists.i"), serde_json::json!([1000, 2, -3]));
    assert_eq!(value("default:lists.none"), serde_json::json!([]));
    assert_eq!(
        value("default:main.data"),
        serde_json::json!({"a": [1, 2.5, "x"], "b": 1, "n": null, "t": true})
    );
    assert_eq!(vars["default:main.real"]["type"], "real");
    assert_eq!(vars["default:lists.r"]["type"], "rlist");
    assert_eq!(
        vars["default:main.plain"],
        serde_json::json!({"type": "string", "value": "hello", "tags": ["source=promise"]})
    );
}

#[test]
fn json_classes_carry_tags_and_comments() {
    let output = cfmini(&[
        "run",
        "tests/show/tags.cf",
        "-D",
        "cli_class",
        "--show-classes=^(main_first|g_tagged|cli_class)$",
        "--show-vars=^default:main\\.(tagged|iterated)$",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let state = json(&output);
    let expected = serde_json::json!({
        "reports": [],
        "vars": {
            "default:main.iterated": {
                "type": "string",
                "value": "x",
                "tags": ["source=promise", "last=two"],
                "comment": "c two"
            },
            "default:main.tagged": {
                "type": "string",
                "value": "t",
                "tags": [
                    "source=promise", "inventory", "attribute_name=My value",
                    "zz", "aa"
                ]
            }
        },
        "classes": {
            "cli_class": {"tags": ["source=environment"]},
            "g_tagged": {"tags": ["source=promise", "t=computed", "inventory"]},
            "main_first": {"tags": ["source=promise", "first"], "comment": "first"}
        }
    });
    assert_eq!(state, expected);
}

#[test]
fn show_options_check_their_arguments() {
    let policy = "tests/show/values.cf";
    let output = cfmini(&["run", policy, "--show-vars=("]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains(
            "--show-vars: regular expression '(' is invalid at offset 1"
        ),
        "{message}"
    );
    assert!(stdout(&output).is_empty(), "nothing runs");

    let output = cfmini(&["run", policy, "--json"]);
    assert_eq!(output.status.code(), Some(2));

    let help = stdout(&cfmini(&["run", "--help"]));
    for option in ["--show-vars[=<REGEX>]", "--show-classes[=<REGEX>]"] {
        assert!(help.contains(option), "{help}");
    }
    assert!(help.contains("--json"), "{help}");

    // Without `=`, the next word is not taken for a regex.
    let output = cfmini(&["run", "--show-classes", policy]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("Class name "));
}

#[test]
fn verbose_logs_decisions_on_stderr_only() {
    let text = "bundle agent main\n{\nvars:\n\
                \"a\" string => \"$(nosuch)\";\n\
                \"b\" string => \"x\", if => \"nope\";\n\
                \"c_$(missing)\" string => \"y\";\n\
                files:\n\"/tmp/x\" create => \"true\";\n\
                reports:\nnope::\n\"never\";\nany::\n\"r $(zz)\";\n}\n";
    let file = policy_file("verbose.cf", text);
    let quiet = cfmini(&["run", &file]);
    let output = cfmini(&["run", "-v", &file]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "R: r $(zz)\n");
    assert_eq!(stdout(&output), stdout(&quiet));
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));

    let log = stderr(&output);
    let expected = [
        format!("verbose: loaded policy file '{file}'"),
        "verbose: agent bundle 'main': pass 1 of 3".into(),
        "verbose: agent bundle 'main': pass 3 of 3".into(),
        format!(
            "verbose: {file}:5: skipping vars promise 'b' in bundle 'main' \
             because constraint 'if => \"nope\"' is not met"
        ),
        format!(
            "verbose: {file}:11: skipping reports promise 'never' in bundle \
             'main' because class guard 'nope' does not hold"
        ),
        "verbose: skipping 'files' promises in bundle 'main': cfmini does \
         not change the machine"
            .into(),
        format!(
            "verbose: {file}:6: variable 'c_$(missing)' in bundle 'main' \
             stays undefined: '$(missing)' does not resolve"
        ),
        format!(
            "verbose: {file}:13: report 'r $(zz)' printed with '$(zz)' \
             unresolved"
        ),
        "verbose: variable 'default:main.a' keeps '$(nosuch)' unresolved at \
         the end of the run"
            .into(),
    ];
    for line in expected {
        assert!(
            log.lines().any(|l| l == line),
            "missing {line:?} in:\n{log}"
        );
    }
    assert!(log.lines().all(|l| l.starts_with("verbose: ")), "{log}");
    let undefined = log.lines().filter(|l| l.contains("stays undefined"));
    assert_eq!(undefined.count(), 1, "{log}");
}

#[test]
fn negating_a_class_changes_nothing_as_in_cf_agent() {
    // cf-agent 3.21 prints all three lines with -N linux,mine,a -D a.
    let text = "bundle agent main { classes: \"mine\" expression => \"any\";\n\
                reports:\nlinux:: \"linux\"; mine:: \"mine\"; a:: \"a\"; }\n";
    let file = policy_file("negate.cf", text);
    let output = cfmini(&["run", &file, "-N", "linux,mine,a", "-D", "a"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "R: linux\nR: mine\nR: a\n");
}

#[test]
fn help_describes_commands_and_builtins() {
    let output = cfmini(&["help", "canonify"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("canonify(1) -> string\n"), "{text}");
    assert!(text.contains("cf-agent prints:\n    a_b_c_d\n"), "{text}");

    let check = stdout(&cfmini(&["help", "check"]));
    assert!(check.contains("Usage: cfmini check [OPTIONS] <FILE>"));
    assert!(check.contains("--strict"), "{check}");

    let list = stdout(&cfmini(&["help", "--functions"]));
    assert!(list.lines().any(|l| l.starts_with("network_connections ")));

    let unknown = cfmini(&["help", "nosuchthing"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("'nosuchthing'"));
}

/// A policy calling every refused function once, each on its own line,
/// with as many arguments as cf-promises accepts; the line of each.
fn refused_calls_policy() -> (String, Vec<(&'static str, usize)>) {
    let mut text = String::from("bundle agent main\n{\n");
    let mut lines = Vec::new();
    for row in REFUSED {
        let args: Vec<String> =
            (1..=row.min_args).map(|i| format!("\"arg{i}\"")).collect();
        let call = format!("{}({})", row.name, args.join(", "));
        let promise = match row.returns {
            Returns::Class => format!("classes: \"c_{}\" expression", row.name),
            Returns::Slist => format!("vars: \"v_{}\" slist", row.name),
            Returns::Data => format!("vars: \"v_{}\" data", row.name),
            _ => format!("vars: \"v_{}\" string", row.name),
        };
        lines.push((row.name, text.lines().count() + 1));
        text += &format!("  {promise} => {call};\n");
    }
    text += "  reports: \"done\";\n}\n";
    (text, lines)
}

#[test]
fn refused_functions_pass_check_and_fail_when_run() {
    let (text, lines) = refused_calls_policy();
    let file = policy_file("refused.cf", &text);
    let output = cfmini(&["check", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "R: done\n");
    let message = stderr(&output);
    for (name, line) in lines {
        let place = format!("{file}:{line}: error: function '{name}' ");
        assert!(message.contains(&place), "{place}\n{message}");
    }
    assert!(message.contains("'execresult' runs a command; cfmini never"));
}

/// Promises that would change the machine if cf-agent kept them, all
/// aimed at `scratch`: files made, edited, copied, linked, renamed and
/// deleted, commands, a package, a process signalled, a service
/// stopped and a user added.
fn acting_promises_policy(scratch: &str) -> String {
    format!(
        r#"bundle agent acting
{{
  files:
      "{scratch}/created" create => "true", edit_line => add_line,
        perms => mode_600;
      "{scratch}/existing" delete => remove;
      "{scratch}/to_rename" rename => moved;
      "{scratch}/new_dir/." create => "true";
      "{scratch}/copied" copy_from => from_existing;
      "{scratch}/link" link_from => to_existing;
  commands:
      "/bin/touch {scratch}/commanded";
      "/bin/sh -c 'echo hi > {scratch}/shell'" contain => in_shell;
  packages:
      "cowsay" policy => "present", package_module => apt_get;
  processes:
      "sleep" signals => {{ "term", "kill" }};
  services:
      "ssh" service_policy => "stop";
  users:
      "cfmini_nobody" policy => "present",
        home_dir => "{scratch}/home";
}}
bundle edit_line add_line {{ insert_lines: "a line"; }}
body perms mode_600 {{ mode => "600"; }}
body delete remove {{ dirlinks => "delete"; }}
body rename moved {{ newname => "{scratch}/renamed"; }}
body copy_from from_existing {{ source => "{scratch}/existing"; }}
body link_from to_existing {{ source => "{scratch}/existing"; }}
body contain in_shell {{ useshell => "useshell"; }}
body package_module apt_get {{ query_installed_ifelapsed => "60"; }}
"#
    )
}

/// Every path under `dir` with its type, mode, size, times and content.
fn snapshot(dir: &Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        let content = if meta.is_file() {
            std::fs::read(&path).unwrap()
        } else {
            Vec::new()
        };
        found.push(format!(
            "{} {:o} {} {} {} {content:?}",
            path.display(),
            meta.mode(),
            meta.len(),
            meta.mtime_nsec(),
            meta.ctime_nsec()
        ));
        if meta.is_dir() {
            found.extend(snapshot(&path));
        }
    }
    found.sort();
    found
}

/// System calls that only read, or only touch cfmini's own process:
/// anything else in a trace is an effect on the machine.
const READ_ONLY_CALLS: &[&str] = &[
    "access",
    "arch_prctl",
    "brk",
    "clock_gettime",
    "close",
    "exit_group",
    "faccessat2",
    "fcntl",
    "fstat",
    "futex",
    "getcwd",
    "getdents64",
    "getegid",
    "geteuid",
    "getgid",
    "getpid",
    "getrandom",
    "gettid",
    "getuid",
    "ioctl",
    "lseek",
    "lstat",
    "madvise",
    "mmap",
    "mprotect",
    "mremap",
    "munmap",
    "newfstatat",
    "poll",
    "pread64",
    "prlimit64",
    "read",
    "readlink",
    "readlinkat",
    "rseq",
    "rt_sigaction",
    "rt_sigprocmask",
    "sched_getaffinity",
    "sched_yield",
    "set_robust_list",
    "set_tid_address",
    "sigaltstack",
    "stat",
    "statx",
    "sysinfo",
    "uname",
];

/// Why a traced system call counts as an effect, `None` when it does
/// not: opening for writing, writing anywhere but standard output and
/// error, and every call not known to only read.
fn effect(call: &str) -> Option<&'static str> {
    let name = call.split('(').next().unwrap_or(call);
    match name {
        "open" | "openat" | "creat" => {
            let writes = ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC"];
            let flags = call.rsplit(", ").find(|part| part.contains("O_"));
            let flags = flags.unwrap_or("O_CREAT");
            writes
                .iter()
                .any(|flag| flags.contains(flag))
                .then_some("opens for writing")
        }
        "write" | "writev" => {
            let to_terminal = ["(1,", "(2,"].iter().any(|fd| call.contains(fd));
            (!to_terminal).then_some("writes to a file")
        }
        // The allocator names its own memory mappings for debuggers.
        "prctl" if call.contains("PR_SET_VMA_ANON_NAME") => None,
        _ if READ_ONLY_CALLS.contains(&name) => None,
        _ => Some("is not read-only"),
    }
}

/// Under strace, a run of promises that would change files, start
/// programs and manage packages, processes, services and users, and
/// of every refused function, touches nothing: its trace holds one
/// program started, cfmini itself, and only calls that read.
#[test]
fn refused_functions_start_nothing() {
    let traced = Command::new("strace").arg("-V").output();
    if !traced.is_ok_and(|o| o.status.success()) {
        eprintln!("strace is not installed; refusals not traced");
        return;
    }
    let scratch = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scratch");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).unwrap();
    for name in ["existing", "to_rename"] {
        std::fs::write(scratch.join(name), "kept\n").unwrap();
    }
    let (refused, _) = refused_calls_policy();
    let text = format!(
        "body common control {{ bundlesequence => {{ \"main\", \"acting\" }}; }}\n\
         {refused}{}",
        acting_promises_policy(scratch.to_str().unwrap())
    );
    let file = policy_file("refused_traced.cf", &text);
    let log = policy_file("refused_traced.strace", "");
    let before = snapshot(&scratch);

    let cfmini = env!("CARGO_BIN_EXE_cfmini");
    let output = Command::new("strace")
        .args(["-f", "-qq", "-o", &log])
        .args([cfmini, "run", &file])
        .current_dir(&scratch)
        .output()
        .expect("strace runs");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(stdout(&output), "R: done\n");

    assert_eq!(snapshot(&scratch), before);
    let trace = std::fs::read_to_string(&log).unwrap();
    // Each line is `PID call(args) = result`.
    let calls: Vec<&str> = trace
        .lines()
        .filter_map(|line| line.split_once(' ').map(|(_, c)| c.trim()))
        .collect();
    let (first, rest) = calls.split_first().expect("a traced call");
    assert!(
        first.starts_with(&format!("execve(\"{cfmini}\"")),
        "{first}"
    );
    let effects: Vec<String> = rest
        .iter()
        .filter_map(|call| effect(call).map(|why| format!("{why}: {call}")))
        .collect();
    assert!(effects.is_empty(), "{}", effects.join("\n"));
}

#[test]
fn endless_and_blocking_files_are_errors_not_hangs() {
    // /dev/zero never ends and a FIFO without a writer blocks on open:
    // functions give up with an error, discovery and
    // network_connections() read neither.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fifo-root");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("proc/net")).unwrap();
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    for fifo in ["proc/net/tcp", "etc/os-release", "fifo"] {
        let path = dir.join(fifo);
        let made = Command::new("mkfifo").arg(&path).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo {fifo}");
    }
    let text = format!(
        "bundle agent main {{ vars:\n\
         \"z\" data => readjson(\"/dev/zero\", \"100\");\n\
         \"f\" string => readfile(\"{}\", \"10\");\n\
         \"n\" data => network_connections();\n\
         reports: \"tcp=$(with)\" with => length(\"n[tcp]\"); }}\n",
        dir.join("fifo").display()
    );
    let file = policy_file("endless.cf", &text);
    let root = dir.to_str().unwrap();
    let output = cfmini(&["run", &file, "--sysroot", root]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "R: tcp=0\n");
    let errors = stderr(&output);
    assert!(errors.contains("endless.cf:2: error: function 'readjson'"));
    assert!(errors.contains("endless.cf:3: error: function 'readfile'"));
}

#[test]
fn bundle_recursion_stops_at_the_method_that_goes_too_deep() {
    let text = "bundle agent main { methods: \"r\" usebundle => rec(\"1\"); }\n\
                bundle agent rec(n)\n{ methods:\n\
                \"again\" usebundle => rec(\"$(n)1\"); }\n";
    let file = policy_file("recursion.cf", text);
    let output = cfmini(&["run", &file]);
    assert_ne!(output.status.code(), Some(0));
    let expected =
        "recursion.cf:4:1: error: bundle 'rec' nests deeper than 100";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}

/// `cfmini eval SNIPPET` with the arguments after it; exits 0.
fn eval_ok(snippet: &str, options: &[&str]) -> String {
    let mut args = vec!["eval", snippet];
    args.extend(options);
    let output = cfmini(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout(&output)
}

// The values below are what cf-agent prints for the same promises in a
// whole `bundle agent main`.

#[test]
fn eval_runs_a_whole_policy() {
    let snippet = "bundle agent main { reports: \"hi\"; }";
    assert_eq!(eval_ok(snippet, &[]), "R: hi\n");
}

#[test]
fn eval_wraps_the_inside_of_a_bundle() {
    let snippet =
        "vars: \"l\" slist => { \"a\", \"b\" }; reports: \"item $(l)\";";
    assert_eq!(eval_ok(snippet, &[]), "R: item a\nR: item b\n");
}

#[test]
fn eval_takes_a_single_promise_as_vars() {
    let shown =
        eval_ok("\"n\" int => \"2k\";", &["--show-vars=^default:main\\.n$"]);
    let line = shown.lines().nth(1).unwrap_or_default();
    let cells: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cells, ["default:main.n", "2000", "source=promise"]);
}

#[test]
fn eval_prints_a_value_as_cf_agent_renders_it() {
    let cases = [
        ("canonify(\"a b\")", "a_b"),
        (
            "splitstring(\"a,b,c\", \",\", 5)",
            "{ \"a\", \"b\", \"c\" }",
        ),
        ("parsejson('{\"b\":1,\"a\":[2]}')", "{\"a\":[2],\"b\":1}"),
        ("eval(\"1+1\", \"math\", \"infix\")", "2.000000"),
        ("string_length(\"abc\")", "3"),
        ("isvariable(\"sys.arch\")", "true"),
        ("strcmp(\"a\", \"b\")", "false"),
        ("$(const.dollar)", "$"),
    ];
    for (snippet, value) in cases {
        assert_eq!(eval_ok(snippet, &[]), format!("{value}\n"), "{snippet}");
    }
}

#[test]
fn eval_json_prints_the_value_typed() {
    let list = eval_ok("splitstring(\"a,b,c\", \",\", 5)", &["--json"]);
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list, serde_json::json!(["a", "b", "c"]));
    let data = eval_ok("parsejson('{\"b\":1,\"a\":[2]}')", &["--json"]);
    let data: serde_json::Value = serde_json::from_str(&data).unwrap();
    assert_eq!(data, serde_json::json!({"a": [2], "b": 1}));
    assert_eq!(eval_ok("string_length(\"abc\")", &["--json"]), "3\n");
}

#[test]
fn eval_defines_classes_with_d() {
    let snippet =
        "reports:\n  foo::\n    \"foo set\";\n  !foo::\n    \"no foo\";";
    assert_eq!(eval_ok(snippet, &[]), "R: no foo\n");
    assert_eq!(eval_ok(snippet, &["-D", "foo"]), "R: foo set\n");
}

#[test]
fn eval_errors_point_into_the_snippet() {
    let snippet = "vars:\n  \"x\" string => \"1\"\nreports: \"$(x)\";";
    let output = cfmini(&["eval", snippet]);
    assert_eq!(output.status.code(), Some(3));
    let expected = "<snippet>:3:1: error: syntax error: expected ',' or ';'\n  \
                    reports: \"$(x)\";\n  ^";
    assert_eq!(stderr(&output).trim_end(), expected);

    let output = cfmini(&["eval", "canonify(\"a b\""]);
    assert_eq!(output.status.code(), Some(3));
    let expected = "<snippet>:1:15: error: syntax error: expected ')' or ','\n  \
                    canonify(\"a b\"\n                ^";
    assert_eq!(stderr(&output).trim_end(), expected);
}

#[test]
fn eval_reads_standard_input_and_files() {
    let output = cfmini_fed(&["eval", "-"], "reports: \"from stdin\";\n");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "R: from stdin\n");

    let file = policy_file(
        "snippet.cf",
        "vars: \"x\" string => \"1\"; reports: \"$(x)\";\n",
    );
    let output = cfmini(&["eval", "-f", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "R: 1\n");
}

#[test]
fn eval_runtime_errors_name_the_snippet_line() {
    let snippet = "vars:\n  \"x\" string => readfile(\"/nonexistent/cfmini\");";
    let output = cfmini(&["eval", snippet]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("<snippet>:2: error: function 'readfile'")
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn eval_table_prints_sockets_in_columns() {
    let args = ["--table", "--sysroot", "tests/fixtures/proc/loopback"];
    let table = eval_ok("network_connections()", &args);
    let rows = table_cells(&table);
    assert_eq!(rows[0], SOCKET_COLUMNS);
    // One row per socket: the fixture's 8 tcp, 5 tcp6, 2 udp and 2 udp6
    // lines, as cf-agent's network_connections() lists them.
    assert_eq!(rows.len(), 2 + 8 + 5 + 2 + 2, "{table}");
    let udp = ["udp", "127.0.0.1", "15353", "0.0.0.0", "0", "CLOSE"];
    assert!(rows.iter().any(|r| r == &udp), "{table}");

    // Another shape prints as it is, with a note.
    let output = cfmini(&["eval", "--table", "canonify(\"a b\")"]);
    assert_eq!(stdout(&output), "a_b\n");
    assert!(stderr(&output).contains("--table takes an array of objects"));

    // Tables that are all empty print as they are, and the note says so.
    let output = cfmini(&[
        "eval",
        "--table",
        "network_connections()",
        "--sysroot",
        "tests/fixtures/proc/empty",
    ]);
    assert_eq!(
        stdout(&output),
        "{\"tcp\":[],\"tcp6\":[],\"udp\":[],\"udp6\":[]}\n"
    );
    assert!(stderr(&output).contains("the table has no rows"));
}

/// cf-promises rejects an unknown attribute and a string given to a
/// list; `check` warns of them, and rejects them with `--strict`.
#[test]
fn check_warns_of_doubtful_attributes_unless_strict() {
    let text = "bundle agent main {\n  vars:\n    \"x\" string => \"1\", \
                nosuch => \"y\";\n    \"l\" slist => \"one\";\n}\n";
    let file = policy_file("doubtful.cf", text);

    let lenient = cfmini(&["check", &file]);
    assert_eq!(lenient.status.code(), Some(0));
    let warned = stderr(&lenient);
    assert!(warned.contains("doubtful.cf:3:24: warning: unknown attribute"));
    assert!(warned.contains("doubtful.cf:4:18: warning: a slist takes"));
    assert!(warned.ends_with("checked 1 file: 0 errors, 2 warnings\n"));

    let strict = cfmini(&["check", "--strict", &file]);
    assert_eq!(strict.status.code(), Some(3));
    let rejected = stderr(&strict);
    assert!(rejected.contains("doubtful.cf:3:24: error: unknown attribute"));
    assert!(rejected.ends_with("checked 1 file: 2 errors, 0 warnings\n"));
}

/// cf-promises rejects a body attribute's value that is not of its
/// type or range; `check` warns of it, and rejects it with `--strict`.
#[test]
fn check_warns_of_values_out_of_range_unless_strict() {
    let text = "bundle agent main {\n}\nbody printfile p {\n  \
                number_of_lines => \"x\";\n}\nbody action a {\n  \
                action_policy => \"bogus\";\n}\n";
    let file = policy_file("ranges.cf", text);

    let lenient = cfmini(&["check", &file]);
    assert_eq!(lenient.status.code(), Some(0));
    let warned = stderr(&lenient);
    let not_int = "ranges.cf:4:22: warning: value 'x' of attribute \
                   'number_of_lines' cannot be read as int";
    assert!(warned.contains(not_int), "{warned}");
    let not_offered = "ranges.cf:7:20: warning: value 'bogus' of \
                       attribute 'action_policy' is not one of fix, warn, nop";
    assert!(warned.contains(not_offered), "{warned}");
    assert!(warned.ends_with("checked 1 file: 0 errors, 2 warnings\n"));

    let strict = cfmini(&["check", "--strict", &file]);
    assert_eq!(strict.status.code(), Some(3));
    let rejected = stderr(&strict);
    assert!(rejected.ends_with("checked 1 file: 2 errors, 0 warnings\n"));
}
