//! `earshot-cli bench listen`: listening on generated data.
//!
//! 1. Ingest with no queries and with N generated queries, in one run (what
//!    matching on ingest costs end to end), and the compiled matcher alone on
//!    analysed items (what it costs the analysis thread).
//! 2. Retroactive runs over a 1M-item cache: a brand word, a phrase with OR and
//!    NOT (both through FTS5), and a fields-only query (a scan).
//! 3. The dashboard's aggregates for the brand query over that cache.

use std::time::{Duration, Instant};

use earshot_core::listening::{self, Bucket, DashboardRequest, QueryInput, QuerySet};
use earshot_core::query::Query;
use earshot_core::store::{CacheKey, Encryption};
use earshot_core::Error;

use crate::bench::{
    generate, latency, machine, open_bench_workspace, timed_ingest, timed_ingest_cpu, COMMON,
};

/// A generated listening query over the generator's words, of six shapes.
fn generated_query(i: usize) -> String {
    // Skip the ten function words: nobody listens for "the".
    let words = &COMMON[10..];
    let w = |k: usize| words[(i * 7 + k * 13) % words.len()];
    match i % 6 {
        0 => w(0).to_owned(),
        1 => format!("\"{} {}\"", w(0), w(1)),
        2 => format!("{} NEAR/3 {}", w(0), w(1)),
        3 => format!("({} OR {}) -{}", w(0), w(1), w(2)),
        4 => format!("{} {} network:bluesky", w(0), w(1)),
        _ => format!("{}* has:link", w(0)),
    }
}

