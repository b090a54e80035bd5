//! The measuring and reporting shared by the benchmark binaries (`core/benches/core.rs`,
//! `native-driver/benches/native.rs`): best and median of repeated runs after a warm-up,
//! quick mode for CI, `BACKSTAGE_BENCH_ONLY`, targets, and the `BENCH` lines; and the workloads
//! both run alike ([`skynet`]).

pub mod skynet;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct Timing {
    pub best: Duration,
    pub median: Duration,
    pub runs: usize,
}

/// A warm-up run (unless quick), then `iters` measured runs.
pub fn measure(config: &Config, label: &str, mut run: impl FnMut() -> Duration) -> Timing {
    if !config.quick {
        run();
    }
    let mut times: Vec<Duration> = (0..config.iters).map(|_| run()).collect();
    times.sort();
    let timing = Timing {
        best: times[0],
        median: times[times.len() / 2],
        runs: times.len(),
    };
    println!(
        "  {label:<30} best {:>10.3} ms   median {:>10.3} ms   ({} runs)",
        ms(timing.best),
        ms(timing.median),
        timing.runs
    );
    timing
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[derive(Clone, Copy)]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
}

pub struct Row {
    pub name: &'static str,
    pub label: String,
    pub best: f64,
    pub median: f64,
    pub unit: &'static str,
    pub target: Option<Target>,
}

/// Quick runs are too small to judge against the targets.
pub static QUICK: AtomicBool = AtomicBool::new(false);

impl Row {
    pub fn status(&self) -> &'static str {
        match self.target {
            None => "info",
            Some(_) if QUICK.load(Ordering::Relaxed) => "quick",
            Some(Target::AtLeast(t)) if self.best >= t => "PASS",
            Some(Target::AtMost(t)) if self.best <= t => "PASS",
            Some(_) => "FAIL",
        }
    }

    pub fn target_text(&self) -> String {
        match self.target {
            None => "-".into(),
            Some(Target::AtLeast(t)) => format!(">= {}", human(t)),
            Some(Target::AtMost(t)) => format!("<= {}", human(t)),
        }
    }
}

/// 31234567.0 -> "31.23 M"; small values plainly.
pub fn human(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2} G", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2} M", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.1} k", v / 1e3)
    } else if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

pub struct Config {
    pub quick: bool,
    pub iters: usize,
    /// Divides every workload size.
    pub scale: usize,
    /// `BACKSTAGE_BENCH_ONLY`: run only these workloads (comma-separated names).
    pub only: Option<Vec<String>>,
}

impl Config {
    pub fn from_env() -> Self {
        // `cargo bench` passes `--bench`; `cargo test --benches` (a debug build) does not, and
        // gets the quick smoke run.
        let quick = std::env::var("BACKSTAGE_BENCH_QUICK").is_ok_and(|v| v == "1")
            || !std::env::args().any(|a| a == "--bench");
        let only = std::env::var("BACKSTAGE_BENCH_ONLY")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.split(',').map(|w| w.trim().to_string()).collect());
        Config {
            quick,
            iters: if quick { 1 } else { 5 },
            scale: if quick { 100 } else { 1 },
            only,
        }
    }

    pub fn wants(&self, workload: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|w| w == workload))
    }
}

pub fn rate(count: u64, t: &Timing) -> (f64, f64) {
    (
        count as f64 / t.best.as_secs_f64(),
        count as f64 / t.median.as_secs_f64(),
    )
}

/// Prints the `BENCH` lines, then the summary table and the verdict. `note` goes before the
/// total time (e.g. the machine's parallelism).
pub fn report(rows: &[Row], quick: bool, note: &str, elapsed: Duration) {
    println!();
    for row in rows {
        println!(
            "BENCH name={} value={:.3} median={:.3} unit={} status={} quick={}",
            row.name,
            row.best,
            row.median,
            row.unit.replace(' ', "_"),
            row.status(),
            u8::from(quick)
        );
    }
    println!();
    println!(
        "{:<48} {:>12} {:>12}  {:<14} {:<10} {:<6}",
        "workload", "best", "median", "unit", "target", "status"
    );
    println!("{}", "-".repeat(108));
    for row in rows {
        println!(
            "{:<48} {:>12} {:>12}  {:<14} {:<10} {:<6}",
            row.label,
            human(row.best),
            human(row.median),
            row.unit,
            row.target_text(),
            row.status()
        );
    }
    let failed = rows.iter().filter(|r| r.status() == "FAIL").count();
    println!("{}", "-".repeat(108));
    let verdict = if quick {
        "quick mode: targets not judged, numbers not meaningful".to_string()
    } else {
        format!("{failed} target(s) missed")
    };
    println!(
        "{verdict}; {note}total bench time {:.1} s",
        elapsed.as_secs_f64()
    );
}
