//! The pure half of ingest: turn what a network sent into what the store keeps.
//!
//! Sanitised HTML for display (the webview never sees network HTML as sent),
//! plain text for search and snippets, language and sentiment. No I/O, so it
//! runs on another core while the writer stores the previous batch.

use std::sync::OnceLock;

use crate::item::{Content, NewItem};

/// Longest text kept for one item; longer bodies are cut at a character
/// boundary (no network sends more than a few KiB; this bounds hostile input).
pub const MAX_TEXT_BYTES: usize = 64 * 1024;
/// Longest HTML accepted before sanitising.
pub const MAX_HTML_BYTES: usize = 256 * 1024;

/// An item ready to be written.
#[derive(Debug, Clone)]
pub struct Analysed {
    pub item: NewItem,
    pub text: String,
    /// Sanitised HTML for items that came as HTML; empty for plain-text items,
    /// whose HTML is derived from the text when read ([`display_html`]), so the
    /// cache does not hold every plain post twice.
    pub html: String,
    pub lang: Option<String>,
    pub sentiment: Option<f64>,
    pub has_link: bool,
    /// The rules that fire on it (evaluated here, on the analysis thread).
    pub firings: Vec<crate::rules::Firing>,
    /// The listening queries it matches (found here too, on the analysis thread).
    pub hits: Vec<i64>,
}

/// Analyses one item.
pub fn analyse(item: NewItem) -> Analysed {
    let (text, html) = match &item.content {
        Content::Text(text) => (truncate(text.trim(), MAX_TEXT_BYTES), String::new()),
        Content::Html(raw) => {
            let raw = truncate(raw, MAX_HTML_BYTES);
            let text = truncate(&html_to_text(&raw), MAX_TEXT_BYTES);
            (text, sanitise_html(&raw))
        }
    };
    let lang = item
        .lang
        .as_deref()
        .and_then(normalise_lang)
        .or_else(|| detect_lang(&text));
    let sentiment = sentiment(&text);
    let has_link = text.contains("http://") || text.contains("https://");
    Analysed {
        item,
        text,
        html,
        lang,
        sentiment,
        has_link,
        firings: Vec::new(),
        hits: Vec::new(),
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

fn sanitiser() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::empty();
        b.add_tags([
            "p",
            "br",
            "a",
            "strong",
            "b",
            "em",
            "i",
            "code",
            "pre",
            "blockquote",
            "ul",
            "ol",
            "li",
            "del",
            "s",
            "span",
        ])
        .add_tag_attributes("a", ["href"])
        .add_url_schemes(["http", "https", "mailto"])
        .link_rel(Some(LINK_REL))
        .strip_comments(true);
        b
    })
}

/// Sanitises network HTML to the small subset the thread view shows: paragraphs,
/// line breaks, emphasis, code, quotes, lists and http(s)/mailto links. Scripts,
/// styles, event handlers, images, iframes and `javascript:` URLs are removed.
pub fn sanitise_html(raw: &str) -> String {
    plain_markup(raw).unwrap_or_else(|| sanitiser().clean(raw).to_string())
}

