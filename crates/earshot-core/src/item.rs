//! Items as they arrive from any network, before ingest, and their kinds.

use serde::{Deserialize, Serialize};

/// What an item is, normalised across networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Mention,
    Reply,
    Dm,
    Comment,
    #[default]
    Post,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mention => "mention",
            Self::Reply => "reply",
            Self::Dm => "dm",
            Self::Comment => "comment",
            Self::Post => "post",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "mention" => Self::Mention,
            "reply" => Self::Reply,
            "dm" => Self::Dm,
            "comment" => Self::Comment,
            "post" => Self::Post,
            _ => return None,
        })
    }
}

/// The body of an item as the network sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Plain text (Bluesky, Reddit, Matrix plain bodies).
    Text(String),
    /// HTML as the network sent it (Mastodon, Discourse); hostile until sanitised.
    Html(String),
}

/// The identity that wrote an item, as the network describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAuthor {
    pub handle: String,
    pub display_name: Option<String>,
    pub url: Option<String>,
    pub avatar_url: Option<String>,
    pub followers: Option<i64>,
}

/// One item from a connector or an import, not yet ingested.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub network: String,
    /// The item's id on its network; with `network`, what makes ingest idempotent.
    pub remote_id: String,
    /// The account it arrived through, if any.
    pub account_id: Option<i64>,
    pub kind: ItemKind,
    pub author: NewAuthor,
    pub content: Content,
    /// Unix milliseconds.
    pub created_at: i64,
    pub parent_remote_id: Option<String>,
    pub root_remote_id: Option<String>,
    pub url: Option<String>,
    /// A language the network declared (BCP 47 or ISO 639); detected when absent.
    pub lang: Option<String>,
    /// Images, video, audio and link cards, as the network described them
    /// (sanitised when stored: [`crate::attachments`]). Usually empty.
    pub attachments: Vec<crate::attachments::NewAttachment>,
}
