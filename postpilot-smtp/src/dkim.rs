//! DKIM (RFC 6376): every email signed once it is built, by Stalwart's
//! `mail-auth` (relaxed/relaxed, `rsa-sha256` or `ed25519-sha256` of RFC
//! 8463). The key is read and parsed once; each email then costs one
//! header scan, one body hash and one signature.
//!
//! The private key is a secret: [`DkimKey`]'s `Debug` shows only its kind,
//! and no error quotes the file's content.

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use base64::Engine as _;
use mail_auth::common::crypto::{self, Ed25519Key, RsaKey, Sha256, SigningKey};
use mail_auth::common::headers::{HeaderWriter, Writable};
use mail_auth::dkim::{Canonicalization, DkimSigner, Done};
use postpilot_core::ports::MailError;
use rsa::pkcs8::EncodePublicKey as _;
use rsa::traits::PublicKeyParts as _;
use rustls_pki_types::pem::PemObject as _;
use rustls_pki_types::PrivateKeyDer;
use thiserror::Error;

use crate::identity::is_dns_name;

/// The headers signed, in this order. Those an email does not carry
/// (Reply-To unless set, the List-Unsubscribe pair unless unsubscribe
/// links are on) are signed as absent (RFC 6376 §5.4), so nobody can add
/// one on the way without breaking the signature.
const SIGNED_HEADERS: [&str; 11] = [
    "From",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "MIME-Version",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Reply-To",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
];

/// RFC 8301: verifiers refuse RSA keys under 1024 bits.
const MIN_RSA_BITS: usize = 1024;

/// Why a DKIM key, domain or selector cannot be used. Never quotes the key.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DkimError {
    #[error("cannot read {path}: {why}")]
    Read { path: String, why: String },
    #[error("not a PEM private key (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)")]
    NotPem,
    #[error("an elliptic-curve (SEC1) key; DKIM signs with RSA or Ed25519 keys")]
    EcKey,
    #[error("the key is neither an RSA nor an Ed25519 private key, or it is damaged")]
    Unusable,
    #[error("an RSA key of {0} bits; DKIM needs at least 1024 (2048 recommended)")]
    WeakRsa(usize),
    #[error("{what} {value:?} is not a domain name (labels of letters, digits and inner hyphens joined by dots)")]
    Name { what: &'static str, value: String },
}

/// The kind of a DKIM key, as DNS records and signatures name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DkimAlgorithm {
    Ed25519,
    Rsa { bits: usize },
}

/// A DKIM private key read from PEM: Ed25519 (PKCS#8) or RSA (PKCS#8 or
/// PKCS#1) of at least 1024 bits. Cheap to clone (shared); `Debug` shows
/// the algorithm and nothing of the key.
#[derive(Clone)]
pub struct DkimKey {
    key: Arc<crypto::DkimKey>,
    algorithm: DkimAlgorithm,
    /// The public key as DNS publishes it: SubjectPublicKeyInfo DER for
    /// RSA, the 32 raw bytes for Ed25519 (RFC 8463).
    public: Arc<[u8]>,
}

impl DkimKey {
    /// Reads the PEM file at `path`.
    ///
    /// # Errors
    /// [`DkimError::Read`] when the file cannot be read, else as [`DkimKey::from_pem`].
    pub fn read(path: &Path) -> Result<Self, DkimError> {
        let pem = std::fs::read(path).map_err(|e| DkimError::Read {
            path: path.display().to_string(),
            why: e.to_string(),
        })?;
        Self::from_pem(&pem)
    }

    /// Parses a PEM private key.
    ///
    /// # Errors
    /// [`DkimError`] naming what is wrong with it, never quoting it.
    pub fn from_pem(pem: &[u8]) -> Result<Self, DkimError> {
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(|_| DkimError::NotPem)?;
        match &der {
            PrivateKeyDer::Pkcs8(pkcs8) => {
                if let Ok(key) = Ed25519Key::from_pkcs8_der(pkcs8.secret_pkcs8_der()) {
                    let public = key.public_key();
                    return Ok(Self::new(key.into(), DkimAlgorithm::Ed25519, public));
                }
                use rsa::pkcs8::DecodePrivateKey as _;
                let rsa = rsa::RsaPrivateKey::from_pkcs8_der(pkcs8.secret_pkcs8_der())
                    .map_err(|_| DkimError::Unusable)?;
                Self::rsa(&rsa, der)
            }
            PrivateKeyDer::Pkcs1(pkcs1) => {
                use rsa::pkcs1::DecodeRsaPrivateKey as _;
                let rsa = rsa::RsaPrivateKey::from_pkcs1_der(pkcs1.secret_pkcs1_der())
                    .map_err(|_| DkimError::Unusable)?;
                Self::rsa(&rsa, der)
            }
            PrivateKeyDer::Sec1(_) => Err(DkimError::EcKey),
            _ => Err(DkimError::Unusable),
        }
    }

    /// An RSA key: `rsa` read from `der`, for its size and public half.
    fn rsa(rsa: &rsa::RsaPrivateKey, der: PrivateKeyDer<'_>) -> Result<Self, DkimError> {
        let bits = rsa.size() * 8;
        if bits < MIN_RSA_BITS {
            return Err(DkimError::WeakRsa(bits));
        }
        let public = rsa
            .to_public_key()
            .to_public_key_der()
            .map_err(|_| DkimError::Unusable)?;
        let key = RsaKey::<Sha256>::from_key_der(der).map_err(|_| DkimError::Unusable)?;
        Ok(Self::new(
            key.into(),
            DkimAlgorithm::Rsa { bits },
            public.as_bytes().to_vec(),
        ))
    }

