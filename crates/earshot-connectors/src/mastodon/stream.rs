//! Mastodon's streaming API over server-sent events: the parser, and the loop
//! that turns `notification` and `conversation` events into stream events.
//!
//! SSE rather than WebSocket because it is plain HTTP through the shared
//! client, and Mastodon serves both on the same streaming host.

use std::time::Duration;

use earshot_core::connector::{ConnectorError, StreamEvent, StreamSink};
use futures_util::StreamExt;
use serde_json::Value;

use super::model::Mapper;

/// No bytes at all (events or heartbeats, which Mastodon sends every few
/// seconds) for this long means the connection is dead.
pub(super) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);
/// Largest single event (a status with a long thread of mentions is a few KiB).
pub(super) const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// One dispatched server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SseEvent {
    pub event: String,
    pub data: String,
}

/// An event larger than [`MAX_EVENT_BYTES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a stream event is over the {limit}-byte limit")]
pub(super) struct EventTooLarge {
    pub limit: usize,
}

/// Reads `event:`/`data:` lines from chunks split anywhere (even inside a
/// line or a UTF-8 character). A blank line ends an event; lines starting
/// with `:` are comments (heartbeats).
#[derive(Debug)]
pub(super) struct SseParser {
    line: Vec<u8>,
    event: String,
    data: String,
    has_data: bool,
    limit: usize,
}

impl SseParser {
    pub fn new(limit: usize) -> Self {
        Self {
            line: Vec::new(),
            event: String::new(),
            data: String::new(),
            has_data: false,
            limit,
        }
    }

    /// Feeds a chunk, returning the events it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, EventTooLarge> {
        let mut events = Vec::new();
        for &byte in chunk {
            if byte == b'\n' {
                let mut line = std::mem::take(&mut self.line);
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if let Some(event) = self.line_done(&line) {
                    events.push(event);
                }
            } else {
                if self.line.len() + self.data.len() + self.event.len() >= self.limit {
                    return Err(EventTooLarge { limit: self.limit });
                }
                self.line.push(byte);
            }
        }
        Ok(events)
    }

    fn line_done(&mut self, line: &[u8]) -> Option<SseEvent> {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let data = std::mem::take(&mut self.data);
            let has_data = std::mem::replace(&mut self.has_data, false);
            if !has_data {
                return None;
            }
            let event = if event.is_empty() {
                "message".to_owned()
            } else {
                event
            };
            return Some(SseEvent { event, data });
        }
        if line.first() == Some(&b':') {
            return None;
        }
        let line = String::from_utf8_lossy(line);
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            // `id` and `retry` matter to browsers reconnecting; the engine
            // reconnects and fetches instead.
            _ => {}
        }
        None
    }
}

/// What a stream event means for Earshot.
pub(super) enum Meaning {
    Item(Box<earshot_core::item::NewItem>),
    /// Something we could not read: a fetch will find it.
    Poke,
    Ignore,
}

/// Reads one event, and the notification id it carries (for marking read).
pub(super) fn interpret(mapper: &Mapper, event: &SseEvent) -> (Meaning, Option<String>) {
    let read = match event.event.as_str() {
        "notification" => Mapper::notification,
        "conversation" => Mapper::conversation,
        // Home timeline updates, deletions, edits, announcements, filter
        // changes: not conversations of this account.
        _ => return (Meaning::Ignore, None),
    };
    let Ok(value) = serde_json::from_str::<Value>(&event.data) else {
        return (Meaning::Poke, None);
    };
    let entry = read(mapper, value);
    let meaning = match (entry.item, entry.malformed) {
        (Some(item), _) => Meaning::Item(Box::new(item)),
        (None, true) => Meaning::Poke,
        (None, false) => Meaning::Ignore,
    };
    // A conversation's page id is a status id, not a notification's.
    let notification_id = entry.page_id.filter(|_| event.event == "notification");
    (meaning, notification_id)
}

