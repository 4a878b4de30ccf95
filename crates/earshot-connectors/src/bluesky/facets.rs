//! Rich text for outgoing posts: finding mentions and links in a reply's text,
//! and measuring its length the way Bluesky does.
//!
//! Bluesky posts are plain text plus facets (lexicon `app.bsky.richtext.facet`):
//! ranges given as UTF-8 byte offsets (start inclusive, end exclusive) with a
//! feature each, a mention (by DID) or a link. Without facets a mention is not
//! a mention (nobody is notified) and a link is not clickable. The length limit
//! counts extended grapheme clusters, so a family emoji made of seven code
//! points counts as one.

use unicode_segmentation::UnicodeSegmentation;

/// The most graphemes a post's text may have (lexicon `app.bsky.feed.post`).
pub const MAX_GRAPHEMES: usize = 300;

/// How many graphemes Bluesky counts in `text`.
pub fn grapheme_count(text: &str) -> usize {
    text.graphemes(true).count()
}

/// Something in a text that becomes a facet once resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// UTF-8 byte offsets: `start` inclusive, `end` exclusive.
    pub start: usize,
    pub end: usize,
    pub kind: SpanKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanKind {
    /// `@handle.tld`: the span covers the `@`; the handle is lower-cased.
    Mention(String),
    /// An `http(s)://` link.
    Link(String),
}

/// Finds mentions and links, in text order. A mention or link must start the
/// text or follow whitespace or `(`, as the official clients require, so that
/// `mail@example.com` is not a mention.
pub fn detect(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut previous: Option<char> = None;
    let mut skip_to = 0;
    for (i, c) in text.char_indices() {
        let starts_word = previous.is_none_or(|p| p.is_whitespace() || p == '(');
        previous = Some(c);
        if i < skip_to || !starts_word {
            continue;
        }
        let rest = &text[i..];
        let found = if c == '@' {
            mention_at(rest)
        } else if rest.starts_with("https://") || rest.starts_with("http://") {
            link_at(rest)
        } else {
            None
        };
        if let Some((len, kind)) = found {
            spans.push(Span {
                start: i,
                end: i + len,
                kind,
            });
            skip_to = i + len;
        }
    }
    spans
}

/// `rest` starts with `@`: the mention's length in bytes and its handle.
fn mention_at(rest: &str) -> Option<(usize, SpanKind)> {
    let body = &rest[1..];
    let len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or(body.len());
    // A sentence may end right after a handle: "thanks @bob.test."
    let handle = body[..len].trim_end_matches('.');
    is_handle(handle).then(|| {
        (
            1 + handle.len(),
            SpanKind::Mention(handle.to_ascii_lowercase()),
        )
    })
}

/// Handle syntax (atproto.com/specs/handle): a domain name of at least two
/// labels, each 1–63 letters, digits or inner hyphens, the last not starting
/// with a digit.
fn is_handle(handle: &str) -> bool {
    let labels: Vec<&str> = handle.split('.').collect();
    handle.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.starts_with(|c: char| c.is_ascii_alphabetic()))
}

/// `rest` starts with `http(s)://`: the link's length in bytes and its URI.
fn link_at(rest: &str) -> Option<(usize, SpanKind)> {
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let mut link = &rest[..end];
    // Punctuation that ends a sentence is not part of the link, nor is a
    // closing parenthesis around it: "(see https://example.com/a)."
    loop {
        let trimmed = link.trim_end_matches(['.', ',', ';', ':', '!', '?', '"', '\'']);
        let trimmed = if trimmed.ends_with(')') && !trimmed.contains('(') {
            &trimmed[..trimmed.len() - 1]
        } else {
            trimmed
        };
        if trimmed.len() == link.len() {
            break;
        }
        link = trimmed;
    }
    let parsed = url::Url::parse(link).ok()?;
    parsed
        .host_str()
        .is_some_and(|h| !h.is_empty())
        .then(|| (link.len(), SpanKind::Link(link.to_owned())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mention(start: usize, end: usize, handle: &str) -> Span {
        Span {
            start,
            end,
            kind: SpanKind::Mention(handle.into()),
        }
    }

    fn link(start: usize, end: usize, uri: &str) -> Span {
        Span {
            start,
            end,
            kind: SpanKind::Link(uri.into()),
        }
    }

    #[test]
    fn offsets_are_utf8_bytes_after_emoji_and_accents() {
        // "✨" is 3 bytes, "é" 2, "👨‍👩‍👧" 18: byte offsets, not chars or UTF-16.
        let text = "✨ café @bob.test 👨‍👩‍👧 see https://example.com/ü";
        let spans = detect(text);
        let bob = text.find("@bob").unwrap();
        let url = text.find("https").unwrap();
        assert_eq!(bob, 10, "3 + 1 + 5 + 1 bytes precede the mention");
        assert_eq!(
            spans,
            vec![
                mention(bob, bob + 9, "bob.test"),
                link(url, text.len(), "https://example.com/ü"),
            ]
        );
        assert_eq!(&text[spans[0].start..spans[0].end], "@bob.test");
    }

    #[test]
    fn mentions_need_a_word_start_and_a_valid_handle() {
        let spans = detect("mail@example.com @alice @bob.test. (@Carol.Test) @-x.test @a.1x");
        let handles: Vec<_> = spans
            .iter()
            .map(|s| match &s.kind {
                SpanKind::Mention(h) => h.as_str(),
                SpanKind::Link(_) => "link",
            })
            .collect();
        assert_eq!(
            handles,
            vec!["bob.test", "carol.test"],
            "an e-mail, a bare name, a leading hyphen and a numeric TLD are not handles"
        );
    }

    #[test]
    fn links_drop_trailing_punctuation_and_parentheses() {
        let text = "(see https://example.com/a). Or http://x.test/b?c=d, fine";
        let spans = detect(text);
        assert_eq!(spans.len(), 2);
        assert_eq!(&text[spans[0].start..spans[0].end], "https://example.com/a");
        assert_eq!(&text[spans[1].start..spans[1].end], "http://x.test/b?c=d");
        let wiki = "https://en.wikipedia.org/wiki/Rust_(language)";
        assert_eq!(
            detect(wiki),
            vec![link(0, wiki.len(), wiki)],
            "balanced parens stay"
        );
        assert!(detect("https:// nothing").is_empty(), "a link needs a host");
        assert!(
            detect("xhttps://example.com").is_empty(),
            "not at a word start"
        );
    }

    #[test]
    fn graphemes_count_what_a_reader_sees() {
        assert_eq!(grapheme_count("👨‍👩‍👧‍👦"), 1, "a family emoji is one grapheme");
        assert_eq!(grapheme_count("🇫🇷"), 1, "a flag is one grapheme");
        assert_eq!(grapheme_count("e\u{301}"), 1, "e + combining acute is one");
        assert_eq!(grapheme_count("héllo"), 5);
        assert_eq!(grapheme_count(""), 0);
        assert_eq!(grapheme_count(&"👍".repeat(300)), MAX_GRAPHEMES);
    }
}
