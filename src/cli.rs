//! The command line: `run`, `eval` and `check`, and the exit-code table.

use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use clap::{ArgGroup, Args, CommandFactory, Parser, Subcommand};

use crate::ast::{DEFAULT_NAMESPACE, Policy, Rval, Span};
use crate::check;
use crate::error::{Error, ErrorKind, exit};
use crate::eval::{self, Options, Outcome, log::Log};
use crate::help;
use crate::load::{self, Loaded};
use crate::parse;
use crate::regex::{self, Regex};
use crate::show::Show;
use crate::snippet::{self, Snippet};
use crate::table;
use crate::value::Value;

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the policy ran but something failed
  2  usage or I/O error
  3  parse or check error";

/// A side-effect-free interpreter for CFEngine 3 policy.
#[derive(Parser, Debug)]
#[command(
    name = "cfmini",
    version,
    after_help = EXIT_CODES,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Without a command, the REPL starts when standard input is a
    /// terminal.
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a policy's bundlesequence and print its reports.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Run a snippet of policy: a whole policy, the inside of a bundle,
    /// one promise, or a value to print.
    Eval(EvalArgs),
    /// Start an interactive session: type promises, values and
    /// `:commands`, one environment across inputs.
    #[command(after_help = REPL_HELP)]
    Repl(ReplArgs),
    /// Parse and check a policy without running it.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// The policy file.
        file: PathBuf,
        /// Unknown attributes and values of the wrong type are errors,
        /// as cf-promises judges them, not warnings.
        #[arg(long)]
        strict: bool,
    },
    /// Describe a command or a builtin function, or list the builtins.
    Help {
        /// A command (`run`, `eval`, `repl`, `check`) or a function
        /// name.
        topic: Option<String>,
        /// List every builtin function, one line each.
        #[arg(long, conflicts_with = "topic")]
        functions: bool,
    },
}

#[derive(Args, Debug)]
struct RunArgs {
    /// The policy file.
    file: PathBuf,
    #[command(flatten)]
    setup: Setup,
    /// Run these bundles instead of the policy's bundlesequence.
    #[arg(short = 'b', long = "bundlesequence", value_delimiter = ',')]
    bundlesequence: Option<Vec<String>>,
    /// With --show-vars or --show-classes: print one JSON object holding
    /// the reports and the state, with typed values, instead of text.
    #[arg(long, requires = "show")]
    json: bool,
}

/// What `run` and `eval` share: classes, the sysroot, the log and the
/// state to show.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("show").multiple(true)))]
struct Setup {
    /// Define classes (comma-separated).
    #[arg(short = 'D', long = "define", value_delimiter = ',')]
    define: Vec<String>,
    /// Negate classes (comma-separated); as in cf-agent 3.21, this
    /// changes no class.
    #[arg(short = 'N', long = "negate", value_delimiter = ',')]
    negate: Vec<String>,
    /// Read /proc and /etc under DIR instead of /. Defaults to
    /// $CFENGINE_TEST_OVERRIDE_PROCDIR when that is set.
    #[arg(long, value_name = "DIR")]
    sysroot: Option<PathBuf>,
    /// Log decisions on standard error: files loaded, passes, promises
    /// skipped and why, references left unresolved.
    #[arg(short, long)]
    verbose: bool,
    /// After the run, print the variables as `cf-agent
    /// --show-evaluated-vars` does; with REGEX, only those whose name
    /// (`default:bundle.name`) it matches.
    #[arg(long, value_name = "REGEX", group = "show", num_args = 0..=1)]
    #[arg(require_equals = true, default_missing_value = "")]
    show_vars: Option<String>,
    /// After the run, print the global classes as `cf-agent
    /// --show-evaluated-classes` does; with REGEX, only those it matches.
    #[arg(long, value_name = "REGEX", group = "show", num_args = 0..=1)]
    #[arg(require_equals = true, default_missing_value = "")]
    show_classes: Option<String>,
}

