//! `cfmini repl`: one evaluation that lasts while a person types.
//!
//! Each input is a snippet, in any of the forms `cfmini eval` takes,
//! and runs against what the inputs before it left (see
//! [`Session`]). Lines are gathered until they make a whole input (see
//! [`input::is_complete`]); a line that starts with `:` is a command.
//! On a terminal, rustyline edits the lines, keeps the history in a
//! file and completes names; from a pipe, lines are read as they come
//! and no prompt is printed, so that a script of inputs gives only
//! their output.

mod complete;
mod input;

use std::cell::RefCell;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::Ordering;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

use crate::ast::Policy;
use crate::builtins::{Returns, data_kind, slist_text};
use crate::cli;
use crate::error::exit;
use crate::eval::{self, INPUT_BUNDLE, Options, Outcome, Session, State};
use crate::json;
use crate::regex;
use crate::show::{self, Show};
use crate::snippet::{self, Form, Snippet, VALUE};
use crate::table;
use crate::value::Value;

use complete::{Completion, Names};

/// The name inputs go by in error messages.
const INPUT_NAME: &str = "<input>";

/// The prompt for a new input, and for a line that continues one.
const PROMPT: &str = "cf> ";
const CONTINUED: &str = "... ";

/// Scopes whose variables `:vars` leaves out unless asked: those of the
/// system rather than of the session.
const SYSTEM_SCOPES: [&str; 7] =
    ["sys", "const", "mon", "def", "this", "edit", "match"];

