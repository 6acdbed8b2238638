//! Installs what the build and the tests need, skipping what is there.
//! Only crates.io, npm and Debian's packages are used: nothing downloads a
//! binary from elsewhere.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// Trunk 0.22 needs a newer rustc than 1.95.
pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
const CHROMIUM: &str = "/usr/bin/chromium";

/// What a command needs installed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Enough to build the app.
    Build,
    /// The build plus the browser for the tests.
    Everything,
}

/// Installs whatever is missing for `needs`.
pub fn ensure_all(root: &Path, needs: Needs) -> anyhow::Result<()> {
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen(root)?;
    ensure_node_packages(root)?;
    if needs == Needs::Everything {
        ensure_chromium()?;
        ensure_otel_python(root)?;
    }
    // Trunk builds offline (see Trunk.toml): fetch every crate first.
    run(
        Command::new("cargo").arg("fetch").current_dir(root),
        "cargo fetch",
    )
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        return Ok(());
    }
    step(&format!("installing the Rust target {WASM_TARGET}"));
    run(
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
        "rustup target add",
    )
}

fn ensure_trunk() -> anyhow::Result<()> {
    if tool_version("trunk").is_some_and(|v| v.contains(TRUNK_VERSION)) {
        return Ok(());
    }
    step(&format!(
        "installing Trunk {TRUNK_VERSION} (about 6 minutes on 2 cores)"
    ));
    run(
        Command::new("cargo").args(["install", "--locked", "trunk", "--version", TRUNK_VERSION]),
        "cargo install trunk",
    )
}

fn ensure_wasm_bindgen(root: &Path) -> anyhow::Result<()> {
    let version = locked_version(root, "wasm-bindgen")?;
    if tool_version("wasm-bindgen").is_some_and(|v| v.split_whitespace().nth(1) == Some(&version)) {
        return Ok(());
    }
    step(&format!(
        "installing wasm-bindgen-cli {version} (about 4 minutes)"
    ));
    // Not --locked: its own lockfile pins a crate version the registry lacks.
    run(
        Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &version]),
        "cargo install wasm-bindgen-cli",
    )
}

fn ensure_node_packages(root: &Path) -> anyhow::Result<()> {
    let lock = root.join("package-lock.json");
    let installed = root.join("node_modules/.package-lock.json");
    let fresh = match (modified(&lock), modified(&installed)) {
        (Some(lock), Some(installed)) => installed >= lock,
        _ => false,
    };
    if fresh && root.join("node_modules/.bin/wasm-opt").exists() {
        return Ok(());
    }
    step("installing npm packages (binaryen's wasm-opt, playwright-core)");
    run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root),
        "npm ci",
    )
}

fn ensure_chromium() -> anyhow::Result<()> {
    if Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    step("installing Chromium from Debian's packages");
    apt_install(
        &["chromium", "chromium-driver"],
        &format!("the browser tests need Chromium at {CHROMIUM}"),
    )
}

/// Installs Debian `packages` (as root, where apt-get is); else says that
/// `needed_for` and how to install them.
fn apt_install(packages: &[&str], needed_for: &str) -> anyhow::Result<()> {
    let is_root = output(Command::new("id").arg("-u")).is_ok_and(|id| id.trim() == "0");
    if !is_root || !Path::new("/usr/bin/apt-get").exists() {
        let list = packages.join(" ");
        bail!("{needed_for}: install Debian's packages {list} (as root: apt-get install {list})");
    }
    run(Command::new("apt-get").arg("update"), "apt-get update")?;
    run(
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        &format!("apt-get install {}", packages.join(" ")),
    )
}

/// The virtual environment with the OpenTelemetry Python SDK and its OTLP
/// exporters, which the tests of `tracelens serve` send with.
const OTEL_VENV: &str = "target/otel-venv";

fn ensure_otel_python(root: &Path) -> anyhow::Result<()> {
    let venv = root.join(OTEL_VENV);
    let requirements = root.join("tests/serve/requirements.txt");
    let stamp = venv.join("installed.txt");
    let fresh = match (modified(&requirements), modified(&stamp)) {
        (Some(wanted), Some(installed)) => installed >= wanted,
        _ => false,
    };
    if fresh {
        return Ok(());
    }
    step("installing the OpenTelemetry Python SDK and OTLP exporters from PyPI");
    let made = Command::new("python3")
        .args(["-m", "venv", "--clear"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        // Debian keeps venv's pip bootstrap in its own package.
        apt_install(&["python3-venv"], "python3 -m venv failed")?;
        run(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
            "python3 -m venv",
        )?;
    }
    run(
        Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(&requirements),
        "pip install (tests/serve/requirements.txt)",
    )?;
    std::fs::write(&stamp, std::fs::read(&requirements)?)?;
    Ok(())
}

/// The version of `package` that Cargo.lock pins.
pub fn locked_version(root: &Path, package: &str) -> anyhow::Result<String> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name_line {
            if let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(version.trim_end_matches('"').to_owned());
            }
        }
    }
    bail!("Cargo.lock has no package {package}")
}

/// A command for a tool, with the project's tool folders first on PATH.
pub fn command(root: &Path, program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root).env("PATH", tool_path(root));
    command
}

fn tool_path(root: &Path) -> std::ffi::OsString {
    let mut dirs = vec![root.join("node_modules/.bin"), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_default()
        .join("bin")
}

fn tool_version(program: &str) -> Option<String> {
    let mut command = Command::new(program);
    command.arg("--version");
    if let Some(path) = std::env::var_os("PATH") {
        let mut dirs = vec![cargo_bin()];
        dirs.extend(std::env::split_paths(&path));
        command.env("PATH", std::env::join_paths(dirs).ok()?);
    }
    output(&mut command).ok()
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

fn output(command: &mut Command) -> anyhow::Result<String> {
    let out = command.output()?;
    if !out.status.success() {
        bail!("exited with {}", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Runs a command with inherited output; fails with `what` if it fails.
pub fn run(command: &mut Command, what: &str) -> anyhow::Result<()> {
    let status = command
        .status()
        .with_context(|| format!("{what}: cannot start {:?}", command.get_program()))?;
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

fn step(message: &str) {
    println!("xtask: {message}");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    /// Trunk must find the very versions xtask installs, or it tries to
    /// download its own (which fails on machines without the wider web).
    #[test]
    fn trunk_pins_the_installed_tool_versions() {
        let trunk = std::fs::read_to_string(root().join("Trunk.toml")).unwrap();
        let bindgen = locked_version(&root(), "wasm-bindgen").unwrap();
        assert!(
            trunk.contains(&format!("wasm_bindgen = \"{bindgen}\"")),
            "Trunk.toml must pin wasm_bindgen = \"{bindgen}\" (Cargo.lock)"
        );
        let package = std::fs::read_to_string(root().join("package.json")).unwrap();
        let binaryen = package
            .split("\"binaryen\": \"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        let major = binaryen.split('.').next().unwrap();
        assert!(
            trunk.contains(&format!("wasm_opt = \"version_{major}\"")),
            "Trunk.toml must pin wasm_opt = \"version_{major}\" (package.json)"
        );
    }
}
