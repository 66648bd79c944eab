//! Promise outcomes: the classes that a `classes =>` body sets or
//! cancels when a promise is kept.
//!
//! Of the promise types cfmini evaluates, cf-agent reports every outcome
//! as kept: a `vars` promise that defines its variable, a `methods`
//! promise that calls its bundle and a `reports` promise that prints.
//! A `classes` promise, and a `vars` promise whose value fails, set
//! nothing. So only `promise_kept` and `cancel_kept` ever apply here.
//! `persist_time` is ignored: cfmini keeps no state between runs.

use super::lookup::namespace_of;
use super::{Bindings, Evaluator};
use crate::ast::{Body, DEFAULT_NAMESPACE, Promise, Rval};
use crate::classes::canonify;
use crate::value::{Str, Value};

/// The namespace whose `TYPE_classes` bodies stand for a missing
/// `classes =>` attribute.
const DEFAULT_BODIES: &str = "bodydefault";

impl<'a> Evaluator<'a> {
    /// Sets and cancels the classes of the promise's `classes =>` body,
    /// as a kept promise does. Without one, a `promise_type`_classes
    /// body of the `bodydefault` namespace serves, as in cf-agent.
    pub(super) fn promise_kept(
        &mut self,
        scope: &str,
        promise_type: &str,
        promise: &Promise,
        bindings: &Bindings,
    ) {
        self.note_handle(scope, promise, bindings);
        let found = match promise.attribute("classes") {
            Some(attribute) => {
                self.classes_body(scope, &attribute.value, bindings)
            }
            None => self.default_classes_body(promise_type, bindings),
        };
        let Some((body, bindings)) = found else {
            return;
        };

        let kept = self.body_classes(body, scope, &bindings, "promise_kept");
        let cancelled =
            self.body_classes(body, scope, &bindings, "cancel_kept");
        let scopes = self.body_values(body, scope, &bindings, "scope");
        let local = scopes.last().is_some_and(|s| &**s == "bundle");
        // Global classes outside `default` are kept as `ns:class`.
        let global = |class: &String| match namespace_of(scope) {
            DEFAULT_NAMESPACE => class.clone(),
            namespace => format!("{namespace}:{class}"),
        };
        match self.local_classes.last_mut() {
            Some(classes) if local => classes.extend(kept),
            _ => self.global_classes.extend(kept.iter().map(global)),
        }
        for class in cancelled {
            self.global_classes.remove(&global(&class));
            if let Some(classes) = self.local_classes.last_mut() {
                classes.remove(&class);
            }
        }
    }

    /// The body that `rval` names, `name` or `name(args)`, with the
    /// bindings its parameters add; none when it is not defined or its
    /// arguments do not resolve.
    fn classes_body(
        &self,
        scope: &str,
        rval: &Rval,
        bindings: &Bindings,
    ) -> Option<(&'a Body, Bindings)> {
        let (name, args) = match rval {
            Rval::Call(call) => (&call.name, &call.args[..]),
            Rval::Word(name, _) | Rval::Str(name, _) => (name, &[][..]),
            _ => return None,
        };
        // `ns:body` names its namespace; a bare name is looked up in the
        // promise's namespace, then in `default`.
        let own = namespace_of(scope);
        let (namespaces, name) = match name.split_once(':') {
            Some((namespace, name)) => ([namespace, namespace], name),
            None => ([own, DEFAULT_NAMESPACE], &**name),
        };
        let body = namespaces.iter().find_map(|namespace| {
            self.policy.bodies.iter().find(|b| {
                &*b.keyword == "body"
                    && &*b.kind == "classes"
                    && &*b.name == name
                    && &*b.namespace == *namespace
            })
        })?;

        let frame = self.frame(scope, bindings);
        let mut inner = bindings.clone();
        for (param, arg) in body.params.iter().zip(args) {
            match frame.value(arg).ok()? {
                Value::Scalar(_, text) => inner.push((param.clone(), text)),
                _ => return None,
            }
        }
        Some((body, inner))
    }

    /// Records the promise's handle as kept, for `depends_on`.
    fn note_handle(
        &mut self,
        scope: &str,
        promise: &Promise,
        bindings: &Bindings,
    ) {
        let Some(Rval::Str(handle, _)) =
            promise.attribute("handle").map(|a| &a.value)
        else {
            return;
        };
        let handle = self.frame(scope, bindings).expand(handle).text;
        self.kept_handles.insert(handle);
    }

    /// The body `bodydefault:TYPE_classes`, which stands for a missing
    /// `classes =>` on every promise of type TYPE.
    fn default_classes_body(
        &self,
        promise_type: &str,
        bindings: &Bindings,
    ) -> Option<(&'a Body, Bindings)> {
        let name = format!("{promise_type}_classes");
        let body = self.policy.bodies.iter().find(|b| {
            &*b.keyword == "body"
                && &*b.kind == "classes"
                && *b.name == *name
                && &*b.namespace == DEFAULT_BODIES
        })?;
        Some((body, bindings.clone()))
    }

    /// The values of `attribute` in `body`, from the settings whose
    /// guards hold, as a flat list of strings.
    fn body_values(
        &self,
        body: &Body,
        scope: &str,
        bindings: &Bindings,
        attribute: &str,
    ) -> Vec<Str> {
        let frame = self.frame(scope, bindings);
        let settings = body.settings.iter().filter(|s| {
            &*s.attribute.name == attribute
                && self.guard_holds(&s.context.expr, scope, bindings)
        });
        let values =
            settings.filter_map(|s| frame.value(&s.attribute.value).ok());
        values
            .flat_map(|value| match value {
                Value::Scalar(_, text) => vec![text],
                Value::List(_, items) => items.to_vec(),
                Value::Data(_) => Vec::new(),
            })
            .filter(|text| !text.is_empty())
            .collect()
    }

    /// The canonified class names that `attribute` of `body` lists.
    fn body_classes(
        &self,
        body: &Body,
        scope: &str,
        bindings: &Bindings,
        attribute: &str,
    ) -> Vec<String> {
        let names = self.body_values(body, scope, bindings, attribute);
        names.iter().map(|name| canonify(name)).collect()
    }
}