const HELP: &str = "\
Type policy and it runs at once, against what earlier inputs defined:
  \"x\" string => \"hi\";            a promise (vars unless it names a type)
  classes: \"ok\" expression => \"any\";   promise-type sections
  reports: \"$(x)\";
  bundle agent b { ... }           bundles and bodies, kept for later use;
                                   a policy with a bundlesequence or a
                                   `bundle agent main` also runs at once
  canonify(\"a b\")  $(x)  @(l)     a value, printed
An input goes on over several lines until its brackets close and it
ends with ';' or '}'. One that opens with a promise type alone on its
line (reports:) holds promises until an empty line; an empty line ends
any input whatever it holds.

Commands:
  :help              this text
  :vars [REGEX]      variables whose full name REGEX matches; without
                     one, those of policy (not sys., const., mon., ...)
  :classes [REGEX]   classes REGEX matches; without one, those of policy
  :load FILE         load a policy into the session and run its
                     bundlesequence
  :reset             forget every definition and value
  :json on|off       print values as pretty JSON
  :table on|off      print arrays of objects as aligned tables
  :type EXPR         the type of a variable name or of a value
  :quit              leave (so does Ctrl-D); Ctrl-C abandons the input
                     being typed, or stops the one running

The session's own promises run as `bundle agent main`, so a policy's
own `bundle agent main` runs once when it comes in and gives way to
them after.
";

/// Runs the REPL on standard input until it ends or `:quit`.
pub fn main(options: Options) -> i32 {
    let mut repl = Repl::new(options);
    match io::stdin().is_terminal() {
        true => repl.interactive(),
        false => repl.piped(),
    }
}

struct Repl {
    session: Session,
    options: Options,
    /// What the last input left.
    state: State,
    json: bool,
    table: bool,
    /// Names for completion, shared with the line editor.
    names: Rc<RefCell<Names>>,
    /// Whether an input failed, for the exit code of a piped session.
    failed: bool,
    /// Set by `:quit`.
    quit: bool,
    /// From a pipe, the line of standard input the current input began
    /// on.
    first_line: Option<usize>,
}

impl Repl {
    fn new(options: Options) -> Repl {
        let mut repl = Repl {
            session: Session::new(options.clone()),
            options,
            state: State::default(),
            json: false,
            table: false,
            names: Rc::default(),
            failed: false,
            quit: false,
            first_line: None,
        };
        // An empty first input sets up the system variables and classes,
        // so that `:vars sys` and completion know them from the start.
        repl.run_input("", &mut io::sink());
        repl
    }

    /// Lines from a terminal, edited by rustyline.
    fn interactive(&mut self) -> i32 {
        let config = Config::builder().auto_add_history(false).build();
        let mut editor: Editor<Completion, DefaultHistory> =
            match Editor::with_config(config) {
                Ok(editor) => editor,
                Err(e) => {
                    eprintln!("error: cannot start the line editor: {e}");
                    return exit::USAGE;
                }
            };
        editor.set_helper(Some(Completion {
            names: self.names.clone(),
        }));
        let history = history_file();
        if let Some(file) = &history {
            // A missing history file is the usual first start.
            let _ = editor.load_history(file);
        }

        catch_interrupts();
        println!("cfmini {} (:help for help)", env!("CARGO_PKG_VERSION"));
        let mut pending = String::new();
        let mut history_warned = false;
        while !self.quit {
            let prompt = if pending.is_empty() {
                PROMPT
            } else {
                CONTINUED
            };
            match editor.readline(prompt) {
                Ok(line) => {
                    let Some(input) = self.gather(&mut pending, &line) else {
                        continue;
                    };
                    let _ = editor.add_history_entry(input.trim_end());
                    let saved =
                        history.as_ref().map(|f| editor.save_history(f));
                    if let (Some(Err(e)), false) = (saved, history_warned) {
                        eprintln!("warning: history is not kept: {e}");
                        history_warned = true;
                    }
                    self.handle(&input);
                }
                Err(ReadlineError::Interrupted) => pending.clear(),
                Err(ReadlineError::Eof) => break,
                // A line that is not UTF-8 is dropped; the session goes on.
                Err(ReadlineError::Io(e))
                    if e.kind() == io::ErrorKind::InvalidData =>
                {
                    eprintln!("error: the line is not UTF-8");
                    pending.clear();
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return exit::USAGE;
                }
            }
        }
        exit::SUCCESS
    }

    /// Lines from a pipe or a file, without prompts; the exit code says
    /// whether every input succeeded. Errors in an input are placed by
    /// their line in the whole of standard input, named `<stdin>`.
    fn piped(&mut self) -> i32 {
        let mut pending = String::new();
        let mut stdin = io::stdin().lock();
        let mut bytes = Vec::new();
        let mut number = 0;
        loop {
            bytes.clear();
            match stdin.read_until(b'\n', &mut bytes) {
                Ok(0) => break,
                Ok(_) => number += 1,
                Err(e) => {
                    eprintln!("error: cannot read standard input: {e}");
                    return exit::USAGE;
                }
            }
            if pending.is_empty() {
                self.first_line = Some(number);
            }
            let Ok(line) = std::str::from_utf8(&bytes) else {
                eprintln!("<stdin>:{number}: error: the line is not UTF-8");
                self.failed = true;
                pending.clear();
                continue;
            };
            let line = line.trim_end_matches(['\n', '\r']);
            if let Some(input) = self.gather(&mut pending, line) {
                self.handle(&input);
            }
            if self.quit {
                break;
            }
        }
        if !pending.trim().is_empty() && !self.quit {
            self.handle(&pending);
        }
        match self.failed {
            true => exit::FAILED,
            false => exit::SUCCESS,
        }
    }

    /// Adds `line` to the input gathered so far; the whole input once
    /// it is complete. A command is whole on its own line.
    fn gather(&self, pending: &mut String, line: &str) -> Option<String> {
        if pending.is_empty() && line.trim_start().starts_with(':') {
            return Some(line.to_string());
        }
        let ends = line.trim().is_empty();
        pending.push_str(line);
        pending.push('\n');
        // Blank lines and comments alone are no input.
        if input::is_blank(pending) {
            pending.clear();
            return None;
        }
        (ends || input::is_complete(pending)).then(|| std::mem::take(pending))
    }

    /// Runs one input or command, printing what it gives.
    fn handle(&mut self, input: &str) {
        eval::INTERRUPT.store(false, Ordering::Relaxed);
        let stdout = io::stdout();
        let mut out = stdout.lock();
        let ok = match input.trim_start().strip_prefix(':') {
            Some(command) => self.command(command.trim(), &mut out),
            None => self.run_input(input, &mut out),
        };
        let _ = out.flush();
        self.failed |= !ok;
    }

    /// Runs a command; whether it succeeded.
    fn command(&mut self, command: &str, out: &mut dyn Write) -> bool {
        let (name, argument) = command
            .split_once(char::is_whitespace)
            .map_or((command, ""), |(n, a)| (n, a.trim()));
        let takes_none = ["help", "h", "?", "reset", "quit", "q", "exit"];
        if takes_none.contains(&name) && !argument.is_empty() {
            eprintln!("error: :{name} takes no argument");
            return false;
        }
        match name {
            "help" | "h" | "?" => write(out, HELP),
            "vars" => self.show_vars(argument, out),
            "classes" => self.show_classes(argument, out),
            "load" => self.load(argument, out),
            "reset" => {
                self.session.reset();
                self.run_input("", &mut io::sink());
                write(out, "The session is empty.\n")
            }
            "json" => switch("json", &mut self.json, argument, out),
            "table" => switch("table", &mut self.table, argument, out),
            "type" => self.show_type(argument, out),
            "quit" | "q" | "exit" => {
                self.quit = true;
                true
            }
            _ => {
                eprintln!("error: no command ':{name}'; :help lists them");
                false
            }
        }
    }

    /// Runs a snippet in the session; whether it succeeded.
    fn run_input(&mut self, text: &str, out: &mut dyn Write) -> bool {
        let name = Path::new(self.input_name());
        let session = &self.session;
        let parsed = match text.trim().is_empty() {
            true => None,
            false => Some(snippet::parse_in(text, name, &|p| session.with(p))),
        };
        let snippet = match parsed {
            None => None,
            Some(Ok(mut snippet)) => {
                // Errors at run time name the line of standard input.
                let lines_before = self.first_line.map_or(0, |n| n - 1);
                shift_lines(&mut snippet.policy, lines_before);
                Some(snippet)
            }
            Some(Err(errors)) => {
                for error in &errors {
                    self.print_error(error.render(Some(text)));
                }
                return false;
            }
        };

        let result = match &snippet {
            Some(s) if s.form == Form::Policy => {
                let runs = runs_itself(&s.policy);
                if !runs {
                    for line in defined(s) {
                        eprintln!("{line}");
                    }
                }
                self.session.load(&s.policy, name, runs, out)
            }
            Some(s) => {
                let policy = &s.policy;
                let collect = s.is_value();
                self.session.run_promises(policy, name, collect, out)
            }
            None => {
                let empty = Policy::default();
                self.session.run_promises(&empty, name, false, out)
            }
        };
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => {
                let shown = match &snippet {
                    Some(s) => s.render(&e),
                    None => e.render(None),
                };
                self.print_error(shown);
                return false;
            }
        };
        let mut ok = outcome.errors.is_empty();
        if let Some(s) = snippet.as_ref().filter(|s| s.is_value()) {
            ok &= self.print_value(s, &outcome, out);
            self.session.forget(VALUE);
        }
        self.keep(outcome.state);
        ok
    }

    /// What inputs are called in messages: `<input>` on a terminal,
    /// `<stdin>` from a pipe, where a line number counts from the start
    /// of standard input.
    fn input_name(&self) -> &'static str {
        match self.first_line {
            Some(_) => "<stdin>",
            None => INPUT_NAME,
        }
    }

    /// Prints an error about the input; from a pipe, with the line of
    /// standard input it is on instead of its line in the input.
    fn print_error(&self, rendered: String) {
        match self.first_line {
            Some(first) => eprintln!("{}", relocate(&rendered, first)),
            None => eprintln!("{rendered}"),
        }
    }

    /// Prints a value snippet's value as the modes ask; whether it had
    /// one.
    fn print_value(
        &self,
        snippet: &Snippet,
        outcome: &Outcome,
        out: &mut dyn Write,
    ) -> bool {
        if snippet.form == Form::Value(Returns::Class) {
            let text = outcome.reports.first().cloned().unwrap_or_default();
            return write(out, &format!("{text}\n"));
        }
        match snippet.value(&outcome.state) {
            Some(value) => write(out, &self.render(value)),
            None => false,
        }
    }

    /// A value as the REPL prints it: scalars as text, lists as cf-agent's
    /// `%S`, data as indented JSON or a table; everything as JSON when
    /// `:json on`.
    fn render(&self, value: &Value) -> String {
        if let (true, Value::Data(data)) = (self.table, value)
            && let Ok(text) = table::render(data)
        {
            return text;
        }
        if self.json {
            let json = show::value_json(value);
            return serde_json::to_string_pretty(&json).unwrap_or_default()
                + "\n";
        }
        match value {
            Value::Scalar(_, text) => format!("{text}\n"),
            Value::List(_, items) => format!("{}\n", slist_text(items)),
            Value::Data(data) => format!("{}\n", json::to_pretty(data)),
        }
    }

    /// Keeps the state of the last input, and its names for completion.
    fn keep(&mut self, state: State) {
        let mut names = self.names.borrow_mut();
        names.vars = state.vars.iter().map(|v| short_name(&v.name)).collect();
        names.classes = state.classes.iter().map(|c| c.name.clone()).collect();
        drop(names);
        self.state = state;
    }

    fn show_vars(&self, pattern: &str, out: &mut dyn Write) -> bool {
        let Some(filter) = filter(pattern) else {
            return false;
        };
        let shown = self.state.vars.iter().filter(|v| match pattern {
            "" => !is_system_var(&v.name),
            _ => filter.is_match(&v.name),
        });
        let state = State {
            vars: shown.cloned().collect(),
            classes: Vec::new(),
        };
        let show = Show {
            vars: Some(filter),
            classes: None,
        };
        write(out, &show.tables(&state))
    }

    fn show_classes(&self, pattern: &str, out: &mut dyn Write) -> bool {
        let Some(filter) = filter(pattern) else {
            return false;
        };
        let shown = self.state.classes.iter().filter(|c| match pattern {
            "" => !c.tags.iter().any(|t| &**t == "hardclass"),
            _ => filter.is_match(&c.name),
        });
        let state = State {
            vars: Vec::new(),
            classes: shown.cloned().collect(),
        };
        let show = Show {
            vars: None,
            classes: Some(filter),
        };
        write(out, &show.tables(&state))
    }

    /// `:load FILE`: the policy and its inputs, checked, added to the
    /// session and run.
    fn load(&mut self, file: &str, out: &mut dyn Write) -> bool {
        if file.is_empty() {
            eprintln!("error: :load needs a file");
            return false;
        }
        let file = PathBuf::from(file);
        let Ok(loaded) = cli::load_checked(&file, &self.options) else {
            return false;
        };
        let runs = runs_itself(&loaded.policy);
        match self.session.load(&loaded.policy, &file, runs, out) {
            Ok(outcome) => {
                let ok = outcome.errors.is_empty();
                self.keep(outcome.state);
                ok
            }
            Err(e) => {
                let source =
                    e.place.as_ref().and_then(|(f, _)| loaded.source(f));
                eprintln!("{}", e.render(source));
                false
            }
        }
    }

    /// `:type EXPR`: a name's type as `type(name, "true")` gives it, or
    /// the type of the value EXPR computes.
    fn show_type(&mut self, expr: &str, out: &mut dyn Write) -> bool {
        if expr.is_empty() {
            eprintln!("error: :type needs a variable name or a value");
            return false;
        }
        let is_name = expr.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '_' | '.' | ':' | '[' | ']')
        });
        if is_name {
            let call = format!("type(\"{expr}\", \"true\")");
            return self.value_of(&call).is_some_and(|value| {
                let text = match &value {
                    Value::Scalar(_, text) => text.to_string(),
                    other => type_name(other),
                };
                let text = match text.strip_prefix("policy ") {
                    Some("none") => "none: no variable of that name",
                    Some(text) => text,
                    None => &text,
                };
                write(out, &format!("{text}\n"))
            });
        }
        let Ok(snippet) = snippet::parse(expr, Path::new(INPUT_NAME)) else {
            eprintln!("error: ':type' takes a variable name or a value");
            return false;
        };
        if snippet.form == Form::Value(Returns::Class) {
            return write(out, "class\n");
        }
        match self.value_of(expr) {
            Some(value) => write(out, &format!("{}\n", type_name(&value))),
            None => false,
        }
    }

    /// The value a value snippet computes in the session, its errors
    /// printed; the session keeps nothing of it.
    fn value_of(&mut self, text: &str) -> Option<Value> {
        let name = Path::new(INPUT_NAME);
        let session = &self.session;
        let snippet = match snippet::parse_in(text, name, &|p| session.with(p))
        {
            Ok(snippet) if snippet.is_value() => snippet,
            Ok(_) => return None,
            Err(errors) => {
                for error in &errors {
                    eprintln!("{}", error.render(Some(text)));
                }
                return None;
            }
        };
        let mut sink = io::sink();
        let result =
            self.session
                .run_promises(&snippet.policy, name, true, &mut sink);
        self.session.forget(VALUE);
        match result {
            Ok(outcome) => snippet.value(&outcome.state).cloned(),
            Err(e) => {
                eprintln!("{}", snippet.render(&e));
                None
            }
        }
    }
}

