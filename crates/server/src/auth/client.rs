//! Where a request comes from, for the limits per address. The peer's address, unless the peer
//! is a reverse proxy named in `HOCVUSO_TRUSTED_PROXIES`: then the right-most address in
//! `X-Forwarded-For` that is not itself a trusted proxy (the left part of that header is
//! whatever the client chose to send, so it is never believed).

use std::net::{IpAddr, Ipv6Addr};

use actix_web::HttpRequest;

use crate::settings::Settings;

pub fn address(req: &HttpRequest, settings: &Settings) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    if !settings.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !settings.trusted_proxies.contains(a))
            .unwrap_or(peer),
    )
}

/// What one subscriber controls: an IPv4 address, or an IPv6 /64 (a home or phone gets a whole
/// /64, so counting single IPv6 addresses would let one person look like millions).
pub fn network(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{}/64", Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_address_counts_as_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        assert_eq!(network(a), network(b));
        assert_eq!(network("10.0.0.1".parse().expect("ip")), "10.0.0.1");
    }
}