/// What every link Earshot shows carries: set on ammonia's links, written on
/// the fast path's and on links found in plain text.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// The sanitised form of the markup most posts come in (Mastodon's): paragraphs,
/// line breaks, spans and http(s) links, properly nested, with plain attribute
/// values and the five common entities, written exactly as ammonia writes it,
/// without building a DOM (ammonia takes ~7 µs for a typical post, a tenth of
/// ingest's analysis). `None` for anything else, however harmless: ammonia
/// decides then. A test checks this against ammonia on generated markup.
fn plain_markup(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut open: Vec<&str> = Vec::new();
    let mut rest = raw;
    loop {
        let lt = rest.find('<').unwrap_or(rest.len());
        plain_text(&rest[..lt], &mut out)?;
        if lt == rest.len() {
            break;
        }
        let after = &rest[lt + 1..];
        let gt = after.find('>')?;
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop() != Some(name) {
                return None;
            }
            out.push_str("</");
            out.push_str(name);
            out.push('>');
            continue;
        }
        let (name, attributes) = tag.split_once(' ').unwrap_or((tag, ""));
        match name {
            "br" if matches!(attributes, "" | "/") => out.push_str("<br>"),
            "br/" if attributes.is_empty() => out.push_str("<br>"),
            "p" if attributes.is_empty() && open.is_empty() => {
                open.push("p");
                out.push_str("<p>");
            }
            "span" => {
                plain_attributes(attributes, &["class", "translate"])?;
                open.push("span");
                out.push_str("<span>");
            }
            "a" if !open.contains(&"a") => {
                let href = plain_attributes(attributes, &["href", "class", "rel", "target"])?
                    .filter(|href| {
                        (href.starts_with("https://") || href.starts_with("http://"))
                            && href.is_ascii()
                            && url::Url::parse(href).is_ok()
                    })?;
                open.push("a");
                out.push_str("<a href=\"");
                out.push_str(href);
                out.push_str("\" rel=\"");
                out.push_str(LINK_REL);
                out.push_str("\">");
            }
            _ => return None,
        }
    }
    open.is_empty().then_some(out)
}

/// Text between tags, escaped as ammonia writes it; `None` for characters or
/// entities the fast path leaves to ammonia.
fn plain_text(text: &str, out: &mut String) -> Option<()> {
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return None;
    }
    let mut rest = text;
    while let Some(at) = rest.find(['&', '>', '\u{a0}', '\u{feff}']) {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let (entity, len) = [
            ("&amp;", 5),
            ("&lt;", 4),
            ("&gt;", 4),
            ("&quot;", 6),
            ("&#39;", 5),
        ]
        .into_iter()
        .find(|(entity, _)| rest.starts_with(entity))?;
        out.push_str(match entity {
            "&quot;" => "\"",
            "&#39;" => "'",
            same => same,
        });
        rest = &rest[len..];
    }
    out.push_str(rest);
    Some(())
}

/// Checks a tag's attributes: each `name="value"`, each name allowed and given
/// once, no value holding a quote, an angle bracket or an entity. The `href`,
/// if there is one.
fn plain_attributes<'a>(attributes: &'a str, allowed: &[&str]) -> Option<Option<&'a str>> {
    let mut seen: Vec<&str> = Vec::new();
    let mut href = None;
    let mut rest = attributes.trim_start_matches(' ');
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"")?;
        let (value, after) = after.split_once('"')?;
        if !allowed.contains(&name) || seen.contains(&name) || value.contains(['<', '>', '&']) {
            return None;
        }
        if name == "href" {
            href = Some(value);
        }
        seen.push(name);
        rest = after.trim_start_matches(' ');
        if !after.is_empty() && after.len() == rest.len() {
            // Attributes not separated by a space.
            return None;
        }
    }
    Some(href)
}

/// Extracts readable text from HTML: block ends become line breaks, entities are
/// decoded, script and style contents dropped.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut skip_until: Option<&'static str> = None;
    while let Some(lt) = rest.find('<') {
        if skip_until.is_none() {
            push_decoded(&mut out, &rest[..lt]);
        }
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            // An unterminated tag: treat the rest as text, as browsers show it.
            if skip_until.is_none() {
                push_decoded(&mut out, &rest[lt..]);
            }
            rest = "";
            break;
        };
        let tag = &after[..gt];
        rest = &after[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if let Some(end) = skip_until {
            if closing && name == end {
                skip_until = None;
            }
            continue;
        }
        match name.as_str() {
            "script" if !closing => skip_until = Some("script"),
            "style" if !closing => skip_until = Some("style"),
            "br" => out.push('\n'),
            "p" | "div" | "blockquote" | "pre" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6"
                if closing || (!out.is_empty() && !out.ends_with('\n')) =>
            {
                out.push_str("\n\n");
            }
            "li" if !closing => {
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str("• ");
            }
            _ => {}
        }
    }
    if skip_until.is_none() {
        push_decoded(&mut out, rest);
    }
    tidy_whitespace(&out)
}

