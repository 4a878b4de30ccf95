//! Network connectors for Earshot.
//!
//! Each network (Mastodon, Bluesky, Matrix, …) gets one module here, behind the
//! core's connector boundary. All HTTP lives in this crate so that the core
//! stays free of network clients and can be tested with an injected clock and
//! server. The first connectors arrive with the networks issue; until then the
//! crate holds no code.