#[derive(Args, Debug)]
struct ReplArgs {
    /// Define classes (comma-separated).
    #[arg(short = 'D', long = "define", value_delimiter = ',')]
    define: Vec<String>,
    /// Read /proc and /etc under DIR instead of /. Defaults to
    /// $CFENGINE_TEST_OVERRIDE_PROCDIR when that is set.
    #[arg(long, value_name = "DIR")]
    sysroot: Option<PathBuf>,
    /// Log decisions on standard error.
    #[arg(short, long)]
    verbose: bool,
}

const REPL_HELP: &str = "\
Each input is a snippet, as `cfmini eval` takes it, run against what the
inputs before it defined. It goes on over several lines until its
brackets close and it ends with ';' or '}', or, when it opens with a
promise type alone on its line, until an empty line. Type :help in the
session for its commands (:vars, :classes, :load, :reset, :json, :table,
:type, :quit). On a terminal, lines are edited with history kept in
$CFMINI_HISTORY or ~/.cfmini_history, and Tab completes functions,
promise types, variables and classes. From a pipe, the inputs run
without prompts and the exit code is 1 if any failed.";

#[derive(Args, Debug)]
#[command(after_help = SNIPPET_FORMS)]
struct EvalArgs {
    /// The snippet; `-` reads it from standard input.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    snippet: Option<String>,
    /// Read the snippet from FILE.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<PathBuf>,
    #[command(flatten)]
    setup: Setup,
    /// Print a value as pretty JSON; for other snippets, one JSON object
    /// holding the reports and any state shown, as `run --json` does.
    #[arg(long, conflicts_with = "table")]
    json: bool,
    /// Print a data value that is an array of objects, or an object of
    /// such arrays, as an aligned table with a column per leaf path.
    #[arg(long)]
    table: bool,
}

const SNIPPET_FORMS: &str = "\
A snippet is the first of these it fits:
  a whole policy          bundle agent main { reports: \"hi\"; }
  the inside of a bundle  vars: \"x\" string => \"1\"; reports: \"$(x)\";
  a single promise        \"x\" string => \"1\";  (a vars promise unless
                          it starts with a promise type)
  a value                 canonify(\"a b\")  or  $(sys.arch)
A value prints alone, as cf-agent renders it: the text of a scalar,
format(\"%S\") of a list or data container, true or false for a class.

Exit codes:
  0  success
  1  the snippet ran but something failed
  2  usage or I/O error
  3  parse or check error";

/// Runs the command line and returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                exit::USAGE
            } else {
                exit::SUCCESS
            };
        }
    };
    let Some(command) = cli.command else {
        return no_command();
    };
    match command {
        Command::Repl(args) => repl(args),
        Command::Run(args) => run(args),
        Command::Eval(args) => eval_snippet(args),
        Command::Check { file, strict } => check(&file, strict),
        Command::Help { topic, functions } => help(topic, functions),
    }
}

/// `cfmini` alone: the REPL on a terminal, the usage elsewhere, so
/// that a script that forgot its command does not wait for input.
fn no_command() -> i32 {
    if io::stdin().is_terminal() {
        return repl(ReplArgs {
            define: Vec::new(),
            sysroot: None,
            verbose: false,
        });
    }
    let usage = Cli::command().render_usage();
    eprintln!(
        "error: no command given\n\n{usage}\n\nFor more, try 'cfmini help'."
    );
    exit::USAGE
}

fn repl(args: ReplArgs) -> i32 {
    let args = Setup {
        define: args.define,
        negate: Vec::new(),
        sysroot: args.sysroot,
        verbose: args.verbose,
        show_vars: None,
        show_classes: None,
    };
    match setup(args) {
        Ok((_, options)) => crate::repl::main(options),
        Err(code) => code,
    }
}

/// `cfmini help`: the commands, one command, one builtin or the list of
/// builtins.
fn help(topic: Option<String>, functions: bool) -> i32 {
    let mut command = Cli::command();
    // Building names each subcommand's usage after the binary.
    command.build();
    let text = match (functions, topic) {
        (true, _) => help::function_list(),
        (false, None) => format!("{}\n", command.render_long_help()),
        (false, Some(topic)) => match command.find_subcommand_mut(&topic) {
            Some(sub) => format!("{}\n", sub.render_long_help()),
            None => match help::function(&topic) {
                Some(text) => text,
                None => {
                    eprintln!("error: {}", help::not_a_function(&topic));
                    return exit::USAGE;
                }
            },
        },
    };
    // A reader that stops early, such as `head`, is no error.
    let _ = io::stdout().lock().write_all(text.as_bytes());
    exit::SUCCESS
}

