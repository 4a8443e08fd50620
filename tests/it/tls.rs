//! HTTPS partners. wol loads the certificate bundle only when a command first connects to
//! an `http(s)://` URL (not at start-up, where it cost every command ~20 ms), so this
//! checks that the bundle is still the one the user's environment names: a TLS server on
//! 127.0.0.1 whose self-signed certificate is in `SSL_CERT_FILE` gets wol's request, and
//! with a bundle that does not hold it the handshake is refused.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509, X509NameBuilder};

use crate::common::{TestEnv, stderr};

/// A self-signed certificate for 127.0.0.1 and its key.
fn self_signed() -> (X509, PKey<Private>) {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "127.0.0.1").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let serial = BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap();
    b.set_serial_number(&serial).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(2).unwrap())
        .unwrap();
    let san = SubjectAlternativeName::new()
        .ip("127.0.0.1")
        .dns("localhost")
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(san).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    (b.build(), key)
}

/// An HTTPS server on 127.0.0.1 with no git behind it: a request under `/page/` gets a web
/// page; any other without credentials gets 401 (asking for them), one with credentials 404. It records each request line, with
/// " (authorized)" after it when it carried credentials: a line arrives only after a
/// completed handshake.
fn https_server(cert: &X509, key: &PKey<Private>) -> (u16, Arc<Mutex<Vec<String>>>) {
    let mut acceptor = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    acceptor.set_private_key(key).unwrap();
    acceptor.set_certificate(cert).unwrap();
    let acceptor = acceptor.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let Ok(mut tls) = acceptor.accept(stream) else {
                continue; // the client refused the certificate
            };
            let mut reader = BufReader::new(&mut tls);
            let mut request = String::new();
            // libgit2 completes the handshake and checks the certificate after it, so a
            // refused one shows as a connection closed before any request.
            if !reader.read_line(&mut request).is_ok_and(|n| n > 0) {
                continue;
            }
            let mut authorized = false;
            loop {
                let mut header = String::new();
                if !reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    break;
                }
                authorized |= header.to_ascii_lowercase().starts_with("authorization:");
            }
            let line = request.trim_end().to_string();
            let web_page = line.starts_with("GET /page/");
            seen.lock().unwrap().push(if authorized {
                format!("{line} (authorized)")
            } else {
                line
            });
            let page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 28\r\nConnection: close\r\n\r\n<html><p>Welcome!</p></html>";
            let answer: &[u8] = if web_page {
                page
            } else if authorized {
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            } else {
                b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"wol\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            };
            let _ = tls.write_all(answer);
            let _ = tls.shutdown();
        }
    });
    (port, requests)
}

/// A journal with an entry to publish, a TLS server on 127.0.0.1, and its certificate
/// in `trusted.pem`.
struct World {
    env: TestEnv,
    port: u16,
    requests: Arc<Mutex<Vec<String>>>,
    trusted: std::path::PathBuf,
}

impl World {
    fn new() -> World {
        let env = TestEnv::new();
        env.init_journal();
        env.log(&["Shared entry", "-t", "tls"]);
        let (cert, key) = self_signed();
        let (port, requests) = https_server(&cert, &key);
        let trusted = env.root.join("trusted.pem");
        std::fs::write(&trusted, cert.to_pem().unwrap()).unwrap();
        World {
            env,
            port,
            requests,
            trusted,
        }
    }

    /// `wol publish` with `SSL_CERT_FILE=bundle`, which fails (no git at the server).
    fn publish(&self, bundle: &std::path::Path) -> std::process::Output {
        let out = self
            .env
            .wol_j()
            .arg("publish")
            .env("SSL_CERT_FILE", bundle)
            .output()
            .unwrap();
        assert!(!out.status.success());
        out
    }

    /// Asserts that git's first request reached the server (with credentials, when
    /// `authorized`), so the handshake succeeded.
    #[track_caller]
    fn assert_reached(&self, authorized: bool, out: &std::process::Output) {
        let seen = self.requests.lock().unwrap().clone();
        assert!(
            seen.iter().any(|l| l.starts_with("GET /web.git/info/refs")
                && (!authorized || l.ends_with("(authorized)"))),
            "no request after the handshake: {seen:?}\n{}",
            stderr(out)
        );
    }
}

#[test]
fn an_https_partner_is_reached_with_the_users_certificate_bundle() {
    let w = World::new();
    let env = &w.env;
    let (other, _) = self_signed();
    let untrusted = env.root.join("untrusted.pem");
    std::fs::write(&untrusted, other.to_pem().unwrap()).unwrap();
    env.wol_j()
        .args(["partner", "add", "web"])
        .arg(format!("https://127.0.0.1:{}/web.git", w.port))
        .assert()
        .success();

    // git's credential helper, which libgit2 runs when the server asks, records what
    // it was given: the user's own SSL_CERT_FILE (a helper may make HTTPS requests).
    let helper_saw = env.root.join("helper-saw");
    env.git([
        "config",
        "credential.helper",
        &format!(
            "!f() {{ printf '%s\\n' \"${{SSL_CERT_FILE-unset}}\" >> '{}'; echo username=u; echo password=p; }}; f",
            helper_saw.display()
        ),
    ]);

    // The certificate is in the bundle: the handshake succeeds and git's first request
    // reaches the server, then again with the helper's credentials (no repository
    // there: the publish then fails on the 404).
    let out = w.publish(&w.trusted);
    w.assert_reached(true, &out);
    let saw = std::fs::read_to_string(&helper_saw).unwrap_or_default();
    assert_eq!(
        saw.trim_end(),
        w.trusted.display().to_string(),
        "{}",
        stderr(&out)
    );

    // A bundle without it: the handshake is refused, and no request is made.
    let before = w.requests.lock().unwrap().len();
    let out = w.publish(&untrusted);
    assert_eq!(w.requests.lock().unwrap().len(), before, "{}", stderr(&out));
    assert!(
        stderr(&out).to_lowercase().contains("certificate"),
        "{}",
        stderr(&out)
    );
}

/// A push goes where `pushInsteadOf` sends it: an `https://` URL, though the partner's
/// own URL is `git://`. The bundle is loaded for it all the same.
#[test]
fn a_push_rewritten_to_https_by_push_instead_of_gets_the_bundle() {
    let w = World::new();
    w.env
        .wol_j()
        .args(["partner", "add", "web", "git://127.0.0.1:1/web.git"])
        .assert()
        .success();
    let rewrite = format!("url.https://127.0.0.1:{}/.pushInsteadOf", w.port);
    w.env
        .git(["config", rewrite.as_str(), "git://127.0.0.1:1/"]);
    let out = w.publish(&w.trusted);
    w.assert_reached(false, &out);
}

/// An https URL that leads to a web page, not a repository: publish says that the server
/// answered, but not as git, and what to check.
#[test]
fn an_https_url_of_a_web_page_is_named_so() {
    let w = World::new();
    let env = &w.env;
    env.wol_j()
        .args(["partner", "add", "site"])
        .arg(format!("https://127.0.0.1:{}/page/", w.port))
        .assert()
        .success();
    let out = w.publish(&w.trusted);
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "https://127.0.0.1:{}/page/ answered, but not as a git server: invalid content-type",
            w.port
        )) && err.contains("the address git clone takes"),
        "{err}"
    );
}