/// `rendered`, an error placed at `<stdin>:LINE` of an input, placed
/// instead on the line it has in standard input, where the input began
/// on line `first`.
fn relocate(rendered: &str, first: usize) -> String {
    let prefix = "<stdin>:";
    let Some(rest) = rendered.strip_prefix(prefix) else {
        return rendered.to_string();
    };
    let digits = rest.len()
        - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let Ok(line) = rest[..digits].parse::<usize>() else {
        return rendered.to_string();
    };
    format!("{prefix}{}{}", first + line - 1, &rest[digits..])
}

/// Moves every promise of `policy` down by `lines`, for the line numbers
/// that errors at run time and `this.promise_linenumber` give.
fn shift_lines(policy: &mut Policy, lines: usize) {
    let sections = policy.bundles.iter_mut().flat_map(|b| &mut b.sections);
    for promise in sections.flat_map(|s| &mut s.promises) {
        promise.line += lines;
    }
}

/// Whether a policy typed or loaded runs its bundlesequence: when it
/// says what to run, with a bundlesequence or a `bundle agent main`.
/// One that does not, a library, is only resolved.
fn runs_itself(policy: &Policy) -> bool {
    policy.control_settings("bundlesequence").next().is_some()
        || policy.bundles.iter().any(|b| &*b.name == INPUT_BUNDLE)
}

