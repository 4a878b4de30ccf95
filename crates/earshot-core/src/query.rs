//! Boolean queries matched in memory against one item at a time: the syntax
//! of listening queries and of rule conditions.
//!
//! `refund OR "charged twice" NEAR/3 card -spam (outage OR down*) network:bluesky lang:en has:link`
//!
//! Terms next to each other must all match (`AND` may be written); `OR` joins
//! alternatives and binds tighter than the implicit `AND`, as people read it;
//! `NOT` or `-` excludes; parentheses group. A word matches a whole word,
//! case-insensitively (`down*` is a prefix); a "phrase" matches consecutive
//! words; `a NEAR/n b` matches when `a` and `b` are at most `n` words apart.
//! Fields: `author:` (or `from:`), `network:`, `lang:`, `kind:`, `has:link`,
//! `sentiment:negative|neutral|positive`.
//!
//! Ingest runs every enabled rule on every new item, so a query is parsed once
//! and matching walks a tokenised item without allocating.

use crate::error::{Error, Result};
use crate::item::ItemKind;

/// What a query is matched against.
#[derive(Debug, Clone, Default)]
pub struct Doc<'a> {
    /// Lower-cased words, in order.
    pub words: Vec<String>,
    pub network: &'a str,
    pub author: &'a str,
    pub lang: Option<&'a str>,
    pub kind: Option<ItemKind>,
    pub has_link: bool,
    pub sentiment: Option<f64>,
}

/// Splits text into lower-cased words (letters, digits, apostrophes inside a word).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let inner_apostrophe = (c == '\'' || c == '’')
            && !word.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() || inner_apostrophe {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
enum Term {
    Word(String),
    Prefix(String),
    Phrase(Vec<String>),
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Term(Term),
    Near(Term, Term, usize),
    Field(Field),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

#[derive(Debug, Clone, PartialEq)]
enum Field {
    Author(String),
    Network(String),
    Lang(String),
    Kind(ItemKind),
    HasLink,
    Sentiment(SentimentBand),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SentimentBand {
    Negative,
    Neutral,
    Positive,
}

/// A parsed query, ready to match.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    root: Node,
    source: String,
}

impl Query {
    pub fn parse(text: &str) -> Result<Self> {
        let tokens = lex(text)?;
        if tokens.is_empty() {
            return Err(Error::Invalid("the query is empty".into()));
        }
        let mut p = Parser { tokens, at: 0 };
        let root = p.or_expr()?;
        if p.at < p.tokens.len() {
            return Err(Error::Invalid(format!(
                "unexpected {} in the query",
                p.tokens[p.at].describe()
            )));
        }
        Ok(Self {
            root,
            source: text.trim().to_owned(),
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn matches(&self, doc: &Doc<'_>) -> bool {
        eval(&self.root, doc)
    }

    /// The words and phrases of the query found in `doc`, for saying why it matched.
    pub fn matched_terms(&self, doc: &Doc<'_>) -> Vec<String> {
        let mut out = Vec::new();
        collect_matched(&self.root, doc, false, &mut out);
        out.dedup();
        out
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Phrase(Vec<String>),
    Field(String, String),
    And,
    Or,
    Not,
    Near(usize),
    Open,
    Close,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("'{w}'"),
            Token::Phrase(_) => "a phrase".into(),
            Token::Field(f, v) => format!("'{f}:{v}'"),
            Token::And => "AND".into(),
            Token::Or => "OR".into(),
            Token::Not => "NOT".into(),
            Token::Near(n) => format!("NEAR/{n}"),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
        }
    }
}

fn lex(text: &str) -> Result<Vec<Token>> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Token::Open);
            i += 1;
        } else if c == ')' {
            out.push(Token::Close);
            i += 1;
        } else if c == '"' || c == '“' || c == '”' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == '"' || d == '”' || d == '“')
                .map(|p| p + i + 1)
                .ok_or_else(|| Error::Invalid("a phrase is missing its closing quote".into()))?;
            let phrase: String = chars[i + 1..end].iter().collect();
            let w = words(&phrase);
            if !w.is_empty() {
                out.push(Token::Phrase(w));
            }
            i = end + 1;
        } else if c == '-' && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) {
            out.push(Token::Not);
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()\"".contains(chars[i]) {
                i += 1;
            }
            let raw: String = chars[start..i].iter().collect();
            out.push(word_token(&raw)?);
        }
    }
    Ok(out)
}

