//! Rough per-step cost of ingest analysis (a development aid; the real figures
//! come from `earshot-cli bench ingest`).
#![allow(clippy::unwrap_used)]
use std::time::Instant;

use earshot_core::ingest::analyse;

/// Runs `f` 20,000 times and prints the mean time of one run.
fn time<T>(label: &str, f: impl Fn() -> T) {
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(f());
    }
    println!(
        "{label:<24} {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}

fn main() {
    let text = "@lumen the sync is broken again since the update and I am not happy, please fix it or I want a refund https://lumennotes.example/changelog";
    let html = format!("<p><span class=\"h-card\"><a href=\"https://social.example/@lumen\" class=\"u-url mention\">@<span>lumen</span></a></span> {text}</p>");
    // Few function words: the trigram model decides.
    let terse = "sync kaloshi broken praden update mizel quanevo refund vokata changelog";
    // Markup the fast path leaves to ammonia.
    let unusual = html.replace("<p>", "<p class=\"x\">");
    time("sentiment", || analyse::sentiment(text));
    time("language", || analyse::detect_lang(text));
    time("language, trigram model", || analyse::detect_lang(terse));
    time("sanitise", || analyse::sanitise_html(&html));
    time("sanitise, by ammonia", || analyse::sanitise_html(&unusual));
    time("html→text", || analyse::html_to_text(&html));
    time("text→html", || analyse::text_to_html(text));
}
