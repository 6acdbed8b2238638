//! The view model and core hold no web crate: their dependency trees, as
//! Cargo.lock records them, reach neither a DOM binding nor a UI framework.
//! (Core's wasm32-only getrandom shim reaches js-sys, which is allowed: it
//! draws random numbers, it touches no page.)

use std::collections::{BTreeMap, BTreeSet};

/// Crates that would tie a view decision to a browser.
const WEB: &[&str] = &[
    "web-sys",
    "leptos",
    "gloo-net",
    "gloo-utils",
    "wasm-bindgen-futures",
];

#[test]
fn the_view_model_and_core_reach_no_web_crate() {
    let lock =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../Cargo.lock")).unwrap();
    // name → dependency names, from the lock file's [[package]] tables.
    let mut deps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in lock.split("[[package]]").skip(1) {
        let name = package
            .lines()
            .find_map(|l| l.strip_prefix("name = \""))
            .map(|n| n.trim_end_matches('"').to_owned())
            .unwrap();
        let listed: Vec<String> = package
            .split("dependencies = [")
            .nth(1)
            .map(|d| d.split(']').next().unwrap_or_default())
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"'))
            .map(|l| l.split([' ', '"']).next().unwrap_or_default().to_owned())
            .collect();
        deps.entry(name).or_default().extend(listed);
    }
    for root in ["tracelens-view", "tracelens-core"] {
        let mut seen = BTreeSet::new();
        let mut stack = vec![root.to_owned()];
        while let Some(name) = stack.pop() {
            if seen.insert(name.clone()) {
                stack.extend(deps.get(&name).into_iter().flatten().cloned());
            }
        }
        assert!(seen.len() > 5, "{root}: the lock file was read ({seen:?})");
        let web: Vec<&&str> = WEB.iter().filter(|w| seen.contains(**w)).collect();
        assert!(web.is_empty(), "{root} reaches {web:?}");
    }
}
