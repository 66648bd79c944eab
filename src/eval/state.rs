//! What a run leaves behind: every variable with its value and every
//! global class, each with the meta tags and comment cf-agent keeps
//! beside it, for `--show-vars`, `--show-classes` and `--json`.
//!
//! cf-agent tags what a policy defines `source=promise`, followed by the
//! promise's `meta` tags without repeats, and keeps its `comment`: a
//! variable those of its last definition, a class those of its first.
//! Classes from `-D` are tagged `source=environment`, those of a
//! `classes` body not at all. What cfmini discovers about the host takes
//! the tags cf-agent gives it (see [`tags`](super::tags)).

use std::collections::{HashMap, HashSet};

use super::{Evaluator, Frame, tags};
use crate::ast::{Bundle, DEFAULT_NAMESPACE, Promise, Rval};
use crate::classes::canonify;
use crate::value::{Str, Value};

/// The variables and global classes at the end of a run, sorted by name.
#[derive(Debug, Default)]
pub struct State {
    /// Every variable, named `default:bundle.name`.
    pub vars: Vec<StateVar>,
    /// Every global class.
    pub classes: Vec<StateClass>,
}

/// A variable as the run left it.
#[derive(Clone, Debug)]
pub struct StateVar {
    /// `default:bundle.name`, `default:sys.arch`, `default:main.a[k]`.
    pub name: String,
    /// The value.
    pub value: Value,
    /// The meta tags, in the order cf-agent prints them.
    pub tags: Vec<Str>,
    /// The `comment` of the promise that defined it, or empty.
    pub comment: Str,
}

/// A global class.
#[derive(Clone, Debug)]
pub struct StateClass {
    /// The class name.
    pub name: String,
    /// The meta tags, in the order cf-agent prints them.
    pub tags: Vec<Str>,
    /// The `comment` of the promise that defined it, or empty.
    pub comment: Str,
}

/// The `meta` tags and `comment` of a promise, as expanded where it
/// defined a variable or class.
#[derive(Clone, Debug, Default)]
pub(super) struct Note {
    tags: Vec<Str>,
    comment: Option<Str>,
}

/// The notes of the variables and classes a policy defined.
#[derive(Debug, Default)]
pub(super) struct Notes {
    /// By scope and name; only variables whose definition has `meta`
    /// tags or a `comment`.
    vars: HashMap<(Str, Str), Note>,
    /// Every global class a `classes` promise defined.
    classes: HashMap<String, Note>,
    /// The classes defined before the policy runs: hard classes and
    /// `-D` classes.
    system_classes: HashSet<String>,
}

impl Note {
    fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.comment.is_none()
    }

    /// `source=promise` and the promise's own tags.
    fn promise_tags(&self) -> Vec<Str> {
        let mut tags = vec![Str::from("source=promise")];
        for tag in &self.tags {
            if !tags.contains(tag) {
                tags.push(tag.clone());
            }
        }
        tags
    }

    fn comment(&self) -> Str {
        self.comment.clone().unwrap_or_default()
    }
}

impl Frame<'_, '_> {
    /// The note of `promise` where it stands: its `meta` and `comment`
    /// attributes, expanded as far as they resolve.
    pub(super) fn note(&self, promise: &Promise) -> Note {
        let mut note = Note::default();
        for attribute in &promise.attributes {
            match &*attribute.name {
                "meta" => note.tags = self.tag_list(&attribute.value),
                "comment" => note.comment = self.comment(&attribute.value),
                _ => {}
            }
        }
        note
    }

    fn tag_list(&self, rval: &Rval) -> Vec<Str> {
        match self.value(rval) {
            Ok(Value::List(_, items)) => items.to_vec(),
            Ok(Value::Scalar(_, text)) => vec![text],
            _ => Vec::new(),
        }
    }

    fn comment(&self, rval: &Rval) -> Option<Str> {
        match rval {
            Rval::Str(text, _) => Some(self.expand(text).text.into()),
            _ => None,
        }
    }
}

