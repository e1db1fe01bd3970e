//! Helpers shared by the binary's test files.

// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// The binary under test.
pub const CMS: &str = env!("CARGO_BIN_EXE_cms");

/// A server process that is killed when dropped, so a failing test never
/// leaves one running.
pub struct Running(pub Child);

impl Running {
    /// Kills it now (SIGKILL) and waits for it.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `cms serve` on a free port with its database and key file in
/// `folder`, and returns the process and the address it listens on.
pub fn spawn_server(folder: &Path) -> (Running, String) {
    let mut child = Command::new(CMS)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/data/cms.sqlite", folder.display()),
        )
        .env("CMS_KEYS_FILE", folder.join("keys.toml"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let address = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (Running(child), address)
}
