//! `earshot-cli contact …`: people across networks (link, split, tag, notes,
//! suggestions) and `earshot-cli advocates`.
//!
//! A person is named as `12` or `contact:12` (a contact), `author:7` (an
//! author's id), or `network:handle` (`bluesky:maria.bsky.social`).

use std::io::Read;

use clap::Subcommand;
use earshot_core::contacts::{self, Contact, ContactFilter, Person, Suggestion, Timeline};
use earshot_core::{Error, Workspace};

use crate::output;

#[derive(Subcommand)]
pub enum ContactCommand {
    /// Every contact by name, with handles and tags
    List {
        /// Only contacts with this tag
        #[arg(long)]
        tag: Option<String>,
        /// Name, handle or display name containing this
        #[arg(long)]
        text: Option<String>,
    },
    /// A person: handles, tags, notes and their conversations on every network, newest first
    Show {
        person: String,
        #[arg(long, default_value_t = 30)]
        limit: u32,
        /// Continue from a previous page's cursor
        #[arg(long)]
        cursor: Option<String>,
    },
    /// Link handles and contacts into one person (the oldest contact keeps its name)
    Link {
        #[arg(required = true, num_args = 2..)]
        people: Vec<String>,
    },
    /// Take one handle out of its contact again (its conversations go with it)
    Split { handle: String },
    /// Add tags to a person (customer, advocate, press, partner, vip…), or --remove them
    Tag {
        person: String,
        tags: Vec<String>,
        #[arg(long, value_name = "TAG")]
        remove: Vec<String>,
    },
    /// Set a person's notes ("-" reads them from stdin, "" clears them)
    Note { person: String, text: String },
    /// Rename a person's contact
    Rename { person: String, name: String },
    /// Delete a contact (its handles stay, unlinked)
    Delete { contact: String },
    /// Handles that may be one person, and why; never linked without you
    Suggest {
        /// Only suggestions for this handle
        #[arg(long)]
        author: Option<String>,
        /// Never suggest these two handles again
        #[arg(long, num_args = 2, value_names = ["A", "B"])]
        dismiss: Vec<String>,
    },
}

/// Reads `12`, `contact:12`, `author:7` or `network:handle`.
pub fn person(ws: &Workspace, text: &str) -> Result<Person, Error> {
    let text = text.trim();
    if let Ok(id) = text.parse::<i64>() {
        return Ok(Person::Contact(id));
    }
    let (kind, rest) = text.split_once(':').ok_or_else(|| {
        Error::Invalid(format!(
            "'{text}' names no one: use a contact id (12), author:ID, or network:handle"
        ))
    })?;
    match (kind, rest.parse::<i64>()) {
        ("contact", Ok(id)) => Ok(Person::Contact(id)),
        ("author", Ok(id)) => Ok(Person::Author(id)),
        _ => ws
            .store()
            .read(|c| contacts::find_author(c, kind, rest))?
            .map(Person::Author)
            .ok_or_else(|| Error::NotFound {
                what: "author",
                id: text.to_owned(),
            }),
    }
}

fn author_of(ws: &Workspace, text: &str) -> Result<i64, Error> {
    match person(ws, text)? {
        Person::Author(id) => Ok(id),
        Person::Contact(_) => Err(Error::Invalid(format!(
            "'{text}' is a contact; name one handle (network:handle or author:ID)"
        ))),
    }
}

