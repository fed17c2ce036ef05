//! Webhooks: `POST webhook_url` on every terminal state, signed and retried.
//!
//! The body is JSON `{"event_id", "type": "job.<status>", "job": <GET /v1/jobs/{id}>}`.
//! [`SIGNATURE_HEADER`] carries `sha256=<hex HMAC-SHA256 of the body, keyed with the API
//! key>`; [`EVENT_ID_HEADER`] repeats the event id. The event id is the job id and its final
//! status, so a redelivery (a retry after a timeout whose first attempt did arrive) carries
//! the same id and receivers can drop duplicates. Redirects are not followed, and the
//! address policy of sources applies (a webhook must not reach into the private network).

use std::net::SocketAddr;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::job::JobView;
use crate::remote::policy::is_public;

/// Header holding the body's signature.
pub const SIGNATURE_HEADER: &str = "x-clipfit-signature";
/// Header holding the event id.
pub const EVENT_ID_HEADER: &str = "x-clipfit-event-id";

/// `sha256=<hex>`: HMAC-SHA256 of `body` keyed with `key`.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(body);
    let bytes = mac.finalize().into_bytes();
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256=");
    for b in bytes {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

/// How deliveries are attempted.
#[derive(Clone, Debug)]
pub struct WebhookPolicy {
    /// Attempts before giving up.
    pub attempts: u32,
    /// Delay before the first retry; doubles each time.
    pub backoff: Duration,
    /// Time allowed per attempt.
    pub timeout: Duration,
    /// Deliver to private addresses too (`--allow-private-sources`).
    pub allow_private: bool,
}

/// The event id of `job`'s final state.
pub fn event_id(job: &JobView) -> String {
    format!("{}.{}", job.id, job.status.as_str())
}

/// Delivers the event for `job` to `url`. Returns whether a 2xx answer came back.
pub async fn deliver(url: &str, job: &JobView, key: &[u8], policy: &WebhookPolicy) -> Result<(), String> {
    let id = event_id(job);
    let body = serde_json::json!({
        "event_id": id,
        "type": format!("job.{}", job.status.as_str()),
        "job": job,
    })
    .to_string();
    let sig = signature(key, body.as_bytes());
    let mut last = String::new();
    for attempt in 0..policy.attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(policy.backoff.saturating_mul(1 << (attempt - 1).min(10))).await;
        }
        let client = match pinned_client(url, policy).await {
            Ok(c) => c,
            // The address is refused or does not resolve: retrying later may resolve it.
            Err(e) => {
                last = e;
                continue;
            }
        };
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, &sig)
            .header(EVENT_ID_HEADER, &id)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status().is_success() => return Ok(()),
            Ok(resp) => last = format!("HTTP {}", resp.status().as_u16()),
            Err(e) => last = format!("{}", e.without_url()),
        }
    }
    Err(last)
}

/// A client that connects only to an address of `url`'s host checked against the policy.
async fn pinned_client(url: &str, policy: &WebhookPolicy) -> Result<reqwest::Client, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("invalid webhook URL: {e}"))?;
    let host = parsed.host_str().ok_or("the webhook URL has no host")?.to_string();
    let port = parsed.port_or_known_default().ok_or("the webhook URL has no port")?;
    let bare = host.trim_start_matches('[').trim_end_matches(']').to_string();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare.as_str(), port))
        .await
        .map_err(|e| format!("cannot resolve the webhook host: {e}"))?
        .collect();
    let Some(addr) = addrs.first().copied() else {
        return Err("the webhook host has no address".into());
    };
    if !policy.allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(format!("the webhook host resolves to a private address ({}); refused", addr.ip()));
    }
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(policy.timeout)
        .resolve(&bare, addr)
        .build()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_the_rfc_4231_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
