//! The TLS parameters of a connection: lettre's built-in roots, the
//! system's, and a configured CA file.

use lettre::transport::smtp::client::{Certificate, TlsParameters};

use crate::config::SmtpConfig;
use crate::MailerConfigError;

/// TLS for `config`: the built-in roots, plus the CAs of its CA file.
///
/// # Errors
/// [`MailerConfigError::CaFile`] for a CA file that cannot be read or holds
/// no PEM certificate; [`MailerConfigError::Tls`] if rustls refuses.
pub(super) fn tls_parameters(config: &SmtpConfig) -> Result<TlsParameters, MailerConfigError> {
    let mut builder = TlsParameters::builder(config.host().to_owned());
    if let Some(path) = config.ca_file() {
        let ca_error = |why: String| MailerConfigError::CaFile {
            path: path.to_owned(),
            why,
        };
        let pem = std::fs::read(path).map_err(|e| ca_error(e.to_string()))?;
        if !pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----") {
            return Err(ca_error(
                "holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
            ));
        }
        let certificate = Certificate::from_pem(&pem).map_err(|e| ca_error(e.to_string()))?;
        builder = builder.add_root_certificate(certificate);
    }
    for root in system_roots() {
        builder = builder.add_root_certificate(root);
    }
    builder
        .build_rustls()
        .map_err(|e| MailerConfigError::Tls(format!("{}: {e}", config.address())))
}

/// The system's root certificates (`/etc/ssl/certs` and the like, or
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`), read once per process, each kept only
/// if rustls can use it: trusted beside lettre's built-in Mozilla roots.
fn system_roots() -> Vec<Certificate> {
    static ROOTS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    let ders = ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for error in &found.errors {
            tracing::debug!(%error, "a system root certificate could not be read");
        }
        found
            .certs
            .into_iter()
            .filter(|der| rustls::RootCertStore::empty().add(der.clone()).is_ok())
            .map(|der| der.to_vec())
            .collect()
    });
    ders.iter()
        .filter_map(|der| Certificate::from_der(der.clone()).ok())
        .collect()
}
