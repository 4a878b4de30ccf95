//! Links leave the app only for the system browser, and only these kinds.

use crate::error::{Error, Result};

/// Checks that a link from content is one the system browser may open:
/// `http`, `https` or `mailto`, no credentials, no control characters.
pub fn external(url: &str) -> Result<&str> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:");
    let host_part = lower
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or(""))
        .unwrap_or("");
    if !scheme_ok
        || url.chars().any(char::is_control)
        || host_part.contains('@')
        || url.len() > 4096
    {
        return Err(Error::Invalid(format!(
            "Earshot only opens http, https and mailto links in the browser, not '{}'",
            url.chars().take(80).collect::<String>()
        )));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_web_and_mail_links_leave_the_app() {
        for ok in [
            "https://lumennotes.example/a?b#c",
            "http://x.example",
            "mailto:sam@x.example",
        ] {
            assert!(super::external(ok).is_ok(), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "https://user:pass@evil.example/",
            "data:text/html,hi",
            "https://x.example/\nInjected",
            "",
        ] {
            assert!(super::external(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
