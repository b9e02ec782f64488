//! Command-line flags with environment-variable fallbacks.
//!
//! Precedence: flag, then environment variable, then default. Flags take `--flag value` or `--flag=value`.

use std::path::PathBuf;

/// Usage text printed by `--help`.
pub const USAGE: &str = "\
collector: persona's reference event collector

USAGE:
    collector [OPTIONS]
    collector model [--db PATH] [--out FILE] [--neighbours K] [--window-days D]
                           build the recommendations model from the stored orders and product
                           views and write it (default: recs-model.json next to the database),
                           then exit; K neighbours per product, 1-200 (default 20); trending
                           counts the last D days, 1-365 (default 7)
    collector export [--db PATH] [--format jsonl|csv] [--out FILE] [--from DAY] [--to DAY]
                           write the stored events (days YYYY-MM-DD, UTC, inclusive) for a
                           warehouse: JSON lines (default) or CSV, to FILE or standard output
    collector seed [--db PATH] [--events N] [--days D]
                           add N simulated shop events (default 100000) spread over the last D
                           days (default 30) to the database, for demos and benchmarks

OPTIONS:
    --addr ADDR            listen address (env PERSONA_ADDR; default 127.0.0.1:8080; port 0 picks one)
    --db PATH              SQLite database file (env PERSONA_DB; default data/persona.db)
    --www DIR              directory served at / (env PERSONA_WWW; default www)
    --dist DIR             directory served at /dist/ (env PERSONA_DIST; default dist)
    --cors-origin ORIGIN   allow cross-origin requests from ORIGIN; repeatable; * allows any
                           (env PERSONA_CORS_ORIGINS, comma-separated; default: same-origin only)
    --model-every SECONDS  rebuild the recommendations model from the stored events every SECONDS,
                           1-86400, while serving (env PERSONA_MODEL_EVERY; default 0: never, run
                           `collector model` instead)
    --write-key KEY        require this write key on ingest; repeatable (env PERSONA_WRITE_KEYS,
                           comma-separated; default: no key needed). Sent as writeKey in the
                           body or as Authorization: Basic base64(KEY + \":\")
    --secret-key KEY       a secret key (at least 16 characters); repeatable (env PERSONA_SECRET_KEYS,
                           comma-separated). Server-side events need one (Authorization: Bearer KEY
                           on POST /v1/batch), and so do the read endpoints once one is set.
                           Default: none; the read endpoints are open (development only)
    --retention-days N     keep the last N UTC days, today included: older events (and the
                           dashboard's counts) are deleted soon after start and every hour,
                           0-36500 (env PERSONA_RETENTION_DAYS; default 0: keep all)
    -h, --help             print this help

ENDPOINTS:
    POST /v1/batch    Segment batch {\"batch\":[...],\"sentAt\":...}, any content type, max 1 MiB
    POST /v1/events   persona's native batch {\"v\":1,\"events\":[...],\"sentAt\":...}
    POST /com.snowplowanalytics.snowplow/tp2
                      Snowplow tracker protocol 2 (payload_data 1-0-4; eid required)
    GET  /v1/events   stored events (?anonymousId= &userId= &event= &type= &since=ms &limit=100)
    GET  /health      {\"ok\":true,\"events\":N}
    GET  /v1/model    the latest recommendations model (recs-model.json next to the database),
                      404 not_found until `collector model` has written one
    GET  /v1/insights the dashboard's numbers (?from=YYYY-MM-DD &to= &channel=)
    GET  /v1/experiments
                      experiment results (?goal=Order%20Completed &from= &to= &weights=0.5,0.5)
    GET  /v1/profile/USER_ID
                      what the shop's systems sent about a customer, shaped for p.profile.import
    GET  /v1/export   events as JSON lines or CSV (?format=jsonl|csv &from= &to= &after=ID
                      &limit=10000; the next page starts after the X-Next-After header's id)
    GET  /dashboard/  the dashboard: channels, funnel, revenue, searches, segments, experiments
";

/// The collector's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Address to listen on, e.g. `127.0.0.1:8080`.
    pub addr: String,
    /// SQLite database file.
    pub db: PathBuf,
    /// Directory served at `/`.
    pub www: PathBuf,
    /// Directory served at `/dist/`.
    pub dist: PathBuf,
    /// Origins allowed to make cross-origin requests; `*` means any. Empty: same-origin only.
    pub cors_origins: Vec<String>,
    /// Write keys accepted on ingest. Empty: ingest needs no key.
    pub write_keys: Vec<String>,
    /// Seconds between rebuilds of the recommendations model while serving, 1 to 86,400; 0
    /// (the default) never rebuilds. Shorter follows the shop's traffic sooner; each rebuild reads
    /// every stored order and product view.
    pub model_every: u64,
    /// Secret keys: server-side events (`Authorization: Bearer KEY` on `POST /v1/batch`) and the
    /// read endpoints (events, insights, experiments, profiles, export, the dashboard's data) need
    /// one. Empty: no server-side ingest, and the read endpoints are open (development).
    pub secret_keys: Vec<String>,
    /// UTC days kept, today included, 1 to 36,500; older events and aggregates are deleted soon
    /// after start and every hour. 0 (the default) keeps everything.
    pub retention_days: u32,
}

/// Shortest secret key accepted: it guards every visitor's data.
pub const MIN_SECRET_CHARS: usize = 16;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the collector with this configuration.
    Run(Config),
    /// Build the recommendations model and exit.
    Model(ModelConfig),
    /// Write the stored events to a file or standard output and exit.
    Export(ExportConfig),
    /// Fill a database with a simulated shop's traffic and exit.
    Seed(SeedConfig),
    /// Print [`USAGE`] and exit.
    Help,
}

/// The formats `collector export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// One JSON object per line: the stored event as received plus `receivedAt`, `at`, `channel`.
    Jsonl,
    /// A header row, then one row per event (RFC 4180 quoting; `properties` and `context` as JSON).
    Csv,
}

/// Settings of `collector export`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportConfig {
    /// The database read.
    pub db: PathBuf,
    /// The format.
    pub format: ExportFormat,
    /// The file written; `None`: standard output.
    pub out: Option<PathBuf>,
    /// First day exported (UTC day number); `None`: from the first event.
    pub from: Option<i64>,
    /// Last day exported, inclusive; `None`: to the last event.
    pub to: Option<i64>,
}

/// Settings of `collector seed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedConfig {
    /// The database filled (created when missing).
    pub db: PathBuf,
    /// Events written, 1 to 100,000,000. Default 100,000.
    pub events: u64,
    /// Days back from today the traffic is spread over, 1 to 3,650. Default 30.
    pub days: u32,
}

