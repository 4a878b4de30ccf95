//! Desktop notifications for urgent items and listening spikes.
//!
//! [`NotifyingSink`] sits in front of any event sink: it passes every event on
//! and, for urgent items and the spikes the manager asked to hear of, asks the
//! core's [`Notifier`] what to show and shows it: through the freedesktop
//! notification service on Linux and the BSDs ([`freedesktop`], one D-Bus
//! connection for every notification and its clicks), with notify-rust on
//! macOS and Windows. A digest updates the notification it follows in place,
//! so a burst leaves one on screen.

use std::sync::{Arc, Mutex};

use earshot_core::clock::Clock;
use earshot_core::events::{CoreEvent, EventSink};
use earshot_core::notify::{Notice, Notifier, NotifyPolicy};

#[cfg(all(unix, not(target_os = "macos")))]
mod freedesktop;

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
    /// The session bus connection, made at the first notice (and again after
    /// a failure, so a notification service started later is found).
    #[cfg(all(unix, not(target_os = "macos")))]
    service: Mutex<Option<Arc<freedesktop::Service>>>,
}

const NO_SERVICE: &str = "on Linux, a notification service (your desktop's, or dunst) must be \
                          running on the session bus";

impl Desktop {
    pub fn new(app_name: &str) -> Self {
        Self {
            app_name: app_name.to_owned(),
            last: Mutex::new(None),
            on_action: None,
            #[cfg(all(unix, not(target_os = "macos")))]
            service: Mutex::new(None),
        }
    }

    /// Offers Open and Mark done on single-item notifications, where the
    /// platform has actions, and calls `f` (on a thread of its own) when one
    /// is chosen.
    pub fn with_actions(mut self, f: impl Fn(Action) + Send + Sync + 'static) -> Self {
        self.on_action = Some(Arc::new(f));
        self
    }

    /// Shows a notice. Errors say what is missing (no notification service).
    #[cfg(all(unix, not(target_os = "macos")))]
    pub fn show(&self, notice: &Notice) -> Result<(), String> {
        let service = {
            let mut slot = self.service.lock().unwrap_or_else(|e| e.into_inner());
            match &*slot {
                Some(service) => Arc::clone(service),
                None => {
                    let service = Arc::new(
                        freedesktop::Service::connect(self.on_action.clone()).map_err(|e| {
                            format!("cannot reach the desktop's notification service ({e}); {NO_SERVICE}")
                        })?,
                    );
                    *slot = Some(Arc::clone(&service));
                    service
                }
            }
        };
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        let replaces = if notice.replaces_previous {
            *last
        } else {
            None
        };
        match service.show(
            &self.app_name,
            replaces,
            &notice.title,
            &notice.body,
            notice.conversation_id,
        ) {
            Ok((id, early)) => {
                *last = Some(id);
                drop(last);
                if let (Some(action), Some(f)) = (early, &self.on_action) {
                    f(action);
                }
                Ok(())
            }
            Err(e) => {
                // The service may have gone (the desktop session restarted):
                // connect afresh next time.
                *self.service.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Err(format!(
                    "cannot show a desktop notification ({e}); {NO_SERVICE}"
                ))
            }
        }
    }

    /// Shows a notice. Errors say what is missing.
    #[cfg(not(all(unix, not(target_os = "macos"))))]
    pub fn show(&self, notice: &Notice) -> Result<(), String> {
        notify_rust::Notification::new()
            .appname(&self.app_name)
            .summary(&notice.title)
            .body(&notice.body)
            .show()
            .map(|_| ())
            .map_err(|e| format!("cannot show a desktop notification ({e})"))
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