fn word_token(raw: &str) -> Result<Token> {
    match raw {
        "AND" => return Ok(Token::And),
        "OR" => return Ok(Token::Or),
        "NOT" => return Ok(Token::Not),
        _ => {}
    }
    if let Some(n) = raw.strip_prefix("NEAR/") {
        let n = n
            .parse()
            .map_err(|_| Error::Invalid(format!("{raw}: NEAR/ takes a number of words")))?;
        return Ok(Token::Near(n));
    }
    if let Some((field, value)) = raw.split_once(':') {
        if !field.is_empty() && !value.is_empty() && field.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Ok(Token::Field(field.to_lowercase(), value.to_owned()));
        }
    }
    Ok(Token::Word(raw.to_owned()))
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    /// The implicit AND of alternatives: `a b OR c` is `a AND (b OR c)`.
    fn or_expr(&mut self) -> Result<Node> {
        let mut all = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Close) => break,
                Some(Token::And) => {
                    self.at += 1;
                    continue;
                }
                _ => {}
            }
            let mut alternatives = vec![self.unary()?];
            while self.peek() == Some(&Token::Or) {
                self.at += 1;
                alternatives.push(self.unary()?);
            }
            all.push(if alternatives.len() == 1 {
                alternatives.remove(0)
            } else {
                Node::Or(alternatives)
            });
        }
        match all.len() {
            0 => Err(Error::Invalid("an empty group in the query".into())),
            1 => Ok(all.remove(0)),
            _ => Ok(Node::And(all)),
        }
    }

    fn unary(&mut self) -> Result<Node> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        let atom = self.atom()?;
        if let Some(Token::Near(n)) = self.peek().cloned() {
            self.at += 1;
            let right = self.atom()?;
            return match (atom, right) {
                (Node::Term(a), Node::Term(b)) => Ok(Node::Near(a, b, n)),
                _ => Err(Error::Invalid(
                    "NEAR/ goes between two words or phrases".into(),
                )),
            };
        }
        Ok(atom)
    }

    fn atom(&mut self) -> Result<Node> {
        let token = self
            .tokens
            .get(self.at)
            .cloned()
            .ok_or_else(|| Error::Invalid("the query ends too early".into()))?;
        self.at += 1;
        match token {
            Token::Open => {
                let inner = self.or_expr()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(Error::Invalid("a '(' is not closed".into()));
                }
                self.at += 1;
                Ok(inner)
            }
            Token::Word(w) => term_of_word(&w),
            Token::Phrase(p) => Ok(Node::Term(if p.len() == 1 {
                Term::Word(p[0].clone())
            } else {
                Term::Phrase(p)
            })),
            Token::Field(f, v) => field(&f, &v).map(Node::Field),
            other => Err(Error::Invalid(format!(
                "unexpected {} in the query",
                other.describe()
            ))),
        }
    }
}

fn term_of_word(raw: &str) -> Result<Node> {
    if let Some(stem) = raw.strip_suffix('*') {
        let w = words(stem);
        return match w.as_slice() {
            [one] => Ok(Node::Term(Term::Prefix(one.clone()))),
            _ => Err(Error::Invalid(format!("'{raw}' is not a usable prefix"))),
        };
    }
    let w = words(raw);
    Ok(Node::Term(match w.len() {
        0 => return Err(Error::Invalid(format!("'{raw}' has no letters or digits"))),
        1 => Term::Word(w[0].clone()),
        // "e-mail", "don't": a word the tokenizer splits is matched as a phrase.
        _ => Term::Phrase(w),
    }))
}

