//! `SmtpConfig`: where and how to reach the mail server, parsed from a URL.
//!
//! Forms (README, "Configuration"):
//!
//! | URL | TLS | default port |
//! |---|---|---|
//! | `smtp://host[:port]` | none (plain text, for local relays) | 25 |
//! | `smtp://host[:port]?tls=none` | none | 25 |
//! | `smtp://host[:port]?tls=opportunistic` | STARTTLS when offered, else plain | 25 |
//! | `smtp://user:pass@host[:port]?tls=starttls` | STARTTLS, required | 587 |
//! | `smtps://user:pass@host[:port]` | implicit TLS from the first byte | 465 |
//!
//! `?ca=/path/ca.pem` (with any TLS mode) adds the CA certificates of a PEM
//! file to the trusted roots, for a server whose certificate a private CA
//! issued. `?tls=required-starttls` and `?tls=required` (lettre's spelling) are
//! aliases of `starttls`. User and password are percent-decoded, so a `@`,
//! `:`, `/`, `?` or `#` in a password must be written `%40`, `%3A`, ….
//! Credentials are refused over a connection that may stay in plain text
//! (`tls=none`/`opportunistic`) unless the host is loopback: a password
//! must never cross a network unencrypted.
//!
//! The password is never shown: not by `Debug`, not by `Display`, not in a
//! parse error (errors name the problem, never echo the input).

use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use secrecy::{ExposeSecret, SecretString};
use thiserror::Error;
use url::{Host, Url};

/// How the connection to the server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TlsMode {
    /// Plain text throughout; for relays on the same machine or network.
    None,
    /// Upgrade with STARTTLS if the server offers it, else stay plain.
    Opportunistic,
    /// Upgrade with STARTTLS; fail if the server does not offer it.
    StartTls,
    /// TLS from the first byte (`smtps://`, port 465).
    Implicit,
}

impl TlsMode {
    fn default_port(self) -> u16 {
        match self {
            Self::None | Self::Opportunistic => 25,
            Self::StartTls => 587,
            Self::Implicit => 465,
        }
    }

    /// Whether the conversation may run unencrypted.
    fn may_be_plain(self) -> bool {
        matches!(self, Self::None | Self::Opportunistic)
    }
}

/// A password that does not show itself: a [`SecretString`], whose `Debug`
/// is redacted, that has no `Display` or `Serialize` (so it cannot end up
/// in a log line, an error or a JSON answer by accident), and whose memory
/// is zeroed when dropped. Reading it takes a visible [`Password::expose`].
#[derive(Clone)]
pub(crate) struct Password(SecretString);

impl Password {
    pub(crate) fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl PartialEq for Password {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

impl Eq for Password {}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// SMTP settings parsed from a URL; see the module docs for the forms.
///
/// `Debug` and `Display` never show the password.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    host: String,
    port: u16,
    tls: TlsMode,
    credentials: Option<(String, Password)>,
    ca_file: Option<PathBuf>,
}

impl SmtpConfig {
    /// A PEM file of CA certificates trusted besides the usual roots.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// The same settings trusting the CA certificates in `path` (a PEM
    /// file) besides the usual roots; read when the mailer is made.
    ///
    /// # Errors
    /// [`SmtpUrlError::CaWithoutTls`] when this configuration uses no TLS.
    pub fn with_ca_file(mut self, path: impl Into<PathBuf>) -> Result<Self, SmtpUrlError> {
        if self.tls == TlsMode::None {
            return Err(SmtpUrlError::CaWithoutTls);
        }
        self.ca_file = Some(path.into());
        Ok(self)
    }

    /// The server's host name or IP address (IPv6 without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn tls(&self) -> TlsMode {
        self.tls
    }

    /// The user name to authenticate as, if any.
    pub fn username(&self) -> Option<&str> {
        self.credentials.as_ref().map(|(user, _)| user.as_str())
    }

    pub(crate) fn password(&self) -> Option<&Password> {
        self.credentials.as_ref().map(|(_, password)| password)
    }

    /// `host:port`, with brackets around an IPv6 address: how errors name the server.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username())
            .field("password", &self.password().map(|_| "[redacted]"))
            .field("ca_file", &self.ca_file)
            .finish()
    }
}

/// The URL again with the password replaced by `***`, for messages to the user.
impl fmt::Display for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.tls == TlsMode::Implicit {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some(user) = self.username() {
            write!(f, "{user}:***@")?;
        }
        f.write_str(&self.address())?;
        match self.tls {
            TlsMode::None | TlsMode::Implicit => Ok(()),
            TlsMode::Opportunistic => f.write_str("?tls=opportunistic"),
            TlsMode::StartTls => f.write_str("?tls=starttls"),
        }
    }
}

