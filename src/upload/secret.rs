//! A string that must never be printed: access tokens, refresh tokens, client secrets.

use std::fmt;

use super::errors::UploadError;

/// A credential. `Debug` and `Display` are redacted; read it only with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value` after trimming surrounding whitespace (a trailing newline from a file
    /// or `echo` is common). `what` names the credential in the error.
    ///
    /// Refuses an empty value or one with characters an HTTP header cannot carry.
    pub fn new(value: impl Into<String>, what: &str) -> Result<Self, UploadError> {
        let value = value.into();
        let trimmed = value.trim();
        if trimmed.is_empty() {
            return Err(UploadError::Invalid(format!("the {what} is empty")));
        }
        if !trimmed.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(UploadError::Invalid(format!(
                "the {what} contains spaces or characters that are not printable ASCII: check \
                 how it was copied"
            )));
        }
        Ok(Secret(trimmed.to_string()))
    }

    /// The secret's text, for putting on the wire. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the secret in `text` (used on server messages).
    pub fn scrub(&self, text: &str) -> String {
        text.replace(&self.0, "[redacted]")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_formats_the_value() {
        let s = Secret::new("act.abc123XYZ\n", "access token").unwrap();
        assert_eq!(s.expose(), "act.abc123XYZ");
        assert!(!format!("{s:?} {s} {:?}", Some(&s)).contains("abc123"));
        assert_eq!(s.scrub("bad token act.abc123XYZ!"), "bad token [redacted]!");
    }

    #[test]
    fn refuses_unsendable_values() {
        assert!(Secret::new("  ", "access token").is_err());
        let e = Secret::new("ab cd", "access token").unwrap_err().to_string();
        assert!(!e.contains("ab cd"));
        assert!(Secret::new("tok\u{e9}", "access token").is_err());
    }
}