fn tmp() -> Result<tempfile::TempDir, Error> {
    tempfile::tempdir().map_err(|e| Error::Invalid(e.to_string()))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// What `bench listen` measures, and where.
pub struct Options {
    /// Items ingested with and without the queries; `None` skips those measures.
    pub ingest_items: Option<usize>,
    pub cache_items: usize,
    pub queries: usize,
    /// Where the large cache is kept between runs (else a temporary directory).
    pub cache_dir: Option<std::path::PathBuf>,
}

/// The large cache: built once in `dir` with the key in `EARSHOT_BENCH_KEY`
/// (hex) and reused while it holds `items` items, or built in a temporary
/// directory. Its listening queries are removed, so runs start alike.
fn cache(
    dir: Option<&std::path::Path>,
    tmp: &std::path::Path,
    items: usize,
    json: bool,
) -> Result<earshot_core::Workspace, Error> {
    let Some(dir) = dir else {
        let ws = open_bench_workspace(&tmp.join("cache"), Encryption::Key(CacheKey::generate()?))?;
        timed_ingest(&ws, items, "cache", json)?;
        return Ok(ws);
    };
    let key = crate::bench::key_from_env("--cache-dir")?;
    let ws = open_bench_workspace(dir, Encryption::Key(key))?;
    let held: i64 = ws.store().read(|c| -> Result<i64, Error> {
        Ok(c.query_row("SELECT count(*) FROM items", [], |r| r.get(0))?)
    })?;
    if held == 0 {
        timed_ingest(&ws, items, "cache", json)?;
        ws.store().checkpoint()?;
    } else if held != items as i64 {
        return Err(Error::Invalid(format!(
            "{} holds {held} items, not {items}: remove it or pass --cache-items {held}",
            dir.display()
        )));
    }
    for q in listening::list(&ws)? {
        listening::delete(&ws, q.id)?;
    }
    Ok(ws)
}

pub fn run(options: Options, json: bool) -> Result<String, Error> {
    let Options {
        ingest_items,
        cache_items,
        queries,
        cache_dir,
    } = options;
    let dir = tmp()?;
    let mut out = Vec::<String>::new();

    if let Some(ingest_items) = ingest_items {
        out.push(on_ingest(dir.path(), ingest_items, queries, json)?);
    }
    let ws = cache(cache_dir.as_deref(), dir.path(), cache_items, json)?;
    out.push(over_the_cache(&ws, cache_items, json)?);

    let now = earshot_core::clock::format_rfc3339_ms(earshot_core::clock::Clock::now_ms(
        &earshot_core::clock::SystemClock,
    ));
    let load = crate::bench::load_average();
    Ok(format!(
        "Measured {now} on {} (1-minute load average {load} at the end: other jobs shared the machine) with `earshot-cli bench listen --items {} --cache-items {cache_items} --queries {queries}{}` \
         (release build{}). Queries are generated over the generator's words (a word, a phrase, NEAR/3, OR with NOT, \
         words with network:, a prefix with has:link).\n\n\
         | measure | result | target |\n|---|---|---|\n{}",
        machine(),
        ingest_items.map_or_else(|| "0".into(), |n| n.to_string()),
        if cache_dir.is_some() { " --cache-dir DIR" } else { "" },
        if cache_dir.is_some() {
            "; the 1M-item cache built by an earlier run of it, its queries removed"
        } else {
            ""
        },
        out.concat()
    ))
}

/// 1. Ingest with no queries and with `queries`, and the matcher alone.
fn on_ingest(
    dir: &std::path::Path,
    ingest_items: usize,
    queries: usize,
    json: bool,
) -> Result<String, Error> {
    let mut rates = Vec::new();
    let mut cpus = Vec::new();
    let mut hits_written = 0i64;
    for (label, count) in [("no queries", 0), ("with queries", queries)] {
        let ws = open_bench_workspace(&dir.join(label), Encryption::Key(CacheKey::generate()?))?;
        for i in 0..count {
            listening::create(
                &ws,
                &QueryInput {
                    name: format!("bench {i}"),
                    query: generated_query(i),
                    enabled: true,
                },
                |_| {},
            )?;
        }
        let (rate, cpu) = timed_ingest_cpu(&ws, ingest_items, label, json)?;
        rates.push(rate);
        cpus.push(cpu);
        hits_written = ws.store().read(|c| -> Result<i64, Error> {
            Ok(c.query_row("SELECT count(*) FROM listening_hits", [], |r| r.get(0))?)
        })?;
        drop(ws);
        let _ = std::fs::remove_dir_all(dir.join(label));
    }
    let (plain, with) = (rates[0], rates[1]);
    // What the queries add on the ingest path, per item: matching runs on the
    // analysis thread (all threads minus the writer), storing hits on the writer.
    let analysis = |(writer, all): (f64, f64)| all - writer;
    let matching_s = analysis(cpus[1]) - analysis(cpus[0]);
    let storing_s = cpus[1].0 - cpus[0].0;
    // A difference lost in the runs' noise gives no rate, rather than a huge one.
    let matching = if matching_s > 0.0 {
        format!(
            "{:.1} µs, {:.0} items/s",
            matching_s * 1e6,
            1.0 / matching_s
        )
    } else {
        format!(
            "{:.1} µs: not measurable (the two runs' noise is larger)",
            matching_s * 1e6
        )
    };

    // The matcher alone, on analysed items, on one thread.
    let set = QuerySet::compile(
        (0..queries).filter_map(|i| Some((i as i64, Query::parse(&generated_query(i)).ok()?))),
    );
    let analysed: Vec<_> = generate(100_000, 7)
        .map(earshot_core::ingest::analyse::analyse)
        .collect();
    let t = Instant::now();
    let mut matched = 0usize;
    for a in &analysed {
        matched += set.matches_item(a).len();
    }
    let matcher_rate = analysed.len() as f64 / t.elapsed().as_secs_f64();
    drop(analysed);
    if !json {
        eprintln!("  matcher alone: {matcher_rate:.0} items/s ({matched} hits)");
    }

    Ok(format!(
        "| ingest, no queries ({ingest_items} items) | {plain:.0} items/s | |\n\
         | ingest, {queries} queries ({hits_written} hits written) | {with:.0} items/s | bounded by ingest itself (issue 2) |\n\
         | cost of the queries | {:.1} % of ingest time | |\n\
         | matching on the ingest path: analysis-thread CPU the {queries} queries add per item, and the rate it allows | {matching} | ≥ 50,000 items/s |\n\
         | storing their hits: writer CPU the queries add per item | {:.1} µs | |\n\
         | the compiled matcher alone, {queries} queries, one thread (100000 analysed items, {matched} hits) | {matcher_rate:.0} items/s | ≥ 50,000 items/s |\n",
        (plain / with - 1.0) * 100.0,
        storing_s * 1e6
    ))
}

/// 2. and 3. Retroactive runs over the large cache, and the dashboard over it.
fn over_the_cache(
    ws: &earshot_core::Workspace,
    cache_items: usize,
    json: bool,
) -> Result<String, Error> {
    let mut out = Vec::<String>::new();
    let mut brand_id = 0;
    for (name, query) in [
        ("the brand word", "lumen"),
        (
            "a phrase OR a word, minus a word",
            "\"charged twice\" OR refund -fixed",
        ),
        (
            "fields only (a scan of every item)",
            "network:bluesky has:link is:reply",
        ),
    ] {
        let (q, report) = listening::create(
            ws,
            &QueryInput {
                name: name.into(),
                query: query.into(),
                enabled: true,
            },
            |_| {},
        )?;
        if query == "lumen" {
            brand_id = q.id;
        }
        if !json {
            eprintln!("  retroactive {query}: {report:?}");
        }
        let target = if report.used_index {
            "≤ 2,000 ms"
        } else {
            "≤ 2,000 ms (no word to index)"
        };
        out.push(format!(
            "| retroactive run over {cache_items} items: {name}, `{query}` ({} {}, {} hits; storing them {} ms of it) | {} ms | {target} |\n",
            report.scanned,
            if report.used_index { "FTS5 candidates" } else { "items scanned" },
            report.hits,
            report.write_ms,
            report.elapsed_ms
        ));
    }

    // 3. The dashboard for the brand query (the data ends at the generator's last day).
    let last = earshot_core::ingest::item_id_time(ws.store().read(|c| -> Result<i64, Error> {
        Ok(c.query_row("SELECT max(id) FROM items", [], |r| r.get(0))?)
    })?) + 1;
    for (label, days, bucket) in [
        ("30 days by day", 30, Bucket::Day),
        ("90 days by week", 90, Bucket::Week),
        ("7 days by hour", 7, Bucket::Hour),
    ] {
        let req = DashboardRequest {
            query_ids: vec![brand_id],
            from: last - days * 86_400_000,
            to: last,
            bucket,
            ..Default::default()
        };
        let mut times = Vec::new();
        let mut total = 0;
        for _ in 0..10 {
            let t = Instant::now();
            let d = listening::dashboard(ws, &req)?;
            times.push(t.elapsed());
            total = d.panels[0].total;
        }
        let l = latency(label, times);
        out.push(format!(
            "| dashboard aggregates, brand query, {label} ({total} hits in range; 10 runs) | p50 {:.0} ms, max {:.0} ms | ≤ 300 ms painted |\n",
            l.p50_ms, l.max_ms
        ));
    }
    // Across queries: the brand and the phrase query together, share of voice.
    let all = listening::list(ws)?;
    let req = DashboardRequest {
        query_ids: all
            .iter()
            .filter(|q| !q.query.contains("network:"))
            .map(|q| q.id)
            .collect(),
        from: last - 30 * 86_400_000,
        to: last,
        bucket: Bucket::Day,
        ..Default::default()
    };
    let t = Instant::now();
    listening::dashboard(ws, &req)?;
    out.push(format!(
        "| dashboard aggregates, two queries and both together, 30 days by day | {:.0} ms | ≤ 300 ms painted |\n",
        ms(t.elapsed())
    ));

    Ok(out.concat())
}
