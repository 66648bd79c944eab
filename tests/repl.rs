//! `cfmini repl` as a person meets it: through a pseudo-terminal, with
//! line editing, completion and history, and through a pipe, where a
//! script of inputs gives their output alone.
//!
//! The values asserted are what cf-agent prints for the same promises
//! in a whole policy: `tests/cases/repl_session.cf` holds the promises
//! of the piped session below, and its `.expected` file, recorded from
//! cf-agent, is what the session must print.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rexpect::session::PtySession;

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("repl");
    fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `cfmini repl ARGS` with `input` piped to it.
fn piped(args: &[&str], input: &str) -> Output {
    common::cfmini_fed(&[&["repl"], args].concat(), input)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The inputs of `tests/cases/repl_session.cf`, one at a time, with a
/// promise over two lines and an error between them.
const SESSION: &str = r#"
"x" string => "hi";
reports: "x is $(x)";
"l" slist => { "a",
               "b" };
"bad" string => ;
reports: "item $(l)";
# A section alone on its line goes on to an empty line.
classes:
  "ok" expression => strcmp("$(x)", "hi");
  "also" expression => "ok";
reports:
  also::
    "ok is set";
    "$(x) again";

"#;

#[test]
fn a_piped_session_keeps_its_definitions_and_survives_errors() {
    let output = piped(&[], SESSION);
    // The error is placed on its line of standard input.
    let expected =
        fs::read_to_string(root().join("tests/cases/repl_session.expected"))
            .unwrap();
    assert_eq!(text(&output.stdout), expected);

    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("<stdin>:6:17: error: syntax error"),
        "{stderr}"
    );
    // The failed input makes the exit code 1 once the session ends.
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn errors_at_run_time_name_their_line_of_standard_input() {
    let input = "canonify(\"a\")\n\nnetwork_sockets(\"bogus\")\n\
                 reports: \"line $(this.promise_linenumber)\";\n";
    let output = piped(&[], input);
    assert_eq!(text(&output.stdout), "a\nR: line 4\n");
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with("<stdin>:3: error: function"), "{stderr}");
}

