//! SIGTERM ends a running engine within a second, with every `stopped` hook run.
//!
//! The test re-runs its own binary as the child process (the ignored test below), so the
//! signal hits a real process with a real engine in it. The two talk through a file: the
//! test harness owns the child's stdout.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backstage_core::{Actor, Context};
use backstage_native_driver::Engine;

const CHILD_ENV: &str = "BACKSTAGE_SIGTERM_CHILD";
const ACTORS: usize = 10;

fn note(path: &Path, line: &str) {
    // One write per line: appends from the two loop threads must not interleave.
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    file.write_all(format!("{line}\n").as_bytes()).unwrap();
}

struct Service {
    index: usize,
    log: PathBuf,
}
impl Actor for Service {
    fn stopped(&mut self, _: &mut Context<'_, Self>) {
        note(&self.log, &format!("stopped {}", self.index));
    }
}

#[test]
#[ignore = "the child process of sigterm_stops_the_engine_gracefully"]
fn sigterm_child() {
    let Some(log) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else {
        return;
    };
    let engine = Engine::builder()
        .loops(2)
        .handle_signals(true)
        .start()
        .unwrap();
    let h = engine.handle();
    for index in 0..ACTORS {
        let log = log.clone();
        h.spawn(move || Service {
            index,
            log: log.clone(),
        })
        .wait()
        .unwrap();
    }
    note(&log, "ready");
    engine.join();
    note(&log, "exited");
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn sigterm_stops_the_engine_gracefully() {
    let log = std::env::temp_dir().join(format!("backstage-sigterm-{}.log", std::process::id()));
    let _ = std::fs::remove_file(&log);
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "sigterm_child", "--ignored", "--test-threads=1"])
        .env(CHILD_ENV, &log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !lines(&log).iter().any(|l| l == "ready") {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().ok();
            panic!("the child never got ready");
        }
        std::thread::sleep(Duration::from_millis(5));
    }

    let signalled = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if signalled.elapsed() > Duration::from_secs(10) {
            child.kill().ok();
            panic!("the child ignored SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let took = signalled.elapsed();
    assert!(exit.success(), "the child exited with {exit:?}");
    assert!(took < Duration::from_secs(1), "shutdown took {took:?}");
    let seen = lines(&log);
    let stopped = seen.iter().filter(|l| l.starts_with("stopped ")).count();
    assert_eq!(stopped, ACTORS, "every stopped hook ran: {seen:?}");
    assert_eq!(seen.last().map(String::as_str), Some("exited"));
    let _ = std::fs::remove_file(&log);
}

/// The chat example with two connected clients: SIGTERM ends it within a second, and it
/// reports stopping the listener and both connection actors.
#[test]
fn sigterm_stops_the_chat_example_gracefully() {
    use std::io::{BufRead, BufReader};
    use std::net::TcpStream;

    // `cargo test` builds the examples next to the test binaries' directory.
    let exe = std::env::current_exe().unwrap();
    let example = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join("chat");
    if !example.exists() {
        panic!(
            "build the examples first (cargo test does): {} is missing",
            example.display()
        );
    }
    let mut child = Command::new(&example)
        .arg("127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on ")
        .expect("the address line")
        .to_string();
    // Two members join one after the other; the first hears the second.
    let mut readers = Vec::new();
    for _ in 0..2 {
        let mut client = TcpStream::connect(&addr).unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        client.write_all(b"/join lobby\n").unwrap();
        let mut reader = BufReader::new(client);
        let mut ack = String::new();
        reader.read_line(&mut ack).unwrap();
        assert!(ack.contains("joined lobby"), "unexpected {ack:?}");
        readers.push(reader);
    }
    readers[1].get_mut().write_all(b"hello\n").unwrap();
    let mut line = String::new();
    while !line.contains("hello") {
        line.clear();
        assert!(
            readers[0].read_line(&mut line).unwrap() > 0,
            "the chat closed early"
        );
    }

    let signalled = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if signalled.elapsed() > Duration::from_secs(10) {
            child.kill().ok();
            panic!("the chat example ignored SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let took = signalled.elapsed();
    assert!(exit.success(), "exited with {exit:?}");
    assert!(took < Duration::from_secs(1), "shutdown took {took:?}");
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    let stopped: usize = rest
        .lines()
        .find_map(|l| {
            l.strip_prefix("stopped ")?
                .strip_suffix(" actors")?
                .parse()
                .ok()
        })
        .expect("a stopped line");
    assert!(
        stopped >= 3,
        "the listener and both members stopped: {rest:?}"
    );
}
