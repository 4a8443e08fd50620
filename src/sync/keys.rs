//! Keys for `wol sync`: this machine's identity (the secret key that opens sealed files),
//! the journal's recipients (the public keys files are sealed to), and the keyed hash
//! that names sealed files. All cryptography is the `age` crate's (X25519 and
//! `ssh-ed25519`) and HMAC-SHA-256 from `hmac`/`sha2`; nothing is hand-written here.
//!
//! The identity lives in the user config dir (`identity.txt`, mode 0600, the format of
//! `age-keygen`), never in a journal; an `ssh-ed25519` key named in the user config
//! (`ssh_key`) is used as well.

use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::str::FromStr as _;

use age::secrecy::ExposeSecret as _;
use anyhow::{Context as _, Result};

use crate::config::UserConfig;
use crate::error::hinted;

/// The name of the identity file in the user config dir.
pub const IDENTITY_FILE: &str = "identity.txt";

/// Where this machine's age identity is kept: `<user config dir>/identity.txt`.
pub fn identity_path() -> Result<PathBuf> {
    UserConfig::dir()
        .map(|d| d.join(IDENTITY_FILE))
        .ok_or_else(|| {
            hinted(
                "no user config directory is known, so wol has nowhere to keep this machine's key",
                "set WOL_CONFIG_DIR (or HOME) and run the command again",
            )
        })
}

/// A public key sealed files are encrypted to.
pub type Recipient = Box<dyn age::Recipient + Send>;

/// Parse a recipient: an age X25519 public key (`age1…`) or an `ssh-ed25519` public key.
pub fn parse_recipient(key: &str) -> Result<Recipient> {
    let key = key.trim();
    if key.starts_with("age1") {
        return age::x25519::Recipient::from_str(key)
            .map(|r| Box::new(r) as Recipient)
            .map_err(|e| bad_key(key, e));
    }
    if key.starts_with("ssh-ed25519 ") {
        return age::ssh::Recipient::from_str(key)
            .map(|r| Box::new(r) as Recipient)
            .map_err(|e| bad_key(key, &format!("{e:?}")));
    }
    Err(bad_key(
        key,
        "only age X25519 (age1…) and ssh-ed25519 keys are recipients",
    ))
}

fn bad_key(key: &str, why: &str) -> anyhow::Error {
    let shown: String = key.chars().take(40).collect();
    hinted(
        format!("{shown:?} is not a public key wol can seal to: {why}"),
        "give the age public key (age1…) printed by `wol sync init` on that machine, or the \
         one line of an ssh-ed25519 .pub file",
    )
}

/// The recipients of a journal, parsed.
pub fn recipients(keys: &[String]) -> Result<Vec<Recipient>> {
    if keys.is_empty() {
        return Err(hinted(
            "[sync] recipients in wol.toml is empty, so nobody could open sealed files",
            "run wol sync init URL on this machine (it adds its key), or wol sync add-recipient KEY",
        ));
    }
    keys.iter().map(|k| parse_recipient(k)).collect()
}

/// The keys this machine can open sealed files with.
pub struct Identities {
    keys: Vec<Box<dyn age::Identity>>,
    /// The public key of each, and the file it came from, for error messages.
    pub described: Vec<(String, PathBuf)>,
}

impl Identities {
    /// This machine's identities: `identity.txt` in the user config dir (if it exists) and
    /// the user config's `ssh_key` (if set). None at all is an error that says how to
    /// make one.
    pub fn load(user: &UserConfig) -> Result<Identities> {
        let mut ids = Identities {
            keys: Vec::new(),
            described: Vec::new(),
        };
        let path = identity_path()?;
        if path.exists() {
            let text = fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            for line in text.lines().map(str::trim) {
                if line.is_empty() || line.starts_with('#') {
                    continue;
                }
                let id = age::x25519::Identity::from_str(line).map_err(|_| {
                    hinted(
                        format!("{} holds a line that is not an age secret key", path.display()),
                        "the file holds AGE-SECRET-KEY-1… lines (age-keygen's format); restore it from a backup",
                    )
                })?;
                ids.described
                    .push((id.to_public().to_string(), path.clone()));
                ids.keys.push(Box::new(id));
            }
        }
        if let Some(ssh) = &user.ssh_key {
            let (id, public) = read_ssh_key(ssh)?;
            ids.described.push((public, ssh.clone()));
            ids.keys.push(Box::new(id));
        }
        if ids.keys.is_empty() {
            return Err(hinted(
                format!(
                    "this machine has no key to open sealed files ({} does not exist)",
                    path.display()
                ),
                "if the key is elsewhere (cron and containers often run without your HOME), point WOL_CONFIG_DIR at its folder; else run wol sync init URL (it creates one), or copy this machine's identity.txt back from a backup",
            ));
        }
        Ok(ids)
    }

    /// One age identity, for tests of the library.
    pub fn from_x25519(id: age::x25519::Identity) -> Identities {
        Identities {
            described: vec![(id.to_public().to_string(), PathBuf::new())],
            keys: vec![Box::new(id)],
        }
    }

    /// The public keys, for messages.
    pub fn public_keys(&self) -> Vec<String> {
        self.described.iter().map(|(k, _)| k.clone()).collect()
    }

    /// Open a sealed file.
    pub fn decrypt(&self, sealed: &[u8]) -> Result<Vec<u8>, age::DecryptError> {
        let decryptor = age::Decryptor::new(sealed)?;
        let mut reader = decryptor.decrypt(self.keys.iter().map(|k| k.as_ref()))?;
        let mut out = Vec::new();
        reader.read_to_end(&mut out)?;
        Ok(out)
    }
}