impl Evaluator<'_> {
    /// Sets a variable a promise defines, with the promise's note.
    pub(super) fn define_var(
        &mut self,
        scope: &str,
        name: &str,
        value: Value,
        note: Note,
    ) {
        self.set_var(scope, name, value);
        let key = (Str::from(scope), Str::from(name));
        if note.is_empty() {
            self.notes.vars.remove(&key);
        } else {
            self.notes.vars.insert(key, note);
        }
    }

    /// Takes the classes defined so far for those of the system.
    pub(super) fn note_system_classes(&mut self) {
        let classes = self.hard_classes.iter().chain(&self.global_classes);
        self.notes.system_classes = classes.cloned().collect();
    }

    /// Notes the global classes a promise is about to define; a class
    /// already defined keeps the note of its first definition.
    pub(super) fn note_classes(&mut self, classes: &[String], note: Note) {
        for class in classes {
            if !self.global_classes.contains(class) {
                self.notes.classes.insert(class.clone(), note.clone());
            }
        }
    }

    /// Notes the classes a promise defined for its bundle alone; the
    /// caller passes only those the bundle did not have yet.
    pub(super) fn notes_for_local(&mut self, classes: &[String], note: Note) {
        for class in classes {
            self.notes.classes.insert(class.clone(), note.clone());
        }
    }

    /// cf-agent removes a bundle's parameters once a method call of it
    /// returns, along with any variable of the same name.
    pub(super) fn drop_parameters(&mut self, bundle: &Bundle) {
        let scope = bundle.scope();
        let Some(vars) = self.vars.get_mut(&scope) else {
            return;
        };
        for param in &bundle.params {
            vars.shift_remove(&**param);
            self.notes.vars.remove(&(scope.clone(), param.clone()));
        }
    }

    /// The variables and global classes as they stand, sorted by name.
    pub(super) fn final_state(&self) -> State {
        let mut vars: Vec<StateVar> = self
            .vars
            .iter()
            .flat_map(|(scope, vars)| {
                vars.iter().map(move |(name, value)| {
                    self.state_var(scope, name, value)
                })
            })
            .collect();
        vars.sort_by(|a, b| a.name.cmp(&b.name));

        let mut classes: Vec<StateClass> = self
            .hard_classes
            .iter()
            .chain(&self.global_classes)
            .map(|class| self.state_class(class))
            .collect();
        classes.sort_by(|a, b| a.name.cmp(&b.name));
        // A `-D` class may also be a hard class.
        classes.dedup_by(|a, b| a.name == b.name);
        State { vars, classes }
    }

    /// The meta tags of variable `name` of `scope`, as
    /// `getvariablemetatags` and the state table give them.
    pub(super) fn var_tags(&self, scope: &str, name: &str) -> Vec<Str> {
        // `def.jq` is cf-agent's own unless a bundle `def` of the policy
        // could have set it.
        let own_def = scope == "def"
            && name == "jq"
            && self.policy.bundle("def", DEFAULT_NAMESPACE).is_none();
        match scope {
            "sys" | "const" => tags::system_var(scope, name),
            _ if own_def => tags::system_var(scope, name),
            _ => {
                let key = (Str::from(scope), Str::from(name));
                let note = self.notes.vars.get(&key).cloned();
                note.unwrap_or_default().promise_tags()
            }
        }
    }

    fn state_var(&self, scope: &Str, name: &Str, value: &Value) -> StateVar {
        let key = (scope.clone(), name.clone());
        let note = self.notes.vars.get(&key).cloned().unwrap_or_default();
        let tags = self.var_tags(scope, name);
        StateVar {
            name: qualified(scope, name),
            value: value.clone(),
            tags,
            comment: note.comment(),
        }
    }

    /// The meta tags of `class`, as `getclassmetatags` and the state
    /// table give them.
    pub(super) fn class_tags(&self, class: &str) -> Vec<Str> {
        self.state_class(class).tags
    }

    fn state_class(&self, class: &str) -> StateClass {
        let system = self.notes.system_classes.contains(class);
        let (tags, comment) = match self.notes.classes.get(class) {
            Some(note) => (note.promise_tags(), note.comment()),
            None if system && self.is_defined_on_command_line(class) => {
                (vec![Str::from("source=environment")], Str::default())
            }
            None if system => {
                (tags::hard_class(class, &self.sys_text()), Str::default())
            }
            // cf-agent tags the classes of a `classes` body with nothing.
            None => (Vec::new(), Str::default()),
        };
        StateClass {
            name: class.to_string(),
            tags,
            comment,
        }
    }

    fn is_defined_on_command_line(&self, class: &str) -> bool {
        self.options.defines.iter().any(|d| canonify(d) == class)
    }

    /// The text of a scalar `sys` variable, or empty.
    fn sys_text(&self) -> impl Fn(&str) -> String + '_ {
        move |name| match self.vars.get("sys").and_then(|v| v.get(name)) {
            Some(Value::Scalar(_, text)) => text.to_string(),
            _ => String::new(),
        }
    }
}

/// `default:bundle.name`, as cf-agent names a variable; a scope that
/// already names its namespace keeps it.
fn qualified(scope: &str, name: &str) -> String {
    match scope.contains(':') {
        true => format!("{scope}.{name}"),
        false => format!("default:{scope}.{name}"),
    }
}
