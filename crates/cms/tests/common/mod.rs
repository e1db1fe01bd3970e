//! Helpers shared by the binary's test files.

// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
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

/// One HTTP request with a bearer token; the status and the body.
pub fn http_with(
    address: &str,
    method: &str,
    path: &str,
    token: &str,
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (
        head.split_whitespace().nth(1).unwrap().parse().unwrap(),
        body.to_owned(),
    )
}

/// Runs `cms` with the database and key file in `folder`; whether it
/// succeeded, and what it printed.
pub fn cms(folder: &Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(CMS)
        .args(args)
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/data/cms.sqlite", folder.display()),
        )
        .env("CMS_KEYS_FILE", folder.join("keys.toml"))
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}
