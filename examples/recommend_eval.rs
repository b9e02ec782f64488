//! The recommendations evaluation protocol on real baskets, as JSON on stdout, for
//! `bench/recommend-baskets.mjs`: `cargo run --release --example recommend_eval -- <csv>`.

/// The browser builds (clippy checks every target for wasm32 too) have nothing to run.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use persona::core::recommend::eval;

    let path =
        std::env::args().nth(1).unwrap_or_else(|| "../shared/datasets/groceries-baskets.csv".to_owned());
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("recommend_eval: cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let r = eval::report(&eval::baskets(&text));
    let pair = |(hr, ndcg): (f64, f64)| format!("{{\"hr10\":{hr},\"ndcg10\":{ndcg}}}");
    let validation: Vec<String> =
        r.validation.iter().map(|(w, n)| format!("{{\"weight\":{w},\"ndcg10\":{n}}}")).collect();
    println!(
        "{{\"cases\":{},\"chosen\":{},\"validation\":[{}],\"bought_together\":{},\"cosine\":{},\"popularity\":{},\"k20\":{},\"k20_bytes\":{},\"products\":{}}}",
        r.cases,
        r.chosen,
        validation.join(","),
        pair(r.bought_together),
        pair(r.cosine),
        pair(r.popularity),
        pair(r.k20),
        r.k20_bytes,
        r.products
    );
}
