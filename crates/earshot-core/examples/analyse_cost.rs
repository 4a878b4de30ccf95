//! Rough per-step cost of ingest analysis (a development aid; the real figures
//! come from `earshot-cli bench ingest`).
#![allow(clippy::unwrap_used)]
use std::time::Instant;

use earshot_core::ingest::analyse;

fn main() {
    let text = "@lumen the sync is broken again since the update and I am not happy, please fix it or I want a refund https://lumennotes.example/changelog";
    let html = format!("<p><span class=\"h-card\"><a href=\"https://social.example/@lumen\" class=\"u-url mention\">@<span>lumen</span></a></span> {text}</p>");
    let n = 20_000;
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(analyse::sentiment(text));
    }
    println!(
        "sentiment  {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(analyse::detect_lang(text));
    }
    println!(
        "language   {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(analyse::sanitise_html(&html));
    }
    println!(
        "sanitise   {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(analyse::html_to_text(&html));
    }
    println!(
        "html→text  {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(analyse::text_to_html(text));
    }
    println!(
        "text→html  {:.1} µs",
        t.elapsed().as_secs_f64() * 1e6 / n as f64
    );
}