fn field(name: &str, value: &str) -> Result<Field> {
    let v = value.trim_start_matches('@').to_lowercase();
    Ok(match name {
        "author" | "from" => Field::Author(v),
        "network" => Field::Network(v),
        "lang" => Field::Lang(v),
        "kind" => Field::Kind(
            ItemKind::parse(&v)
                .ok_or_else(|| Error::Invalid(format!("kind:{value} is not a kind of item")))?,
        ),
        "has" if v == "link" => Field::HasLink,
        "sentiment" => Field::Sentiment(match v.as_str() {
            "negative" => SentimentBand::Negative,
            "neutral" => SentimentBand::Neutral,
            "positive" => SentimentBand::Positive,
            _ => {
                return Err(Error::Invalid(format!(
                    "sentiment:{value}: use negative, neutral or positive"
                )))
            }
        }),
        _ => {
            return Err(Error::Invalid(format!(
                "{name}:{value} is not a field this query knows (author:, network:, lang:, kind:, has:link, sentiment:)"
            )))
        }
    })
}

/// Sentiment at or below this is negative, at or above its opposite positive.
pub const NEGATIVE_BELOW: f64 = -0.05;

fn positions(term: &Term, doc: &Doc<'_>) -> Vec<(usize, usize)> {
    let w = &doc.words;
    match term {
        Term::Word(t) => (0..w.len())
            .filter(|&i| &w[i] == t)
            .map(|i| (i, i))
            .collect(),
        Term::Prefix(p) => (0..w.len())
            .filter(|&i| w[i].starts_with(p.as_str()))
            .map(|i| (i, i))
            .collect(),
        Term::Phrase(p) => {
            if p.len() > w.len() {
                return Vec::new();
            }
            (0..=w.len() - p.len())
                .filter(|&i| w[i..i + p.len()] == p[..])
                .map(|i| (i, i + p.len() - 1))
                .collect()
        }
    }
}

fn term_matches(term: &Term, doc: &Doc<'_>) -> bool {
    let w = &doc.words;
    match term {
        Term::Word(t) => w.iter().any(|x| x == t),
        Term::Prefix(p) => w.iter().any(|x| x.starts_with(p.as_str())),
        Term::Phrase(_) => !positions(term, doc).is_empty(),
    }
}

fn eval(node: &Node, doc: &Doc<'_>) -> bool {
    match node {
        Node::Term(t) => term_matches(t, doc),
        Node::Near(a, b, n) => {
            let pa = positions(a, doc);
            if pa.is_empty() {
                return false;
            }
            let pb = positions(b, doc);
            pa.iter().any(|&(a0, a1)| {
                pb.iter().any(|&(b0, b1)| {
                    let gap = if b0 > a1 {
                        b0 - a1 - 1
                    } else if a0 > b1 {
                        a0 - b1 - 1
                    } else {
                        0
                    };
                    gap <= *n
                })
            })
        }
        Node::Field(f) => match f {
            Field::Author(a) => doc
                .author
                .trim_start_matches('@')
                .to_lowercase()
                .starts_with(a.as_str()),
            Field::Network(n) => doc.network.eq_ignore_ascii_case(n),
            Field::Lang(l) => doc.lang.is_some_and(|x| x.eq_ignore_ascii_case(l)),
            Field::Kind(k) => doc.kind == Some(*k),
            Field::HasLink => doc.has_link,
            Field::Sentiment(band) => doc.sentiment.is_some_and(|s| match band {
                SentimentBand::Negative => s <= NEGATIVE_BELOW,
                SentimentBand::Positive => s >= -NEGATIVE_BELOW,
                SentimentBand::Neutral => s > NEGATIVE_BELOW && s < -NEGATIVE_BELOW,
            }),
        },
        Node::And(all) => all.iter().all(|n| eval(n, doc)),
        Node::Or(any) => any.iter().any(|n| eval(n, doc)),
        Node::Not(inner) => !eval(inner, doc),
    }
}