/// Collapses runs of spaces, trims lines and keeps at most one blank line.
fn tidy_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    for line in text.split('\n') {
        let mut collapsed = String::with_capacity(line.len());
        for word in line.split_whitespace() {
            if !collapsed.is_empty() {
                collapsed.push(' ');
            }
            collapsed.push_str(word);
        }
        if collapsed.is_empty() {
            blank_run += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank_run > 0 { "\n\n" } else { "\n" });
        }
        blank_run = 0;
        out.push_str(&collapsed);
    }
    out
}

fn push_decoded(out: &mut String, text: &str) {
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| decode_entity(&after[..e]));
        match (end, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).filter(|c| *c != '\0');
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "rsquo" => '’',
        "lsquo" => '‘',
        "rdquo" => '”',
        "ldquo" => '“',
        _ => return None,
    })
}

/// The HTML the thread view shows for a stored item.
pub fn display_html(text: &str, stored_html: String) -> String {
    if stored_html.is_empty() {
        text_to_html(text)
    } else {
        stored_html
    }
}

/// Escapes plain text for HTML, links bare http(s) URLs and keeps line breaks.
pub fn text_to_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 16);
    for para in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        html.push_str("<p>");
        for (j, line) in para.trim().split('\n').enumerate() {
            if j > 0 {
                html.push_str("<br>");
            }
            linkify_into(&mut html, line);
        }
        html.push_str("</p>");
    }
    html
}

fn linkify_into(html: &mut String, line: &str) {
    let mut rest = line;
    loop {
        let next = [rest.find("https://"), rest.find("http://")]
            .into_iter()
            .flatten()
            .min();
        let Some(start) = next else {
            escape_into(html, rest);
            return;
        };
        escape_into(html, &rest[..start]);
        let tail = &rest[start..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == '"')
            .unwrap_or(tail.len());
        while end > 0 && tail[..end].ends_with(['.', ',', ';', ':', '!', '?', ')', '\'']) {
            end -= 1;
        }
        let url = &tail[..end];
        if !url
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .contains(|c: char| c.is_alphanumeric())
        {
            // A scheme with no host is not a link.
            let skip = if url.starts_with("https") { 8 } else { 7 };
            escape_into(html, &tail[..skip]);
            rest = &tail[skip..];
            continue;
        }
        html.push_str("<a href=\"");
        escape_into(html, url);
        html.push_str("\" rel=\"");
        html.push_str(LINK_REL);
        html.push_str("\">");
        escape_into(html, url);
        html.push_str("</a>");
        rest = &tail[end..];
    }
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Reduces a declared language tag ("en-US", "pt_BR", "eng") to its primary subtag.
pub fn normalise_lang(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
    if primary.is_empty() || primary.len() > 3 || !primary.chars().all(|c| c.is_ascii_lowercase()) {
        return None;
    }
    Some(primary)
}

/// Detects the language of a text when the detector is confident; short texts
/// are left unknown rather than guessed.
pub fn detect_lang(text: &str) -> Option<String> {
    if text.len() < 24 {
        return None;
    }
    if let Some(lang) = stopword_lang(text) {
        return Some(lang.to_owned());
    }
    // The first few hundred bytes decide as well as the whole text, at a fraction of the cost.
    let mut end = text.len().min(LANG_SAMPLE_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let info = detector().detect(&text[..end])?;
    if !info.is_reliable() {
        return None;
    }
    Some(iso639_1(info.lang()).to_owned())
}

/// Function words that mark a language and rarely occur in the others listed.
const STOPWORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "and", "is", "are", "you", "that", "this", "with", "have", "was", "for", "but",
            "it's", "i'm", "don't", "my", "what", "just", "your", "they", "of", "to", "it",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ist", "nicht", "ich", "mit", "sie", "auf", "für", "ein",
            "eine", "auch", "sich", "dem", "den", "wir", "aber", "noch", "schon", "wie", "bei",
            "kann", "zu",
        ],
    ),
    (
        "fr",
        &[
            "le", "les", "est", "pas", "je", "des", "une", "pour", "avec", "sur", "mais", "dans",
            "c'est", "vous", "nous", "qui", "ça", "très", "aussi", "j'ai", "du", "et",
        ],
    ),
    (
        "es",
        &[
            "el", "los", "las", "y", "es", "pero", "para", "con", "una", "por", "muy", "está",
            "gracias", "también", "lo", "del", "como", "más",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "não", "é", "uma", "com", "para", "mas", "muito", "está", "obrigado",
            "obrigada", "também", "do", "da", "você", "em", "isso",
        ],
    ),
    (
        "it",
        &[
            "il", "di", "che", "non", "è", "sono", "per", "una", "con", "ma", "molto", "anche",
            "questo", "della", "grazie", "ho",
        ],
    ),
    (
        "nl",
        &[
            "het", "een", "en", "niet", "ik", "van", "dat", "op", "te", "met", "maar", "ook",
            "zijn", "voor", "dit", "wel",
        ],
    ),
];