/// Why an SMTP URL was refused. It names the problem and never repeats the
/// URL, which may hold a password; the caller says which option it was
/// (e.g. `--smtp-url: unknown tls mode 'startls' (…)`).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SmtpUrlError {
    /// The `url` crate's messages are fixed texts that do not echo the input.
    #[error("not a valid URL ({0})")]
    Syntax(url::ParseError),
    #[error("unsupported scheme '{0}' (use smtp:// or smtps://)")]
    Scheme(String),
    #[error("the host is missing")]
    MissingHost,
    #[error("port 0 is not a port to connect to")]
    ZeroPort,
    #[error("unknown tls mode '{0}' (use none, opportunistic, starttls or required-starttls)")]
    TlsMode(String),
    #[error("smtps:// always uses implicit TLS; drop ?tls= or use smtp://")]
    TlsWithSmtps,
    #[error("a CA file (ca=) needs TLS; use smtps:// or ?tls=starttls")]
    CaWithoutTls,
    #[error("unknown parameter '{0}' (only tls and ca are supported)")]
    UnknownParameter(String),
    #[error("parameter '{0}' is given more than once")]
    DuplicateParameter(String),
    #[error("unexpected {0}; the form is smtp[s]://[user:password@]host[:port][?tls=...]")]
    Unexpected(&'static str),
    #[error("a user name needs a password (user:password@host)")]
    UserWithoutPassword,
    #[error("a password needs a user name (user:password@host)")]
    PasswordWithoutUser,
    #[error("the {0} is not valid UTF-8 once percent-decoded")]
    NotUtf8(&'static str),
    #[error("credentials for {0} need TLS; use smtps:// or ?tls=starttls")]
    CredentialsWithoutTls(String),
}

impl FromStr for SmtpConfig {
    type Err = SmtpUrlError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let url = Url::parse(input.trim()).map_err(SmtpUrlError::Syntax)?;

        let mut tls_param = None;
        let mut ca_param = None;
        for (key, value) in url.query_pairs() {
            let slot = match &*key {
                "tls" => &mut tls_param,
                "ca" => &mut ca_param,
                _ => return Err(SmtpUrlError::UnknownParameter(key.into_owned())),
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(SmtpUrlError::DuplicateParameter(key.into_owned()));
            }
        }
        let tls = match (url.scheme(), tls_param.as_deref()) {
            ("smtps", None) => TlsMode::Implicit,
            ("smtps", Some(_)) => return Err(SmtpUrlError::TlsWithSmtps),
            ("smtp", None | Some("none")) => TlsMode::None,
            ("smtp", Some("opportunistic")) => TlsMode::Opportunistic,
            ("smtp", Some("starttls" | "required-starttls" | "required")) => TlsMode::StartTls,
            ("smtp", Some(other)) => return Err(SmtpUrlError::TlsMode(other.to_owned())),
            (scheme, _) => return Err(SmtpUrlError::Scheme(scheme.to_owned())),
        };

        // lettre would take a path as the EHLO name; a stray path is far more
        // likely a password with an unescaped '/', so refuse it.
        if !matches!(url.path(), "" | "/") {
            return Err(SmtpUrlError::Unexpected("path"));
        }
        if url.fragment().is_some() {
            return Err(SmtpUrlError::Unexpected(
                "fragment ('#' in a password must be %23)",
            ));
        }

        let host = match url.host() {
            None => return Err(SmtpUrlError::MissingHost),
            Some(Host::Domain("")) => return Err(SmtpUrlError::MissingHost),
            Some(Host::Domain(domain)) => domain.to_owned(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            // Without brackets: lettre resolves (host, port) pairs.
            Some(Host::Ipv6(ip)) => ip.to_string(),
        };
        let port = url.port().unwrap_or_else(|| tls.default_port());
        if port == 0 {
            return Err(SmtpUrlError::ZeroPort);
        }

        let credentials = match (url.username(), url.password()) {
            ("", None) => None,
            ("", Some(_)) => return Err(SmtpUrlError::PasswordWithoutUser),
            (_, None) => return Err(SmtpUrlError::UserWithoutPassword),
            (user, Some(password)) => Some((
                percent_decode(user, "user name")?,
                Password(percent_decode(password, "password")?.into()),
            )),
        };
        if credentials.is_some() && tls.may_be_plain() && !is_loopback(&host) {
            return Err(SmtpUrlError::CredentialsWithoutTls(host));
        }

        let config = Self {
            host,
            port,
            tls,
            credentials,
            ca_file: None,
        };
        match ca_param {
            Some(path) if path.is_empty() => Err(SmtpUrlError::Unexpected("empty ca=")),
            Some(path) => config.with_ca_file(path),
            None => Ok(config),
        }
    }
}

fn percent_decode(raw: &str, part: &'static str) -> Result<String, SmtpUrlError> {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| SmtpUrlError::NotUtf8(part))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
