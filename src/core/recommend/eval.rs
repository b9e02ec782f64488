//! The evaluation protocol of `../shared/datasets/README.md` on real baskets, run by the tests:
//! the first 80 % of the 9,835 baskets (in basket order) train a model through [`Builder`], then
//! each item of each later basket with at least two items is left out in turn (8,332 cases) and
//! the other 168 items are ranked given the rest of the basket, whose own items are not
//! candidates. The model keeps every neighbour here (the grocery set has 169 items).

use super::{together, Builder};

/// The production model of the training baskets: 20 neighbours per product.
fn builder_k20(baskets: &[(u32, Vec<String>)]) -> super::Model {
    let mut b = Builder::default();
    for (_, items) in baskets {
        b.add_basket(items.iter().map(String::as_str));
    }
    b.finish(super::DEFAULT_NEIGHBOURS)
}

/// HR@10 and NDCG@10 of "bought together" and of popularity, and the number of cases.
pub fn groceries() -> ((f64, f64), (f64, f64), usize) {
    let text =
        std::fs::read_to_string(crate::core::testing::shared_file("datasets/groceries-baskets.csv")).unwrap();
    let mut baskets: Vec<(u32, Vec<String>)> = Vec::new();
    for line in text.lines().skip(1) {
        let (id, item) = line.split_once(',').unwrap();
        let id: u32 = id.trim_matches('"').parse().unwrap();
        let item = item.trim_matches('"').to_owned();
        match baskets.last_mut() {
            Some((last, items)) if *last == id => items.push(item),
            _ => baskets.push((id, vec![item])),
        }
    }
    baskets.sort_by_key(|(id, _)| *id);
    let cut = baskets.len() * 8 / 10;
    let mut builder = Builder::default();
    for (_, items) in &baskets[..cut] {
        builder.add_basket(items.iter().map(String::as_str));
    }
    // Items seen only in later baskets are products too (never bought yet).
    for (_, items) in &baskets[cut..] {
        for item in items {
            builder.add_product(item);
        }
    }
    let model = builder.finish(usize::MAX);
    let stored = crate::core::json::to_string(
        &super::model::stored::to_value(&builder_k20(&baskets[..cut])),
        &|n, out| out.push_str(&n.to_string()),
    );
    println!(
        "model with 20 neighbours: {} bytes for {} products ({} bytes per product)",
        stored.len(),
        model.ids.len(),
        stored.len() / model.ids.len().max(1)
    );
    let (mut hits, mut ndcg, mut pop_hits, mut pop_ndcg, mut cases) = (0.0, 0.0, 0.0, 0.0, 0usize);
    for (_, items) in &baskets[cut..] {
        if items.len() < 2 {
            continue;
        }
        for (i, target) in items.iter().enumerate() {
            let context: Vec<u32> = items
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .filter_map(|(_, x)| model.position(x))
                .collect();
            let context: Vec<u32> =
                context.into_iter().filter(|p| Some(*p) != model.position(target)).collect();
            let t = model.position(target).unwrap();
            cases += 1;
            let mut ranked = together::scores(&model, &context, usize::MAX);
            // The rest of the candidates (no neighbour score) follow in popularity order.
            for (p, _) in together::popular(&model, &context, usize::MAX) {
                if !ranked.iter().any(|(q, _)| *q == p) {
                    ranked.push((p, 0.0));
                }
            }
            if let Some(r) = ranked.iter().take(10).position(|(p, _)| *p == t) {
                hits += 1.0;
                ndcg += 1.0 / ((r + 2) as f64).log2();
            }
            if let Some(r) = together::popular(&model, &context, 10).iter().position(|(p, _)| *p == t) {
                pop_hits += 1.0;
                pop_ndcg += 1.0 / ((r + 2) as f64).log2();
            }
        }
    }
    let n = cases as f64;
    ((hits / n, ndcg / n), (pop_hits / n, pop_ndcg / n), cases)
}

#[test]
fn bought_together_beats_the_baselines_on_real_baskets() {
    let ((hr, ndcg), (pop_hr, pop_ndcg), cases) = groceries();
    println!("bought_together HR@10 {hr:.3} NDCG@10 {ndcg:.3}; popularity HR@10 {pop_hr:.3} NDCG@10 {pop_ndcg:.3}; {cases} cases");
    assert_eq!(cases, 8332, "the protocol's case count");
    assert!((pop_ndcg - 0.205).abs() < 0.0015, "popularity reproduces the README's baseline: {pop_ndcg}");
    // Plain cosine reproduces the README's cosine baseline (0.219 at its three decimals:
    // 0.2188 here); issue 7 asks for at least that, and more is its work still to do.
    assert!(ndcg >= 0.2185, "bought_together NDCG@10 {ndcg} reproduces the cosine baseline");
    assert!(ndcg > pop_ndcg && hr > pop_hr);
}
