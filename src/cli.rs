//! The command line: `run` and `check`, and the exit-code table.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use clap::{ArgGroup, Args, CommandFactory, Parser, Subcommand};

use crate::ast::{Policy, Rval};
use crate::check;
use crate::error::{Error, exit};
use crate::eval::{self, Options, log::Log};
use crate::help;
use crate::load::{self, Loaded};
use crate::regex::{self, Regex};
use crate::show::Show;

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a policy's bundlesequence and print its reports.
    #[command(after_help = EXIT_CODES)]
    Run(RunArgs),
    /// Parse and check a policy without running it.
    #[command(after_help = EXIT_CODES)]
    Check {
        /// The policy file.
        file: PathBuf,
    },
    /// Describe a command or a builtin function, or list the builtins.
    Help {
        /// A command (`run`, `check`) or a function name.
        topic: Option<String>,
        /// List every builtin function, one line each.
        #[arg(long, conflicts_with = "topic")]
        functions: bool,
    },
}

#[derive(Args, Debug)]
#[command(group(ArgGroup::new("show").multiple(true)))]
struct RunArgs {
    /// The policy file.
    file: PathBuf,
    /// Define classes (comma-separated).
    #[arg(short = 'D', long = "define", value_delimiter = ',')]
    define: Vec<String>,
    /// Negate classes (comma-separated); as in cf-agent 3.21, this
    /// changes no class.
    #[arg(short = 'N', long = "negate", value_delimiter = ',')]
    negate: Vec<String>,
    /// Run these bundles instead of the policy's bundlesequence.
    #[arg(short = 'b', long = "bundlesequence", value_delimiter = ',')]
    bundlesequence: Option<Vec<String>>,
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
    /// With --show-vars or --show-classes: print one JSON object holding
    /// the reports and the state, with typed values, instead of text.
    #[arg(long, requires = "show")]
    json: bool,
}

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
    match cli.command {
        Command::Run(args) => run(args),
        Command::Check { file } => check(&file),
        Command::Help { topic, functions } => help(topic, functions),
    }
}

/// `cfmini help`: the commands, one command, one builtin or the list of
/// builtins.
fn help(topic: Option<String>, functions: bool) -> i32 {
    let mut command = Cli::command();
    // Building names each subcommand's usage after the binary.
    command.build();
    if functions {
        print!("{}", help::function_list());
        return exit::SUCCESS;
    }
    let Some(topic) = topic else {
        println!("{}", command.render_long_help());
        return exit::SUCCESS;
    };
    if let Some(sub) = command.find_subcommand_mut(&topic) {
        println!("{}", sub.render_long_help());
        return exit::SUCCESS;
    }
    match help::function(&topic) {
        Some(text) => {
            print!("{text}");
            exit::SUCCESS
        }
        None => {
            eprintln!("error: {}", help::not_a_function(&topic));
            exit::USAGE
        }
    }
}

fn run(args: RunArgs) -> i32 {
    let show = match show_options(&args) {
        Ok(show) => show,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::USAGE;
        }
    };
    let sysroot = args.sysroot.unwrap_or_else(default_sysroot);
    if !sysroot.is_dir() {
        let message =
            format!("sysroot '{}' is not a directory", sysroot.display());
        eprintln!("error: {message}");
        return exit::USAGE;
    }
    let options = Options {
        sysroot,
        defines: args.define,
        negations: args.negate,
        bundlesequence: args.bundlesequence,
        verbose: args.verbose,
        collect_reports: args.json,
    };
    let loaded = match load_checked(&args.file, &options) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let log = Log::new(args.verbose);
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
        let text = match args.json {
            true => show.json(&outcome.state, &outcome.reports),
            false => show.tables(&outcome.state),
        };
        let _ = out.write_all(text.as_bytes());
    }
    let _ = out.flush();
    match result {
        Ok(outcome)
            if outcome.errors.is_empty() && loaded.unresolved.is_empty() =>
        {
            exit::SUCCESS
        }
        Ok(_) => exit::FAILED,
        Err(e) => report(&e, &loaded),
    }
}

/// The regexes of `--show-vars` and `--show-classes`.
fn show_options(args: &RunArgs) -> Result<Show, String> {
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

fn check(file: &Path) -> i32 {
    let options = Options {
        sysroot: default_sysroot(),
        ..Options::default()
    };
    let loaded = match load_checked(file, &options) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let mut code = exit::SUCCESS;
    for error in &loaded.unresolved {
        code = report(error, &loaded);
    }
    code
}

/// Loads and checks a policy; on failure prints every error and gives
/// the exit code. Inputs that hold variables are expanded against the
/// policy's common bundles, set up as `options` says.
fn load_checked(file: &Path, options: &Options) -> Result<Loaded, i32> {
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