fn run(args: RunArgs) -> i32 {
    let (show, mut options) = match setup(args.setup) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    options.bundlesequence = args.bundlesequence;
    options.collect_reports = args.json;
    let loaded = match load_checked(&args.file, &options) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let log = Log::new(options.verbose);
    for (path, _) in &loaded.sources {
        log.file_loaded(path);
    }
    // cf-agent reports an input that does not resolve and runs on.
    for error in &loaded.unresolved {
        report(error, &loaded);
    }

    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = eval::run(&loaded.policy, &args.file, &options, &mut out);
    if let Ok(outcome) = &result {
        let _ = out.write_all(shown(&show, outcome, args.json).as_bytes());
    }
    let _ = out.flush();
    let code = match &result {
        Ok(outcome)
            if outcome.errors.is_empty() && loaded.unresolved.is_empty() =>
        {
            exit::SUCCESS
        }
        Ok(_) => exit::FAILED,
        Err(e) => report(e, &loaded),
    };
    // The process ends next: freeing the state one node at a time
    // would cost a tenth of the run when a container holds a million
    // sockets, for memory the exit gives back anyway.
    std::mem::forget(result);
    code
}

/// The state to show after a run, as tables or JSON.
fn shown(show: &Show, outcome: &Outcome, json: bool) -> String {
    match json {
        true => show.json(&outcome.state, &outcome.reports),
        false => show.tables(&outcome.state),
    }
}

/// The state to show and the options of a run, from the arguments
/// `run` and `eval` share; a usage error gives the exit code.
fn setup(args: Setup) -> Result<(Show, Options), i32> {
    let usage = |message: String| {
        eprintln!("error: {message}");
        exit::USAGE
    };
    let show = show_options(&args).map_err(usage)?;
    let sysroot = args.sysroot.unwrap_or_else(default_sysroot);
    if !sysroot.is_dir() {
        let shown = sysroot.display();
        return Err(usage(format!("sysroot '{shown}' is not a directory")));
    }
    let options = Options {
        sysroot,
        defines: args.define,
        negations: args.negate,
        verbose: args.verbose,
        keep_state: show.vars.is_some() || show.classes.is_some(),
        ..Options::default()
    };
    Ok((show, options))
}

/// `cfmini eval`: runs a snippet and prints its reports, or its value.
/// A file holding a whole policy runs as `run` runs it, `inputs` and
/// all.
fn eval_snippet(args: EvalArgs) -> i32 {
    if let Some(file) = args.file.as_ref().filter(|f| holds_policy(f)) {
        let args = RunArgs {
            file: file.clone(),
            setup: args.setup,
            bundlesequence: None,
            json: args.json,
        };
        return run(args);
    }
    let (show, mut options) = match setup(args.setup) {
        Ok(setup) => setup,
        Err(code) => return code,
    };
    let (text, name) = match snippet_text(args.snippet, args.file.clone()) {
        Ok(read) => read,
        Err(e) => return report_load_error(&e, Path::new("")),
    };
    let snippet = match snippet::parse(&text, &name) {
        Ok(snippet) => snippet,
        Err(errors) => return report_snippet_errors(&errors, &text),
    };
    options.collect_reports = args.json || snippet.is_value();
    options.keep_state |= snippet.is_value();

    let loaded = snippet.loaded();
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let result = eval::run(&loaded.policy, &name, &options, &mut out);
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(e) => {
            eprintln!("{}", snippet.render(&e));
            return e.kind.exit_code();
        }
    };
    let mut text = String::new();
    if snippet.is_value() {
        text = value_output(&snippet, &outcome, args.json, args.table);
    }
    if !(snippet.is_value() && args.json) {
        text += &shown(&show, &outcome, args.json);
    }
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    match outcome.errors.is_empty() {
        true => exit::SUCCESS,
        false => exit::FAILED,
    }
}

