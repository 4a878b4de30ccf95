//! Desktop notifications for urgent items and listening spikes.
//!
//! [`NotifyingSink`] sits in front of any event sink: it passes every event on
//! and, for urgent items and the spikes the manager asked to hear of, asks the
//! core's [`Notifier`] what to show and shows it
//! with notify-rust (the freedesktop notification service on Linux, the
//! notification centre on macOS and Windows). A digest updates the notification
//! it follows in place, so a burst leaves one on screen.

use std::sync::{Arc, Mutex};

use earshot_core::clock::Clock;
use earshot_core::events::{CoreEvent, EventSink};
use earshot_core::notify::{Notice, Notifier, NotifyPolicy};

/// What clicking a notification's action asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Open(i64),
    MarkDone(i64),
}

type OnAction = Arc<dyn Fn(Action) + Send + Sync>;

/// Shows notices on the desktop.
pub struct Desktop {
    app_name: String,
    /// The id of the last notification shown, which a digest replaces.
    last: Mutex<Option<u32>>,
    on_action: Option<OnAction>,
}

impl Desktop {
    pub fn new(app_name: &str) -> Self {
        Self {
            app_name: app_name.to_owned(),
            last: Mutex::new(None),
            on_action: None,
        }
    }

    /// Offers Open and Mark done on single-item notifications, where the
    /// platform has actions, and calls `f` when one is chosen.
    pub fn with_actions(mut self, f: impl Fn(Action) + Send + Sync + 'static) -> Self {
        self.on_action = Some(Arc::new(f));
        self
    }

    /// Shows a notice. Errors say what is missing (no notification service).
    pub fn show(&self, notice: &Notice) -> Result<(), String> {
        let mut n = notify_rust::Notification::new();
        n.appname(&self.app_name)
            .summary(&notice.title)
            .body(&notice.body);
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        #[cfg(all(unix, not(target_os = "macos")))]
        if notice.replaces_previous {
            if let Some(id) = *last {
                n.id(id);
            }
        }
        let actionable = self.on_action.is_some() && notice.conversation_id.is_some();
        if actionable {
            n.action("default", "Open")
                .action("open", "Open")
                .action("done", "Mark done");
        }
        let handle = n.show().map_err(|e| {
            format!(
                "cannot show a desktop notification ({e}); on Linux, a notification service \
                 (your desktop's, or dunst) must be running on the session bus"
            )
        })?;
        #[cfg(all(unix, not(target_os = "macos")))]
        {
            *last = Some(handle.id());
        }
        drop(last);
        if let (true, Some(f), Some(conversation)) =
            (actionable, self.on_action.clone(), notice.conversation_id)
        {
            // Waiting for a click blocks, so it gets a thread of its own; it ends
            // when the notification closes.
            #[cfg(all(unix, not(target_os = "macos")))]
            std::thread::spawn(move || {
                handle.wait_for_action(|action| match action {
                    "default" | "open" => f(Action::Open(conversation)),
                    "done" => f(Action::MarkDone(conversation)),
                    _ => {}
                });
            });
            #[cfg(not(all(unix, not(target_os = "macos"))))]
            let _ = (f, conversation, handle);
        }
        Ok(())
    }
}

/// Passes every event to `inner` and turns urgent items into notifications.
pub struct NotifyingSink {
    inner: Arc<dyn EventSink>,
    notifier: Mutex<Notifier>,
    desktop: Desktop,
    clock: Arc<dyn Clock>,
}

impl NotifyingSink {
    pub fn new(
        inner: Arc<dyn EventSink>,
        policy: NotifyPolicy,
        desktop: Desktop,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            inner,
            notifier: Mutex::new(Notifier::new(policy)),
            desktop,
            clock,
        }
    }

    /// The conversation on screen, which never notifies.
    pub fn set_viewing(&self, conversation_id: Option<i64>) {
        self.lock().set_viewing(conversation_id);
    }

    /// The manager's settings (digest window, quiet hours), from now on.
    pub fn set_policy(&self, policy: NotifyPolicy) {
        self.lock().set_policy(policy);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Notifier> {
        // The notifier's state is a window and a list; a panic elsewhere cannot
        // leave it unusable.
        self.notifier.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl EventSink for NotifyingSink {
    fn emit(&self, event: CoreEvent) {
        let notice = match &event {
            CoreEvent::Urgent { items } => self.lock().offer(items, self.clock.now_ms()),
            CoreEvent::Spikes { spikes } => self.lock().offer_spikes(spikes, self.clock.now_ms()),
            _ => None,
        };
        if let Some(notice) = notice {
            if let Err(message) = self.desktop.show(&notice) {
                self.inner.emit(CoreEvent::Alert { message });
            }
        }
        self.inner.emit(event);
    }
}
