//! Which hosts images are fetched from. An image's URL comes from whoever wrote
//! the post or profile, so a hostile one could make the manager's laptop send
//! requests into their own network (a router at 192.168.1.1, a cloud metadata
//! service at 169.254.169.254). Only globally reachable addresses are fetched
//! from, checked on what is actually connected to: an IP literal before the
//! request and at every redirect ([`MediaHosts::check_url`]), and every name's
//! addresses as it is resolved ([`MediaResolver`]), so a public name that
//! resolves to 10.0.0.5, or rebinds to it later, is refused too.
//!
//! The one exception is the account's own server: when it is itself on a
//! private address (self-hosted) its images are fetched from it, on its own
//! port; when it is on loopback (the local test servers, a stack on this
//! machine) so are images on any loopback port (Bluesky's AppView serves the
//! thumbnails beside the PDS).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use url::{Host, Url};

/// As many redirects as reqwest's default policy follows.
const MAX_REDIRECTS: usize = 10;

/// Why an image's host is refused; the message reaches the manager as a
/// [`earshot_core::connector::ConnectorError::Refused`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrivateAddress {
    #[error("{0} is a private network address; images there are not fetched")]
    Literal(String),
    #[error("{name} ({ip}) is a private network address; images there are not fetched")]
    Resolved { name: String, ip: IpAddr },
    #[error(
        "{0} is another port of the account's server; its images are fetched from its own port only"
    )]
    OtherPort(String),
}

/// The hosts images may come from, given the account's server.
#[derive(Debug)]
pub struct MediaHosts {
    /// The account's server's host and port.
    base: Option<(Host<String>, u16)>,
    /// The account's server runs on this machine.
    base_on_loopback: bool,
}

impl MediaHosts {
    pub fn for_base(base: &str) -> Self {
        let base = Url::parse(base)
            .ok()
            .and_then(|u| Some((u.host()?.to_owned(), u.port_or_known_default()?)));
        let base_on_loopback = match &base {
            Some((Host::Domain(name), _)) => name.eq_ignore_ascii_case("localhost"),
            Some((Host::Ipv4(ip), _)) => ip.is_loopback(),
            Some((Host::Ipv6(ip), _)) => ip.to_canonical().is_loopback(),
            None => false,
        };
        Self {
            base,
            base_on_loopback,
        }
    }

    /// Whether images may be fetched from this address (not counting the
    /// account's server's own host and port).
    pub fn allows(&self, ip: IpAddr) -> bool {
        is_global(ip) || (self.base_on_loopback && ip.to_canonical().is_loopback())
    }

    /// The account's server's name, unless it is on loopback. Its addresses
    /// are not checked (its API requests go there already, and a self-hosted
    /// server's name resolves to a private address), so [`Self::check_url`]
    /// allows it on the server's own port only.
    fn server_name(&self) -> Option<&str> {
        match &self.base {
            Some((Host::Domain(name), _)) if !self.base_on_loopback => Some(name),
            _ => None,
        }
    }

    /// Checks an image's URL before it is requested and at every redirect. An
    /// IP literal must be allowed; a name's addresses are checked as it is
    /// resolved, by [`MediaResolver`].
    pub fn check_url(&self, url: &Url) -> Result<(), PrivateAddress> {
        let Some(host) = url.host() else {
            // reqwest refuses a web URL without a host itself.
            return Ok(());
        };
        let host = host.to_owned();
        if let Some((base_host, base_port)) = &self.base {
            if &host == base_host && url.port_or_known_default() == Some(*base_port) {
                return Ok(());
            }
        }
        let refused = || PrivateAddress::Literal(url.host_str().unwrap_or_default().to_owned());
        match host {
            Host::Ipv4(ip) if !self.allows(IpAddr::V4(ip)) => Err(refused()),
            Host::Ipv6(ip) if !self.allows(IpAddr::V6(ip)) => Err(refused()),
            Host::Domain(name) if self.server_name() == Some(name.as_str()) => {
                let port = url.port_or_known_default().unwrap_or_default();
                Err(PrivateAddress::OtherPort(format!("{name}:{port}")))
            }
            _ => Ok(()),
        }
    }

    /// Keeps the addresses of `name` that images may be fetched from, or says
    /// why there are none.
    pub fn filter(
        &self,
        name: &str,
        addrs: impl IntoIterator<Item = SocketAddr>,
    ) -> Result<Vec<SocketAddr>, PrivateAddress> {
        let all: Vec<SocketAddr> = addrs.into_iter().collect();
        if self
            .server_name()
            .is_some_and(|server| server.eq_ignore_ascii_case(name))
        {
            return Ok(all);
        }
        let kept: Vec<SocketAddr> = all
            .iter()
            .copied()
            .filter(|a| self.allows(a.ip()))
            .collect();
        match all.first() {
            Some(first) if kept.is_empty() => Err(PrivateAddress::Resolved {
                name: name.to_owned(),
                ip: first.ip(),
            }),
            _ => Ok(kept),
        }
    }
}

