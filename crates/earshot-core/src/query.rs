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
//! `is:reply`, `sentiment:negative|neutral|positive`.
//!
//! A query that does not parse says where ([`QueryError`]: a character position
//! and span) and what was expected there.
//!
//! Ingest runs every enabled rule on every new item, so a query is parsed once
//! and matching walks a tokenised item without allocating.

use crate::error::{Error, Result};
use crate::item::ItemKind;

/// What a query is matched against.
#[derive(Debug, Clone, Default)]
pub struct Doc<'a> {
    /// Lower-cased words, in order.
    pub words: Words,
    pub network: &'a str,
    pub author: &'a str,
    pub lang: Option<&'a str>,
    pub kind: Option<ItemKind>,
    pub has_link: bool,
    /// It answers another item (`is:reply`).
    pub is_reply: bool,
    pub sentiment: Option<f64>,
}

/// An item's words as [`words`] splits them, lower-cased and in order, kept
/// back to back in one buffer, each with a hash.
///
/// Ingest matches every new item against every rule and listening query whose
/// trigger word it has (about nine queries an item in `bench rules`), each
/// walking the words once per term. Comparing hashes first, and a word's text
/// only when its hash is equal, makes that walk a scan of integers; one
/// buffer rather than a `String` per word saves an allocation per word.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    text: String,
    /// Where each word ends in `text`; it starts where the one before ends.
    ends: Vec<u32>,
    hashes: Vec<u64>,
}

/// The hash [`Words`] keeps for a word, for comparing and for looking words
/// up in maps keyed by it (the keys are queries' own words, never an item's,
/// so a fast hash without a seed is safe). FxHash's step, a byte at a time,
/// so [`Words::split`] hashes a word as it copies it.
pub fn word_hash(word: &str) -> u64 {
    word.bytes().fold(0, hash_step)
}

fn hash_step(hash: u64, byte: u8) -> u64 {
    (hash.rotate_left(5) ^ u64::from(byte)).wrapping_mul(0x517c_c1b7_2722_0a95)
}

impl Words {
    /// Splits `text` as [`words`] does.
    pub fn split(text: &str) -> Self {
        if let Some(words) = Self::split_ascii(text) {
            return words;
        }
        let mut out = Self::default();
        for_each_word(text, |w| out.push(w));
        out
    }

    /// Most texts are ASCII: their words are split, lower-cased, copied and
    /// hashed in one pass over the bytes (a pass per word through
    /// [`for_each_ascii_word_until`] took 29% more instructions). `None` when
    /// `text` is not ASCII.
    fn split_ascii(text: &str) -> Option<Self> {
        if !text.is_ascii() {
            return None;
        }
        let b = text.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut ends = Vec::with_capacity(b.len() / 4 + 1);
        let mut hashes = Vec::with_capacity(b.len() / 4 + 1);
        let (mut start, mut hash) = (0, 0);
        for (i, &c) in b.iter().enumerate() {
            let c = c.to_ascii_lowercase();
            // An apostrophe belongs to a word it stands inside ("don't").
            if c.is_ascii_alphanumeric()
                || (c == b'\''
                    && out.len() > start
                    && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric))
            {
                out.push(c);
                hash = hash_step(hash, c);
            } else if out.len() > start {
                ends.push(out.len() as u32);
                hashes.push(hash);
                (start, hash) = (out.len(), 0);
            }
        }
        if out.len() > start {
            ends.push(out.len() as u32);
            hashes.push(hash);
        }
        Some(Self {
            text: String::from_utf8(out).ok()?,
            ends,
            hashes,
        })
    }

    /// Adds a word at the end (already lower-cased, as [`words`] gives them).
    pub fn push(&mut self, word: &str) {
        let start = self.text.len();
        self.text.push_str(word);
        self.hashes.push(word_hash(&self.text[start..]));
        self.ends.push(self.text.len() as u32);
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The `i`th word.
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Each word's [`word_hash`], in order.
    pub fn hashes(&self) -> &[u64] {
        &self.hashes
    }

    /// Where `word`, whose hash is `hash`, first stands at or after word `from`.
    fn find(&self, word: &str, hash: u64, from: usize) -> Option<usize> {
        let mut i = from;
        while let Some(p) = self.hashes.get(i..)?.iter().position(|&h| h == hash) {
            if self.get(i + p) == word {
                return Some(i + p);
            }
            i += p + 1;
        }
        None
    }

    pub fn contains(&self, word: &str) -> bool {
        self.find(word, word_hash(word), 0).is_some()
    }
}

impl<S: AsRef<str>> FromIterator<S> for Words {
    fn from_iter<I: IntoIterator<Item = S>>(words: I) -> Self {
        let mut out = Self::default();
        for w in words {
            out.push(w.as_ref());
        }
        out
    }
}