fn holds_policy(file: &Path) -> bool {
    let text = load::read(file).unwrap_or_default();
    snippet::is_policy(&text, file)
}

/// What a value snippet prints: its value, as text, JSON or a table, or
/// nothing when it was never set. A value that is not a table prints as
/// text, with a note on standard error.
fn value_output(
    snippet: &Snippet,
    outcome: &Outcome,
    json: bool,
    table: bool,
) -> String {
    let (state, reports) = (&outcome.state, &outcome.reports[..]);
    // A value never set prints nothing, table or not.
    if let (true, Some(value)) = (table, snippet.value(state)) {
        let rendered = match value {
            Value::Data(data) => table::render(data),
            _ => Err(table::Unfit::Shape),
        };
        match rendered {
            Ok(text) => return text,
            Err(table::Unfit::NoRows) => {
                eprintln!(
                    "note: the table has no rows; the value prints as it is"
                )
            }
            Err(table::Unfit::Shape) => eprintln!(
                "note: --table takes an array of objects or an object of \
                 such arrays; the value prints as it is"
            ),
        }
    }
    let text = match json {
        true => snippet.value_json(state, reports),
        false => snippet.value_text(state, reports).map(|t| t + "\n"),
    };
    text.unwrap_or_default()
}

/// The snippet's text and the name it goes by in messages.
fn snippet_text(
    snippet: Option<String>,
    file: Option<PathBuf>,
) -> Result<(String, PathBuf), Error> {
    let name = PathBuf::from("<snippet>");
    match (snippet, file) {
        (_, Some(file)) => Ok((load::read(&file)?, file)),
        (Some(dash), None) if dash == "-" => Ok((read_stdin()?, name)),
        (Some(text), None) => Ok((text, name)),
        (None, None) => Err(Error::new(ErrorKind::Usage, "no snippet given")),
    }
}

/// Standard input as text, up to the size of the largest policy file.
fn read_stdin() -> Result<String, Error> {
    let io_error = |message: String| Error::new(ErrorKind::Io, message);
    let mut text = String::new();
    let mut input = io::stdin().take(load::MAX_POLICY_BYTES + 1);
    input
        .read_to_string(&mut text)
        .map_err(|e| io_error(format!("cannot read standard input: {e}")))?;
    if text.len() as u64 > load::MAX_POLICY_BYTES {
        let mib = load::MAX_POLICY_BYTES >> 20;
        return Err(io_error(format!("standard input is over {mib} MiB")));
    }
    Ok(text)
}

fn report_snippet_errors(errors: &[Error], text: &str) -> i32 {
    for error in errors {
        eprintln!("{}", error.render(Some(text)));
    }
    errors.first().map_or(exit::INVALID, |e| e.kind.exit_code())
}

/// The regexes of `--show-vars` and `--show-classes`.
fn show_options(args: &Setup) -> Result<Show, String> {
    Ok(Show {
        vars: compile("--show-vars", &args.show_vars)?,
        classes: compile("--show-classes", &args.show_classes)?,
    })
}

fn compile(
    option: &str,
    pattern: &Option<String>,
) -> Result<Option<Rc<Regex>>, String> {
    let Some(pattern) = pattern else {
        return Ok(None);
    };
    let compiled = regex::compile(pattern);
    compiled.map(Some).map_err(|e| format!("{option}: {e}"))
}

