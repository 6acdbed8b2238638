//! `cargo xtask test`: every check, in order, ending with one count line.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::thread;

/// Passed and failed counts of one step.
#[derive(Default, Clone, Copy)]
struct Count {
    passed: u64,
    failed: u64,
}

impl Count {
    fn add(&mut self, other: Count) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

/// Runs the suite; the exit code is non-zero if anything failed.
pub fn run(root: &Path) -> ExitCode {
    let mut total = Count::default();
    let mut failed_steps = Vec::new();
    let dist_dir = root.join("target/e2e-dist");

    let mut record = |name: &str, count: Count| {
        if count.failed > 0 {
            failed_steps.push(name.to_owned());
        }
        total.add(count);
    };

    record(
        "cargo fmt",
        check(root, "cargo fmt --check", &["fmt", "--all", "--check"]),
    );
    record(
        "cargo clippy",
        check(
            root,
            "cargo clippy",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    );
    record("cargo test", cargo_test(root));

    println!("\n==> release build of the app into {}", dist_dir.display());
    let built = crate::dist(root, &dist_dir);
    if let Err(error) = &built {
        eprintln!("xtask: {error:#}");
    }
    record(
        "release build",
        Count {
            passed: u64::from(built.is_ok()),
            failed: u64::from(built.is_err()),
        },
    );
    if built.is_ok() {
        record("browser tests", browser_tests(root, &dist_dir));
    } else {
        println!("xtask: browser tests skipped: the app did not build");
        record(
            "browser tests",
            Count {
                passed: 0,
                failed: 1,
            },
        );
    }

    println!();
    if !failed_steps.is_empty() {
        println!("xtask: failed: {}", failed_steps.join(", "));
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// A step that is one check: passes when the command succeeds.
fn check(root: &Path, title: &str, args: &[&str]) -> Count {
    println!("\n==> {title}");
    let ok = Command::new("cargo")
        .args(args)
        .current_dir(root)
        .status()
        .is_ok_and(|s| s.success());
    Count {
        passed: u64::from(ok),
        failed: u64::from(!ok),
    }
}

fn cargo_test(root: &Path) -> Count {
    println!("\n==> cargo test --workspace");
    let mut command = Command::new("cargo");
    command.args(["test", "--workspace"]).current_dir(root);
    let (ok, output) = run_echoed(&mut command);
    let mut count = Count::default();
    for line in output.lines() {
        // "test result: ok. 12 passed; 0 failed; 0 ignored; …"
        if let Some(rest) = line.trim().strip_prefix("test result: ") {
            count.passed += number_before(rest, " passed");
            count.failed += number_before(rest, " failed");
        }
    }
    if !ok && count.failed == 0 {
        // It failed before reporting any test (a compile error, say).
        count.failed = 1;
    }
    count
}

fn browser_tests(root: &Path, dist_dir: &Path) -> Count {
    println!("\n==> browser tests (headless Chromium)");
    let mut command = crate::tools::command(root, "node");
    command
        .args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .env("TRACELENS_DIST", dist_dir);
    let (ok, output) = run_echoed(&mut command);
    let mut count = Count::default();
    for line in output.lines() {
        // node's TAP summary: "# pass 5", "# fail 0"
        if let Some(n) = line.trim().strip_prefix("# pass ") {
            count.passed += n.trim().parse().unwrap_or(0);
        } else if let Some(n) = line.trim().strip_prefix("# fail ") {
            count.failed += n.trim().parse().unwrap_or(0);
        }
    }
    if !ok && count.failed == 0 {
        count.failed = 1;
    }
    count
}

/// The number just before `label` in `text` ("3 passed" → 3).
fn number_before(text: &str, label: &str) -> u64 {
    text.find(label)
        .and_then(|end| text[..end].rsplit([' ', '.', ';']).next()?.parse().ok())
        .unwrap_or(0)
}

/// Runs a command, echoing its output live, and returns it for counting.
fn run_echoed(command: &mut Command) -> (bool, String) {
    let child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            eprintln!("xtask: cannot start {:?}: {error}", command.get_program());
            return (false, String::new());
        }
    };
    let stderr = child
        .stderr
        .take()
        .map(|e| thread::spawn(move || echo(e, true)));
    let stdout = child
        .stdout
        .take()
        .map(|o| echo(o, false))
        .unwrap_or_default();
    let stderr = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    let ok = child.wait().is_ok_and(|s| s.success());
    (ok, stdout + &stderr)
}

fn echo(stream: impl Read, to_stderr: bool) -> String {
    let mut all = String::new();
    for line in BufReader::new(stream).lines().map_while(Result::ok) {
        if to_stderr {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
        all.push_str(&line);
        all.push('\n');
    }
    all
}

#[cfg(test)]
mod tests {
    use super::number_before;

    #[test]
    fn counts_are_read_from_cargo_test_summaries() {
        let line = "ok. 12 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out";
        assert_eq!(number_before(line, " passed"), 12);
        assert_eq!(number_before(line, " failed"), 3);
        assert_eq!(number_before("FAILED. 0 passed; 1 failed;", " failed"), 1);
    }
}
