//! The inbox's filters as flags (shared by `inbox` and `view save`), and saved
//! views: named filter sets kept in the workspace, the same ones the app lists.

use clap::{Args, Subcommand};
use earshot_core::inbox::{InboxFilter, SavedView, Sentiment, TriageState};
use earshot_core::search::day_ms;
use earshot_core::{Error, Workspace};

/// Every flag narrows the list; they combine.
#[derive(Args, Debug, Clone, Default)]
pub struct FilterArgs {
    #[arg(long, value_parser = parse_state)]
    state: Option<TriageState>,
    #[arg(long)]
    account: Option<i64>,
    #[arg(long)]
    network: Option<String>,
    #[arg(long)]
    tag: Option<String>,
    /// Only saved conversations
    #[arg(long)]
    saved: bool,
    /// Only conversations with unread items
    #[arg(long)]
    unread: bool,
    /// This priority or higher: 0 low, 1 normal, 2 high, 3 urgent
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=3))]
    priority: Option<u8>,
    /// The sentiment of the person's newest message: negative, neutral or positive
    #[arg(long, value_parser = parse_sentiment)]
    sentiment: Option<Sentiment>,
    /// The language of the person's newest message (en, fr, …)
    #[arg(long)]
    lang: Option<String>,
    /// Last activity on or after this day (YYYY-MM-DD, UTC)
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    after: Option<i64>,
    /// Last activity before this day (YYYY-MM-DD, UTC)
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    before: Option<i64>,
}

pub fn parse_state(text: &str) -> Result<TriageState, String> {
    TriageState::parse(text)
        .ok_or_else(|| format!("'{text}' is not one of open, pending, snoozed, done"))
}

fn parse_sentiment(text: &str) -> Result<Sentiment, String> {
    Sentiment::parse(text)
        .ok_or_else(|| format!("'{text}' is not one of negative, neutral, positive"))
}

fn parse_day(text: &str) -> Result<i64, String> {
    day_ms(text, "date").map_err(|e| e.to_string())
}

impl FilterArgs {
    /// The filter these flags ask for, on top of `base` (a saved view's, say).
    pub fn over(self, base: InboxFilter) -> InboxFilter {
        InboxFilter {
            state: self.state.or(base.state),
            account_id: self.account.or(base.account_id),
            network: self.network.or(base.network),
            tag: self.tag.or(base.tag),
            saved: self.saved.then_some(true).or(base.saved),
            unread: self.unread.then_some(true).or(base.unread),
            priority: self.priority.or(base.priority),
            sentiment: self.sentiment.or(base.sentiment),
            lang: self.lang.or(base.lang),
            after: self.after.or(base.after),
            before: self.before.or(base.before),
            cursor: base.cursor,
            limit: base.limit,
        }
    }
}

#[derive(Subcommand)]
pub enum ViewCommand {
    /// Every saved view with its filters
    List,
    /// Save these filters as a view (replacing one of the same name)
    Save {
        name: String,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Rename a view
    Rename { from: String, to: String },
    /// Delete a view
    Delete { name: String },
}

/// The saved view named `name`.
pub fn find(ws: &Workspace, name: &str) -> Result<SavedView, Error> {
    ws.views()?
        .into_iter()
        .find(|v| v.name == name)
        .ok_or_else(|| Error::NotFound {
            what: "view",
            id: name.to_owned(),
        })
}

pub fn run(ws: &Workspace, what: ViewCommand, json: bool) -> Result<(), Error> {
    match what {
        ViewCommand::List => {
            let views = ws.views()?;
            if json {
                return crate::output::json(&views);
            }
            if views.is_empty() {
                println!("No saved views.");
            }
            for v in views {
                let terms = v.filter.search_terms();
                println!(
                    "{:24} {}",
                    v.name,
                    if terms.is_empty() {
                        "(everything)"
                    } else {
                        &terms
                    }
                );
            }
            Ok(())
        }
        ViewCommand::Save { name, filter } => {
            let view = ws.save_view(&name, &filter.over(InboxFilter::default()))?;
            if json {
                return crate::output::json(&view);
            }
            println!("Saved view '{}': {}", view.name, view.filter.search_terms());
            Ok(())
        }
        ViewCommand::Rename { from, to } => {
            ws.rename_view(&from, &to)?;
            done(&format!("Renamed view '{from}' to '{to}'."), json)
        }
        ViewCommand::Delete { name } => {
            ws.delete_view(&name)?;
            done(&format!("Deleted view '{name}'."), json)
        }
    }
}

fn done(text: &str, json: bool) -> Result<(), Error> {
    if json {
        crate::output::json(&serde_json::json!({ "message": text }))
    } else {
        println!("{text}");
        Ok(())
    }
}