/// Splits text into lower-cased words (letters, digits, apostrophes inside a word).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for_each_word(text, |w| out.push(w.to_owned()));
    out
}

/// Calls `f` with each word of `text` as [`words`] splits it, in order, without
/// allocating a string per word (a retroactive run walks hundreds of thousands
/// of texts).
pub fn for_each_word(text: &str, mut f: impl FnMut(&str)) {
    for_each_word_until(text, |w| {
        f(w);
        false
    });
}

/// [`for_each_word`], stopping after the first word for which `f` returns true.
pub fn for_each_word_until(text: &str, mut f: impl FnMut(&str) -> bool) {
    let mut word = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let inner_apostrophe = (c == '\'' || c == '’')
            && !word.is_empty()
            && chars.peek().is_some_and(|n| n.is_alphanumeric());
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        } else if (!c.is_ascii() && c.is_alphanumeric()) || inner_apostrophe {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            if f(&word) {
                return;
            }
            word.clear();
        }
    }
    if !word.is_empty() {
        f(&word);
    }
}

/// The words of an ASCII `text` as [`for_each_word`] splits them, each as it
/// stands in the text (not lower-cased) and without copying: for callers that
/// compare with `eq_ignore_ascii_case`. Stops after the first word for which `f`
/// returns true. Returns false, calling nothing, when the text is not ASCII.
pub fn for_each_ascii_word_until(text: &str, mut f: impl FnMut(&str) -> bool) -> bool {
    if !text.is_ascii() {
        return false;
    }
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len()
            && (b[i].is_ascii_alphanumeric()
                || (b[i] == b'\'' && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)))
        {
            i += 1;
        }
        if f(&text[start..i]) {
            break;
        }
    }
    true
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
    IsReply,
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

/// Why a query does not parse, and where: what the query editor underlines.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueryError {
    /// Where the problem starts, in characters from the start of the query (0-based).
    pub position: usize,
    /// How many characters it spans (0 at the end of the query).
    pub length: usize,
    /// What is wrong and what was expected there.
    pub message: String,
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (at character {})", self.message, self.position + 1)
    }
}

impl From<QueryError> for Error {
    fn from(e: QueryError) -> Self {
        Error::Invalid(e.to_string())
    }
}

/// Longest query accepted, in characters (bounds the parser on pasted text).
pub const MAX_QUERY_CHARS: usize = 4_000;
/// Deepest nesting of parentheses and NOTs accepted (bounds the recursion).
const MAX_DEPTH: usize = 64;

/// What may start a term, for error messages.
const A_TERM: &str = "a word, a \"phrase\", a field like network:bluesky, or '('";

/// A word or phrase the query needs, for prefiltering (see [`Query::required`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Needle {
    /// A whole word, lower-cased.
    Word(String),
    /// The start of a word, lower-cased.
    Prefix(String),
}

impl Query {
    pub fn parse(text: &str) -> Result<Self> {
        Ok(Self::check(text)?)
    }