/// Each word of [`STOPWORDS`] with the languages it marks, one bit per list:
/// one lookup per word of a text rather than a scan of every list.
fn stopword_languages() -> &'static rustc_hash::FxHashMap<&'static str, u8> {
    static MAP: OnceLock<rustc_hash::FxHashMap<&'static str, u8>> = OnceLock::new();
    const _: () = assert!(STOPWORDS.len() <= 8, "one bit per language in a u8");
    MAP.get_or_init(|| {
        let mut map = rustc_hash::FxHashMap::default();
        for (i, (_, list)) in STOPWORDS.iter().enumerate() {
            for word in *list {
                *map.entry(*word).or_insert(0) |= 1 << i;
            }
        }
        map
    })
}

/// A quick answer from function words for texts in the common Latin-script
/// languages; `None` when the evidence is thin or mixed (the trigram model decides then).
fn stopword_lang(text: &str) -> Option<&'static str> {
    let languages = stopword_languages();
    let mut hits = [0u32; STOPWORDS.len()];
    let mut words = 0;
    let mut lower = String::new();
    for raw in text.split_whitespace().take(60) {
        let word = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
        if word.is_empty() {
            continue;
        }
        words += 1;
        let word = if word.chars().any(|c| c.is_uppercase()) {
            lower.clear();
            lower.extend(word.chars().flat_map(char::to_lowercase));
            lower.as_str()
        } else {
            word
        };
        if let Some(&marks) = languages.get(word) {
            for (i, hit) in hits.iter_mut().enumerate() {
                *hit += u32::from(marks >> i & 1);
            }
        }
    }
    // The most hits (the last list on a tie) and the next most.
    let (mut best, mut index, mut second) = (0, 0, 0);
    for (i, &h) in hits.iter().enumerate() {
        if h >= best {
            second = best.max(second);
            (best, index) = (h, i);
        } else {
            second = second.max(h);
        }
    }
    (words >= 5 && best >= 3 && best >= 3 * second.max(1)).then(|| STOPWORDS[index].0)
}

const LANG_SAMPLE_BYTES: usize = 240;

/// Languages told apart; limiting the set keeps detection fast on short posts.
fn detector() -> &'static whatlang::Detector {
    static DETECTOR: OnceLock<whatlang::Detector> = OnceLock::new();
    DETECTOR.get_or_init(|| {
        use whatlang::Lang::*;
        whatlang::Detector::with_allowlist(vec![
            Eng, Deu, Fra, Spa, Por, Ita, Nld, Swe, Pol, Tur, Rus, Ukr, Ell, Heb, Ara, Hin, Jpn,
            Kor, Cmn, Tha,
        ])
    })
}

