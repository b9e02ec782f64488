//! persona's reference collector: ingest of Segment batches, persona's native batches and Snowplow's
//! tracker protocol into SQLite (each `messageId` once), a read API for tests and debugging, and
//! static serving of the demo shop (`www/`) and the SDK build (`dist/`).
//!
//! Run `collector --help` for flags. On start it prints `collector listening on http://ADDR (db: PATH)`.

mod api;
mod config;
mod error;
mod ingest;
mod model;
mod snowplow;
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
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
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

/// Opens the store, binds, announces the address and serves until SIGINT or SIGTERM.
async fn serve(config: config::Config) -> Result<(), String> {
    let store = Arc::new(store::Store::open(&config.db)?);
    let app = api::router(store, &config)?;
    let listener = tokio::net::TcpListener::bind(&config.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.addr))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
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
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64);
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
