//! The freedesktop notification service (Linux and the BSDs), spoken to over
//! one D-Bus connection that sends every notification and hears every answer.
//!
//! Why not notify-rust here, as on macOS and Windows: notify-rust 4.19 opens a
//! new connection for each notification and, while it waits for a click, takes
//! a new message stream for each message it reads, so a signal that arrives
//! between two streams is never seen. A "Mark done" chosen from dunst's menu was
//! lost that way about one time in three in our end-to-end test. Here one stream,
//! subscribed before the first notification is sent, queues every
//! `ActionInvoked` and `NotificationClosed`, and since notifications are sent
//! from the connection that listens, servers that answer only the sender (dunst,
//! KDE Plasma) reach it too.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use futures_lite::StreamExt;

use crate::{Action, OnAction};

const SERVICE: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";

/// The action keys offered on a single-item notification, and their labels.
/// "default" is what a click on the notification itself invokes.
pub(crate) const ACTIONS: [&str; 6] = ["default", "Open", "open", "Open", "done", "Mark done"];

/// Which conversation each notification on screen stands for, so an answer
/// from the server becomes an [`Action`].
#[derive(Debug, Default)]
pub(crate) struct Clicks {
    /// Notifications with actions still on screen: server id → conversation.
    shown: HashMap<u32, i64>,
    /// Actions on ids not (yet) known: the server answered before `Notify`'s
    /// reply was taken in. Kept few, oldest dropped.
    early: VecDeque<(u32, String)>,
}

const EARLY_KEPT: usize = 16;

impl Clicks {
    /// The server showed notification `id`, for `conversation` if it has
    /// actions (a digest has none, and may replace one that had). Returns an
    /// action already chosen on it.
    pub(crate) fn shown(&mut self, id: u32, conversation: Option<i64>) -> Option<Action> {
        match conversation {
            Some(c) => {
                self.shown.insert(id, c);
                let at = self.early.iter().position(|(early, _)| *early == id)?;
                let (_, key) = self.early.remove(at)?;
                self.invoked(id, &key)
            }
            None => {
                self.shown.remove(&id);
                None
            }
        }
    }

    /// The server says action `key` was chosen on notification `id`.
    pub(crate) fn invoked(&mut self, id: u32, key: &str) -> Option<Action> {
        let Some(&conversation) = self.shown.get(&id) else {
            if self.early.len() == EARLY_KEPT {
                self.early.pop_front();
            }
            self.early.push_back((id, key.to_owned()));
            return None;
        };
        match key {
            "default" | "open" => Some(Action::Open(conversation)),
            "done" => Some(Action::MarkDone(conversation)),
            _ => None,
        }
    }

    /// The server closed notification `id` (expired, dismissed, or replaced
    /// by another client's call).
    pub(crate) fn closed(&mut self, id: u32) {
        self.shown.remove(&id);
        self.early.retain(|(early, _)| *early != id);
    }
}

/// One connection to the session bus's notification service.
pub(crate) struct Service {
    connection: zbus::Connection,
    clicks: Arc<Mutex<Clicks>>,
    on_action: Option<OnAction>,
}

fn lock(clicks: &Mutex<Clicks>) -> std::sync::MutexGuard<'_, Clicks> {
    // Two maps of ids: a panic elsewhere leaves nothing half-written.
    clicks.lock().unwrap_or_else(|e| e.into_inner())
}

impl Service {
    /// Connects; with `on_action`, also starts the thread that hears clicks,
    /// subscribed before this returns.
    pub(crate) fn connect(on_action: Option<OnAction>) -> zbus::Result<Self> {
        let connection = zbus::block_on(zbus::Connection::session())?;
        let clicks = Arc::new(Mutex::new(Clicks::default()));
        if let Some(f) = on_action.clone() {
            let rule = zbus::MatchRule::builder()
                .msg_type(zbus::message::Type::Signal)
                .interface(SERVICE)
                .path(PATH)
                .build()?;
            // Answers queue here from now on, however slowly they are read.
            let stream = zbus::block_on(zbus::MessageStream::for_match_rule(
                rule,
                &connection,
                NonZeroUsize::new(1024),
            ))?;
            let clicks = Arc::clone(&clicks);
            std::thread::Builder::new()
                .name("notification clicks".into())
                .spawn(move || listen(stream, &clicks, &*f))
                .map_err(|e| zbus::Error::Failure(e.to_string()))?;
        }
        Ok(Self {
            connection,
            clicks,
            on_action,
        })
    }

