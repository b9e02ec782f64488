//! persona's reference collector: ingest of Segment batches, persona's native batches and Snowplow's
//! tracker protocol into SQLite (each `messageId` once), a read API for tests and debugging, and
//! static serving of the demo shop (`www/`) and the SDK build (`dist/`).
//!
//! Run `collector --help` for flags. On start it prints `collector listening on http://ADDR (db: PATH)`.

mod aggregate;
mod api;
mod clock;
mod config;
mod error;
mod experiments;
mod export;
mod facts;
mod ingest;
mod insights;
mod model;
mod profile;
mod retention;
mod seed;
mod snowplow;
mod stats;
mod store;

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

use config::Command;
use persona::core::recommend;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let config = match config::parse(&args, |name| std::env::var(name).ok()) {
        Ok(Command::Run(config)) => config,
        Ok(Command::Model(config)) => return build_model(&config),
        Ok(Command::Export(config)) => return export(&config),
        Ok(Command::Seed(config)) => return seed(&config),
        Ok(Command::Help) => {
            print!("{}", config::USAGE);
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("collector: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("collector: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("collector: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `collector model`: builds the recommendations model from the stored events and writes it.
fn build_model(config: &config::ModelConfig) -> ExitCode {
    let result = store::Store::open(&config.db).and_then(|store| {
        let now = clock::now_ms();
        let built = model::build(&store, config.neighbours, config.window_days, now)?;
        let bytes = model::write(&config.out, &built.model)?;
        Ok((built, bytes))
    });
    match result {
        Ok((built, bytes)) => {
            let products = built.model.ids.len();
            println!(
                "recommendations model: {products} products from {} baskets ({} orders) and {} visits, {bytes} bytes{} -> {}",
                built.baskets,
                built.orders,
                built.visits,
                bytes.checked_div(products).map_or(String::new(), |each| format!(" ({each} per product)")),
                config.out.display()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("collector: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `collector export`: writes the stored events, a page at a time, to the file or standard output.
fn export(config: &config::ExportConfig) -> ExitCode {
    let result = store::Store::open(&config.db).and_then(|store| {
        let mut out: Box<dyn Write> = match &config.out {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        };
        let mut page = export::Page {
            from_ms: config.from.map_or(i64::MIN, |d| d * clock::DAY_MS),
            until_ms: config.to.map_or(i64::MAX, |d| (d + 1) * clock::DAY_MS),
            after: 0,
            limit: export::PAGE,
        };
        let mut total = 0u64;
        loop {
            let (count, last) =
                export::write_page(&store.reader(), &page, config.format, page.after == 0, &mut out)?;
            total += u64::from(count);
            if count < page.limit {
                break;
            }
            page.after = last;
        }
        out.flush().map_err(|e| e.to_string())?;
        Ok(total)
    });
    match result {
        Ok(total) => {
            eprintln!("collector: exported {total} events");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("collector: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `collector seed`: adds simulated traffic to the database.
fn seed(config: &config::SeedConfig) -> ExitCode {
    let started = std::time::Instant::now();
    let result = store::Store::open(&config.db)
        .and_then(|store| seed::seed(&store, config.events, config.days, clock::now_ms()));
    match result {
        Ok(written) => {
            println!(
                "seeded {written} events over {} days into {} in {:.1} s",
                config.days,
                config.db.display(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("collector: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Deletes what is older than `days` now, then every hour, on a thread of its own with its own
/// connection (the server does not wait for it). A failed run is reported and tried again an
/// hour later.
fn keep_days(db: std::path::PathBuf, days: u32) {
    let prune = move || {
        let pruned = store::Store::open(&db).and_then(|store| {
            retention::prune(&mut store.conn(), retention::cutoff(clock::now_ms(), days))
                .map_err(|e| e.to_string())
        });
        match pruned {
            Ok(0) => {}
            Ok(n) => eprintln!("collector: retention deleted {n} events older than {days} days"),
            Err(message) => eprintln!("collector: retention failed: {message}"),
        }
    };
    let spawned = std::thread::Builder::new().name("retention".to_owned()).spawn(move || loop {
        prune();
        std::thread::sleep(std::time::Duration::from_secs(3600));
    });
    if let Err(e) = spawned {
        eprintln!("collector: cannot start the retention thread: {e}");
    }
}

/// Opens the store, binds, announces the address and serves until SIGINT or SIGTERM.
async fn serve(config: config::Config) -> Result<(), String> {
    let store = Arc::new(store::Store::open(&config.db)?);
    let app = api::router(store, &config)?;
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if config.retention_days > 0 {
        keep_days(config.db.clone(), config.retention_days);
    }
    if config.secret_keys.is_empty() {
        eprintln!("collector: no --secret-key: the read endpoints and the dashboard's data are open to anyone who can reach {addr}");
    }
    if config.model_every > 0 {
        rebuild_model_every(config.db.clone(), std::time::Duration::from_secs(config.model_every));
    }
    println!("collector listening on http://{addr} (db: {})", config.db.display());
    let _ = std::io::stdout().flush();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| format!("server error: {e}"))?;
    eprintln!("collector: shut down");
    Ok(())
}

/// Rebuilds the recommendations model from the stored events every `every`, on a thread of its
/// own with its own database connection (SQLite's WAL lets it read while ingest writes), into the
/// file `GET /v1/model` serves. A failed build is reported and the last model stays.
fn rebuild_model_every(db: std::path::PathBuf, every: std::time::Duration) {
    let out = db.with_file_name(config::MODEL_FILE);
    let spawned = std::thread::Builder::new().name("model".to_owned()).spawn(move || loop {
        std::thread::sleep(every);
        let built = store::Store::open(&db).and_then(|store| {
            let now = clock::now_ms();
            let built =
                model::build(&store, recommend::DEFAULT_NEIGHBOURS, recommend::DEFAULT_WINDOW_DAYS, now)?;
            model::write(&out, &built.model)
        });
        if let Err(message) = built {
            eprintln!("collector: the recommendations model was not rebuilt: {message}");
        }
    });
    if let Err(e) = spawned {
        eprintln!("collector: cannot start rebuilding the recommendations model: {e}");
    }
}

/// Resolves on the first SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
