//! Network connectors for Earshot.
//!
//! Each network gets one module here, behind the core's
//! [`earshot_core::connector::Connector`] trait, and one line in [`connect`].
//! All HTTP lives in this crate (see [`http`]); the core stays free of network
//! clients and the connectors never touch the store.

pub mod bluesky;
pub mod http;
pub mod mastodon;