    /// Parses, saying where the query is wrong and what was expected there.
    pub fn check(text: &str) -> std::result::Result<Self, QueryError> {
        let chars = text.chars().count();
        if chars > MAX_QUERY_CHARS {
            return Err(QueryError {
                position: MAX_QUERY_CHARS,
                length: chars - MAX_QUERY_CHARS,
                message: format!(
                    "the query is too long: expected at most {MAX_QUERY_CHARS} characters"
                ),
            });
        }
        let tokens = lex(text)?;
        if tokens.is_empty() {
            return Err(QueryError {
                position: 0,
                length: 0,
                message: format!("the query is empty: expected {A_TERM}"),
            });
        }
        let mut p = Parser {
            tokens,
            at: 0,
            end: chars,
            depth: 0,
        };
        let root = p.or_expr()?;
        if let Some(t) = p.tokens.get(p.at) {
            let message = if t.token == Token::Close {
                "unexpected ')': there is no '(' for it to close".to_owned()
            } else {
                format!("unexpected {}", t.token.describe())
            };
            return Err(p.error_at(p.at, message));
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

    /// The words and phrases of the query found in `doc`, for saying why it
    /// matched: written to `out` in single quotes, separated by commas
    /// (`'refund', 'cancel*', 'charged twice'`), in the query's order, a term
    /// repeated in a row once. False when none matched (nothing is written).
    pub fn write_matched_quoted(&self, doc: &Doc<'_>, out: &mut String) -> bool {
        let mut terms = Vec::new();
        collect_matched(&self.root, doc, false, &mut terms);
        terms.dedup();
        for (i, t) in terms.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push('\'');
            match t {
                Term::Word(w) => out.push_str(w),
                Term::Prefix(p) => {
                    out.push_str(p);
                    out.push('*');
                }
                Term::Phrase(p) => {
                    for (j, w) in p.iter().enumerate() {
                        if j > 0 {
                            out.push(' ');
                        }
                        out.push_str(w);
                    }
                }
            }
            out.push('\'');
        }
        !terms.is_empty()
    }

    /// What any matching item must contain: every inner list is a clause, one of
    /// whose needles the item has. Empty when the query needs no word (only
    /// fields, or only NOTs): then every item is a candidate.
    pub fn required(&self) -> Vec<Vec<Needle>> {
        required(&self.root)
    }

    /// An FTS5 `MATCH` expression every matching item satisfies (a superset: the
    /// exact matcher still decides), or `None` when the query needs no word.
    pub fn fts_prefilter(&self) -> Option<String> {
        fts(&self.root)
    }

    /// Whether the query looks at the words of the text (else a scan need not
    /// read or tokenise it).
    pub fn uses_words(&self) -> bool {
        fn walk(n: &Node) -> bool {
            match n {
                Node::Term(_) | Node::Near(..) => true,
                Node::Field(_) => false,
                Node::And(all) | Node::Or(all) => all.iter().any(walk),
                Node::Not(inner) => walk(inner),
            }
        }
        walk(&self.root)
    }

    /// The query's words when whole words are all it looks for in the text (no
    /// phrase, prefix or NEAR): then matching needs only which of them the text
    /// holds, not every word in order. `None` otherwise.
    pub fn plain_words(&self) -> Option<Vec<String>> {
        fn walk(n: &Node, out: &mut Vec<String>) -> bool {
            match n {
                Node::Term(Term::Word(w)) => {
                    if !out.contains(w) {
                        out.push(w.clone());
                    }
                    true
                }
                Node::Term(_) | Node::Near(..) => false,
                Node::Field(_) => true,
                Node::And(all) | Node::Or(all) => all.iter().all(|n| walk(n, out)),
                Node::Not(inner) => walk(inner, out),
            }
        }
        let mut out = Vec::new();
        walk(&self.root, &mut out).then_some(out)
    }

    /// Whether the query looks at any field (`network:`, `has:link`, …).
    pub fn uses_fields(&self) -> bool {
        fn walk(n: &Node) -> bool {
            match n {
                Node::Field(_) => true,
                Node::And(all) | Node::Or(all) => all.iter().any(walk),
                Node::Not(inner) => walk(inner),
                Node::Term(_) | Node::Near(..) => false,
            }
        }
        walk(&self.root)
    }

    /// Whether the query looks at the author (so a scan must read handles).
    pub fn uses_author(&self) -> bool {
        fn walk(n: &Node) -> bool {
            match n {
                Node::Field(Field::Author(_)) => true,
                Node::And(all) | Node::Or(all) => all.iter().any(walk),
                Node::Not(inner) => walk(inner),
                _ => false,
            }
        }
        walk(&self.root)
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

/// A token and where it stands, in characters.
#[derive(Debug, Clone, PartialEq)]
struct Spanned {
    token: Token,
    start: usize,
    len: usize,
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

fn lex(text: &str) -> std::result::Result<Vec<Spanned>, QueryError> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let push = |out: &mut Vec<Spanned>, token, start: usize, end: usize| {
        out.push(Spanned {
            token,
            start,
            len: end - start,
        })
    };
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            push(&mut out, Token::Open, i, i + 1);
            i += 1;
        } else if c == ')' {
            push(&mut out, Token::Close, i, i + 1);
            i += 1;
        } else if c == '"' || c == '“' || c == '”' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == '"' || d == '”' || d == '“')
                .map(|p| p + i + 1)
                .ok_or_else(|| QueryError {
                    position: i,
                    length: chars.len() - i,
                    message: "this phrase has no closing quote: expected '\"' after its words"
                        .into(),
                })?;
            let phrase: String = chars[i + 1..end].iter().collect();
            let w = words(&phrase);
            if w.is_empty() {
                return Err(QueryError {
                    position: i,
                    length: end + 1 - i,
                    message: "an empty phrase: expected words between the quotes".into(),
                });
            }
            push(&mut out, Token::Phrase(w), i, end + 1);
            i = end + 1;
        } else if c == '-' && chars.get(i + 1).is_some_and(|n| !n.is_whitespace()) {
            push(&mut out, Token::Not, i, i + 1);
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && !"()\"“”".contains(chars[i]) {
                i += 1;
            }
            let raw: String = chars[start..i].iter().collect();
            let token = word_token(&raw).map_err(|message| QueryError {
                position: start,
                length: i - start,
                message,
            })?;
            push(&mut out, token, start, i);
        }
    }
    Ok(out)
}