/// Settings of `collector model`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelConfig {
    /// The database the orders are read from.
    pub db: PathBuf,
    /// Where the model is written.
    pub out: PathBuf,
    /// Neighbours kept per product and relation, 1 to 200. Default 20. More finds more
    /// companions for each product and makes the model larger (about 7 bytes per neighbour).
    pub neighbours: usize,
    /// Days trending counts, 1 to 365. Default 7. Shorter follows this week's demand, longer
    /// smooths it.
    pub window_days: u32,
}

/// The model file's name: it lives next to the database, where `GET /v1/model` reads it.
pub const MODEL_FILE: &str = "recs-model.json";

/// Parses `collector model`'s arguments (after `model`).
fn parse_model(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Command, String> {
    let Some([db, out, neighbours, window]) =
        subcommand_flags("model", args, ["--db", "--out", "--neighbours", "--window-days"])?
    else {
        return Ok(Command::Help);
    };
    let db = database(db, &env);
    let neighbours = bounded(neighbours, persona::core::recommend::DEFAULT_NEIGHBOURS, 1..=200)
        .ok_or("--neighbours must be 1 to 200")?;
    let window_days = bounded(window, persona::core::recommend::DEFAULT_WINDOW_DAYS, 1..=365)
        .ok_or("--window-days must be 1 to 365")?;
    let out = out.map_or_else(|| db.with_file_name(MODEL_FILE), PathBuf::from);
    Ok(Command::Model(ModelConfig { db, out, neighbours, window_days }))
}

/// The values of a subcommand's flags, by name (each of `names`), or `Help`.
fn subcommand_flags<const N: usize>(
    command: &str,
    args: &[String],
    names: [&str; N],
) -> Result<Option<[Option<String>; N]>, String> {
    let mut values: [Option<String>; N] = std::array::from_fn(|_| None);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let Some((flag, inline)) = split_flag(arg) else { return Ok(None) };
        let Some(i) = names.iter().position(|n| *n == flag) else {
            return Err(format!("unknown argument {arg:?} for {command} (try --help)"));
        };
        values[i] = Some(flag_value(flag, inline, &mut rest)?);
    }
    Ok(Some(values))
}