fn iso639_1(lang: whatlang::Lang) -> &'static str {
    use whatlang::Lang::*;
    match lang {
        Eng => "en",
        Deu => "de",
        Fra => "fr",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Nld => "nl",
        Swe => "sv",
        Dan => "da",
        Nob => "nb",
        Fin => "fi",
        Pol => "pl",
        Ces => "cs",
        Slk => "sk",
        Hun => "hu",
        Ron => "ro",
        Rus => "ru",
        Ukr => "uk",
        Tur => "tr",
        Ell => "el",
        Heb => "he",
        Ara => "ar",
        Pes => "fa",
        Hin => "hi",
        Ben => "bn",
        Jpn => "ja",
        Kor => "ko",
        Cmn => "zh",
        Vie => "vi",
        Tha => "th",
        Ind => "id",
        Cat => "ca",
        Epo => "eo",
        other => other.code(),
    }
}

/// VADER's compound score in −1..1, or `None` for text with nothing to score.
pub fn sentiment(text: &str) -> Option<f64> {
    super::sentiment::score(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers below `n` from a xorshift generator, the same every run.
    fn below(mut seed: u64) -> impl FnMut(usize) -> usize {
        move |n| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        }
    }

    #[test]
    fn mastodon_html_becomes_text_and_safe_html() {
        let raw = r#"<p><span class="h-card" translate="no"><a href="https://social.example/@lumen" class="u-url mention">@<span>lumen</span></a></span> sync is broken &amp; I&#39;m annoyed</p><p>see <a href="https://status.example/x" rel="nofollow noopener" target="_blank">status</a><br>thanks</p>"#;
        let text = html_to_text(raw);
        assert_eq!(
            text,
            "@lumen sync is broken & I'm annoyed\n\nsee status\nthanks"
        );
        let html = sanitise_html(raw);
        assert!(
            html.contains(
                r#"<a href="https://social.example/@lumen" rel="noopener noreferrer nofollow">"#
            ),
            "{html}"
        );
        assert!(!html.contains("class="), "classes are dropped: {html}");
        assert!(!html.contains("target="), "{html}");
    }

    /// The fast path for plain markup writes exactly what ammonia writes, and
    /// leaves everything else to it: checked on markup made at random from
    /// pieces of posts, hostile ones and near misses included.
    #[test]
    fn plain_markup_is_sanitised_exactly_as_ammonia_does() {
        let typical = r#"<p><span class="h-card" translate="no"><a href="https://social.example/@lumen" class="u-url mention">@<span>lumen</span></a></span> sync &amp; &quot;more&quot; I&#39;m <a href="https://x.example/a?b=1" rel="nofollow noopener" target="_blank">here</a><br>ok</p><p>two</p>"#;
        assert!(
            plain_markup(typical).is_some(),
            "a typical post takes the fast path"
        );
        let pieces = [
            "<p>",
            "</p>",
            "<br>",
            "<br/>",
            "<br />",
            "<span>",
            "</span>",
            r#"<span class="h-card" translate="no">"#,
            r#"<span class="invisible">"#,
            r#"<a href="https://social.example/@lumen" class="u-url mention">"#,
            r#"<a href="http://x.example/a?b=1;c" rel="nofollow noopener noreferrer" target="_blank">"#,
            r#"<a class="hashtag" href="https://social.example/tags/sync" rel="tag">"#,
            "</a>",
            "hello ",
            "sync is broken",
            " ",
            "\n",
            "\t",
            "&amp;",
            "&lt;",
            "&gt;",
            "&quot;",
            "&#39;",
            "&nbsp;",
            "&amp;amp;",
            "&",
            "caf\u{e9} ",
            "\u{a0}",
            "\u{feff}",
            "\u{2028}",
            "\r\n",
            "\u{0}",
            "\u{7}",
            "\u{85}",
            "\"quoted\" 'single' ",
            ">",
            "<",
            "<P>",
            "<p class=\"x\">",
            "</br>",
            "<a>",
            "<a href=\"javascript:alert(1)\">",
            r#"<a href="https://x.example/" href="https://y.example/">"#,
            r#"<a href='https://x.example/'>"#,
            r#"<a href=https://x.example/>"#,
            r#"<a href="https://x.example/&amp;q">"#,
            r#"<a href="https://exa mple/">"#,
            r#"<a href="https://x.example/"onclick="x">"#,
            r#"<a  href="https://x.example/"  >"#,
            r#"<a HREF="https://x.example/">"#,
            "<script>",
            "</script>",
            "alert(1)",
            "<img src=x onerror=alert(1)>",
            "<!-- c -->",
            "<b>",
            "</b>",
            "<em>",
            "</em>",
            "<span\tclass=\"x\">",
            "<br/ />",
            "<br/ x>",
            "</span >",
            "<br class=\"x\">",
        ];
        let mut next = below(0x9e37_79b9_7f4a_7c15u64);
        let mut fast = 0;
        for case in 0..20_000 {
            let mut raw = String::new();
            if case % 2 == 0 {
                // Well-formed posts, most of which the fast path takes.
                for _ in 0..1 + next(3) {
                    raw.push_str("<p>");
                    for _ in 0..next(6) {
                        match next(5) {
                            0 => raw.push_str(pieces[2 + next(3)]),
                            1 => {
                                raw.push_str(pieces[9 + next(3)]);
                                raw.push_str(pieces[13 + next(9)]);
                                raw.push_str("</a>");
                            }
                            2 => {
                                raw.push_str(pieces[7 + next(2)]);
                                raw.push_str(pieces[13 + next(9)]);
                                raw.push_str("</span>");
                            }
                            _ => raw.push_str(pieces[13 + next(pieces.len() - 13)]),
                        }
                    }
                    raw.push_str("</p>");
                }
            } else {
                for _ in 0..next(12) {
                    raw.push_str(pieces[next(pieces.len())]);
                }
            }
            let ammonia = sanitiser().clean(&raw).to_string();
            if let Some(ours) = plain_markup(&raw) {
                fast += 1;
                assert_eq!(ours, ammonia, "input: {raw:?}");
            }
            assert_eq!(sanitise_html(&raw), ammonia, "input: {raw:?}");
        }
        assert!(fast > 4_000, "the fast path took only {fast} of 20,000");
    }

    /// The stopword guess as it was first written (every list scanned for each
    /// word, the counts sorted): the one lookup per word must answer the same.
    fn reference_stopword_lang(text: &str) -> Option<&'static str> {
        let mut hits = [0u32; STOPWORDS.len()];
        let mut words = 0;
        for raw in text.split_whitespace().take(60) {
            let word = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'');
            if word.is_empty() {
                continue;
            }
            words += 1;
            let word = word.to_lowercase();
            for (i, (_, list)) in STOPWORDS.iter().enumerate() {
                if list.contains(&word.as_str()) {
                    hits[i] += 1;
                }
            }
        }
        let mut ranked: Vec<(u32, usize)> = hits.iter().copied().zip(0..).collect();
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        let (best, index) = ranked[0];
        let second = ranked[1].0;
        (words >= 5 && best >= 3 && best >= 3 * second.max(1)).then(|| STOPWORDS[index].0)
    }

    #[test]
    fn the_stopword_guess_answers_as_scanning_every_list_did() {
        // Texts made at random from every list's words, words of no list and
        // capitalised words, so ties, thin evidence and mixed texts all occur.
        let mut pool: Vec<String> = STOPWORDS
            .iter()
            .flat_map(|(_, list)| list.iter().map(|w| w.to_string()))
            .collect();
        pool.extend(
            [
                "Der", "THE", "Très", "sync", "broken", "¿qué?", "\"and\"", "x",
            ]
            .map(String::from),
        );
        let mut next = below(0x2545_f491_4f6c_dd1du64);
        let mut decided = 0;
        for _ in 0..20_000 {
            let len = next(40);
            let (_, main) = STOPWORDS[next(STOPWORDS.len())];
            let share = next(11);
            let text: Vec<&str> = (0..len)
                .map(|_| {
                    if next(10) < share {
                        main[next(main.len())]
                    } else {
                        pool[next(pool.len())].as_str()
                    }
                })
                .collect();
            let text = text.join(" ");
            let ours = stopword_lang(&text);
            decided += usize::from(ours.is_some());
            assert_eq!(ours, reference_stopword_lang(&text), "text: {text:?}");
        }
        assert!(decided > 1_000, "only {decided} of 20,000 texts decided");
    }

    #[test]
    fn hostile_html_is_neutralised() {
        let raw = r#"<p>hi<script>alert(1)</script><img src=x onerror="steal()"><a href="javascript:alert(2)">click</a><iframe src="https://evil.example"></iframe><style>body{}</style></p>"#;
        let html = sanitise_html(raw);
        for bad in [
            "script",
            "onerror",
            "javascript:",
            "iframe",
            "<img",
            "style",
            "alert",
        ] {
            assert!(!html.contains(bad), "{bad} must not survive: {html}");
        }
        let text = html_to_text(raw);
        assert!(
            !text.contains("alert(1)"),
            "script bodies are not text: {text}"
        );
        assert!(text.contains("click"));
    }

    #[test]
    fn plain_text_is_escaped_and_linked() {
        let html = text_to_html("a <b> & \"c\"\nsee https://x.example/a?b=1&c=2.\n\nnext");
        assert_eq!(
            html,
            "<p>a &lt;b&gt; &amp; &quot;c&quot;<br>see <a href=\"https://x.example/a?b=1&amp;c=2\" rel=\"noopener noreferrer nofollow\">https://x.example/a?b=1&amp;c=2</a>.</p><p>next</p>"
        );
        assert_eq!(text_to_html("http:// nothing"), "<p>http:// nothing</p>");
    }

    #[test]
    fn truncated_and_broken_html_does_not_panic() {
        for raw in [
            "<p>unterminated <a href=\"x",
            "&#xZZZ; &#99999999; &",
            "<<<>>>",
            "<script>never closed",
        ] {
            let _ = html_to_text(raw);
            let _ = sanitise_html(raw);
        }
        assert_eq!(html_to_text("a &bogus; b"), "a &bogus; b");
    }

    #[test]
    fn huge_bodies_are_cut_at_a_char_boundary() {
        let body = "é".repeat(MAX_TEXT_BYTES);
        let item = crate::item::NewItem {
            network: "n".into(),
            remote_id: "1".into(),
            account_id: None,
            kind: crate::item::ItemKind::Post,
            author: Default::default(),
            content: Content::Text(body),
            created_at: 0,
            parent_remote_id: None,
            root_remote_id: None,
            url: None,
            lang: None,
            attachments: Vec::new(),
        };
        let a = analyse(item);
        assert!(a.text.len() <= MAX_TEXT_BYTES + 3);
    }

    #[test]
    fn language_and_sentiment() {
        assert_eq!(
            detect_lang("Die Synchronisierung funktioniert seit dem letzten Update nicht mehr")
                .as_deref(),
            Some("de")
        );
        assert_eq!(detect_lang("ok"), None, "short texts are not guessed");
        for (text, lang) in [
            ("The sync is broken again and I have lost the notes that were on my phone", "en"),
            ("Je viens de découvrir les tableaux Canvas et c'est exactement ce qu'il me fallait", "fr"),
            ("Muchas gracias por la respuesta, ahora funciona muy bien con el nuevo plan", "es"),
            ("Boa! Valeu pela resposta, agora está tudo certo com o meu plano e com a sincronização", "pt"),
            ("Grazie mille, questo aggiornamento è molto utile e non ho più problemi con la sincronizzazione", "it"),
            ("Синхронизация снова не работает после обновления приложения", "ru"),
        ] {
            assert_eq!(detect_lang(text).as_deref(), Some(lang), "{text}");
        }
        assert_eq!(normalise_lang("pt-BR").as_deref(), Some("pt"));
        assert!(sentiment("I love this app, it is wonderful").unwrap() > 0.5);
        assert!(sentiment("This is terrible, broken and I want a refund").unwrap() < -0.3);
        assert_eq!(sentiment("   "), None);
    }
}
