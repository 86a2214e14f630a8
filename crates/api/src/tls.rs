//! HTTPS with the certificate and key the partnership's IT issues:
//! `serve --tls-cert CHAIN.pem --tls-key KEY.pem`.
//!
//! rustls on the ring provider, TLS 1.2 and 1.3 only. Handshakes run side by
//! side and time out (tls-listener), so a slow or silent client holds up
//! nobody else. The certificate is read again on [`Certificate::reload`]
//! (the server does it on SIGHUP), so a renewed certificate needs no
//! restart; a renewal that does not read keeps the one being served.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use axum::http::{HeaderValue, header};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::{CryptoProvider, ring};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{self, ServerConfig};

use crate::{AppState, router};

/// Why a certificate or key cannot be served. Says which file and what is
/// wrong with it; never the key's contents.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the certificate chain {}: {source}", path.display())]
    Chain { path: PathBuf, source: rustls::pki_types::pem::Error },
    #[error("{} holds no certificate (expected PEM `BEGIN CERTIFICATE` blocks)", .0.display())]
    NoCertificate(PathBuf),
    #[error("cannot read the private key {}: {source} (expected a PEM PKCS#8, RSA or EC private key{hint})", path.display())]
    Key { path: PathBuf, source: rustls::pki_types::pem::Error, hint: &'static str },
    #[error("the key {} does not serve the certificate {}: {source}", key.display(), chain.display())]
    Mismatch { chain: PathBuf, key: PathBuf, source: rustls::Error },
    #[error("cannot make a TLS configuration: {0}")]
    Config(rustls::Error),
}

/// The certificate being served, and where it is read from.
#[derive(Debug, Clone)]
pub struct Certificate {
    chain: PathBuf,
    key: PathBuf,
    current: Arc<RwLock<Arc<CertifiedKey>>>,
}

impl Certificate {
    /// Reads the chain (end-entity certificate first) and its private key,
    /// and checks that they belong together.
    pub fn read(chain: &Path, key: &Path) -> Result<Self, TlsError> {
        let certified = certified_key(chain, key)?;
        Ok(Certificate {
            chain: chain.to_owned(),
            key: key.to_owned(),
            current: Arc::new(RwLock::new(Arc::new(certified))),
        })
    }

    /// Reads the files again; the new certificate serves every handshake
    /// from now on. On error the one being served stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let certified = certified_key(&self.chain, &self.key)?;
        *self.current.write().unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(certified);
        Ok(())
    }

    fn acceptor(&self) -> Result<TlsAcceptor, TlsError> {
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Config)?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver(self.current.clone())));
        // axum here speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsAcceptor::from(Arc::new(config)))
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(ring::default_provider())
}

fn certified_key(chain_path: &Path, key_path: &Path) -> Result<CertifiedKey, TlsError> {
    let chain = CertificateDer::pem_file_iter(chain_path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|source| TlsError::Chain { path: chain_path.to_owned(), source })?;
    if chain.is_empty() {
        return Err(TlsError::NoCertificate(chain_path.to_owned()));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|source| TlsError::Key {
        path: key_path.to_owned(),
        source,
        hint: key_hint(key_path),
    })?;
    CertifiedKey::from_der(chain, key, &provider()).map_err(|source| TlsError::Mismatch {
        chain: chain_path.to_owned(),
        key: key_path.to_owned(),
        source,
    })
}

/// What a key file that does not read holds instead, from its PEM
/// labels alone: never a word of the key.
fn key_hint(path: &Path) -> &'static str {
    let text = std::fs::read(path).unwrap_or_default();
    let has = |label: &[u8]| text.windows(label.len()).any(|w| w == label);
    if has(b"ENCRYPTED") {
        ": this one is encrypted; serve needs it decrypted (`openssl pkey -in KEY -out PLAIN_KEY`), readable only by \
         the service account"
    } else if has(b"BEGIN CERTIFICATE") {
        ": this file holds a certificate; are --tls-cert and --tls-key the other way round?"
    } else {
        ""
    }
}

/// Hands every handshake the certificate being served now.
#[derive(Debug)]
struct Resolver(Arc<RwLock<Arc<CertifiedKey>>>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone())
    }
}

/// Serves HTTPS until `shutdown` completes; every answer also tells the
/// browser to use HTTPS for this host from now on.
pub async fn serve_tls(
    listener: TcpListener,
    certificate: &Certificate,
    state: AppState,
    limits: crate::http::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let acceptor = certificate.acceptor().map_err(std::io::Error::other)?;
    let listener = Handshakes(tls_listener::TlsListener::new(acceptor, listener));
    let app = router(state).layer(axum::middleware::map_response(strict_transport));
    crate::http::serve(listener, app, limits, shutdown).await
}

/// The TLS listener as axum serves from it. A failed handshake (plain HTTP
/// on the HTTPS port, a scanner, a client that does not trust the
/// certificate, one that never finishes) is that client's problem, not the
/// service's: logged at debug, where tls-listener's own adapter logs every
/// one at error, so anyone able to reach the port could fill the error log.
struct Handshakes(tls_listener::TlsListener<TcpListener, TlsAcceptor>);

impl axum::serve::Listener for Handshakes {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
        loop {
            match self.0.accept().await {
                Ok(connection) => break connection,
                Err(tls_listener::Error::ListenerError(e)) => {
                    if !matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
                        // Out of file descriptors, say: the service's
                        // problem, and worth a pause (as axum's own listener).
                        tracing::error!("accepting a connection: {e}");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                }
                Err(e) => tracing::debug!("TLS handshake failed: {e}"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

async fn strict_transport(mut response: Response) -> Response {
    response.headers_mut().insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    response
}