/// Resolves names through the system for the media client, keeping only the
/// addresses [`MediaHosts::filter`] allows (an error when none is left), so
/// the addresses connected to are the ones checked.
pub struct MediaResolver(pub Arc<MediaHosts>);

impl Resolve for MediaResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let hosts = self.0.clone();
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = tokio::net::lookup_host((name.as_str(), 0)).await?;
            let kept = hosts.filter(&name, addrs)?;
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

/// Follows a redirect only to a URL [`MediaHosts::check_url`] allows (a
/// name's addresses are left to [`MediaResolver`]).
pub fn redirect_policy(hosts: Arc<MediaHosts>) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        // `previous` starts with the URL first asked for.
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        match hosts.check_url(attempt.url()) {
            Ok(()) => attempt.follow(),
            Err(refused) => attempt.error(refused),
        }
    })
}

/// Whether an address is reachable on the public internet: std's
/// `IpAddr::is_global` is not stable yet. Follows IANA's special-purpose
/// address registries, erring on the side of refusing (no image is served
/// from an IETF protocol assignment).
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => is_global_v4(ip),
        IpAddr::V6(ip) => is_global_v6(ip),
    }
}

fn is_global_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    let special = a == 0 // "this network", 0.0.0.0 (unspecified) included
        || a == 10 // private
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || a == 127 // loopback
        || (a == 169 && b == 254) // link-local
        || (a == 172 && (16..32).contains(&b)) // private
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation (TEST-NET-1)
        || (a == 192 && b == 168) // private
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // documentation (TEST-NET-2)
        || (a == 203 && b == 0 && c == 113) // documentation (TEST-NET-3)
        || a >= 224; // multicast, reserved, 255.255.255.255 (broadcast)
    !special
}

