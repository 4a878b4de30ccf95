use super::*;
use earshot_core::clock::parse_rfc3339_ms;

const RSS: &str = include_str!("../../../../tests/fixtures/feeds/rss.xml");
const ATOM: &str = include_str!("../../../../tests/fixtures/feeds/atom.xml");
const NOW: i64 = 1_795_500_000_000;

fn html(item: &NewItem) -> &str {
    match &item.content {
        Content::Html(h) => h,
        Content::Text(t) => t,
    }
}

#[test]
fn rss_2_items() {
    let items = parse(RSS.as_bytes(), "https://weekly.example/feed.xml", NOW).unwrap();
    assert_eq!(items.len(), 2);
    let a = &items[0];
    assert_eq!(a.network, "rss");
    assert_eq!(a.remote_id, "https://weekly.example/feed.xml weekly-1001");
    assert_eq!(a.url.as_deref(), Some("https://weekly.example/lumen-3"));
    assert_eq!(a.author.handle, "Dana Reviewer");
    assert_eq!(a.lang.as_deref(), Some("en-us"));
    assert_eq!(
        a.created_at,
        parse_rfc3339_ms("2026-11-23T08:00:00Z").unwrap()
    );
    assert!(html(a)
        .starts_with("<p><strong>Lumen 3.0 ships offline sync &amp; a new editor</strong></p>"));
    assert!(
        html(a).contains("<b>offline sync</b>"),
        "content:encoded wins over the description"
    );

    let b = &items[1];
    assert_eq!(
        b.url.as_deref(),
        Some("https://weekly.example/why-people-leave"),
        "relative links resolve"
    );
    assert_eq!(
        b.remote_id,
        "https://weekly.example/feed.xml https://weekly.example/why-people-leave"
    );
    assert_eq!(b.author.handle, "Ed Itor", "the name of 'mail (Name)'");
    assert_eq!(
        b.created_at,
        parse_rfc3339_ms("2026-11-22T17:30:00Z").unwrap()
    );
    assert!(
        html(b).contains("<em>slow</em>"),
        "escaped HTML is unescaped once: {}",
        html(b)
    );
    assert!(
        html(b).contains("&mdash;"),
        "HTML entities are left to the sanitiser"
    );
}

#[test]
fn atom_entries() {
    let items = parse(ATOM.as_bytes(), "https://rival.example/atom.xml", NOW).unwrap();
    assert_eq!(items.len(), 2);
    let a = &items[0];
    assert_eq!(
        a.url.as_deref(),
        Some("https://rival.example/posts/tags"),
        "the alternate link"
    );
    assert_eq!(a.author.handle, "Riva Writer");
    assert_eq!(a.author.display_name.as_deref(), Some("Riva Writer"));
    assert_eq!(a.lang.as_deref(), Some("en"));
    assert_eq!(
        a.created_at,
        parse_rfc3339_ms("2026-11-23T07:15:00Z").unwrap(),
        "published first"
    );
    assert!(html(a).contains("a direct answer to Lumen"), "{}", html(a));
    let b = &items[1];
    assert_eq!(
        b.author.handle, "rival.example",
        "no author: the feed's host"
    );
    assert_eq!(b.author.display_name.as_deref(), Some("Rival Notes Blog"));
    assert_eq!(
        b.created_at,
        parse_rfc3339_ms("2026-11-21T10:00:00Z").unwrap()
    );
    assert!(b.url.is_none());
}

#[test]
fn rss_1_rdf_items() {
    let rdf = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://old.example/"><title>Old Site</title></channel>
  <item rdf:about="https://old.example/1"><title>Lumen review</title><link>https://old.example/1</link>
    <dc:date>2026-11-20T10:00:00Z</dc:date><dc:creator>Olga</dc:creator></item>
</rdf:RDF>"#;
    let items = parse(rdf.as_bytes(), "https://old.example/rss", NOW).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].author.handle, "Olga");
    assert_eq!(
        items[0].created_at,
        parse_rfc3339_ms("2026-11-20T10:00:00Z").unwrap()
    );
}

#[test]
fn bad_feeds_are_clear_errors() {
    for (body, says) in [
        ("", "empty"),
        (
            "<html><body>Not a feed</body></html>",
            "not an RSS or Atom feed",
        ),
        (
            "<rss><channel><item><title>a</item></channel></rss>",
            "not well-formed",
        ),
        ("\u{0}\u{1}binary", "not"),
    ] {
        let err = parse(body.as_bytes(), "https://x.test/f", NOW).unwrap_err();
        assert!(err.contains(says), "{body:?}: {err}");
    }
    let deep = format!("<rss>{}</rss>", "<a>".repeat(100));
    assert!(parse(deep.as_bytes(), "https://x.test/f", NOW)
        .unwrap_err()
        .contains("nest"));
}

#[test]
fn entity_tricks_expand_nothing() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><item><title>&b; &x;</title><guid>1</guid></item></channel></rss>"#;
    let items = parse(bomb.as_bytes(), "https://x.test/f", NOW).unwrap();
    let h = html(&items[0]);
    assert!(!h.contains("aaaa") && !h.contains("root:"), "{h}");
}

#[test]
fn huge_feeds_are_cut_to_limits() {
    let mut big = String::from("<rss><channel>");
    for i in 0..(MAX_ENTRIES + 50) {
        big.push_str(&format!("<item><guid>{i}</guid><title>t</title></item>"));
    }
    big.push_str(&format!(
        "<item><guid>long</guid><description>{}</description></item>",
        "x".repeat(1_000_000)
    ));
    big.push_str("</channel></rss>");
    let items = parse(big.as_bytes(), "https://x.test/f", NOW).unwrap();
    assert_eq!(items.len(), MAX_ENTRIES, "at most {MAX_ENTRIES} entries");
    let mut one = String::from("<rss><channel>");
    one.push_str(&format!(
        "<item><guid>long</guid><description>{}</description></item>",
        "é".repeat(400_000)
    ));
    one.push_str("</channel></rss>");
    let items = parse(one.as_bytes(), "https://x.test/f", NOW).unwrap();
    assert!(
        html(&items[0]).len() <= MAX_FIELD_BYTES,
        "a field is capped"
    );
}

#[test]
fn entries_without_an_id_link_or_title_are_skipped_and_dates_fall_back() {
    let body = "<rss><channel><item><description>no key</description></item>\
                <item><title>dated later</title><pubDate>not a date</pubDate></item></channel></rss>";
    let items = parse(body.as_bytes(), "https://x.test/f", NOW).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].created_at, NOW);
}