/// The lines that tell which bundles and bodies an input defined.
fn defined(snippet: &Snippet) -> Vec<String> {
    let policy = &snippet.policy;
    let bundles = policy
        .bundles
        .iter()
        .map(|b| format!("defined bundle {} {}", b.kind, b.name));
    let bodies = policy
        .bodies
        .iter()
        .map(|b| format!("defined {} {} {}", b.keyword, b.kind, b.name));
    bundles.chain(bodies).collect()
}

/// A variable's name as the session's bundle refers to it: bare for
/// its own, `bundle.name` for others in the default namespace.
fn short_name(full: &str) -> String {
    let bare = full.strip_prefix("default:").unwrap_or(full);
    let own = format!("{INPUT_BUNDLE}.");
    bare.strip_prefix(&own).unwrap_or(bare).to_string()
}

fn is_system_var(name: &str) -> bool {
    let bare = name.strip_prefix("default:").unwrap_or(name);
    let scope = bare.split_once('.').map_or("", |(scope, _)| scope);
    SYSTEM_SCOPES.contains(&scope)
}

/// The regex of `:vars` or `:classes`; an empty one matches all.
fn filter(pattern: &str) -> Option<Rc<regex::Regex>> {
    match regex::compile(pattern) {
        Ok(filter) => Some(filter),
        Err(e) => {
            eprintln!("error: {e}");
            None
        }
    }
}