fn check(file: &Path, strict: bool) -> i32 {
    let options = Options {
        sysroot: default_sysroot(),
        ..Options::default()
    };
    let mut expand = |policy: &Policy, items: &[&Rval]| {
        eval::expand_inputs(policy, file, &options, items)
    };
    let (files, errors, warnings) = match load::load(file, &mut expand) {
        Ok(loaded) => {
            let found = check::check_with(&loaded.policy, strict);
            let (mut warnings, mut errors): (Vec<_>, Vec<_>) = found
                .into_iter()
                .partition(|e| e.kind == ErrorKind::Warning);
            if errors.is_empty() {
                errors.clone_from(&loaded.unresolved);
            }
            errors.extend(missing_main(&loaded.policy, file));
            warnings.extend(check::portability(&loaded.policy));
            warnings
                .iter()
                .for_each(|warning| _ = report(warning, &loaded));
            errors.iter().for_each(|error| _ = report(error, &loaded));
            (loaded.sources.len(), errors, warnings.len())
        }
        Err(error) => {
            // Known shortcoming: loading stops at the file that fails,
            // so only it and the entry file are counted, not the
            // inputs read between them.
            let failed = error.place.as_ref().map(|(path, _)| path.clone());
            let files = if failed.is_some_and(|f| f != file) {
                2
            } else {
                1
            };
            let errors = every_syntax_error(error);
            errors.iter().for_each(|e| _ = report_load_error(e, file));
            if errors.len() >= parse::MAX_SYNTAX_ERRORS {
                let limit = parse::MAX_SYNTAX_ERRORS;
                eprintln!("note: the first {limit} syntax errors only");
            }
            (files, errors, 0)
        }
    };
    eprintln!("{}", check_summary(files, errors.len(), warnings));
    errors.first().map_or(exit::SUCCESS, |e| e.kind.exit_code())
}

/// A policy without a bundlesequence runs `bundle agent main`; without
/// that too, cf-promises rejects it, and `run` would stop.
fn missing_main(policy: &Policy, file: &Path) -> Option<Error> {
    let has_sequence = policy.control_settings("bundlesequence").count() > 0;
    let has_main = policy.bundle("main", DEFAULT_NAMESPACE).is_some();
    let message = "the policy has no bundlesequence and no bundle 'main'";
    let start = Span { start: 0, end: 0 };
    (!has_sequence && !has_main)
        .then(|| Error::at(ErrorKind::Check, message, file, start))
}

/// `error`, or when it is a syntax error in a file, every syntax error
/// of that file.
fn every_syntax_error(error: Error) -> Vec<Error> {
    let Some((path, _)) = error.place.as_ref() else {
        return vec![error];
    };
    if error.kind != ErrorKind::Parse {
        return vec![error];
    }
    let Ok(source) = load::read(path) else {
        return vec![error];
    };
    let all = parse::syntax_errors(&source, path);
    if all.is_empty() { vec![error] } else { all }
}

/// The line `check` ends with: "checked 1 file: 2 errors, 0 warnings".
fn check_summary(files: usize, errors: usize, warnings: usize) -> String {
    let plural = |n: usize, what: &str| match n {
        1 => format!("1 {what}"),
        _ => format!("{n} {what}s"),
    };
    format!(
        "checked {}: {}, {}",
        plural(files, "file"),
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Loads and checks a policy; on failure prints every error and gives
/// the exit code. Inputs that hold variables are expanded against the
/// policy's common bundles, set up as `options` says.
pub(crate) fn load_checked(
    file: &Path,
    options: &Options,
) -> Result<Loaded, i32> {
    let mut expand = |policy: &Policy, items: &[&Rval]| {
        eval::expand_inputs(policy, file, options, items)
    };
    let loaded = load::load(file, &mut expand)
        .map_err(|e| report_load_error(&e, file))?;
    let errors = check::check(&loaded.policy);
    let Some(first) = errors.first() else {
        return Ok(loaded);
    };
    for error in &errors {
        report(error, &loaded);
    }
    Err(first.kind.exit_code())
}

/// `CFENGINE_TEST_OVERRIDE_PROCDIR` names a directory holding `proc/`,
/// as cf-agent reads it; otherwise the real root.
fn default_sysroot() -> PathBuf {
    match std::env::var_os("CFENGINE_TEST_OVERRIDE_PROCDIR") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from("/"),
    }
}

fn report_load_error(error: &Error, entry: &Path) -> i32 {
    let source = error
        .place
        .as_ref()
        .and_then(|(file, _)| load::read(file).ok())
        .or_else(|| load::read(entry).ok().filter(|_| error.place.is_none()));
    eprintln!("{}", error.render(source.as_deref()));
    error.kind.exit_code()
}

fn report(error: &Error, loaded: &Loaded) -> i32 {
    let source = error.place.as_ref().and_then(|(f, _)| loaded.source(f));
    eprintln!("{}", error.render(source));
    error.kind.exit_code()
}
