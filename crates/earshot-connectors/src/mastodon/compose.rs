//! Writing a reply the way Mastodon reads it: how long the server will count
//! it, and the mention of the parent's author that makes the server notify
//! them.

/// The length Mastodon gives a status: characters, with every link counted as
/// `url_length` and a mention `@user@domain` counted as `@user` only.
///
/// Characters are Unicode scalar values. Recent Mastodon servers count
/// grapheme clusters, which are never more, so a text this accepts is never
/// refused by the server.
pub(crate) fn status_length(text: &str, url_length: usize) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut length = 0;
    let mut i = 0;
    while i < chars.len() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        if let Some(end) = url_end(&chars, i, before) {
            length += url_length;
            i = end;
        } else if let Some((user_end, end)) = mention_end(&chars, i, before) {
            // `@` and the user name; the domain does not count.
            length += user_end - i;
            i = end;
        } else {
            length += 1;
            i += 1;
        }
    }
    length
}

/// Where a link starting at `i` ends (exclusive): `http://` or `https://`
/// after a non-word character, up to white space, without trailing
/// punctuation (as the server's link extractor leaves it out).
fn url_end(chars: &[char], i: usize, before: Option<char>) -> Option<usize> {
    if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '/') {
        return None;
    }
    let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
    let rest = rest.to_ascii_lowercase();
    let scheme = if rest.starts_with("https://") {
        8
    } else if rest.starts_with("http://") {
        7
    } else {
        return None;
    };
    let mut end = i + scheme;
    while end < chars.len() && !chars[end].is_whitespace() {
        end += 1;
    }
    while end > i + scheme && is_trailing_punctuation(chars[end - 1]) {
        end -= 1;
    }
    // A scheme with nothing after it is just text.
    (end > i + scheme).then_some(end)
}

fn is_trailing_punctuation(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '}' | '\'' | '"'
    )
}

fn is_user_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// A mention at `i`: `(end of @user, end of the whole mention)`. Follows
/// Mastodon's pattern: not after a word character, `=` or `/`; a user name of
/// `[a-z0-9_]` that may hold `.` and `-` inside; an optional `@domain`
/// ending in a word character.
fn mention_end(chars: &[char], i: usize, before: Option<char>) -> Option<(usize, usize)> {
    if chars[i] != '@' || before.is_some_and(|c| is_word(c) || c == '=' || c == '/') {
        return None;
    }
    let mut end = i + 1;
    while end < chars.len() && (is_user_char(chars[end]) || matches!(chars[end], '.' | '-')) {
        end += 1;
    }
    // The name must end in a user character: trailing dots and dashes are
    // punctuation ("thanks @bob.").
    while end > i + 1 && !is_user_char(chars[end - 1]) {
        end -= 1;
    }
    if end == i + 1 || !is_user_char(chars[i + 1]) {
        return None;
    }
    let user_end = end;
    if end < chars.len() && chars[end] == '@' {
        let mut domain_end = end + 1;
        while domain_end < chars.len()
            && (is_word(chars[domain_end]) || matches!(chars[domain_end], '.' | '-'))
        {
            domain_end += 1;
        }
        while domain_end > end + 1 && !is_word(chars[domain_end - 1]) {
            domain_end -= 1;
        }
        // The domain needs at least two characters, the last a word character.
        if domain_end >= end + 3 {
            return Some((user_end, domain_end));
        }
    }
    Some((user_end, user_end))
}

/// Whether `text` already mentions `acct` (`bob` or `bob@example.social`),
/// ignoring case, as a whole mention (so `@bobby` does not mention `bob`).
pub(super) fn mentions(text: &str, acct: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    let wanted = acct.to_lowercase();
    (0..chars.len()).any(|i| {
        let before = i.checked_sub(1).map(|j| chars[j]);
        mention_end(&chars, i, before).is_some_and(|(_, end)| {
            let found: String = chars[i + 1..end].iter().collect();
            found.to_lowercase() == wanted
        })
    })
}

/// The text to send: prefixed with `@acct ` unless it already mentions the
/// parent's author, since Mastodon notifies only the people a status mentions.
pub(super) fn with_mention(text: &str, acct: &str) -> String {
    if mentions(text, acct) {
        text.to_owned()
    } else {
        format!("@{acct} {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_counts_characters_not_bytes() {
        assert_eq!(status_length("", 23), 0);
        assert_eq!(status_length("héllo wörld", 23), 11);
        assert_eq!(status_length("日本語", 23), 3);
    }

    #[test]
    fn every_link_counts_as_the_reserved_length() {
        let long = format!("see https://example.com/{}", "a".repeat(200));
        assert_eq!(status_length(&long, 23), 4 + 23, "a long URL counts as 23");
        assert_eq!(
            status_length("http://x.y", 23),
            23,
            "a short URL counts as 23 too"
        );
        assert_eq!(
            status_length("a https://a.example/b, and HTTPS://b.example.", 23),
            2 + 23 + 6 + 23 + 1,
            "trailing punctuation is not part of the link"
        );
        assert_eq!(status_length("https://", 23), 8, "a bare scheme is text");
        assert_eq!(
            status_length("xhttps://a.b", 23),
            12,
            "a link must start a word"
        );
    }

    #[test]
    fn a_remote_mention_counts_only_the_user_name() {
        assert_eq!(status_length("@alice@example.social hi", 23), 6 + 3);
        assert_eq!(status_length("@alice hi", 23), 9);
        assert_eq!(
            status_length("mail bob@example.com", 23),
            20,
            "an e-mail is not a mention"
        );
        assert_eq!(status_length("@a.b-c@x.example.org.", 23), 6 + 1);
    }

    #[test]
    fn mentions_match_whole_handles_ignoring_case() {
        assert!(mentions("hi @Bob!", "bob"));
        assert!(mentions("@bob@other.social thanks", "bob@other.social"));
        assert!(!mentions("hi @bobby", "bob"));
        assert!(
            !mentions("hi @bob@other.social", "bob"),
            "another server's bob"
        );
        assert!(!mentions("mail bob@x.org", "bob"));
    }

    #[test]
    fn a_reply_gets_the_mention_it_needs_once() {
        assert_eq!(with_mention("thanks!", "bob"), "@bob thanks!");
        assert_eq!(with_mention("thanks @bob!", "bob"), "thanks @bob!");
        assert_eq!(
            with_mention("ok", "carol@else.where"),
            "@carol@else.where ok"
        );
    }
}