/// Parses `collector export`'s arguments (after `export`).
fn parse_export(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Command, String> {
    let Some([db, format, out, from, to]) =
        subcommand_flags("export", args, ["--db", "--format", "--out", "--from", "--to"])?
    else {
        return Ok(Command::Help);
    };
    let format = match format.as_deref() {
        None | Some("jsonl") => ExportFormat::Jsonl,
        Some("csv") => ExportFormat::Csv,
        Some(other) => return Err(format!("--format must be jsonl or csv, not {other:?}")),
    };
    let day = |flag: &str, value: Option<String>| -> Result<Option<i64>, String> {
        value
            .map(|v| {
                crate::clock::parse_day(&v)
                    .ok_or_else(|| format!("{flag} must be a date YYYY-MM-DD, not {v:?}"))
            })
            .transpose()
    };
    Ok(Command::Export(ExportConfig {
        db: database(db, &env),
        format,
        out: out.map(PathBuf::from),
        from: day("--from", from)?,
        to: day("--to", to)?,
    }))
}

/// Parses `collector seed`'s arguments (after `seed`).
fn parse_seed(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Command, String> {
    let Some([db, events, days]) = subcommand_flags("seed", args, ["--db", "--events", "--days"])? else {
        return Ok(Command::Help);
    };
    Ok(Command::Seed(SeedConfig {
        db: database(db, &env),
        events: bounded(events, 100_000, 1..=100_000_000).ok_or("--events must be 1 to 100000000")?,
        days: bounded(days, 30, 1..=3650).ok_or("--days must be 1 to 3650")?,
    }))
}

/// Parses the arguments (without the program name); `env` looks up an environment variable.
pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Command, String> {
    let env = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    match args.first().map(String::as_str) {
        Some("model") => return parse_model(args.get(1..).unwrap_or_default(), env),
        Some("export") => return parse_export(args.get(1..).unwrap_or_default(), env),
        Some("seed") => return parse_seed(args.get(1..).unwrap_or_default(), env),
        _ => {}
    }
    let mut addr = None;
    let mut db = None;
    let mut www = None;
    let mut dist = None;
    let mut cors_origins = Vec::new();
    let mut write_keys = Vec::new();
    let mut model_every = None;
    let mut secret_keys = Vec::new();
    let mut retention = None;

    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let Some((flag, inline)) = split_flag(arg) else { return Ok(Command::Help) };
        let slot = match flag {
            "--addr" => &mut addr,
            "--db" => &mut db,
            "--www" => &mut www,
            "--dist" => &mut dist,
            "--model-every" => &mut model_every,
            "--retention-days" => &mut retention,
            "--secret-key" => {
                let value = flag_value(flag, inline, &mut rest)?;
                secret_keys.push(value);
                continue;
            }
            "--cors-origin" => {
                let value = flag_value(flag, inline, &mut rest)?;
                cors_origins.push(value);
                continue;
            }
            "--write-key" => {
                let value = flag_value(flag, inline, &mut rest)?;
                write_keys.push(value);
                continue;
            }
            _ => return Err(format!("unknown argument {arg:?} (try --help)")),
        };
        *slot = Some(flag_value(flag, inline, &mut rest)?);
    }
    if cors_origins.is_empty() {
        cors_origins = list(env("PERSONA_CORS_ORIGINS"));
    }
    for origin in &cors_origins {
        if origin != "*" && !(origin.starts_with("http://") || origin.starts_with("https://")) {
            return Err(format!("CORS origin {origin:?} must be * or start with http:// or https://"));
        }
    }
    if write_keys.is_empty() {
        write_keys = list(env("PERSONA_WRITE_KEYS"));
    }
    if let Some(bad) = write_keys.iter().find(|k| k.chars().any(|c| c.is_control() || c == ':')) {
        return Err(format!("write key {bad:?} must not contain ':' or control characters"));
    }
    if secret_keys.is_empty() {
        secret_keys = list(env("PERSONA_SECRET_KEYS"));
    }
    if let Some(bad) =
        secret_keys.iter().find(|k| k.len() < MIN_SECRET_CHARS || k.chars().any(char::is_control))
    {
        return Err(format!(
            "secret key {:?}... must be at least {MIN_SECRET_CHARS} characters without control characters",
            bad.chars().take(3).collect::<String>()
        ));
    }
    if let Some(shared) = secret_keys.iter().find(|k| write_keys.contains(k)) {
        return Err(format!(
            "secret key {:?}... is also a write key: write keys are public (pages carry them)",
            shared.chars().take(3).collect::<String>()
        ));
    }
    let retention_days = bounded(retention.or_else(|| env("PERSONA_RETENTION_DAYS")), 0, 0..=36_500)
        .ok_or("--retention-days must be 0 (keep everything) to 36500")?;
    let cors_origins = cors_origins.into_iter().map(|o| o.trim_end_matches('/').to_owned()).collect();
    let model_every = bounded(model_every.or_else(|| env("PERSONA_MODEL_EVERY")), 0, 0..=86_400)
        .ok_or("--model-every must be 0 (never) to 86400 seconds")?;
    Ok(Command::Run(Config {
        addr: addr.or_else(|| env("PERSONA_ADDR")).unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
        db: database(db, &env),
        www: www.or_else(|| env("PERSONA_WWW")).unwrap_or_else(|| "www".to_owned()).into(),
        dist: dist.or_else(|| env("PERSONA_DIST")).unwrap_or_else(|| "dist".to_owned()).into(),
        cors_origins,
        write_keys,
        model_every,
        secret_keys,
        retention_days,
    }))
}

/// The database path: the flag, else `PERSONA_DB`, else `data/persona.db`.
fn database(flag: Option<String>, env: &impl Fn(&str) -> Option<String>) -> PathBuf {
    flag.or_else(|| env("PERSONA_DB")).unwrap_or_else(|| "data/persona.db".to_owned()).into()
}

/// A number flag's value: `default` when not given, `None` when it is not a number in `range`.
fn bounded<T: std::str::FromStr + PartialOrd>(
    value: Option<String>,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Option<T> {
    match value {
        None => Some(default),
        Some(text) => text.trim().parse().ok().filter(|n| range.contains(n)),
    }
}

/// The items of a comma-separated list, trimmed, without empty ones.
fn list(value: Option<String>) -> Vec<String> {
    value
        .map(|list| list.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
        .unwrap_or_default()
}

/// An argument as a flag and its inline value (`--flag=value`); `None` for `-h` and `--help`.
fn split_flag(arg: &str) -> Option<(&str, Option<String>)> {
    if arg == "-h" || arg == "--help" {
        return None;
    }
    Some(match arg.split_once('=') {
        Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_owned())),
        _ => (arg, None),
    })
}

/// The value of `flag`: the part after `=`, or else the next argument.
fn flag_value<'a>(
    flag: &str,
    inline: Option<String>,
    rest: &mut impl Iterator<Item = &'a String>,
) -> Result<String, String> {
    let value = match inline {
        Some(value) => value,
        None => rest.next().cloned().ok_or_else(|| format!("{flag} needs a value"))?,
    };
    if value.is_empty() {
        return Err(format!("{flag} needs a non-empty value"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        match parse(&args, |name| env.get(name).cloned())? {
            Command::Run(config) => Ok(config),
            Command::Model(_) | Command::Export(_) | Command::Seed(_) => Err("subcommand".to_owned()),
            Command::Help => Err("help".to_owned()),
        }
    }

    #[test]
    fn the_model_command() {
        let parse_args = |args: &[&str], env: &[(&str, &str)]| {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let env: HashMap<String, String> =
                env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            parse(&args, |name| env.get(name).cloned())
        };
        let model = |db: &str, out: &str, neighbours| {
            Ok(Command::Model(ModelConfig { db: db.into(), out: out.into(), neighbours, window_days: 7 }))
        };
        assert_eq!(parse_args(&["model"], &[]), model("data/persona.db", "data/recs-model.json", 20));
        assert_eq!(
            parse_args(&["model"], &[("PERSONA_DB", "/x/e.db")]),
            model("/x/e.db", "/x/recs-model.json", 20)
        );
        assert_eq!(
            parse_args(&["model", "--db=/a.db", "--out", "/m.json", "--neighbours", "5"], &[]),
            model("/a.db", "/m.json", 5)
        );
        assert!(parse_args(&["model", "--neighbours", "0"], &[]).unwrap_err().contains("1 to 200"));
        assert_eq!(
            parse_args(&["model", "--window-days", "30"], &[]),
            Ok(Command::Model(ModelConfig {
                db: "data/persona.db".into(),
                out: "data/recs-model.json".into(),
                neighbours: 20,
                window_days: 30
            }))
        );
        assert!(parse_args(&["model", "--window-days", "0"], &[]).unwrap_err().contains("1 to 365"));
        assert!(parse_args(&["model", "--addr", "x"], &[]).unwrap_err().contains("unknown argument"));
        assert_eq!(parse_args(&["model", "--help"], &[]), Ok(Command::Help));
    }

    #[test]
    fn defaults() {
        let config = run(&[], &[]).unwrap();
        assert_eq!(config.addr, "127.0.0.1:8080");
        assert_eq!(config.db, PathBuf::from("data/persona.db"));
        assert_eq!(config.www, PathBuf::from("www"));
        assert_eq!(config.dist, PathBuf::from("dist"));
        assert!(config.cors_origins.is_empty());
        assert!(config.write_keys.is_empty());
        assert_eq!(config.model_every, 0, "the model is not rebuilt unless asked");
    }

    #[test]
    fn secret_keys_and_retention() {
        let long = "0123456789abcdef";
        assert_eq!(run(&["--secret-key", long], &[]).map(|c| c.secret_keys), Ok(vec![long.to_owned()]));
        let env = run(&[], &[("PERSONA_SECRET_KEYS", "0123456789abcdef, fedcba9876543210")]).unwrap();
        assert_eq!(env.secret_keys.len(), 2);
        assert!(run(&["--secret-key", "short"], &[]).unwrap_err().contains("at least 16"));
        let shared = run(&["--secret-key", long, "--write-key", long], &[]).unwrap_err();
        assert!(shared.contains("also a write key") && !shared.contains(long), "{shared}");
        assert_eq!(run(&[], &[]).map(|c| c.retention_days), Ok(0));
        assert_eq!(run(&["--retention-days=90"], &[]).map(|c| c.retention_days), Ok(90));
        assert_eq!(run(&[], &[("PERSONA_RETENTION_DAYS", "7")]).map(|c| c.retention_days), Ok(7));
        assert!(run(&["--retention-days", "-1"], &[]).unwrap_err().contains("0 (keep everything)"));
    }

    #[test]
    fn export_and_seed_commands() {
        let parse_args = |args: &[&str]| {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            parse(&args, |_| None)
        };
        assert_eq!(
            parse_args(&["export", "--format", "csv", "--from", "2026-12-01", "--out", "e.csv"]),
            Ok(Command::Export(ExportConfig {
                db: "data/persona.db".into(),
                format: ExportFormat::Csv,
                out: Some("e.csv".into()),
                from: crate::clock::parse_day("2026-12-01"),
                to: None,
            }))
        );
        assert!(parse_args(&["export", "--format", "xml"]).unwrap_err().contains("jsonl or csv"));
        assert!(parse_args(&["export", "--to", "2026-02-30"]).unwrap_err().contains("YYYY-MM-DD"));
        assert!(parse_args(&["export", "--neighbours", "3"]).unwrap_err().contains("unknown argument"));
        assert_eq!(
            parse_args(&["seed", "--events", "500"]),
            Ok(Command::Seed(SeedConfig { db: "data/persona.db".into(), events: 500, days: 30 }))
        );
        assert!(parse_args(&["seed", "--days", "0"]).unwrap_err().contains("1 to 3650"));
        assert_eq!(parse_args(&["seed", "-h"]), Ok(Command::Help));
    }

    #[test]
    fn model_every() {
        assert_eq!(run(&["--model-every", "300"], &[]).map(|c| c.model_every), Ok(300));
        assert_eq!(run(&[], &[("PERSONA_MODEL_EVERY", "60")]).map(|c| c.model_every), Ok(60));
        assert!(run(&["--model-every", "90000"], &[]).unwrap_err().contains("0 (never) to 86400"));
        assert!(run(&["--model-every=soon"], &[]).is_err());
    }

    #[test]
    fn write_keys_repeat_or_come_comma_separated() {
        let flags = run(&["--write-key", "k1", "--write-key=k2"], &[("PERSONA_WRITE_KEYS", "e")]).unwrap();
        assert_eq!(flags.write_keys, ["k1", "k2"]);
        let env = run(&[], &[("PERSONA_WRITE_KEYS", "a, b,")]).unwrap();
        assert_eq!(env.write_keys, ["a", "b"]);
        assert!(run(&["--write-key", "a:b"], &[]).unwrap_err().contains("must not contain"));
    }

    #[test]
    fn flags_beat_env_and_env_beats_defaults() {
        let env = [("PERSONA_ADDR", "0.0.0.0:9"), ("PERSONA_DB", "/e.db"), ("PERSONA_CORS_ORIGINS", "*")];
        let config = run(&["--db", "/f.db", "--www=site"], &env).unwrap();
        assert_eq!(config.addr, "0.0.0.0:9");
        assert_eq!(config.db, PathBuf::from("/f.db"));
        assert_eq!(config.www, PathBuf::from("site"));
        assert_eq!(config.cors_origins, ["*"]);
    }

    #[test]
    fn cors_origins_repeat_or_come_comma_separated() {
        let flags = run(&["--cors-origin", "http://a.test", "--cors-origin=https://b.test/"], &[]).unwrap();
        assert_eq!(flags.cors_origins, ["http://a.test", "https://b.test"]);
        let env = run(&[], &[("PERSONA_CORS_ORIGINS", "http://a.test, https://b.test,")]).unwrap();
        assert_eq!(env.cors_origins, ["http://a.test", "https://b.test"]);
        assert!(run(&["--cors-origin", "a.test"], &[]).is_err());
    }

    #[test]
    fn help_and_errors() {
        assert_eq!(run(&["--addr", "x", "--help"], &[]), Err("help".to_owned()));
        assert!(run(&["--addr"], &[]).unwrap_err().contains("needs a value"));
        assert!(run(&["--nope"], &[]).unwrap_err().contains("unknown argument"));
        assert!(run(&["serve"], &[]).unwrap_err().contains("unknown argument"));
    }
}
