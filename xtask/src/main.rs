//! `cargo xtask …`: everything a newcomer runs, as a plain Rust program.
//!
//! - `setup`: installs what is missing (wasm target, Trunk, wasm-bindgen,
//!   npm packages, Chromium) and fetches crates
//! - `serve [--tempo URL] [--loki URL]`: set-up, then builds the app and
//!   serves it at :8080, proxying /tempo/ to a Tempo and /loki/ to a Loki
//! - `dist DIR`: set-up, then writes the release app into DIR
//! - `profile-dist DIR`: the same app, keeping the wasm's function names
//!   for profiles (tests/bench/profile.mjs)
//! - `test`: set-up, then the whole suite, ending with a count line
//! - `bench`: the speed and memory targets, written to docs/BENCHMARKS.md
//! - `sample`: regenerates the bundled sample trace with the workload

mod bench;
mod suite;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context};

const USAGE: &str =
    "usage: cargo xtask <setup | serve [--tempo URL] [--loki URL] | dist DIR | profile-dist DIR | test | bench [serve] | sample>";
/// Where `cargo xtask serve` proxies `/tempo/` unless told otherwise.
const DEFAULT_TEMPO: &str = "http://localhost:3200/";
/// Where `cargo xtask serve` proxies `/loki/` unless told otherwise.
const DEFAULT_LOKI: &str = "http://localhost:3100/";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    let root = project_root();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["setup"] => {
            tools::ensure_all(&root, tools::Needs::Everything)?;
            Ok(ExitCode::SUCCESS)
        }
        ["serve", options @ ..] => {
            let (mut tempo, mut loki) = (DEFAULT_TEMPO, DEFAULT_LOKI);
            for pair in options.chunks(2) {
                match pair {
                    ["--tempo", url] => tempo = url,
                    ["--loki", url] => loki = url,
                    _ => bail!("{USAGE}"),
                }
            }
            tools::ensure_all(&root, tools::Needs::Build)?;
            serve(&root, tempo, loki)?;
            Ok(ExitCode::SUCCESS)
        }
        ["dist", dir] => {
            tools::ensure_all(&root, tools::Needs::Build)?;
            dist(&root, &absolute(Path::new(dir))?)?;
            Ok(ExitCode::SUCCESS)
        }
        ["profile-dist", dir] => {
            tools::ensure_all(&root, tools::Needs::Build)?;
            profile_dist(&root, &absolute(Path::new(dir))?)?;
            Ok(ExitCode::SUCCESS)
        }
        ["sample"] => {
            sample(&root)?;
            Ok(ExitCode::SUCCESS)
        }
        ["bench"] => {
            bench::run(&root)?;
            Ok(ExitCode::SUCCESS)
        }
        ["bench", "serve"] => {
            for (name, value) in bench::serve_bench(&root)? {
                println!("{name}={value}");
            }
            Ok(ExitCode::SUCCESS)
        }
        ["test"] => {
            tools::ensure_all(&root, tools::Needs::Everything)?;
            Ok(suite::run(&root))
        }
        _ => bail!("{USAGE}"),
    }
}

/// The repository root (the parent of this crate).
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the root")
        .to_path_buf()
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    Ok(std::env::current_dir()
        .context("cannot read the current directory")?
        .join(path))
}

/// Builds the release app into `dir`.
pub fn dist(root: &Path, dir: &Path) -> anyhow::Result<()> {
    trunk_release(root, dir, "index.html", "trunk build --release")
}

/// Trunk's release build of `page` (a page beside index.html) into `dir`.
fn trunk_release(root: &Path, dir: &Path, page: &str, what: &str) -> anyhow::Result<()> {
    let dir = dir.to_str().context("the dist path is not valid UTF-8")?;
    tools::run(
        tools::command(root, "trunk").args([
            "build",
            "--release",
            "--cargo-profile",
            "wasm-release",
            "--dist",
            dir,
            page,
        ]),
        what,
    )
}

/// Builds the release app into `dir` as [`dist`] does, but with the wasm's
/// names and debug information kept and wasm-opt left out, so that a
/// profile names Rust functions. Trunk reads these settings from the page,
/// so a copy of index.html beside it (its paths stay right) says so.
pub fn profile_dist(root: &Path, dir: &Path) -> anyhow::Result<()> {
    let page = std::fs::read_to_string(root.join("index.html"))?;
    let profiled = page.replace(
        r#"data-wasm-opt="3""#,
        r#"data-wasm-opt="0" data-keep-debug"#,
    );
    if profiled == page {
        bail!("index.html no longer sets data-wasm-opt=\"3\": update profile_dist");
    }
    let copy = root.join("index.profile.html");
    std::fs::write(&copy, profiled)?;
    let built = trunk_release(
        root,
        dir,
        "index.profile.html",
        "trunk build --release (profiling)",
    );
    let _ = std::fs::remove_file(&copy);
    built
}

/// The bundled sample: a real run of the workload with its defaults (zstd
/// level 19, so compression dominates), some injected upload failures, and
/// its logs.
fn sample(root: &Path) -> anyhow::Result<()> {
    tools::run(
        Command::new("cargo")
            .args(["run", "--release", "-p", "tracelens-workload", "--"])
            .args([
                "--out",
                "public/sample.otlp.json",
                "--log-out",
                "public/sample.logs.jsonl",
            ])
            .args(["--fail-rate", "0.2", "--seed", "7"])
            .current_dir(root),
        "tracelens-workload",
    )
}

/// Builds and serves the app; `/tempo/` is proxied to `tempo` and
/// `/loki/` to `loki`, because neither sends CORS headers. Trunk's command
/// line takes one proxy, so the two go into a copy of Trunk.toml beside it
/// (paths in it are relative to where it lies).
fn serve(root: &Path, tempo: &str, loki: &str) -> anyhow::Result<()> {
    let loki_api = format!("{}/loki/", loki.trim_end_matches('/'));
    let config = format!(
        "{}\n# Written by `cargo xtask serve`.\n[[proxy]]\nrewrite = \"/tempo/\"\nbackend = {tempo:?}\n\n[[proxy]]\nbackend = {loki_api:?}\n",
        std::fs::read_to_string(root.join("Trunk.toml")).context("reading Trunk.toml")?
    );
    let config_path = root.join(".trunk-serve.toml");
    std::fs::write(&config_path, config).context("writing .trunk-serve.toml")?;
    println!("xtask: serving tracelens at http://127.0.0.1:8080/ (Ctrl-C stops it)");
    println!("xtask: http://127.0.0.1:8080/tempo/ is proxied to {tempo}");
    println!("xtask: http://127.0.0.1:8080/loki/ is proxied to {loki_api}");
    tools::run(
        tools::command(root, "trunk").args([
            "--config",
            ".trunk-serve.toml",
            "serve",
            "--address",
            "127.0.0.1",
            "--port",
            "8080",
            "--dist",
            "target/serve",
        ]),
        "trunk serve",
    )
}
