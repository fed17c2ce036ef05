//! What the user named as input: a local path or an `http(s)://` URL.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An `http://` or `https://` URL. Shown to the user only as [`RemoteUrl::redacted`]: a
/// presigned URL carries its signature in the query string, which must not reach logs.
#[derive(Clone, PartialEq, Eq)]
pub struct RemoteUrl {
    url: reqwest::Url,
}

impl RemoteUrl {
    /// Parses an absolute `http` or `https` URL.
    pub fn parse(s: &str) -> Result<RemoteUrl> {
        let url = reqwest::Url::parse(s).map_err(|e| Error::Invalid(format!("not a valid URL ({e})")))?;
        match url.scheme() {
            "http" | "https" if url.host().is_some() => Ok(RemoteUrl { url }),
            "http" | "https" => Err(Error::Invalid("the URL has no host".into())),
            other => Err(Error::unsupported(
                format!("{other}:// URLs"),
                "give a local path or an http:// or https:// URL (presigned S3/GCS/Azure URLs are HTTPS)",
            )),
        }
    }

    /// True when `s` looks like a URL clipfit can fetch rather than a path.
    pub fn looks_like_url(s: &str) -> bool {
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        lower.starts_with("http://") || lower.starts_with("https://")
    }

    /// The URL without its query string, fragment or user info: safe to print.
    pub fn redacted(&self) -> String {
        redact(&self.url)
    }

    /// The full URL, for making requests only.
    pub(crate) fn as_url(&self) -> &reqwest::Url {
        &self.url
    }

    /// The full URL, query string included: to hand to a service that fetches it (TikTok's
    /// PULL_FROM_URL), never for messages.
    pub fn full(&self) -> &str {
        self.url.as_str()
    }

    /// True for `https://`.
    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The last path segment, if it looks like a file name (used to name temporary copies).
    pub fn file_name(&self) -> Option<&str> {
        self.url.path_segments()?.next_back().filter(|s| !s.is_empty())
    }
}

/// `url` without query, fragment, user name or password.
pub(crate) fn redact(url: &reqwest::Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    // Setting these can only fail on URLs that cannot have them (not http/https).
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

impl fmt::Debug for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RemoteUrl({})", self.redacted())
    }
}

impl fmt::Display for RemoteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// An input as the user gave it.
#[derive(Clone, Debug)]
pub enum Input {
    /// A file on this machine.
    Local(PathBuf),
    /// A file behind an HTTP(S) URL.
    Remote(RemoteUrl),
}

impl Input {
    /// A URL when `s` starts with `http://` or `https://`, a path otherwise.
    pub fn parse(s: &str) -> Result<Input> {
        if RemoteUrl::looks_like_url(s) {
            RemoteUrl::parse(s).map(Input::Remote)
        } else {
            Ok(Input::Local(PathBuf::from(s)))
        }
    }

    /// How to name this input in messages (a URL without its query string).
    pub fn display_name(&self) -> String {
        match self {
            Input::Local(p) => p.display().to_string(),
            Input::Remote(u) => u.redacted(),
        }
    }

    /// The local path, if the input is one.
    pub fn local_path(&self) -> Option<&Path> {
        match self {
            Input::Local(p) => Some(p),
            Input::Remote(_) => None,
        }
    }
}

impl std::str::FromStr for Input {
    type Err = Error;
    fn from_str(s: &str) -> Result<Input> {
        Input::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_drops_the_signature_and_credentials() {
        let u = RemoteUrl::parse("https://user:pw@bucket.s3.amazonaws.com/a/clip.mov?X-Amz-Signature=abc#t=1").unwrap();
        assert_eq!(u.redacted(), "https://bucket.s3.amazonaws.com/a/clip.mov");
        assert_eq!(format!("{u} {u:?}").matches("abc").count(), 0);
        assert_eq!(u.file_name(), Some("clip.mov"));
    }

    #[test]
    fn paths_and_urls_are_told_apart() {
        assert!(matches!(Input::parse("HTTPS://x.test/a.mp4").unwrap(), Input::Remote(_)));
        assert!(matches!(Input::parse("./http:/odd-name.mp4").unwrap(), Input::Local(_)));
        assert!(matches!(Input::parse("clip.mp4").unwrap(), Input::Local(_)));
        assert!(RemoteUrl::parse("ftp://x.test/a.mp4").is_err());
    }
}