fn word_token(raw: &str) -> std::result::Result<Token, String> {
    match raw {
        "AND" => return Ok(Token::And),
        "OR" => return Ok(Token::Or),
        "NOT" => return Ok(Token::Not),
        _ => {}
    }
    if let Some(n) = raw.strip_prefix("NEAR/") {
        return match n.parse::<usize>() {
            Ok(n) if n <= 100 => Ok(Token::Near(n)),
            _ => Err(format!(
                "{raw}: expected a number of words from 0 to 100 after NEAR/, as in NEAR/3"
            )),
        };
    }
    if raw == "NEAR" {
        return Err("NEAR: expected a distance in words, as in NEAR/3".into());
    }
    if let Some((field, value)) = raw.split_once(':') {
        if !field.is_empty() && field.chars().all(|c| c.is_ascii_alphabetic()) {
            if value.is_empty() {
                return Err(format!("{field}: expected a value after the colon"));
            }
            return Ok(Token::Field(field.to_lowercase(), value.to_owned()));
        }
    }
    Ok(Token::Word(raw.to_owned()))
}

struct Parser {
    tokens: Vec<Spanned>,
    at: usize,
    /// The query's length in characters, where "the end" errors point.
    end: usize,
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at).map(|t| &t.token)
    }

    fn error_at(&self, index: usize, message: String) -> QueryError {
        match self.tokens.get(index) {
            Some(t) => QueryError {
                position: t.start,
                length: t.len,
                message,
            },
            None => QueryError {
                position: self.end,
                length: 0,
                message,
            },
        }
    }

    /// After which token the parser stands, for "expected … after OR".
    fn after(&self) -> String {
        match self.at.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => format!(" after {}", t.token.describe()),
            None => String::new(),
        }
    }

    fn deeper(&mut self) -> std::result::Result<(), QueryError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                self.at,
                format!("the query nests too deeply: expected at most {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    /// The implicit AND of alternatives: `a b OR c` is `a AND (b OR c)`.
    fn or_expr(&mut self) -> std::result::Result<Node, QueryError> {
        let mut all = Vec::new();
        loop {
            match self.peek() {
                None | Some(Token::Close) => break,
                Some(Token::And) => {
                    if all.is_empty() {
                        return Err(self.error_at(
                            self.at,
                            format!("AND needs a term on each side: expected {A_TERM} before it"),
                        ));
                    }
                    self.at += 1;
                    if matches!(
                        self.peek(),
                        None | Some(Token::Close | Token::And | Token::Or)
                    ) {
                        return Err(self.error_at(self.at, format!("expected {A_TERM} after AND")));
                    }
                    continue;
                }
                Some(Token::Or) => {
                    return Err(self.error_at(
                        self.at,
                        format!("OR needs a term on each side: expected {A_TERM} before it"),
                    ))
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
            0 => Err(self.error_at(self.at, format!("an empty group: expected {A_TERM}"))),
            1 => Ok(all.remove(0)),
            _ => Ok(Node::And(all)),
        }
    }

    fn unary(&mut self) -> std::result::Result<Node, QueryError> {
        if self.peek() == Some(&Token::Not) {
            self.at += 1;
            self.deeper()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Node::Not(Box::new(inner)));
        }
        let start = self.at;
        let atom = self.atom()?;
        if let Some(Token::Near(n)) = self.peek().cloned() {
            self.at += 1;
            let right_at = self.at;
            let right = self.atom()?;
            return match (atom, right) {
                (Node::Term(a), Node::Term(b)) => Ok(Node::Near(a, b, n)),
                (Node::Term(_), _) => Err(self.error_at(
                    right_at,
                    format!("expected a word or \"phrase\" after NEAR/{n}"),
                )),
                _ => Err(self.error_at(
                    start,
                    format!("expected a word or \"phrase\" before NEAR/{n}"),
                )),
            };
        }
        Ok(atom)
    }

    fn atom(&mut self) -> std::result::Result<Node, QueryError> {
        let Some(spanned) = self.tokens.get(self.at).cloned() else {
            return Err(self.error_at(
                self.at,
                format!(
                    "the query ends too early: expected {A_TERM}{}",
                    self.after()
                ),
            ));
        };
        let here = self.at;
        self.at += 1;
        let (start, len) = (spanned.start, spanned.len);
        let bad = |message: String| QueryError {
            position: start,
            length: len,
            message,
        };
        match spanned.token {
            Token::Open => {
                self.deeper()?;
                let inner = self.or_expr()?;
                if self.peek() != Some(&Token::Close) {
                    return Err(self.error_at(
                        self.at,
                        format!(
                            "the '(' at character {} is not closed: expected ')'",
                            start + 1
                        ),
                    ));
                }
                self.depth -= 1;
                self.at += 1;
                Ok(inner)
            }
            Token::Word(w) => term_of_word(&w).map_err(bad),
            Token::Phrase(p) => Ok(Node::Term(if p.len() == 1 {
                Term::Word(p[0].clone())
            } else {
                Term::Phrase(p)
            })),
            Token::Field(f, v) => field(&f, &v).map(Node::Field).map_err(bad),
            other => {
                self.at = here;
                let after = self.after();
                Err(bad(format!(
                    "unexpected {}: expected {A_TERM}{after}",
                    other.describe()
                )))
            }
        }
    }
}

fn term_of_word(raw: &str) -> std::result::Result<Node, String> {
    if let Some(stem) = raw.strip_suffix('*') {
        let w = words(stem);
        return match w.as_slice() {
            [one] => Ok(Node::Term(Term::Prefix(one.clone()))),
            _ => Err(format!(
                "'{raw}' is not a usable prefix: expected letters or digits before the '*'"
            )),
        };
    }
    if raw.contains('*') {
        return Err(format!(
            "'{raw}': a '*' goes only at the end of a word, as in refund*"
        ));
    }
    let w = words(raw);
    Ok(Node::Term(match w.len() {
        0 => return Err(format!("'{raw}' has no letters or digits: expected a word")),
        1 => Term::Word(w[0].clone()),
        // "e-mail", "don't": a word the tokenizer splits is matched as a phrase.
        _ => Term::Phrase(w),
    }))
}

fn field(name: &str, value: &str) -> std::result::Result<Field, String> {
    let v = value.trim_start_matches('@').to_lowercase();
    Ok(match name {
        "author" | "from" => Field::Author(v),
        "network" => Field::Network(v),
        "lang" => Field::Lang(v),
        "kind" => Field::Kind(ItemKind::parse(&v).ok_or_else(|| {
            format!("kind:{value} is not a kind of item: expected mention, reply, dm, comment or post")
        })?),
        "has" if v == "link" => Field::HasLink,
        "has" => return Err(format!("has:{value}: expected has:link")),
        "is" if v == "reply" => Field::IsReply,
        "is" => return Err(format!("is:{value}: expected is:reply")),
        "sentiment" => Field::Sentiment(match v.as_str() {
            "negative" => SentimentBand::Negative,
            "neutral" => SentimentBand::Neutral,
            "positive" => SentimentBand::Positive,
            _ => {
                return Err(format!(
                    "sentiment:{value}: expected negative, neutral or positive"
                ))
            }
        }),
        _ => {
            return Err(format!(
                "{name}: is not a field: expected author:, network:, lang:, kind:, is:reply, has:link or sentiment:"
            ))
        }
    })
}

/// The needles of a term: a phrase needs every one of its words.
fn term_clauses(t: &Term) -> Vec<Vec<Needle>> {
    match t {
        Term::Word(w) => vec![vec![Needle::Word(w.clone())]],
        Term::Prefix(p) => vec![vec![Needle::Prefix(p.clone())]],
        Term::Phrase(p) => p.iter().map(|w| vec![Needle::Word(w.clone())]).collect(),
    }
}

/// A clause's cost as a trigger: prefixes cost a scan, more alternatives more lookups.
fn clause_cost(c: &[Needle]) -> usize {
    c.iter()
        .map(|n| match n {
            Needle::Word(_) => 1,
            Needle::Prefix(_) => 8,
        })
        .sum()
}

fn required(node: &Node) -> Vec<Vec<Needle>> {
    match node {
        Node::Term(t) => term_clauses(t),
        Node::Near(a, b, _) => {
            let mut out = term_clauses(a);
            out.extend(term_clauses(b));
            out
        }
        Node::Field(_) | Node::Not(_) => Vec::new(),
        Node::And(all) => all.iter().flat_map(required).collect(),
        Node::Or(any) => {
            // One alternative of each branch must hold: the cheapest clause of each.
            let mut clause = Vec::new();
            for n in any {
                let Some(best) = required(n).into_iter().min_by_key(|c| clause_cost(c)) else {
                    return Vec::new();
                };
                for needle in best {
                    if !clause.contains(&needle) {
                        clause.push(needle);
                    }
                }
            }
            vec![clause]
        }
    }
}

/// A term as FTS5 reads it: quoted, so the FTS tokenizer splits it as it split
/// the text ("don't" becomes the phrase "don" "t"). Our words hold only letters,
/// digits and apostrophes, so no quote needs escaping.
fn fts_term(t: &Term) -> String {
    match t {
        Term::Word(w) => format!("\"{w}\""),
        Term::Prefix(p) => format!("\"{p}\"*"),
        Term::Phrase(p) => format!("\"{}\"", p.join(" ")),
    }
}

fn fts(node: &Node) -> Option<String> {
    match node {
        Node::Term(t) => Some(fts_term(t)),
        // FTS5's NEAR counts its own tokens, which can differ from ours: both
        // terms present is the safe superset.
        Node::Near(a, b, _) => Some(format!("({} AND {})", fts_term(a), fts_term(b))),
        Node::Field(_) | Node::Not(_) => None,
        Node::And(all) => {
            let parts: Vec<String> = all.iter().filter_map(fts).collect();
            match parts.len() {
                0 => None,
                1 => parts.into_iter().next(),
                _ => Some(format!("({})", parts.join(" AND "))),
            }
        }
        Node::Or(any) => {
            let parts: Option<Vec<String>> = any.iter().map(fts).collect();
            Some(format!("({})", parts?.join(" OR ")))
        }
    }
}

/// Sentiment at or below this is negative, at or above its opposite positive.
pub const NEGATIVE_BELOW: f64 = -0.05;

/// The first place at or after word `from` where `term` stands: its first and
/// last word.
fn find(term: &Term, words: &Words, from: usize) -> Option<(usize, usize)> {
    match term {
        Term::Word(w) => words.find(w, word_hash(w), from).map(|i| (i, i)),
        Term::Prefix(p) => (from..words.len())
            .find(|&i| words.get(i).starts_with(p.as_str()))
            .map(|i| (i, i)),
        Term::Phrase(p) => {
            let (first, rest) = p.split_first()?;
            let hash = word_hash(first);
            let mut from = from;
            // The rest of a phrase is compared only where its first word stands.
            while let Some(i) = words.find(first, hash, from) {
                if i + rest.len() >= words.len() {
                    return None;
                }
                if (rest.iter().enumerate()).all(|(j, r)| words.get(i + 1 + j) == r) {
                    return Some((i, i + rest.len()));
                }
                from = i + 1;
            }
            None
        }
    }
}

/// Where `term` stands in `words`, in order: its first and last word.
fn positions<'d>(term: &'d Term, words: &'d Words) -> impl Iterator<Item = (usize, usize)> + 'd {
    let mut from = 0;
    std::iter::from_fn(move || {
        let found = find(term, words, from)?;
        from = found.0 + 1;
        Some(found)
    })
}

fn term_matches(term: &Term, doc: &Doc<'_>) -> bool {
    find(term, &doc.words, 0).is_some()
}

fn eval(node: &Node, doc: &Doc<'_>) -> bool {
    match node {
        Node::Term(t) => term_matches(t, doc),
        Node::Near(a, b, n) => positions(a, &doc.words).any(|(a0, a1)| {
            positions(b, &doc.words).any(|(b0, b1)| {
                let gap = if b0 > a1 {
                    b0 - a1 - 1
                } else if a0 > b1 {
                    a0 - b1 - 1
                } else {
                    0
                };
                gap <= *n
            })
        }),
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
            Field::IsReply => doc.is_reply,
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

fn collect_matched<'q>(node: &'q Node, doc: &Doc<'_>, negated: bool, out: &mut Vec<&'q Term>) {
    match node {
        Node::Term(t) if !negated && term_matches(t, doc) => out.push(t),
        Node::Near(a, b, _) if !negated && eval(node, doc) => {
            out.push(a);
            out.push(b);
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
            words: Words::split(text),
            network: "bluesky",
            author: "maria.bsky.social",
            lang: Some("en"),
            kind: Some(ItemKind::Mention),
            has_link: false,
            is_reply: false,
            sentiment: Some(-0.6),
        }
    }

    fn m(query: &str, text: &str) -> bool {
        Query::parse(query).unwrap().matches(&doc(text))
    }

    /// The splitter as it was first written (a `String` per word): the faster
    /// one must split every text the same way.
    fn reference_words(text: &str) -> Vec<String> {
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

    #[test]
    fn words_split_as_before() {
        for text in [
            "Don't STOP me now!",
            "it's 'quoted' and dogs' ",
            "o'lumen lumen’s ’tis",
            "\u{212A}elvin İstanbul ǅemal ß ΣΊΣΥΦΟΣ",
            "café crème déjà\u{301} vu 123abc ½ ²",
            "e-mail@x.test https://x.test/a?b=c#d",
            "",
            "'''' a''b 'x' y'z' q'1 9'' -'- Don'T",
            "日本語のテキスト 한국어",
        ] {
            assert_eq!(words(text), reference_words(text), "{text}");
            let split = Words::split(text);
            assert_eq!(split.iter().collect::<Vec<_>>(), words(text), "{text}");
            assert_eq!(split, words(text).iter().collect::<Words>(), "{text}");
            assert_eq!(split.hashes().len(), split.len());
            for w in words(text) {
                assert!(split.contains(&w), "{w} in {text}");
            }
            let mut ascii = Vec::new();
            if for_each_ascii_word_until(text, |w| {
                ascii.push(w.to_ascii_lowercase());
                false
            }) {
                assert_eq!(ascii, words(text), "ASCII: {text}");
            } else {
                assert!(!text.is_ascii());
            }
            let mut first_two = Vec::new();
            for_each_word_until(text, |w| {
                first_two.push(w.to_owned());
                first_two.len() == 2
            });
            let all = words(text);
            assert_eq!(first_two, all[..all.len().min(2)], "stops: {text}");
        }
    }

    #[test]
    fn plain_words_are_only_whole_words() {
        let p = |q: &str| Query::parse(q).unwrap().plain_words();
        assert_eq!(
            p("(refund OR Cancel) -spam network:bluesky refund"),
            Some(vec!["refund".into(), "cancel".into(), "spam".into()])
        );
        assert_eq!(p("network:bluesky has:link"), Some(vec![]));
        assert_eq!(p("refund \"charged twice\""), None, "a phrase needs order");
        assert_eq!(p("refund*"), None);
        assert_eq!(p("card NEAR/2 declined"), None);
    }

    #[test]
    fn words_phrases_prefixes_and_case() {
        assert!(m("refund", "I want a REFUND now"));
        assert!(!m("refund", "refunds are slow"), "whole words only");
        assert!(m("refund*", "refunds are slow"));
        assert!(m("\"charged twice\"", "I was Charged twice!"));
        assert!(!m("\"charged twice\"", "charged me twice"));
        assert!(
            !m("\"charged twice\"", "twice I was charged"),
            "cut by the end"
        );
        assert!(m("\"charged twice\"", "charged, charged twice"));
        assert!(m("a NEAR/0 \"b c\"", "x b c a"));
        assert!(!m("refund", ""));
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
            ("   ", "empty"),
            ("\"open phrase", "closing quote"),
            ("\"\"", "empty phrase"),
            ("(refund", "expected ')'"),
            ("a NEAR/x b", "number"),
            ("a NEAR b", "distance"),
            ("colour:red", "not a field"),
            ("kind:tweet", "kind"),
            ("refund OR", "ends too early"),
            ("has:image", "has:link"),
            ("is:dm", "is:reply"),
            ("refund*s", "only at the end"),
            ("*", "not a usable prefix"),
        ] {
            let err = Query::parse(q).unwrap_err().to_string();
            assert!(err.contains(says), "{q}: {err}");
        }
    }

    /// Each bad query: where the error points (character, span) and what it expected.
    #[test]
    fn parse_errors_point_at_the_problem() {
        let at = |q: &str| {
            let e = Query::check(q).unwrap_err();
            (e.position, e.length, e.message)
        };
        let (pos, len, msg) = at("refund OR");
        assert_eq!((pos, len), (9, 0), "points at the end: {msg}");
        assert!(msg.contains("after OR"), "{msg}");

        let (pos, _, msg) = at("outage (down OR broken");
        assert_eq!(pos, 22, "points at the end, where ')' was due: {msg}");
        assert!(msg.contains("'(' at character 8"), "{msg}");

        let (pos, len, msg) = at("refund colour:red");
        assert_eq!((pos, len), (7, 10), "{msg}");

        let (pos, len, msg) = at("refund ) card");
        assert_eq!((pos, len), (7, 1), "{msg}");
        assert!(msg.contains("no '('"), "{msg}");

        let (pos, _, msg) = at("OR refund");
        assert_eq!(pos, 0);
        assert!(msg.contains("before it"), "{msg}");

        let (pos, _, msg) = at("refund AND AND card");
        assert_eq!(pos, 11, "{msg}");
        assert!(msg.contains("after AND"), "{msg}");

        let (pos, len, msg) = at("café \"charged twice");
        assert_eq!((pos, len), (5, 14), "counts characters, not bytes: {msg}");

        let (pos, _, msg) = at("(refund OR cash) NEAR/3 card");
        assert_eq!(pos, 0, "{msg}");
        assert!(msg.contains("before NEAR/3"), "{msg}");

        let (pos, _, msg) = at("card NEAR/3 (refund OR cash)");
        assert_eq!(pos, 12, "{msg}");
        assert!(msg.contains("after NEAR/3"), "{msg}");

        let (pos, _, msg) = at("refund ()");
        assert_eq!(pos, 8, "{msg}");
        assert!(msg.contains("empty group"), "{msg}");

        let (pos, _, msg) = at("refund AND");
        assert_eq!(pos, 10, "{msg}");
        let (_, _, msg) = at("refund NOT");
        assert!(
            msg.contains("ends too early") && msg.contains("after NOT"),
            "{msg}"
        );

        let display = Query::parse("refund OR").unwrap_err().to_string();
        assert!(display.contains("at character 10"), "{display}");
    }

    #[test]
    fn hostile_queries_are_bounded() {
        let deep = format!("{}a{}", "(".repeat(5_000), ")".repeat(5_000));
        assert!(Query::check(&deep)
            .unwrap_err()
            .message
            .contains("too long"));
        let deep = format!("{}a{}", "(".repeat(500), ")".repeat(500));
        assert!(Query::check(&deep)
            .unwrap_err()
            .message
            .contains("nests too deeply"));
        let nots = format!("{}a", "NOT ".repeat(200));
        assert!(Query::check(&nots)
            .unwrap_err()
            .message
            .contains("nests too deeply"));
        assert!(Query::check(&"a ".repeat(1_999)).is_ok());
        assert!(Query::check("a NEAR/1000000000000000000000 b").is_err());
    }

    #[test]
    fn tricky_queries_parse_as_people_read_them() {
        assert!(m(
            "(refund OR chargeback) (card OR paypal)",
            "chargeback on paypal"
        ));
        assert!(!m(
            "(refund OR chargeback) (card OR paypal)",
            "chargeback only"
        ));
        assert!(m(
            "refund AND (card OR \"bank transfer\")",
            "refund by bank transfer"
        ));
        assert!(m("NOT spam refund", "refund"), "NOT first");
        assert!(!m("-(spam OR scam) refund", "refund scam"), "negated group");
        assert!(m("“smart quotes” work", "smart quotes work"));
        assert!(m("author:maria refund", "refund"));
        assert!(!m("author:bob refund", "refund"));
        assert!(m("from:@maria", "x"), "from: and a leading @");
        assert!(m("lang:EN", "x"), "field values ignore case");
        assert!(m("refund OR NOT spam", "hello"), "OR with a NOT branch");
        assert!(Query::parse("AND").is_err());
        assert!(
            Query::parse("NEAR/0 near").is_err(),
            "NEAR/n alone is not a word"
        );
    }

    #[test]
    fn is_reply_and_has_link() {
        let q = Query::parse("is:reply has:link").unwrap();
        let mut d = doc("see https://x.test");
        d.has_link = true;
        assert!(!q.matches(&d));
        d.is_reply = true;
        assert!(q.matches(&d));
    }

    #[test]
    fn required_words_cover_every_match() {
        let req = |q: &str| Query::parse(q).unwrap().required();
        let w = |s: &str| Needle::Word(s.into());
        assert_eq!(req("refund"), vec![vec![w("refund")]]);
        assert_eq!(
            req("\"charged twice\" card*"),
            vec![
                vec![w("charged")],
                vec![w("twice")],
                vec![Needle::Prefix("card".into())]
            ]
        );
        assert_eq!(
            req("refund OR \"money back\""),
            vec![vec![w("refund"), w("money")]]
        );
        assert!(req("network:bluesky").is_empty(), "fields need no word");
        assert!(
            req("refund OR network:bluesky").is_empty(),
            "an OR branch needs no word"
        );
        assert_eq!(req("refund -spam lang:en"), vec![vec![w("refund")]]);
        assert_eq!(req("a NEAR/2 b"), vec![vec![w("a")], vec![w("b")]]);
    }

    #[test]
    fn fts_prefilter_is_a_superset() {
        let f = |q: &str| Query::parse(q).unwrap().fts_prefilter();
        assert_eq!(f("refund").as_deref(), Some("\"refund\""));
        assert_eq!(
            f("(refund OR cancel*) \"charged twice\" -spam network:bluesky").as_deref(),
            Some("((\"refund\" OR \"cancel\"*) AND \"charged twice\")")
        );
        assert_eq!(f("a NEAR/2 b").as_deref(), Some("(\"a\" AND \"b\")"));
        assert_eq!(f("-spam lang:en"), None);
        assert_eq!(f("refund OR lang:en"), None);
        assert_eq!(f("don't").as_deref(), Some("\"don't\""));
    }

    #[test]
    fn it_can_say_which_words_matched() {
        let q = Query::parse("(refund OR cancel*) \"charged twice\" -spam").unwrap();
        let mut out = String::from("x: ");
        assert!(q.write_matched_quoted(
            &doc("Cancelled, and I was charged twice; refund!"),
            &mut out
        ));
        assert_eq!(out, "x: 'refund', 'cancel*', 'charged twice'");
        assert!(!q.write_matched_quoted(&doc("nothing here"), &mut out));
        assert_eq!(out, "x: 'refund', 'cancel*', 'charged twice'");
    }
}
