//! The syntax tree of a policy file, as the parser hands it to the
//! evaluator.
//!
//! Every node carries the [`Span`] of its source text so that errors can
//! point at it; line and column are computed only when one is shown.
//! Strings are stored with quotes and escapes already removed.

use std::path::Path;
use std::rc::Rc;

use crate::value::Str;

/// A byte range in the source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// Offset of the first byte.
    pub start: usize,
    /// Offset one past the last byte.
    pub end: usize,
}

/// One parsed policy file.
#[derive(Clone, Debug, Default)]
pub struct Policy {
    /// Bundles in source order.
    pub bundles: Vec<Bundle>,
    /// Bodies in source order, custom promise types included.
    pub bodies: Vec<Body>,
}

/// `bundle TYPE NAME(params) { sections }`
#[derive(Clone, Debug)]
pub struct Bundle {
    /// `agent`, `common`, `edit_line`, ...
    pub kind: Str,
    /// The name, without namespace.
    pub name: Str,
    /// The namespace in force where it was written, `default` unless
    /// a `body file control` before it in its file set another.
    pub namespace: Str,
    /// Formal parameter names.
    pub params: Vec<Str>,
    /// Sections in source order.
    pub sections: Vec<Section>,
    /// The whole block.
    pub span: Span,
    /// The file it was read from.
    pub file: Rc<Path>,
}

/// `body TYPE NAME(params) { settings }`, or `promise TYPE NAME { ... }`.
#[derive(Clone, Debug)]
pub struct Body {
    /// `body` or `promise`.
    pub keyword: Str,
    /// `common`, `file`, `perms`, ...
    pub kind: Str,
    /// The name.
    pub name: Str,
    /// The namespace in force where it was written, as for a bundle.
    pub namespace: Str,
    /// Formal parameter names.
    pub params: Vec<Str>,
    /// Settings in source order, each under the guard before it.
    pub settings: Vec<Setting>,
    /// The whole block.
    pub span: Span,
    /// The file it was read from.
    pub file: Rc<Path>,
}

/// `name => rval;` inside a body, under a class guard.
#[derive(Clone, Debug)]
pub struct Setting {
    /// The class guard in force, `any` when none was written.
    pub context: Context,
    /// The attribute.
    pub attribute: Attribute,
}

/// A class guard as written, with its span.
#[derive(Clone, Debug)]
pub struct Context {
    /// The expression text, unquoted for `"$(x)"::` guards.
    pub expr: Str,
    /// Where it was written; empty for the implicit `any`.
    pub span: Span,
}

/// `vars:` and the promises that follow it.
#[derive(Clone, Debug)]
pub struct Section {
    /// The promise type, without the colon.
    pub promise_type: Str,
    /// Promises in source order.
    pub promises: Vec<Promise>,
    /// The promise type keyword.
    pub span: Span,
}

/// `"promiser" -> promisee attr => rval, ...;`
#[derive(Clone, Debug)]
pub struct Promise {
    /// The class guard in force.
    pub context: Context,
    /// The promiser string.
    pub promiser: Str,
    /// The promisee, if one was written.
    pub promisee: Option<Rval>,
    /// Attributes in source order.
    pub attributes: Vec<Attribute>,
    /// The whole promise.
    pub span: Span,
    /// The line it starts on, for messages at run time.
    pub line: usize,
}

/// `name => rval`
#[derive(Clone, Debug)]
pub struct Attribute {
    /// The attribute name.
    pub name: Str,
    /// Its value.
    pub value: Rval,
    /// The whole attribute.
    pub span: Span,
}

/// A right-hand value.
#[derive(Clone, Debug)]
pub enum Rval {
    /// A quoted string, or a `$(x)` written without quotes.
    Str(Str, Span),
    /// A bare word: a body or bundle name, or a variable name argument.
    Word(Str, Span),
    /// `@(name)`: a whole list or data container.
    ListRef(Str, Span),
    /// `{ a, b }`
    List(Vec<Rval>, Span),
    /// `f(a, b)`
    Call(Call),
}

/// A function call.
#[derive(Clone, Debug)]
pub struct Call {
    /// The function name.
    pub name: Str,
    /// The arguments.
    pub args: Vec<Rval>,
    /// The whole call.
    pub span: Span,
}

impl Policy {
    /// Whether a `body common control` menu setting such as
    /// `ignore_missing_inputs` is written as true (`true`, `yes`, `on`).
    pub fn control_flag(&self, attribute: &str) -> bool {
        self.control_settings(attribute).any(|setting| {
            matches!(
                &setting.attribute.value,
                Rval::Str(v, _) | Rval::Word(v, _)
                    if matches!(&**v, "true" | "yes" | "on")
            )
        })
    }
}

impl Rval {
    /// Where this value was written.
    pub fn span(&self) -> Span {
        match self {
            Rval::Str(_, span)
            | Rval::Word(_, span)
            | Rval::ListRef(_, span)
            | Rval::List(_, span) => *span,
            Rval::Call(call) => call.span,
        }
    }
}

impl Policy {
    /// The settings of `attribute` in `body common control`, under
    /// whatever guards they were written.
    pub fn control_settings<'p>(
        &'p self,
        attribute: &'p str,
    ) -> impl Iterator<Item = &'p Setting> {
        self.bodies
            .iter()
            .filter(|b| &*b.keyword == "body" && &*b.kind == "common")
            .filter(|b| &*b.name == "control")
            .flat_map(|b| &b.settings)
            .filter(move |s| &*s.attribute.name == attribute)
    }
}

impl Policy {
    /// The bundle `name`, `b` or `ns:b`, where a name without a
    /// namespace is one of `namespace`.
    pub fn bundle(&self, name: &str, namespace: &str) -> Option<&Bundle> {
        let (namespace, name) =
            name.split_once(':').unwrap_or((namespace, name));
        self.bundles
            .iter()
            .find(|b| &*b.name == name && &*b.namespace == namespace)
    }

    /// Whether a bundle answers to `name` as cf-promises checks a
    /// bundlesequence: a bundle of that name, less the namespace it
    /// writes, in any namespace.
    pub fn bundle_named_anywhere(&self, name: &str) -> bool {
        let bare = name.split_once(':').map_or(name, |(_, bare)| bare);
        self.bundles
            .iter()
            .any(|b| &*b.name == bare || &*b.name == name)
    }
}

impl Bundle {
    /// The name variables of this bundle are kept under: `b` in the
    /// default namespace, `ns:b` in another.
    pub fn scope(&self) -> Str {
        match &*self.namespace {
            DEFAULT_NAMESPACE => self.name.clone(),
            namespace => format!("{namespace}:{}", self.name).into(),
        }
    }
}

/// The namespace of every file until a `body file control` sets
/// another.
pub const DEFAULT_NAMESPACE: &str = "default";

impl Rval {
    /// The members of a list, or the value itself when it is not one.
    pub fn items(&self) -> &[Rval] {
        match self {
            Rval::List(items, _) => items,
            other => std::slice::from_ref(other),
        }
    }
}

impl Promise {
    /// The attribute called `name`, if written.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| &*a.name == name)
    }
}
