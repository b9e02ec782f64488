//! Test harness: runs the real `collector` binary on a free port with a throwaway database and talks
//! HTTP/1.1 to it over a plain `TcpStream`.

#![allow(dead_code)] // Each test file uses a different part of the harness.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// Creates a fresh, uniquely named directory.
    pub fn new() -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
        let name = format!(
            "persona-collector-test-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    /// The directory's path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` to `relative` inside the directory, creating parent directories.
    pub fn write(&self, relative: &str, contents: &[u8]) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running collector; killed (if still running) on drop.
pub struct Collector {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    /// The bound port, as announced on stdout.
    pub port: u16,
    /// The announcement line.
    pub banner: String,
}

impl Collector {
    /// Starts the binary with `--addr 127.0.0.1:0` plus `args` and `envs`; waits for the banner.
    pub fn start_with(args: &[&str], envs: &[(&str, &str)]) -> Collector {
        let mut command = Command::new(env!("CARGO_BIN_EXE_collector"));
        command.args(["--addr", "127.0.0.1:0"]).args(args);
        for var in [
            "PERSONA_ADDR",
            "PERSONA_DB",
            "PERSONA_WWW",
            "PERSONA_DIST",
            "PERSONA_CORS_ORIGINS",
            "PERSONA_WRITE_KEYS",
            "PERSONA_SECRET_KEYS",
            "PERSONA_RETENTION_DAYS",
            "PERSONA_MODEL_EVERY",
        ] {
            command.env_remove(var);
        }
        command.envs(envs.iter().copied()).stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = command.spawn().expect("spawn collector");
        let stdout = child.stdout.take().unwrap();

        // Read the banner on a thread so a collector that never prints cannot hang the test.
        let (send, receive) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line).map(|_| line);
            let _ = send.send((read, reader));
        });
        let (line, reader) = match receive.recv_timeout(STARTUP_TIMEOUT) {
            Ok((Ok(line), reader)) if !line.is_empty() => (line, reader),
            other => {
                let _ = child.kill();
                panic!("collector did not announce itself: {:?}", other.map(|(line, _)| line));
            }
        };
        let banner = line.trim_end().to_owned();
        let port = banner
            .strip_prefix("collector listening on http://127.0.0.1:")
            .and_then(|rest| rest.split(' ').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("unexpected banner {banner:?}"));
        Collector { child, _stdout: reader, port, banner }
    }

    /// Starts the collector on database `db` with empty static directories inside `dir`.
    pub fn start(dir: &TempDir, extra: &[&str]) -> Collector {
        let db = dir.path().join("data/nested/events.db");
        let www = dir.path().join("www");
        let dist = dir.path().join("dist");
        let (db, www, dist) = (db.to_str().unwrap(), www.to_str().unwrap(), dist.to_str().unwrap());
        let mut args = vec!["--db", db, "--www", www, "--dist", dist];
        args.extend_from_slice(extra);
        Collector::start_with(&args, &[])
    }

    /// Sends a request and returns the whole response.
    pub fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        request(self.port, method, path, headers, body)
    }

    /// `GET path`, expecting a JSON body.
    pub fn get_json(&self, path: &str) -> (u16, Value) {
        let response = self.request("GET", path, &[], b"");
        (response.status, response.json())
    }

    /// `POST /v1/batch` with a JSON body and `content-type: application/json`.
    pub fn post_batch(&self, batch: &Value) -> (u16, Value) {
        let body = batch.to_string();
        let response =
            self.request("POST", "/v1/batch", &[("content-type", "application/json")], body.as_bytes());
        (response.status, response.json())
    }

    /// Sends SIGTERM and waits (up to 20 s) for the process to exit.
    pub fn terminate(mut self) -> ExitStatus {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: plain syscall on the pid of a child this harness spawned and has not reaped yet.
        let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(sent, 0, "kill(SIGTERM) failed: {}", std::io::Error::last_os_error());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "collector ignored SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Collector {
    /// The collector's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGKILL (`kill -9`: no shutdown, no flush, no checkpoint) and reaps the process.
    pub fn kill_hard(mut self) -> ExitStatus {
        let pid = libc::pid_t::try_from(self.child.id()).unwrap();
        // SAFETY: plain syscall on the pid of a child this harness spawned and has not reaped yet.
        let sent = unsafe { libc::kill(pid, libc::SIGKILL) };
        assert_eq!(sent, 0, "kill(SIGKILL) failed: {}", std::io::Error::last_os_error());
        self.child.wait().expect("wait for the killed collector")
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers with lower-cased names, in order.
    pub headers: Vec<(String, String)>,
    /// Decoded body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the response.
pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to collector");
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();

    // Write the body on another thread: the server may answer (e.g. 413) before reading all of it.
    let mut writer = stream.try_clone().unwrap();
    let body = body.to_vec();
    let write = std::thread::spawn(move || {
        let _ = writer.write_all(&body);
        let _ = writer.flush();
    });
    let mut raw = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            // A reset after the response (server closed with body unread) still leaves the response.
            Err(e) if !raw.is_empty() && e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("reading response to {method} {path}: {e}"),
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    write.join().unwrap();
    parse_response(&raw)
}

/// Like [`request`], for a collector that may die mid-request: a refused connection, a reset, or a
/// response cut short (fewer body bytes than its `Content-Length`, no final chunk) is an `Err`
/// instead of a panic. An `Ok` is a whole response the collector finished sending.
pub fn try_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    if !is_whole_response(&raw) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!("response cut short after {} bytes", raw.len()),
        ));
    }
    Ok(parse_response(&raw))
}

/// True when `raw` holds a complete final response: a header block and the whole body its
/// `Content-Length` or chunked encoding announces (a body delimited by the close counts as whole).
fn is_whole_response(raw: &[u8]) -> bool {
    let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") else { return false };
    let Ok(head) = std::str::from_utf8(&raw[..end]) else { return false };
    let rest = &raw[end + 4..];
    let mut lines = head.split("\r\n");
    let status = lines.next().and_then(|line| line.split(' ').nth(1)).and_then(|s| s.parse::<u16>().ok());
    match status {
        None => return false,
        Some(100) => return is_whole_response(rest),
        Some(_) => {}
    }
    for (name, value) in lines.filter_map(|line| line.split_once(':')) {
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        if name == "content-length" {
            return value.parse::<usize>().is_ok_and(|length| rest.len() >= length);
        }
        if name == "transfer-encoding" && value.contains("chunked") {
            return rest.ends_with(b"0\r\n\r\n");
        }
    }
    true
}

/// Parses a raw HTTP/1.1 response, skipping `100 Continue` and decoding chunked bodies.
fn parse_response(mut raw: &[u8]) -> Response {
    loop {
        let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("response has a header block");
        let head = std::str::from_utf8(&raw[..end]).expect("UTF-8 headers");
        let rest = &raw[end + 4..];
        let mut lines = head.split("\r\n");
        let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        if status == 100 {
            raw = rest;
            continue;
        }
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let chunked = headers.iter().any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
        let body = if chunked { dechunk(rest) } else { rest.to_vec() };
        return Response { status, headers, body };
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    loop {
        let line_end = data.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
        let size_text = std::str::from_utf8(&data[..line_end]).unwrap();
        let size = usize::from_str_radix(size_text.split(';').next().unwrap().trim(), 16).unwrap();
        if size == 0 {
            return body;
        }
        let start = line_end + 2;
        body.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
}