    /// Shows a notification (replacing `replaces`, when given); with a
    /// conversation and a click handler, offers Open and Mark done on it.
    /// Returns the server's id for it, and an action already chosen on it
    /// (rare: an answer that came before `Notify`'s reply), for the caller to
    /// hand to the click handler once it holds no lock.
    pub(crate) fn show(
        &self,
        app_name: &str,
        replaces: Option<u32>,
        summary: &str,
        body: &str,
        conversation: Option<i64>,
    ) -> zbus::Result<(u32, Option<Action>)> {
        let conversation = conversation.filter(|_| self.on_action.is_some());
        let actions: &[&str] = if conversation.is_some() {
            &ACTIONS
        } else {
            &[]
        };
        let hints: HashMap<&str, zbus::Variant<'_>> = HashMap::new();
        let reply = zbus::block_on(self.connection.call_method(
            Some(SERVICE),
            PATH,
            Some(SERVICE),
            "Notify",
            &(
                app_name,
                replaces.unwrap_or(0),
                "",
                summary,
                body,
                actions,
                hints,
                -1i32,
            ),
        ))?;
        let id: u32 = reply.body().deserialize()?;
        let early = lock(&self.clicks).shown(id, conversation);
        Ok((id, early))
    }
}

/// Reads the server's answers until the connection ends. Each is awaited on
/// its own, so the handler runs outside any future: it may block, or show a
/// notification itself.
fn listen(
    mut stream: zbus::MessageStream,
    clicks: &Mutex<Clicks>,
    f: &(dyn Fn(Action) + Send + Sync),
) {
    let mut errors = 0;
    while let Some(message) = zbus::block_on(stream.next()) {
        let Ok(message) = message else {
            // A broken connection: the next notification connects afresh.
            errors += 1;
            if errors == 16 {
                return;
            }
            continue;
        };
        errors = 0;
        let header = message.header();
        let action = match header.member().map(|m| m.as_str()) {
            Some("ActionInvoked") => match message.body().deserialize::<(u32, String)>() {
                Ok((id, key)) => lock(clicks).invoked(id, &key),
                Err(_) => None,
            },
            Some("NotificationClosed") => {
                if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                    lock(clicks).closed(id);
                }
                None
            }
            _ => None,
        };
        // Called without the lock: the handler may show a notification itself.
        if let Some(action) = action {
            f(action);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_names_the_conversation_its_notification_stands_for() {
        let mut clicks = Clicks::default();
        assert_eq!(clicks.shown(7, Some(42)), None);
        assert_eq!(clicks.shown(8, Some(43)), None);
        assert_eq!(clicks.invoked(7, "done"), Some(Action::MarkDone(42)));
        assert_eq!(clicks.invoked(8, "default"), Some(Action::Open(43)));
        assert_eq!(clicks.invoked(8, "open"), Some(Action::Open(43)));
        assert_eq!(clicks.invoked(8, "something-else"), None);
    }

    #[test]
    fn a_closed_or_digested_notification_acts_on_nothing() {
        let mut clicks = Clicks::default();
        clicks.shown(7, Some(42));
        clicks.closed(7);
        assert_eq!(clicks.invoked(7, "done"), None);
        // A digest replaces notification 9 in place (same id), without actions.
        clicks.shown(9, Some(44));
        clicks.shown(9, None);
        assert_eq!(clicks.invoked(9, "default"), None);
    }

    #[test]
    fn an_answer_before_notifys_reply_is_kept_for_it() {
        let mut clicks = Clicks::default();
        assert_eq!(clicks.invoked(11, "done"), None);
        assert_eq!(clicks.shown(11, Some(50)), Some(Action::MarkDone(50)));
        // Used once.
        clicks.closed(11);
        assert_eq!(clicks.shown(11, Some(50)), None);
    }

    #[test]
    fn early_answers_for_ids_never_shown_do_not_pile_up() {
        let mut clicks = Clicks::default();
        for id in 0..100 {
            clicks.invoked(id, "default");
        }
        assert_eq!(clicks.early.len(), EARLY_KEPT);
        assert_eq!(clicks.shown(99, Some(1)), Some(Action::Open(1)));
        assert_eq!(clicks.shown(0, Some(1)), None);
    }
}