pub fn run(ws: &Workspace, cmd: ContactCommand, json: bool) -> Result<(), Error> {
    match cmd {
        ContactCommand::List { tag, text } => {
            let list = ws
                .store()
                .read(|c| contacts::list(c, &ContactFilter { tag, text }))?;
            if json {
                return output::json(&list);
            }
            if list.is_empty() {
                println!("No contacts yet. Link handles with `earshot-cli contact link`.");
            }
            for c in &list {
                print_contact_line(c);
            }
            Ok(())
        }
        ContactCommand::Show {
            person: who,
            limit,
            cursor,
        } => {
            let p = person(ws, &who)?;
            let (contact, handle) = match p {
                Person::Contact(id) => (Some(ws.store().read(|c| contacts::get(c, id))?), None),
                Person::Author(id) => {
                    let h = ws.store().read(|c| contacts::author(c, id))?;
                    let contact = h
                        .contact_id
                        .map(|id| ws.store().read(|c| contacts::get(c, id)))
                        .transpose()?;
                    (contact, Some(h))
                }
            };
            let timeline = ws
                .store()
                .read(|c| contacts::timeline(c, p, cursor.as_deref(), Some(limit)))?;
            if json {
                return output::json(&serde_json::json!({
                    "contact": contact, "author": handle, "timeline": timeline
                }));
            }
            match (&contact, &handle) {
                (Some(c), _) => print_contact(c),
                (None, Some(h)) => println!(
                    "{} ({} on {}), not linked to a contact",
                    h.name.as_deref().unwrap_or(&h.handle),
                    h.handle,
                    h.network
                ),
                (None, None) => {}
            }
            print_timeline(&timeline);
            Ok(())
        }
        ContactCommand::Link { people } => {
            let people = people
                .iter()
                .map(|p| person(ws, p))
                .collect::<Result<Vec<_>, _>>()?;
            show(&contacts::link(ws, &people)?, json)
        }
        ContactCommand::Split { handle } => {
            let author = author_of(ws, &handle)?;
            show(&contacts::split(ws, author)?, json)
        }
        ContactCommand::Tag {
            person: who,
            tags,
            remove,
        } => {
            if tags.is_empty() && remove.is_empty() {
                return Err(Error::Invalid("name tags to add, or --remove TAG".into()));
            }
            show(&contacts::tag(ws, person(ws, &who)?, &tags, &remove)?, json)
        }
        ContactCommand::Note { person: who, text } => {
            let text = if text == "-" {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .map_err(|e| Error::io("cannot read the notes from stdin", e))?;
                s
            } else {
                text
            };
            show(&contacts::set_notes(ws, person(ws, &who)?, &text)?, json)
        }
        ContactCommand::Rename { person: who, name } => {
            show(&contacts::rename(ws, person(ws, &who)?, &name)?, json)
        }
        ContactCommand::Delete { contact } => match person(ws, &contact)? {
            Person::Contact(id) => {
                contacts::delete(ws, id)?;
                output::message(&format!("Contact {id} deleted."), json, None)
            }
            Person::Author(_) => Err(Error::Invalid(format!(
                "'{contact}' is a handle; name the contact (its id)"
            ))),
        },
        ContactCommand::Suggest { author, dismiss } => {
            if let [a, b] = dismiss.as_slice() {
                contacts::dismiss(ws, author_of(ws, a)?, author_of(ws, b)?)?;
                return output::message("That pair will not be suggested again.", json, None);
            }
            let only = author.map(|a| author_of(ws, &a)).transpose()?;
            let list = ws.store().read(|c| contacts::suggestions(c, only))?;
            if json {
                return output::json(&list);
            }
            if list.is_empty() {
                println!("No suggestions.");
            }
            for s in &list {
                print_suggestion(s);
            }
            Ok(())
        }
    }
}

fn show(c: &Contact, json: bool) -> Result<(), Error> {
    if json {
        return output::json(c);
    }
    print_contact(c);
    Ok(())
}

fn handles(c: &Contact) -> String {
    c.handles
        .iter()
        .map(|h| format!("{}:{}", h.network, h.handle))
        .collect::<Vec<_>>()
        .join(" ")
}

fn print_contact_line(c: &Contact) {
    let tags = if c.tags.is_empty() {
        String::new()
    } else {
        format!(" [{}]", c.tags.join(", "))
    };
    println!("{:>5}  {}{tags}  {}", c.id, c.name, handles(c));
}

fn print_contact(c: &Contact) {
    println!("contact {}  {}", c.id, c.name);
    for h in &c.handles {
        println!(
            "  {:<10} {}{}",
            h.network,
            h.handle,
            h.name
                .as_deref()
                .map(|n| format!("  ({n})"))
                .unwrap_or_default()
        );
    }
    if !c.tags.is_empty() {
        println!("  tags: {}", c.tags.join(", "));
    }
    if !c.notes.trim().is_empty() {
        println!("  notes:");
        for line in c.notes.lines() {
            println!("    {line}");
        }
    }
}

fn print_timeline(t: &Timeline) {
    if t.conversations.is_empty() {
        println!("No conversations.");
    }
    for c in &t.conversations {
        let snippet: String = c.snippet.chars().take(60).collect();
        println!(
            "{:>8}  {}  {:<9} {:<7}  {snippet}",
            c.id,
            earshot_core::clock::format_rfc3339_ms(c.last_activity_at)
                .chars()
                .take(16)
                .collect::<String>(),
            c.network,
            c.state.as_str()
        );
    }
    if let Some(next) = &t.next_cursor {
        println!("more: --cursor {next}");
    }
}

fn print_suggestion(s: &Suggestion) {
    println!(
        "{}:{} (author:{})  ~  {}:{} (author:{})",
        s.a.network, s.a.handle, s.a.author_id, s.b.network, s.b.handle, s.b.author_id
    );
    for r in &s.reasons {
        println!("    {r}");
    }
}
