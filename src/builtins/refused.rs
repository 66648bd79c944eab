//! Functions cfmini refuses to run: those that would run a command,
//! run a module or take up what one wrote, open a network connection,
//! read what CFEngine records about other hosts or about packages,
//! match lines of `ps` output, or read the Windows registry. Each is one
//! row of [`REFUSED`], with the arity cf-agent accepts, so that a call
//! cf-promises finds valid passes `check` and fails when it runs, with
//! an error that says why, and nothing starts.

use super::{Builtin, Call, CallResult, Returns};

/// Why a function is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// It runs a command.
    Command,
    /// It runs a module.
    Module,
    /// It opens a network connection.
    Network,
    /// It reads what cf-serverd or a hub recorded about other hosts.
    Hosts,
    /// It reads the package inventory cf-agent's package promises record.
    Packages,
    /// It reads the Windows registry.
    Registry,
    /// It matches a regex against lines of `ps` output.
    Processes,
    /// It defines the variables and classes a module's output declares.
    ModuleProtocol,
}

impl Why {
    /// What the function does, as its row's doc line says it.
    const fn doc(self) -> &'static str {
        self.text().0
    }

    /// What the function does, and what cfmini never does.
    const fn text(self) -> (&'static str, &'static str) {
        match self {
            Why::Command => ("runs a command", "never runs commands"),
            Why::Module => ("runs a module", "never runs modules"),
            Why::Network => (
                "opens a network connection",
                "never opens network connections",
            ),
            Why::Hosts => (
                "reads what CFEngine records about other hosts",
                "keeps no such records",
            ),
            Why::Packages => (
                "reads the package inventory package promises record",
                "keeps no package inventory",
            ),
            Why::Registry => {
                ("reads the Windows registry", "runs on Unix alone")
            }
            Why::Processes => (
                "matches a regex against lines of ps output",
                "never runs ps",
            ),
            Why::ModuleProtocol => (
                "defines the variables and classes a file in the module \
                 protocol declares",
                "does not take up the module protocol",
            ),
        }
    }
}

/// The error a refused call fails with.
pub fn refuse(call: &Call, why: Why) -> CallResult {
    let (does, never) = why.text();
    Err(format!("function '{}' {does}; cfmini {never}", call.name))
}

/// One row of [`REFUSED`]: a builtin whose run refuses, and whose doc
/// line says why.
macro_rules! refused {
    ($name:literal, $min:literal, $max:expr, $returns:ident, $why:ident) => {
        Builtin {
            name: $name,
            min_args: $min,
            max_args: $max,
            returns: Returns::$returns,
            doc: Why::$why.doc(),
            example: concat!($name, "(...)"),
            yields: "",
            run: |call| refuse(call, Why::$why),
        }
    };
}

/// Every refused function, sorted by name. `execresult` and
/// `execresult_as_data` take a shell mode besides the command, as
/// cf-agent demands. `hostinnetgroup` asks the name service, which
/// `nsswitch.conf` may send to NIS or LDAP over the network.
pub static REFUSED: &[Builtin] = &[
    refused!("execresult", 2, Some(3), String, Command),
    refused!("execresult_as_data", 2, Some(3), Data, Command),
    refused!("findprocesses", 1, Some(1), Data, Processes),
    refused!("hostinnetgroup", 1, Some(1), Class, Network),
    refused!("hostsseen", 3, Some(3), Slist, Hosts),
    refused!("hostswithclass", 2, Some(2), Slist, Hosts),
    refused!("hubknowledge", 1, Some(1), String, Network),
    refused!("ldaparray", 6, Some(6), Class, Network),
    refused!("ldaplist", 6, Some(6), Slist, Network),
    refused!("ldapvalue", 6, Some(6), String, Network),
    refused!("packagesmatching", 4, Some(4), Data, Packages),
    refused!("packageupdatesmatching", 4, Some(4), Data, Packages),
    refused!("processexists", 1, Some(1), Class, Processes),
    refused!("read_module_protocol", 1, Some(1), Class, ModuleProtocol),
    refused!("readtcp", 4, Some(4), String, Network),
    refused!("registryvalue", 2, Some(2), String, Registry),
    refused!("regldap", 7, Some(7), Class, Network),
    refused!("remoteclassesmatching", 4, Some(4), Class, Network),
    refused!("remotescalar", 3, Some(3), String, Network),
    refused!("returnszero", 2, Some(2), Class, Command),
    refused!("selectservers", 6, Some(6), Int, Network),
    refused!("url_get", 2, Some(2), Data, Network),
    refused!("usemodule", 2, Some(2), Class, Module),
];

#[cfg(test)]
mod tests {
    use super::super::{TABLE, fake};
    use super::REFUSED;
    use crate::syntax::syntax;

    #[test]
    fn rows_are_sorted_and_apart_from_the_table() {
        for pair in REFUSED.windows(2) {
            assert!(pair[0].name < pair[1].name, "{}", pair[1].name);
        }
        for row in REFUSED {
            assert!(TABLE.iter().all(|b| b.name != row.name), "{}", row.name);
        }
    }

    /// A row takes what cf-promises takes: the fixed parameters, or for
    /// a function taking any number, no more than the fixed ones.
    #[test]
    fn arity_agrees_with_cf_promises() {
        for row in REFUSED {
            let function = syntax().function(row.name).expect(row.name);
            let fixed = function.params.len();
            assert!(row.min_args <= fixed, "{}", row.name);
            if !function.variadic {
                assert_eq!(row.min_args, fixed, "{}", row.name);
            }
            assert!(row.max_args.is_some_and(|m| m <= fixed), "{}", row.name);
        }
    }

    #[test]
    fn a_refused_call_says_why_and_names_the_function() {
        let args = ["/bin/true", "noshell"].map(fake::s).to_vec();
        let error = fake::run("execresult", args).unwrap_err();
        assert_eq!(
            error,
            "function 'execresult' runs a command; cfmini never runs commands"
        );
        let args = ["http://127.0.0.1/", "{}"].map(fake::s).to_vec();
        let error = fake::run("url_get", args).unwrap_err();
        assert!(error.contains("'url_get' opens a network connection"));
        let error = fake::run("processexists", vec![fake::s("init")]);
        assert_eq!(
            error.unwrap_err(),
            "function 'processexists' matches a regex against lines of ps \
             output; cfmini never runs ps"
        );
    }
}