/// Runs an open stream's body until it dies or nobody listens. `on_event`
/// turns each event into what to send (and remembers what it learns).
pub(super) async fn pump<S, B, E, F>(
    mut body: S,
    sink: &StreamSink,
    idle: Duration,
    server: &str,
    mut on_event: F,
) -> Result<(), ConnectorError>
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
    F: FnMut(&SseEvent) -> Option<StreamEvent>,
{
    let mut parser = SseParser::new(MAX_EVENT_BYTES);
    loop {
        let chunk = tokio::select! {
            () = sink.closed() => return Ok(()),
            chunk = tokio::time::timeout(idle, body.next()) => chunk,
        };
        let chunk = match chunk {
            Err(_) => {
                return Err(ConnectorError::Server {
                    server: server.to_owned(),
                    message: format!(
                        "the stream sent nothing for {} s (not even a heartbeat)",
                        idle.as_secs()
                    ),
                })
            }
            Ok(None) => {
                return Err(ConnectorError::Server {
                    server: server.to_owned(),
                    message: "the stream was closed by the server".into(),
                })
            }
            Ok(Some(Err(e))) => {
                return Err(ConnectorError::Offline {
                    server: server.to_owned(),
                    message: format!("the stream broke: {e}"),
                })
            }
            Ok(Some(Ok(chunk))) => chunk,
        };
        let events = parser
            .feed(chunk.as_ref())
            .map_err(|e| ConnectorError::Malformed {
                server: server.to_owned(),
                what: "stream".into(),
                message: e.to_string(),
            })?;
        for event in &events {
            if let Some(out) = on_event(event) {
                if sink.send(out).await.is_err() {
                    return Ok(());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_all(parser: &mut SseParser, chunks: &[&[u8]]) -> Vec<SseEvent> {
        chunks
            .iter()
            .flat_map(|c| parser.feed(c).unwrap())
            .collect()
    }

    #[test]
    fn events_split_across_chunks_anywhere_are_whole() {
        let stream = "event: notification\r\ndata: {\"id\":\"1\",\"é\":1}\r\n\r\n:thump\n\nevent: update\ndata: {}\n\n";
        let bytes = stream.as_bytes();
        // Every split point, including inside the two-byte `é`.
        for cut in 0..bytes.len() {
            let mut parser = SseParser::new(MAX_EVENT_BYTES);
            let events = feed_all(&mut parser, &[&bytes[..cut], &bytes[cut..]]);
            assert_eq!(
                events,
                vec![
                    SseEvent {
                        event: "notification".into(),
                        data: "{\"id\":\"1\",\"é\":1}".into()
                    },
                    SseEvent {
                        event: "update".into(),
                        data: "{}".into()
                    },
                ],
                "split at byte {cut}"
            );
        }
    }

    #[test]
    fn comments_are_heartbeats_and_dispatch_nothing() {
        let mut parser = SseParser::new(MAX_EVENT_BYTES);
        assert!(feed_all(&mut parser, &[b":connected\n\n", b":\n\n:thump\n"]).is_empty());
    }

    #[test]
    fn multi_line_data_is_joined_with_newlines() {
        let mut parser = SseParser::new(MAX_EVENT_BYTES);
        let events = feed_all(&mut parser, &[b"event: delete\ndata:1\ndata: 2\ndata\n\n"]);
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].data, "1\n2\n",
            "an empty `data` line adds an empty line"
        );
    }

    #[test]
    fn an_event_without_data_is_not_dispatched_and_the_default_name_is_message() {
        let mut parser = SseParser::new(MAX_EVENT_BYTES);
        let events = feed_all(&mut parser, &[b"event: filters_changed\n\ndata: x\n\n"]);
        assert_eq!(
            events,
            vec![SseEvent {
                event: "message".into(),
                data: "x".into()
            }]
        );
    }

    #[test]
    fn an_oversized_event_is_refused_not_buffered() {
        let mut parser = SseParser::new(64);
        let mut big = b"data: ".to_vec();
        big.extend(std::iter::repeat_n(b'x', 100));
        assert_eq!(parser.feed(&big), Err(EventTooLarge { limit: 64 }));
        // Many lines of one event add up too.
        let mut parser = SseParser::new(64);
        let lines = "data: 0123456789\n".repeat(10);
        assert!(parser.feed(lines.as_bytes()).is_err());
    }
}
