//! Input built to exhaust the stack, memory or time: each stops at a
//! limit, with an error naming the limit and where the input passed it.
//!
//! The tests run the debug build, whose deep recursion overflows the
//! stack sooner than a release build's, so a limit that holds here
//! holds in release too.

mod common;

use common::{cfmini, stderr};

/// Writes `text` to a fresh file under the target directory.
fn policy_file(name: &str, text: &str) -> String {
    common::scratch_file("limits", name, text)
}

#[test]
fn parsejson_of_deep_brackets_stops_at_the_depth_limit() {
    let brackets = "[".repeat(100_000);
    let text = format!(
        "bundle agent main {{ vars:\n\
         \"d\" data => parsejson('{brackets}');\n}}\n"
    );
    let file = policy_file("deep_json.cf", &text);
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    let expected = "deep_json.cf:2: error: function 'parsejson' could not \
                    parse: containers nested deeper than 1000 levels \
                    at byte 1000";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}

#[test]
fn deep_data_literal_stops_at_the_depth_limit() {
    let text = format!(
        "bundle agent main {{ vars:\n\
         \"d\" data => '{}{}';\n}}\n",
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let file = policy_file("deep_data.cf", &text);
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    let expected = "deep_data.cf:2: error: cannot parse data: containers \
                    nested deeper than 1000 levels";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}

#[test]
fn nested_function_calls_stop_at_the_bracket_limit() {
    let depth = 100_000;
    let calls =
        format!("{}\"a\"{}", "concat(".repeat(depth), ")".repeat(depth));
    let text =
        format!("bundle agent main {{ vars:\n  \"s\" string => {calls};\n}}\n");
    let file = policy_file("deep_calls.cf", &text);
    for command in ["run", "check"] {
        let output = cfmini(&[command, &file]);
        assert_eq!(output.status.code(), Some(3));
        // The 257th `(` opens after 256 `concat(` of 7 bytes each, the
        // first at column 17 of line 2.
        let column = 17 + 256 * 7 - 1;
        let expected = format!(
            "deep_calls.cf:2:{column}: error: brackets nest deeper than \
             256 levels"
        );
        assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
    }
}

/// A `string` variable set to `depth` nested `concat` calls of "a".
fn nested_concat(depth: usize) -> String {
    let calls =
        format!("{}\"a\"{}", "concat(".repeat(depth), ")".repeat(depth));
    format!(
        "bundle agent main {{ vars:\n  \"s\" string => {calls};\n\
         reports: \"$(s)\"; }}\n"
    )
}

#[test]
fn nine_nested_calls_run_as_in_cf_agent() {
    let file = policy_file("nine_calls.cf", &nested_concat(9));
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(String::from_utf8_lossy(&output.stdout), "R: a\n");
}

#[test]
fn a_tenth_nested_call_is_refused_where_it_stands() {
    let file = policy_file("ten_calls.cf", &nested_concat(10));
    for command in ["run", "check"] {
        let output = cfmini(&[command, &file]);
        assert_eq!(output.status.code(), Some(3));
        // The tenth `concat` starts after nine of 7 bytes each.
        let column = 17 + 9 * 7;
        let expected = format!(
            "ten_calls.cf:2:{column}: error: function calls nest deeper \
             than 9 levels"
        );
        assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
    }
}

#[test]
fn a_line_too_long_is_refused_where_it_starts() {
    let long = "a".repeat(cfmini::scan::MAX_LINE_BYTES + 1);
    let text = format!("bundle agent main {{\n# {long}\n}}\n");
    let file = policy_file("long_line.cf", &text);
    let output = cfmini(&["check", &file]);
    assert_eq!(output.status.code(), Some(3));
    let expected = "long_line.cf:2:1: error: line longer than 16777216 bytes";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}

#[test]
fn a_string_too_long_is_refused_at_its_quote() {
    let long = "a\n".repeat(cfmini::scan::MAX_STRING_BYTES / 2 + 1);
    let text = format!(
        "bundle agent main {{ vars:\n\"s\" string => \"{long}\";\n}}\n"
    );
    let file = policy_file("long_string.cf", &text);
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(3));
    let expected =
        "long_string.cf:2:15: error: string longer than 16777216 bytes";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}

#[test]
fn parseyaml_of_deep_sequences_stops_at_the_depth_limit() {
    // Each line opens a sequence inside the one above it.
    let yaml: String =
        (0..1001).map(|i| format!("{}-\n", " ".repeat(i))).collect();
    let text = format!(
        "bundle agent main {{ vars:\n\
         \"d\" data => parseyaml('{yaml}');\n}}\n"
    );
    let file = policy_file("deep_yaml.cf", &text);
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    let expected = "deep_yaml.cf:2: error: function 'parseyaml' could not \
                    parse: yaml containers nested deeper than 1000 levels";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}

#[test]
fn three_lists_of_a_thousand_stop_before_any_combination_is_built() {
    // A billion combinations; two lists of a thousand would pass.
    let text = "bundle agent main {\n  vars:\n\
                \"a\" slist => expandrange(\"[1-1000]\", 1);\n\
                \"b\" slist => { @(a) };\n\
                \"c\" slist => { @(a) };\n\
                \"x[$(a)][$(b)][$(c)]\" string => \"1\";\n\
                reports: \"after\";\n}\n";
    let file = policy_file("cartesian.cf", text);
    let output = cfmini(&["run", &file]);
    assert_eq!(output.status.code(), Some(1));
    // The run goes on past the promise: its report prints.
    assert_eq!(String::from_utf8_lossy(&output.stdout), "R: after\n");
    let expected = "cartesian.cf:6: error: promise iterates over more than \
                    2000000 combinations of lists";
    assert!(stderr(&output).contains(expected), "{}", stderr(&output));
}