/// An ssh-ed25519 private key file, and its public key as a recipient line.
pub fn read_ssh_key(path: &Path) -> Result<(age::ssh::Identity, String)> {
    let text =
        fs::read(path).with_context(|| format!("cannot read the ssh key {}", path.display()))?;
    let id = age::ssh::Identity::from_buffer(&text[..], Some(path.display().to_string()))
        .map_err(|e| {
            hinted(
                format!("{} is not an ssh private key wol can use: {e}", path.display()),
                "name an unencrypted ssh-ed25519 private key (ssh-keygen -t ed25519), not the .pub file",
            )
        })?;
    match &id {
        age::ssh::Identity::Unencrypted(_) => {}
        age::ssh::Identity::Encrypted(_) => {
            return Err(hinted(
                format!("{} is protected by a passphrase", path.display()),
                "wol sync runs from cron without a terminal: use an age identity (wol sync init without --ssh-key), or a key without a passphrase",
            ));
        }
        _ => {
            return Err(hinted(
                format!("{} is not an ssh-ed25519 key", path.display()),
                "only ssh-ed25519 keys can be used; or let wol sync init create an age identity",
            ));
        }
    }
    let again = age::ssh::Identity::from_buffer(&text[..], None)?;
    let recipient = age::ssh::Recipient::try_from(again).map_err(|e| {
        hinted(
            format!("cannot read the public key of {}: {e:?}", path.display()),
            "use an ssh-ed25519 key",
        )
    })?;
    if !matches!(recipient, age::ssh::Recipient::SshEd25519(..)) {
        return Err(hinted(
            format!("{} is not an ssh-ed25519 key", path.display()),
            "only ssh-ed25519 keys can be used; or let wol sync init create an age identity",
        ));
    }
    let public = recipient.to_string();
    Ok((id, public))
}

/// Create this machine's age identity at `path` (mode 0600, its folder 0700) unless a
/// file is there already; returns the public keys it holds.
pub fn ensure_identity(path: &Path) -> Result<(Vec<String>, bool)> {
    use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
    if path.exists() {
        let text =
            fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let keys: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| age::x25519::Identity::from_str(l).ok())
            .map(|id| id.to_public().to_string())
            .collect();
        if keys.is_empty() {
            return Err(hinted(
                format!("{} holds no age secret key", path.display()),
                "move it away and run wol sync init again to create a new one",
            ));
        }
        return Ok((keys, false));
    }
    if let Some(dir) = path.parent() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    write!(
        file,
        "# wol sync identity of this machine: it opens the sealed files of your journals.\n\
         # Keep it secret and backed up; never put it in a journal.\n\
         # public key: {public}\n{}\n",
        id.to_string().expose_secret()
    )
    .and_then(|()| file.sync_all())
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok((vec![public], true))
}

/// Seal `plain` to `recipients`.
pub fn encrypt(recipients: &[Recipient], plain: &[u8]) -> Result<Vec<u8>> {
    let encryptor = age::Encryptor::with_recipients(
        recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient),
    )
    .context("cannot seal to the journal's recipients")?;
    let mut out = Vec::with_capacity(plain.len() + 256);
    let mut writer = encryptor.wrap_output(&mut out)?;
    writer.write_all(plain)?;
    writer.finish()?;
    Ok(out)
}

/// The keyed hash that names a sealed file: HMAC-SHA-256 of the real path under the
/// journal's sync key, 128 bits in hex. Without the key the name says nothing of the
/// path (dates and slugs are guessable; the key makes the guess uncheckable).
pub fn keyed_name(key: &[u8], path: &str) -> String {
    use hmac::Mac as _;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(path.as_bytes());
    let digest = mac.finalize().into_bytes();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// A sync key's fingerprint, as sealed commits name it: 64 bits of a keyed hash of a
/// string no journal path can be, so it says nothing of the key or of any file name.
pub fn key_id(key: &[u8]) -> String {
    keyed_name(key, "/wol-sync-key-id")[..16].to_string()
}

/// A new random sync key (32 bytes from the OS).
pub fn new_sync_key() -> Vec<u8> {
    let hex = crate::identity::new_journal_id() + &crate::identity::new_journal_id();
    from_hex(&hex).expect("journal ids are hex")
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn from_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A short, stable fingerprint of a recipient set (order and duplicates do not matter).
pub fn fingerprint(keys: &[String]) -> String {
    let mut keys: Vec<&str> = keys.iter().map(|k| k.trim()).collect();
    keys.sort_unstable();
    keys.dedup();
    keyed_name(b"wol-sync-recipients", &keys.join("\n"))[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let id = age::x25519::Identity::generate();
        let r = parse_recipient(&id.to_public().to_string()).unwrap();
        let sealed = encrypt(&[r], b"secret").unwrap();
        let ids = Identities {
            keys: vec![Box::new(id)],
            described: vec![],
        };
        assert_eq!(ids.decrypt(&sealed).unwrap(), b"secret");
        let other = Identities {
            keys: vec![Box::new(age::x25519::Identity::generate())],
            described: vec![],
        };
        assert!(matches!(
            other.decrypt(&sealed),
            Err(age::DecryptError::NoMatchingKeys)
        ));
    }

    #[test]
    fn names_are_keyed() {
        let a = keyed_name(b"k1", "entries/2026/11/x.md");
        assert_eq!(a, keyed_name(b"k1", "entries/2026/11/x.md"));
        assert_ne!(a, keyed_name(b"k2", "entries/2026/11/x.md"));
        assert_eq!(a.len(), 32);
        assert!(parse_recipient("nope").is_err());
    }
}
