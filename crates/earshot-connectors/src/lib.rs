//! Network connectors for Earshot.
//!
//! Each network (Mastodon, Bluesky, Matrix, …) gets one module here, behind the
//! core's connector boundary. All HTTP lives in this crate so that the core
//! stays free of network clients and can be tested with an injected clock and
//! server. The first connectors arrive with the networks issue; until then this
//! crate only lists the networks the core knows how to name.

/// The networks Earshot has connectors for, as named in the store.
pub fn supported_networks() -> &'static [&'static str] {
    &[]
}

#[cfg(test)]
mod tests {
    #[test]
    fn no_connector_is_claimed_before_it_exists() {
        assert!(
            super::supported_networks().is_empty(),
            "a network is listed only once its connector module exists"
        );
    }
}