fn term_text(t: &Term) -> String {
    match t {
        Term::Word(w) => w.clone(),
        Term::Prefix(p) => format!("{p}*"),
        Term::Phrase(p) => format!("\"{}\"", p.join(" ")),
    }
}

fn collect_matched(node: &Node, doc: &Doc<'_>, negated: bool, out: &mut Vec<String>) {
    match node {
        Node::Term(t) if !negated && term_matches(t, doc) => out.push(term_text(t)),
        Node::Near(a, b, _) if !negated && eval(node, doc) => {
            out.push(term_text(a));
            out.push(term_text(b));
        }
        Node::And(all) | Node::Or(all) => {
            for n in all {
                collect_matched(n, doc, negated, out);
            }
        }
        Node::Not(inner) => collect_matched(inner, doc, !negated, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc<'static> {
        Doc {
            words: words(text),
            network: "bluesky",
            author: "maria.bsky.social",
            lang: Some("en"),
            kind: Some(ItemKind::Mention),
            has_link: false,
            sentiment: Some(-0.6),
        }
    }

    fn m(query: &str, text: &str) -> bool {
        Query::parse(query).unwrap().matches(&doc(text))
    }

    #[test]
    fn words_phrases_prefixes_and_case() {
        assert!(m("refund", "I want a REFUND now"));
        assert!(!m("refund", "refunds are slow"), "whole words only");
        assert!(m("refund*", "refunds are slow"));
        assert!(m("\"charged twice\"", "I was Charged twice!"));
        assert!(!m("\"charged twice\"", "charged me twice"));
        assert!(m("don't", "I don't know"));
        assert!(m("e-mail", "your e-mail bounced"));
    }

    #[test]
    fn and_or_not_and_groups() {
        assert!(m("refund card", "refund to my card"));
        assert!(!m("refund card", "refund please"));
        assert!(m("refund OR chargeback", "a chargeback"));
        assert!(
            m("app crash OR freeze", "the app froze, freeze everywhere"),
            "OR binds tighter"
        );
        assert!(!m("refund -spam", "refund spam"));
        assert!(m("refund NOT spam", "refund please"));
        assert!(m("(outage OR down*) -planned", "servers are down again"));
        assert!(!m("(outage OR down*) -planned", "planned outage tonight"));
    }

    #[test]
    fn near_counts_words_between() {
        assert!(m("card NEAR/2 charged", "card was charged"));
        assert!(m("charged NEAR/2 card", "card was charged"), "either order");
        assert!(!m("card NEAR/1 charged", "card was then charged"));
        assert!(m(
            "\"credit card\" NEAR/3 declined",
            "my credit card got declined"
        ));
    }

    #[test]
    fn fields_narrow() {
        assert!(m("refund network:bluesky", "refund"));
        assert!(!m("refund network:mastodon", "refund"));
        assert!(m("author:@maria", "anything"));
        assert!(m("lang:en kind:mention sentiment:negative", "anything"));
        assert!(!m("has:link", "no link here"));
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        for (q, says) in [
            ("", "empty"),
            ("\"open phrase", "closing quote"),
            ("(refund", "not closed"),
            ("a NEAR/x b", "number"),
            ("colour:red", "not a field"),
            ("kind:tweet", "kind"),
            ("refund OR", "ends too early"),
        ] {
            let err = Query::parse(q).unwrap_err().to_string();
            assert!(err.contains(says), "{q}: {err}");
        }
    }

    #[test]
    fn it_can_say_which_words_matched() {
        let q = Query::parse("(refund OR cancel*) \"charged twice\" -spam").unwrap();
        assert_eq!(
            q.matched_terms(&doc("Cancelled, and I was charged twice; refund!")),
            vec!["refund", "cancel*", "\"charged twice\""]
        );
    }
}