    fn new(key: crypto::DkimKey, algorithm: DkimAlgorithm, public: Vec<u8>) -> Self {
        Self {
            key: Arc::new(key),
            algorithm,
            public: public.into(),
        }
    }

    pub fn algorithm(&self) -> DkimAlgorithm {
        self.algorithm
    }

    /// The public key, base64, as the `p=` tag of the DNS record holds it.
    pub fn public_key_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(&self.public)
    }
}

impl fmt::Debug for DkimKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DkimKey({:?}, [redacted])", self.algorithm)
    }
}

/// The shared key, as `mail-auth`'s signer holds it.
struct SharedKey(Arc<crypto::DkimKey>);

impl SigningKey for SharedKey {
    type Hasher = Sha256;

    fn sign(&self, input: impl Writable) -> mail_auth::Result<Vec<u8>> {
        self.0.sign(input)
    }

    fn algorithm(&self) -> crypto::Algorithm {
        self.0.algorithm()
    }
}

/// Signs every email for `domain` with the key published at
/// `selector._domainkey.domain`. Cheap to clone (shared).
#[derive(Clone)]
pub struct Dkim(Arc<Signer>);

struct Signer {
    signer: DkimSigner<SharedKey, Done>,
    domain: String,
    selector: String,
    key: DkimKey,
}

impl Dkim {
    /// A signer for `domain` (the `d=` tag; for DMARC, the From domain or a
    /// parent of it) with `key` under `selector` (the `s=` tag).
    ///
    /// # Errors
    /// [`DkimError::Name`] when the domain or the selector is not a DNS name.
    pub fn new(domain: &str, selector: &str, key: DkimKey) -> Result<Self, DkimError> {
        let domain = Self::parse_domain(domain)?;
        let selector = Self::parse_selector(selector)?;
        let signer = DkimSigner::from_key(SharedKey(Arc::clone(&key.key)))
            .domain(domain.clone())
            .selector(selector.clone())
            .headers(SIGNED_HEADERS)
            .header_canonicalization(Canonicalization::Relaxed)
            .body_canonicalization(Canonicalization::Relaxed);
        Ok(Self(Arc::new(Signer {
            signer,
            domain,
            selector,
            key,
        })))
    }

    /// `domain` as the `d=` tag holds it: a domain name with a dot, in
    /// lower case, without a final dot.
    ///
    /// # Errors
    /// [`DkimError::Name`] for anything else.
    pub fn parse_domain(domain: &str) -> Result<String, DkimError> {
        let domain = domain
            .strip_suffix('.')
            .unwrap_or(domain)
            .to_ascii_lowercase();
        if is_dns_name(&domain) && domain.contains('.') {
            Ok(domain)
        } else {
            Err(DkimError::Name {
                what: "domain",
                value: domain,
            })
        }
    }

    /// `selector` as the `s=` tag holds it: one or more DNS labels.
    ///
    /// # Errors
    /// [`DkimError::Name`] for anything else.
    pub fn parse_selector(selector: &str) -> Result<String, DkimError> {
        if is_dns_name(selector) {
            Ok(selector.to_owned())
        } else {
            Err(DkimError::Name {
                what: "selector",
                value: selector.to_owned(),
            })
        }
    }

    pub fn domain(&self) -> &str {
        &self.0.domain
    }

    pub fn selector(&self) -> &str {
        &self.0.selector
    }

    /// The DNS TXT record that publishes the public key, in zone-file form:
    /// `S._domainkey.D. IN TXT "v=DKIM1; k=…; p=…"`, the text cut into
    /// strings of at most 255 characters (an RSA key is longer).
    pub fn dns_record(&self) -> String {
        let text = self.record_text();
        // Base64 and the tags are ASCII: cutting at any byte is safe.
        let strings: Vec<String> = text
            .as_bytes()
            .chunks(255)
            .map(|chunk| format!("\"{}\"", String::from_utf8_lossy(chunk)))
            .collect();
        format!("{}. IN TXT {}", self.record_name(), strings.join(" "))
    }

    /// Where the public key is published: `S._domainkey.D`.
    pub fn record_name(&self) -> String {
        format!("{}._domainkey.{}", self.0.selector, self.0.domain)
    }

    /// The text of the TXT record: `v=DKIM1; k=ed25519|rsa; p=BASE64`.
    pub fn record_text(&self) -> String {
        let k = match self.0.key.algorithm {
            DkimAlgorithm::Ed25519 => "ed25519",
            DkimAlgorithm::Rsa { .. } => "rsa",
        };
        format!("v=DKIM1; k={k}; p={}", self.0.key.public_key_base64())
    }

    /// `email` with a `DKIM-Signature` header in front.
    ///
    /// # Errors
    /// [`MailError::Permanent`] should the signer fail: it would fail again.
    pub(crate) fn sign(&self, email: Vec<u8>) -> Result<Vec<u8>, MailError> {
        let signature =
            self.0.signer.sign(&email).map_err(|e| {
                MailError::Permanent(format!("cannot sign the email with DKIM: {e}"))
            })?;
        let header = signature.to_header();
        let mut out = Vec::with_capacity(header.len() + email.len());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&email);
        Ok(out)
    }
}

impl fmt::Debug for Dkim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dkim")
            .field("domain", &self.0.domain)
            .field("selector", &self.0.selector)
            .field("key", &self.0.key)
            .finish()
    }
}

/// Two signers are equal when they sign alike: same domain, selector and key.
impl PartialEq for Dkim {
    fn eq(&self, other: &Self) -> bool {
        self.0.domain == other.0.domain
            && self.0.selector == other.0.selector
            && self.0.key.public == other.0.key.public
    }
}

impl Eq for Dkim {}