/// What `:type` prints for a value: its kind, and for data the kind of
/// node at its top, as `type()` names them in detail.
fn type_name(value: &Value) -> String {
    let Value::Data(data) = value else {
        return value.type_name().to_string();
    };
    format!("data {}", data_kind(data))
}

/// `:json` and `:table`: set a mode from `on` or `off`, or say it.
fn switch(
    name: &str,
    mode: &mut bool,
    argument: &str,
    out: &mut dyn Write,
) -> bool {
    match argument {
        "on" => *mode = true,
        "off" => *mode = false,
        "" => {}
        other => {
            eprintln!("error: :{name} takes on or off, not '{other}'");
            return false;
        }
    }
    let state = if *mode { "on" } else { "off" };
    write(out, &format!("{name} is {state}\n"))
}

fn write(out: &mut dyn Write, text: &str) -> bool {
    // A closed output ends nothing: the session goes on for the next
    // input, as it would after any other error.
    let _ = out.write_all(text.as_bytes());
    true
}

/// Makes Ctrl-C, while an input runs, stop it rather than the process.
/// While a line is edited the terminal sends no signal: the line editor
/// reads Ctrl-C as a key and abandons the line.
fn catch_interrupts() {
    extern "C" fn on_interrupt(_: libc::c_int) {
        // An atomic store is safe in a signal handler.
        eval::INTERRUPT.store(true, Ordering::Relaxed);
    }
    let handler = on_interrupt as extern "C" fn(libc::c_int);
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

/// Where the history lives between sessions: `$CFMINI_HISTORY`, or
/// `.cfmini_history` in the home directory; none without either.
fn history_file() -> Option<PathBuf> {
    if let Some(file) = std::env::var_os("CFMINI_HISTORY") {
        return Some(PathBuf::from(file)).filter(|f| !f.as_os_str().is_empty());
    }
    let home = std::env::var_os("HOME")?;
    Some(PathBuf::from(home).join(".cfmini_history"))
}
