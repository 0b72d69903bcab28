//! Argument handling shared by the examples: `DIR [--workers N]`.

/// The activity data's schema, as the Spark guide declares it.
pub const ACTIVITY_SCHEMA: &str = "Arrival_Time BIGINT, Creation_Time BIGINT, Device STRING, Index BIGINT, Model STRING, User STRING, gt STRING, x DOUBLE, y DOUBLE, z DOUBLE";

/// Parses `DIR [--workers N]` (also `-w N`), exiting with a usage message when wrong.
pub fn args(example: &str) -> (String, usize) {
    let mut dir = None;
    let mut workers = 1usize;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--workers" | "-w" => {
                workers = it
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .unwrap_or_else(|| usage(example))
            }
            s if s.starts_with("--workers=") => {
                workers =
                    s["--workers=".len()..].parse().ok().filter(|n| *n > 0).unwrap_or_else(|| usage(example))
            }
            s if !s.starts_with('-') && dir.is_none() => dir = Some(s.to_string()),
            _ => usage(example),
        }
    }
    (dir.unwrap_or_else(|| usage(example)), workers)
}

fn usage(example: &str) -> ! {
    eprintln!("usage: cargo run --release --example {example} -- DIR [--workers N]");
    std::process::exit(2)
}

/// Runs `body`, printing an error and exiting non-zero if it fails.
pub fn run(body: impl FnOnce() -> sluice::Result<()>) {
    if let Err(e) = body() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