#[test]
fn values_print_as_eval_prints_them_or_as_json() {
    let input = "\
canonify(\"a b\")
splitstring(\"a,b\", \",\", 5)
isvariable(\"nope\")
:json on
splitstring(\"a,b\", \",\", 5)
:json off
parsejson('{\"a\":[1]}')
";
    let output = piped(&[], input);
    let expected = "\
a_b
{ \"a\", \"b\" }
false
json is on
[
  \"a\",
  \"b\"
]
json is off
{
  \"a\": [
    1
  ]
}
";
    assert_eq!(text(&output.stdout), expected, "{}", text(&output.stderr));
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn commands_show_variables_classes_and_types() {
    let input = "\
\"n\" int => \"2k\";
\"d\" data => parsejson('[1]');
classes: \"mine\" expression => \"any\";
:vars
:classes ^mine$
:type n
:type d
:type parsejson('{}')
:type regcmp(\"a\", \"a\")
:type nothing_here
";
    let output = piped(&[], input);
    let stdout = text(&output.stdout);
    let lines: Vec<Vec<&str>> = stdout
        .lines()
        .map(|line| line.split_whitespace().collect())
        .collect();
    let has = |cells: &[&str]| lines.iter().any(|l| l == cells);
    // `:vars` without a regex leaves out sys., const. and the rest.
    assert!(
        has(&["default:main.n", "2000", "source=promise"]),
        "{stdout}"
    );
    assert!(
        has(&["default:main.d", "[1]", "source=promise"]),
        "{stdout}"
    );
    assert!(!stdout.contains("default:sys."), "{stdout}");
    assert!(has(&["mine", "source=promise"]), "{stdout}");
    let tail: Vec<&str> = stdout.lines().rev().take(5).collect();
    let none = "none: no variable of that name";
    assert_eq!(tail, [none, "class", "data object", "data array", "int"]);
}

#[test]
fn load_runs_a_policy_into_the_session_and_reset_forgets_it() {
    let policy = scratch("load.cf");
    fs::write(
        &policy,
        "bundle agent main { vars: \"loaded\" string => \"yes\"; \
         reports: \"loading\"; }\n\
         bundle agent other { reports: \"other ran\"; }\n",
    )
    .unwrap();
    let input = format!(
        ":load {}\n$(loaded)\nmethods: \"m\" usebundle => other;\n\
         :reset\n:vars ^default:main\\.loaded$\n:load /nonexistent.cf\n\
         $(sys.arch)\n:quit\n\"never\" string => \"run\";\n",
        policy.display()
    );
    let output = piped(&[], &input);
    let stdout = text(&output.stdout);
    let mut lines = stdout.lines();
    assert_eq!(lines.next(), Some("R: loading"));
    assert_eq!(lines.next(), Some("yes"));
    assert_eq!(lines.next(), Some("R: other ran"));
    assert_eq!(lines.next(), Some("The session is empty."));
    // The table of `:vars` has its header and no row.
    assert!(lines.next().unwrap().starts_with("Variable name"));
    let arch = lines.next().unwrap();
    assert!(!arch.is_empty() && !arch.contains('$'), "{stdout}");
    assert_eq!(lines.next(), None, "{stdout}");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("/nonexistent.cf"), "{stderr}");
}

#[test]
fn tables_show_arrays_of_objects_in_columns() {
    let input = ":table on\nnetwork_connections()\n";
    let args = ["--sysroot", "tests/fixtures/proc/loopback"];
    let output = piped(&args, input);
    let stdout = text(&output.stdout);
    let rows = common::table_cells(&stdout);
    assert_eq!(rows[1], common::SOCKET_COLUMNS, "{stdout}");
    // The loopback capture's established connection, as cf-agent's
    // network_connections() gives it on the same tree.
    let established = [
        "tcp",
        "127.0.0.1",
        "18022",
        "127.0.0.1",
        "60434",
        "ESTABLISHED",
    ];
    assert!(rows.iter().any(|r| r == &established), "{stdout}");
}

#[test]
fn help_lists_the_forms_and_every_command() {
    let output = piped(&[], ":help\n");
    let stdout = text(&output.stdout);
    for command in [
        ":help", ":vars", ":classes", ":load", ":reset", ":json", ":table",
        ":type", ":quit",
    ] {
        assert!(stdout.contains(&format!("\n  {command} ")), "{command}");
    }
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn unknown_commands_and_bad_modes_are_errors_that_end_nothing() {
    let output = piped(&[], ":frobnicate\n:json maybe\n$(const.dollar)\n");
    assert_eq!(text(&output.stdout), "$\n");
    let stderr = text(&output.stderr);
    assert!(stderr.contains("no command ':frobnicate'"), "{stderr}");
    assert!(stderr.contains(":json takes on or off"), "{stderr}");
    assert_eq!(output.status.code(), Some(1));
}

/// Waits this long for the terminal to show what a test expects.
const PTY_TIMEOUT_MS: u64 = 20_000;

/// `cfmini` alone on a pseudo-terminal, its history in `history`, at
/// its first prompt.
fn terminal(history: &Path) -> PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cfmini"));
    command
        .current_dir(root())
        .env("CFMINI_HISTORY", history)
        .env("TERM", "xterm");
    let mut session =
        rexpect::session::spawn_command(command, Some(PTY_TIMEOUT_MS))
            .expect("cfmini starts on a pseudo-terminal");
    session.exp_string(":help for help").unwrap();
    next_prompt(&mut session);
    session
}

/// What the terminal showed up to the next prompt, `cf> ` or `... `.
/// Keys typed before the prompt shows could be lost, since the line
/// editor sets the terminal up anew for each line.
fn next_prompt(session: &mut PtySession) -> String {
    let (shown, _) = session.exp_regex(r"\n[^\n]*(cf>|\.\.\.) ").unwrap();
    shown
}

/// Types `line` and Enter; what the terminal showed up to the next
/// prompt.
fn enter(session: &mut PtySession, line: &str) -> String {
    session.send_line(line).unwrap();
    next_prompt(session)
}

#[test]
fn on_a_terminal_cfmini_alone_starts_the_repl_and_edits_lines() {
    let history = scratch("history-terminal");
    let _ = fs::remove_file(&history);
    let mut repl = terminal(&history);

    // A promise over two lines waits for its end.
    let shown = enter(&mut repl, "\"l\" slist => { \"a\",");
    assert!(!shown.contains("error"), "{shown}");
    enter(&mut repl, "\"b\" };");
    let shown = enter(&mut repl, "reports: \"item $(l)\";");
    assert!(shown.contains("R: item a\r\nR: item b"), "{shown}");

    // An error is reported, and the session goes on.
    let shown = enter(&mut repl, "\"bad\" string => ;");
    assert!(shown.contains("error: syntax error"), "{shown}");
    assert!(enter(&mut repl, ":type l").contains("slist"));

    // Ctrl-C abandons the input being typed.
    enter(&mut repl, "\"half\" string => \"never");
    repl.send_control('c').unwrap();
    next_prompt(&mut repl);
    let shown = enter(&mut repl, "isvariable(\"half\")");
    assert!(shown.contains("false"), "{shown}");

    // Tab completes a function name.
    repl.send("canonifyu\t").unwrap();
    repl.flush().unwrap();
    repl.exp_string("canonifyuniquely(").unwrap();
    let shown = enter(&mut repl, "\"a b\")");
    assert!(shown.contains("a_b_"), "{shown}");

    // Ctrl-D leaves.
    repl.send_control('d').unwrap();
    repl.exp_eof().unwrap();
}

#[test]
fn history_lasts_from_one_session_to_the_next() {
    let history = scratch("history-sessions");
    let _ = fs::remove_file(&history);

    let mut first = terminal(&history);
    let shown = enter(&mut first, "canonify(\"from the first session\")");
    assert!(shown.contains("from_the_first_session"), "{shown}");
    first.send_line(":quit").unwrap();
    first.exp_eof().unwrap();
    let saved = fs::read_to_string(&history).unwrap();
    assert!(saved.contains("canonify(\"from the first session\")"));

    // The up arrow brings inputs back in a new session: `:quit` first,
    // then the call before it.
    let mut second = terminal(&history);
    second.send("\x1b[A\x1b[A").unwrap();
    second.flush().unwrap();
    second.exp_string("first session").unwrap();
    let shown = enter(&mut second, "");
    assert!(shown.contains("from_the_first_session"), "{shown}");
    second.send_control('d').unwrap();
    second.exp_eof().unwrap();
}

#[test]
fn ctrl_c_stops_a_running_input_and_the_session_goes_on() {
    let history = scratch("history-interrupt");
    let mut repl = terminal(&history);
    // A million iterations: far longer than the pause below. Lines
    // short enough not to wrap, so that the prompt is not redrawn.
    enter(&mut repl, "\"l\" slist => expandrange(\"[1-1000]\", 1);");
    enter(&mut repl, "\"m\" slist => { @(l) };");
    repl.send_line("\"x[$(l)][$(m)]\" string => \"$(l)\";")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_secs(1));
    repl.send_control('c').unwrap();
    let shown = next_prompt(&mut repl);
    assert!(shown.contains("error: interrupted"), "{shown}");
    let shown = enter(&mut repl, "canonify(\"still here\")");
    assert!(shown.contains("still_here"), "{shown}");
    repl.send_control('d').unwrap();
    repl.exp_eof().unwrap();
}
