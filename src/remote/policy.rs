//! Which addresses a fetch may connect to.
//!
//! A service that fetches URLs its users give it must not become a way into the network it
//! runs in (SSRF): loopback, private, link-local (169.254.169.254 is the cloud metadata
//! service), shared, multicast and unspecified addresses are refused when
//! [`RemoteOptions::allow_private`](super::RemoteOptions) is false. The check is made on
//! the resolved addresses (a public name may point at 10.0.0.1) and again for every
//! redirect target.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// True when `ip` is an ordinary address on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        // 100.64.0.0/10, carrier-grade NAT (RFC 6598); 192.0.0.0/24 (RFC 6890); 198.18.0.0/15
        // benchmarking; 240.0.0.0/4 reserved.
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && ip.octets()[2] == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local, fe80::/10 link-local, 2001:db8::/32 documentation,
        // 64:ff9b::/96 NAT64 (it reaches IPv4 addresses we could not check).
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        || (first == 0x0064 && ip.segments()[1] == 0xff9b))
}

/// A host refused by the address policy (found in a failed request's causes).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct RefusedAddress(pub(crate) String);

/// A resolver that drops non-public addresses; a name with only such addresses fails.
pub(crate) struct PublicOnly;

impl PublicOnly {
    pub(crate) fn shared() -> Arc<PublicOnly> {
        Arc::new(PublicOnly)
    }
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let lookup = host.clone();
            let found: Vec<SocketAddr> = tokio::task::spawn_blocking(move || (lookup.as_str(), 0).to_socket_addrs())
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)??
                .collect();
            let public: Vec<SocketAddr> = found.iter().copied().filter(|a| is_public(a.ip())).collect();
            if let (true, Some(first)) = (public.is_empty(), found.first()) {
                let why = format!("{host} resolves to {}, a private or reserved address", first.ip());
                return Err(Box::new(RefusedAddress(why)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// Why `url` may not be fetched, when its host is an address literal that is not public.
/// (Names are checked by [`PublicOnly`] when they are resolved.)
pub(crate) fn refuse_literal(url: &reqwest::Url) -> Option<String> {
    let ip = match url.host()? {
        url::Host::Ipv4(ip) => IpAddr::V4(ip),
        url::Host::Ipv6(ip) => IpAddr::V6(ip),
        url::Host::Domain(d) if d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost") => {
            return Some(format!("{d} is this machine"));
        }
        url::Host::Domain(_) => return None,
    };
    (!is_public(ip)).then(|| format!("{ip} is a private or reserved address"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_metadata_addresses_are_not_public() {
        for s in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(!is_public(s.parse().unwrap()), "{s}");
        }
        for s in ["8.8.8.8", "151.101.1.1", "2606:4700::1111"] {
            assert!(is_public(s.parse().unwrap()), "{s}");
        }
    }

    #[test]
    fn literal_hosts_are_checked_before_any_request() {
        let refused = |s: &str| refuse_literal(&reqwest::Url::parse(s).unwrap());
        assert!(refused("http://169.254.169.254/latest/meta-data/").is_some());
        assert!(refused("http://[::1]:8080/a.mp4").is_some());
        assert!(refused("http://localhost/a.mp4").is_some());
        assert!(refused("https://example.com/a.mp4").is_none());
    }
}
