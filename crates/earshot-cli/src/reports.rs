//! `earshot-cli report` and `earshot-cli advocates`: what the work is worth
//! over a period, compared with the period before, as a table, JSON, CSV files
//! or a one-page HTML report.

use std::path::PathBuf;

use clap::Args;
use earshot_core::reports::{self, BusinessHours, Figures, Report, ReportQuery};
use earshot_core::search::day_ms;
use earshot_core::{Error, Workspace};

use crate::output;

const DAY_MS: i64 = 86_400_000;

/// The period: days, UTC. Without dates, the last `--days` days up to today.
#[derive(Args, Debug, Clone)]
pub struct PeriodArgs {
    /// First day of the period (YYYY-MM-DD, UTC)
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last day of the period, included (YYYY-MM-DD, UTC) [default: today]
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Length of the period in days when --from is not given
    #[arg(long, default_value_t = 30)]
    days: i64,
}

impl PeriodArgs {
    /// `[from, to)` in Unix ms.
    pub fn range(&self, now: i64) -> Result<(i64, i64), Error> {
        let to = match &self.to {
            Some(d) => day_ms(d, "--to")? + DAY_MS,
            None => now.div_euclid(DAY_MS) * DAY_MS + DAY_MS,
        };
        let from = match &self.from {
            Some(d) => day_ms(d, "--from")?,
            None => to - self.days.max(1) * DAY_MS,
        };
        if to <= from {
            return Err(Error::Invalid("--to must not be before --from".into()));
        }
        Ok((from, to))
    }
}

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    period: PeriodArgs,
    /// Only this account
    #[arg(long)]
    account: Option<i64>,
    /// Only this network
    #[arg(long)]
    network: Option<String>,
    /// Count response times in business hours, e.g. "Mon-Fri 09:00-17:00 +01:00";
    /// "none" counts around the clock [default: the workspace's setting]
    #[arg(long, value_name = "HOURS")]
    business_hours: Option<String>,
    /// Keep --business-hours as the workspace's setting
    #[arg(long, requires = "business_hours")]
    save_business_hours: bool,
    /// Write every table as CSV into this directory (summary, sentiment, tags,
    /// advocates, share of voice, conversations)
    #[arg(long, value_name = "DIR")]
    csv: Option<PathBuf>,
    /// Write a one-page printable HTML report to this file
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// The HTML report's title
    #[arg(long, default_value = "Community report")]
    title: String,
}

pub fn report(ws: &Workspace, args: ReportArgs, json: bool) -> Result<(), Error> {
    let (from, to) = args.period.range(ws.now())?;
    let mut q = ReportQuery {
        from,
        to,
        account_id: args.account,
        network: args.network.clone(),
        ..Default::default()
    };
    match args.business_hours.as_deref().map(str::trim) {
        Some("none") | Some("24/7") => {
            q.around_the_clock = true;
            if args.save_business_hours {
                reports::set_business_hours(ws, None)?;
            }
        }
        Some(text) => {
            let hours = BusinessHours::parse(text)?;
            if args.save_business_hours {
                reports::set_business_hours(ws, Some(&hours))?;
            }
            q.business_hours = Some(hours);
        }
        None => {}
    }
    let r = reports::build(ws, &q)?;
    let mut written = Vec::new();
    if let Some(dir) = &args.csv {
        written.extend(reports::write_csv_dir(&r, dir)?);
        let path = dir.join("conversations.csv");
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(&path)
                .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?,
        );
        reports::write_conversations_csv(ws, &q, &mut file)?;
        std::io::Write::flush(&mut file)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        written.push(path);
    }
    if let Some(path) = &args.html {
        std::fs::write(path, reports::html(&r, &args.title))
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        written.push(path.clone());
    }
    if json {
        return output::json(&r);
    }
    print_report(&r);
    for p in written {
        eprintln!("written {}", p.display());
    }
    Ok(())
}

fn day(ms: i64) -> String {
    earshot_core::clock::format_rfc3339_ms(ms)
        .chars()
        .take(10)
        .collect()
}

fn rate(f: &Figures) -> String {
    f.response_rate
        .map(|r| format!("{:.0}%", r * 100.0))
        .unwrap_or_else(|| "–".into())
}

fn print_report(r: &Report) {
    println!(
        "{} to {}, compared with {} to {}; times {}",
        day(r.from),
        day(r.to - 1),
        day(r.previous_from),
        day(r.previous_to - 1),
        r.business_hours.as_ref().map_or_else(
            || "around the clock".into(),
            |h| format!("in business hours, {}", h.describe())
        )
    );
    println!(
        "\n{:<32} {:>9} {:>9} {:>8} {:>13} {:>10} {:>10} {:>9}",
        "", "received", "(before)", "answered", "(before)", "1st resp.", "p90", "to done"
    );
    for s in std::iter::once(&r.overall)
        .chain(&r.by_network)
        .chain(&r.by_account)
    {
        let (c, p) = (&s.current, &s.previous);
        println!(
            "{:<32} {:>9} {:>9} {:>8} {:>13} {:>10} {:>10} {:>9}",
            s.label.chars().take(32).collect::<String>(),
            c.received,
            p.received,
            rate(c),
            rate(p),
            reports::duration(c.first_response_median_ms),
            reports::duration(c.first_response_p90_ms),
            reports::duration(c.time_to_done_median_ms),
        );
    }
    let o = &r.overall.current;
    println!(
        "\nsentiment: {} positive, {} neutral, {} negative, mean {}",
        o.positive,
        o.neutral,
        o.negative,
        o.sentiment_mean
            .map_or_else(|| "–".into(), |m| format!("{m:+.2}"))
    );
    if !r.tags.is_empty() {
        let tags: Vec<String> = r
            .tags
            .iter()
            .take(10)
            .map(|t| format!("{} {} ({})", t.tag, t.current, t.previous))
            .collect();
        println!("tags: {}", tags.join(", "));
    }
    print_advocates(&r.advocates);
    if let Some(sov) = &r.share_of_voice {
        println!("\nshare of voice:");
        for v in sov {
            println!(
                "  {:<30} {:>7} {:>5}",
                v.name,
                v.hits,
                v.share
                    .map_or_else(|| "–".into(), |s| format!("{:.0}%", s * 100.0))
            );
        }
    }
}

fn print_advocates(list: &[reports::Advocate]) {
    if list.is_empty() {
        return;
    }
    println!("\ntop advocates:");
    for (i, a) in list.iter().enumerate() {
        println!(
            "  {:>2}. {} ({})  score {}: {}",
            i + 1,
            a.name,
            a.handles.join(" "),
            a.score,
            a.reasons.join("; ")
        );
    }
}

pub fn advocates(
    ws: &Workspace,
    period: &PeriodArgs,
    limit: usize,
    json: bool,
) -> Result<(), Error> {
    let (from, to) = period.range(ws.now())?;
    let list = reports::advocates(ws, from, to, limit)?;
    if json {
        return output::json(&list);
    }
    println!("{} to {}", day(from), day(to - 1));
    if list.is_empty() {
        println!("No advocates in this period.");
    }
    print_advocates(&list);
    Ok(())
}