fn is_global_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if let Some(mapped) = ip.to_ipv4_mapped() {
        return is_global_v4(mapped);
    }
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address they carry.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_global_v4(v4(s[6], s[7]));
    }
    if s[0] == 0x2002 {
        return is_global_v4(v4(s[1], s[2]));
    }
    // Only 2000::/3 is global unicast: this leaves out the unspecified address,
    // loopback, IPv4-compatible, unique local (fc00::/7), link-local
    // (fe80::/10), site-local and multicast (ff00::/8) addresses.
    let global_unicast = s[0] & 0xe000 == 0x2000;
    // 2001::/23 is IETF protocol assignments (Teredo among them), and
    // 2001:db8::/32 and 3fff::/20 are for documentation.
    let special =
        (s[0] == 0x2001 && (s[1] < 0x200 || s[1] == 0xdb8)) || (s[0] == 0x3fff && s[1] < 0x1000);
    global_unicast && !special
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn assert_checks(hosts: &MediaHosts, allowed: &[&str], refused: &[&str]) {
        for text in allowed {
            assert_eq!(
                hosts.check_url(&url(text)),
                Ok(()),
                "{text} must be allowed"
            );
        }
        for text in refused {
            assert!(
                hosts.check_url(&url(text)).is_err(),
                "{text} must be refused"
            );
        }
    }

    /// An image's URL whose host is the IP literal `addr`.
    fn image_at(addr: &str) -> Url {
        match ip(addr) {
            IpAddr::V4(_) => url(&format!("https://{addr}/a.png")),
            IpAddr::V6(_) => url(&format!("https://[{addr}]/a.png")),
        }
    }

    const NON_GLOBAL: &[(&str, &str)] = &[
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "unique local"),
        ("fc00::1", "unique local"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("0.1.2.3", "this network"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("ff0e::1", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("240.0.0.1", "reserved"),
        ("100.64.0.1", "CGNAT"),
        ("100.127.255.254", "CGNAT"),
        ("192.0.2.10", "documentation"),
        ("198.51.100.10", "documentation"),
        ("203.0.113.10", "documentation"),
        ("2001:db8::1", "documentation"),
        ("3fff::1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("192.0.0.8", "IETF protocol assignment"),
        ("2001::1", "Teredo"),
        ("fec0::1", "site-local"),
        ("::ffff:10.0.0.5", "IPv4-mapped private"),
        ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
        ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
        ("::10.0.0.5", "IPv4-compatible"),
        ("64:ff9b::a00:5", "NAT64 of a private address"),
        ("2002:a00:5::1", "6to4 of a private address"),
    ];

    const GLOBAL: &[&str] = &[
        "1.1.1.1",
        "8.8.8.8",
        "93.184.215.14",
        "100.63.255.255",
        "100.128.0.1",
        "172.15.255.255",
        "172.32.0.1",
        "192.167.1.1",
        "223.255.255.254",
        "2606:4700::1111",
        "2a00:1450:4001::200e",
        "::ffff:1.1.1.1",
        "64:ff9b::101:101",
        "2002:101:101::1",
    ];

    #[test]
    fn every_non_global_class_is_refused_and_public_addresses_are_allowed() {
        for (addr, class) in NON_GLOBAL {
            assert!(!is_global(ip(addr)), "{addr} ({class}) must be refused");
        }
        for addr in GLOBAL {
            assert!(is_global(ip(addr)), "{addr} is public and must be allowed");
        }
    }

    #[test]
    fn ip_literal_urls_are_checked_before_any_request() {
        let hosts = MediaHosts::for_base("https://mastodon.social");
        for (addr, class) in NON_GLOBAL {
            let err = hosts.check_url(&image_at(addr)).expect_err(class);
            assert!(
                err.to_string()
                    .ends_with("is a private network address; images there are not fetched"),
                "{err}"
            );
        }
        for addr in GLOBAL {
            assert_eq!(hosts.check_url(&image_at(addr)), Ok(()), "{addr}");
        }
        // Names are left to the resolver; other spellings of a literal are not.
        assert_checks(
            &hosts,
            &["https://cdn.example/a.png"],
            &[
                "https://2130706433/a.png",
                "https://0x7f.1/a.png",
                "https://0177.0.0.1/a.png",
                "https://[::ffff:7f00:1]/a.png",
            ],
        );
    }

    #[test]
    fn a_private_server_allows_its_own_host_and_port_only() {
        assert_checks(
            &MediaHosts::for_base("https://192.168.1.5"),
            &[
                "https://192.168.1.5/system/a.png",
                "https://192.168.1.5:443/system/a.png",
            ],
            &[
                "https://192.168.1.5:8443/a.png",
                "https://192.168.1.6/a.png",
                "https://10.0.0.5/a.png",
                "https://127.0.0.1/a.png",
            ],
        );

        let named = MediaHosts::for_base("https://mastodon.lan");
        assert_eq!(named.check_url(&url("https://mastodon.lan/a.png")), Ok(()));
        assert_eq!(
            named.check_url(&url("https://mastodon.lan:22/a.png")),
            Err(PrivateAddress::OtherPort("mastodon.lan:22".into()))
        );
        let lan: SocketAddr = "192.168.1.5:0".parse().unwrap();
        assert_eq!(
            named.filter("mastodon.lan", [lan]),
            Ok(vec![lan]),
            "the server's own name may resolve to its private address"
        );
        assert!(named.filter("printer.lan", [lan]).is_err());
    }

    #[test]
    fn a_loopback_server_allows_loopback_and_nothing_else_private() {
        let hosts = MediaHosts::for_base("http://127.0.0.1:2583");
        assert_checks(
            &hosts,
            &[
                "http://127.0.0.1:2583/a.png",
                "http://127.0.0.1:2584/img/a.png",
                "http://[::1]:2584/a.png",
            ],
            &[
                "http://10.0.0.5/a.png",
                "http://192.168.1.1/a.png",
                "http://169.254.169.254/latest/meta-data",
                "http://0.0.0.0:2583/a.png",
            ],
        );
        let home: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let lan: SocketAddr = "10.0.0.5:0".parse().unwrap();
        assert_eq!(hosts.filter("localhost", [home]), Ok(vec![home]));
        assert!(hosts.filter("router.lan", [lan]).is_err());
    }

    #[test]
    fn the_resolver_drops_non_global_addresses() {
        let hosts = MediaHosts::for_base("https://mastodon.social");
        let public: SocketAddr = "93.184.215.14:0".parse().unwrap();
        let public6: SocketAddr = "[2606:4700::1111]:0".parse().unwrap();
        let private: SocketAddr = "10.0.0.5:0".parse().unwrap();
        let mapped: SocketAddr = "[::ffff:192.168.1.1]:0".parse().unwrap();
        assert_eq!(
            hosts.filter("cdn.example", [private, public, mapped, public6]),
            Ok(vec![public, public6]),
            "only the public addresses are connected to"
        );
        assert_eq!(
            hosts.filter("rebind.example", [private, mapped]),
            Err(PrivateAddress::Resolved {
                name: "rebind.example".into(),
                ip: ip("10.0.0.5"),
            })
        );
        assert_eq!(
            hosts
                .filter("rebind.example", [private])
                .unwrap_err()
                .to_string(),
            "rebind.example (10.0.0.5) is a private network address; \
             images there are not fetched"
        );
    }

    #[tokio::test]
    async fn the_resolver_refuses_a_name_that_resolves_to_loopback() {
        let resolver = MediaResolver(Arc::new(MediaHosts::for_base("https://mastodon.social")));
        let name: Name = "localhost".parse().unwrap();
        let err = match resolver.resolve(name).await {
            Ok(addrs) => panic!("localhost resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e,
        };
        assert!(
            err.downcast_ref::<PrivateAddress>().is_some(),
            "refused as private, not failed: {err}"
        );
    }
}
