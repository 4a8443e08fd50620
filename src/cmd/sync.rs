//! `wol sync [init|clone|add-recipient|remove-recipient]`: keep one journal on every
//! machine through a private git remote, private content sealed.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};

use super::Ctx;
use crate::config::{DEFAULT_SYNC_BRANCH, UserConfig, expand_home};
use crate::error::{hinted, usage, warn};
use crate::remote;
use crate::sync::{self, Options, keys};

/// Keep this journal in step on all your machines through one private git remote
///
/// Fetches the sync branch, merges it with the journal, pushes this machine's commits.
/// On the remote, public and partner entries are plain Markdown; everything else
/// (private entries, digests, wol.toml) is age-encrypted to the journal's recipients
/// under file names that reveal nothing. Prints one line (`sync: 3 in, 1 out`), nothing
/// with -q; safe to run from cron. With --json, prints {"status", "in", "out",
/// "conflict_copies", "kept_aside", "kept_changed", "warnings", "head", "sealed_head"}.
///
/// Examples:
///   wol sync init git@example.org:me/journal-sync.git
///   wol sync
///   wol sync --dry-run
///   wol sync clone git@example.org:me/journal-sync.git ~/journal   # on another machine
///   wol sync add-recipient age1...                                # let that machine in
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub action: Option<SyncAction>,

    /// Say what would come in and go out (and whether sealed); push and change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Seal the whole history anew under a new sync key and replace the remote's branch
    /// (what remove-recipient does): after a removed machine could push to the remote
    #[arg(long, conflicts_with = "dry_run")]
    pub rotate_key: bool,
}

#[derive(Debug, Subcommand)]
pub enum SyncAction {
    /// Set up sync: record the remote in wol.toml and this machine's key as a recipient
    #[command(
        after_help = "Examples:\n  wol sync init git@example.org:me/journal-sync.git\n  \
        wol sync init /srv/git/journal.git --ssh-key ~/.ssh/id_ed25519"
    )]
    Init(InitArgs),
    /// Make a journal on this machine from a sync remote (this machine's key must be a
    /// recipient already)
    #[command(
        after_help = "Examples:\n  wol sync clone git@example.org:me/journal-sync.git ~/journal"
    )]
    Clone(CloneArgs),
    /// Let another machine's key open sealed files: seals the whole history anew
    #[command(
        name = "add-recipient",
        after_help = "Examples:\n  wol sync add-recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
    )]
    AddRecipient {
        /// An age public key (age1…) or an ssh-ed25519 public key line
        key: String,
    },
    /// Stop sealing to a key: seals the whole history anew without it, under a new sync key
    ///
    /// The sync key names sealed files; the removed machine holds the old one, so it is
    /// replaced too. The other machines take the new key at their next wol sync; the
    /// removed one is told it can open nothing. If the push fails (no network, a crash),
    /// the next wol sync finishes the job.
    #[command(
        name = "remove-recipient",
        after_help = "Examples:\n  wol sync remove-recipient age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
    )]
    RemoveRecipient {
        /// The public key to remove, as it is in wol.toml
        key: String,
    },
}

/// `wol sync init URL`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// A private git remote: a path, file://, git://, ssh://, user@host:path or https:// URL
    pub url: String,
    /// The branch to keep the sealed history on
    #[arg(long, default_value = DEFAULT_SYNC_BRANCH, value_name = "BRANCH")]
    pub branch: String,
    /// Use this ssh-ed25519 private key instead of an age identity of wol's own
    #[arg(long, value_name = "PATH")]
    pub ssh_key: Option<PathBuf>,
}

/// `wol sync clone URL [DIR]`
#[derive(Debug, Args)]
pub struct CloneArgs {
    /// The sync remote
    pub url: String,
    /// Where to make the journal [default: the remote's name, without .git]
    pub dir: Option<PathBuf>,
    /// The branch the sealed history is on
    #[arg(long, default_value = DEFAULT_SYNC_BRANCH, value_name = "BRANCH")]
    pub branch: String,
}

pub fn run(ctx: &Ctx, args: SyncArgs) -> Result<()> {
    match args.action {
        None if args.rotate_key => {
            let journal = ctx.journal()?;
            sync::begin_key_rotation(&journal)?;
            run_sync(
                ctx,
                false,
                true,
                Some(
                    "sealed the whole history anew under a new sync key (the other machines take it at their next wol sync)",
                ),
            )
        }
        None => run_sync(ctx, args.dry_run, false, None),
        Some(_) if args.rotate_key => Err(usage(
            "--rotate-key goes with wol sync alone",
            "run: wol sync --rotate-key",
        )),
        Some(_) if args.dry_run => Err(usage(
            "--dry-run goes with wol sync alone",
            "run: wol sync --dry-run",
        )),
        Some(SyncAction::Init(init)) => run_init(ctx, init),
        Some(SyncAction::Clone(clone)) => run_clone(ctx, clone),
        Some(SyncAction::AddRecipient { key }) => run_recipient(ctx, &key, true),
        Some(SyncAction::RemoveRecipient { key }) => run_recipient(ctx, &key, false),
    }
}

fn run_sync(ctx: &Ctx, dry_run: bool, reseal: bool, done: Option<&str>) -> Result<()> {
    let journal = ctx.journal()?;
    let opts = Options {
        dry_run,
        reseal,
        progress: !ctx.global.quiet,
    };
    let report = sync::sync(&journal, ctx.signature(&journal)?, &ctx.user, opts)?;
    if !dry_run {
        crate::git_pack::after_writes(&journal);
    }
    ctx.print_json(&report)?;
    for w in &report.warnings {
        warn(w, None);
    }
    for copy in &report.conflict_copies {
        warn(
            format!(
                "an entry was changed on this machine and on another: the other version is the entry {copy}; neither is published until they are merged"
            ),
            Some(
                "merge the two by hand (wol edit), then remove the copy (wol rm) and run wol sync",
            ),
        );
    }
    for kept in &report.kept_changed {
        warn(
            format!("{kept} was removed on one side and changed on the other: the change is kept"),
            Some("remove it again (wol rm) if it should go"),
        );
    }
    if ctx.global.json {
        return Ok(());
    }
    if dry_run {
        if !ctx.global.quiet {
            let mut lines = Vec::new();
            for (dir, list) in [("in", &report.incoming), ("out", &report.outgoing)] {
                for m in list {
                    lines.push(format!(
                        "{dir:<3}  {:<7}  {:<6}  {}",
                        m.change,
                        if m.sealed { "sealed" } else { "plain" },
                        crate::term::sanitize(&m.path)
                    ));
                }
            }
            lines.push(format!(
                "sync --dry-run: {} in, {} out; nothing changed",
                report.incoming.len(),
                report.outgoing.len()
            ));
            println!("{}", lines.join("\n"));
        }
        return Ok(());
    }
    if let Some(done) = done {
        ctx.notice(done);
    }
    ctx.notice(&format!(
        "sync: {} in, {} out",
        report.incoming.len(),
        report.outgoing.len()
    ));
    Ok(())
}

fn run_init(ctx: &Ctx, args: InitArgs) -> Result<()> {
    remote::validate_url(&args.url)?;
    remote::validate_branch(&args.branch)?;
    let journal = ctx.journal()?;
    let public = match &args.ssh_key {
        Some(path) => {
            let path = ctx.cwd.join(expand_home(path));
            let (_, public) = keys::read_ssh_key(&path)?;
            set_user_ssh_key(&path)?;
            ctx.notice(&format!(
                "this machine opens sealed files with {}",
                path.display()
            ));
            public
        }
        None => {
            let path = keys::identity_path()?;
            let (found, created) = keys::ensure_identity(&path)?;
            if created {
                ctx.notice(&format!(
                    "created this machine's key {} (keep it secret and backed up: without it, sealed files cannot be opened)",
                    path.display()
                ));
            }
            found[0].clone()
        }
    };
    let (url, branch) = (args.url.clone(), args.branch.clone());
    let key = public.clone();
    let commit = journal.edit_config(ctx.signature(&journal)?, "sync: set up", |text| {
        let mut doc: toml_edit::DocumentMut = text.parse().context("wol.toml is not valid TOML")?;
        let table = doc
            .entry("sync")
            .or_insert_with(|| toml_edit::Item::Table(toml_edit::Table::new()))
            .as_table_mut()
            .context("`sync` in wol.toml is not a table")?;
        table.insert("url", toml_edit::value(url.as_str()));
        table.insert("branch", toml_edit::value(branch.as_str()));
        let mut recipients = table
            .get("recipients")
            .and_then(|r| r.as_array())
            .cloned()
            .unwrap_or_default();
        if !recipients.iter().any(|r| r.as_str() == Some(key.as_str())) {
            recipients.push(key.as_str());
        }
        table.insert("recipients", toml_edit::value(recipients));
        Ok(doc.to_string())
    })?;
    ctx.print_written(&super::WrittenJson::new(
        "updated",
        "wol.toml",
        Some(commit),
    ))?;
    ctx.notice(&format!(
        "sync set up with {} ({}); this machine's public key: {public}\n\
         next: wol sync; on another machine: wol sync init there, then here: wol sync add-recipient THAT_KEY",
        remote::redact_url(&args.url),
        args.branch
    ));
    Ok(())
}

/// Record `ssh_key` in the user config, keeping the rest of the file as it is.
fn set_user_ssh_key(path: &Path) -> Result<()> {
    let file = UserConfig::path().ok_or_else(|| {
        hinted(
            "no user config directory is known",
            "set WOL_CONFIG_DIR (or HOME) and run the command again",
        )
    })?;
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", file.display())),
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("{} is not valid TOML", file.display()))?;
    doc.insert("ssh_key", toml_edit::value(path.display().to_string()));
    crate::journal::write_atomic(&file, doc.to_string().as_bytes())
}

fn run_clone(ctx: &Ctx, args: CloneArgs) -> Result<()> {
    let dir = match &args.dir {
        Some(d) => ctx.cwd.join(d),
        None => {
            let name = args
                .url
                .trim_end_matches('/')
                .rsplit(['/', ':'])
                .next()
                .unwrap_or("journal")
                .trim_end_matches(".git")
                .to_string();
            if name.is_empty() {
                return Err(usage(
                    "cannot name a folder after this URL",
                    "give one: wol sync clone URL DIR",
                ));
            }
            ctx.cwd.join(name)
        }
    };
    // A machine's first clone makes its key: the error that follows (the key is no
    // recipient yet) names it and says how to let it in.
    let identity = keys::identity_path()?;
    if ctx.user.ssh_key.is_none() && !identity.exists() {
        let (public, _) = keys::ensure_identity(&identity)?;
        ctx.notice(&format!(
            "created this machine's key {} (keep it secret and backed up); its public key: {}",
            identity.display(),
            public[0]
        ));
    }
    let cloned = sync::clone(&args.url, &args.branch, &dir, &ctx.user)?;
    ctx.print_json(&cloned)?;
    ctx.notice(&format!(
        "made the journal {} ({} files, {} of them opened from sealed files)",
        dir.display(),
        cloned.files,
        cloned.sealed_files
    ));
    Ok(())
}

fn run_recipient(ctx: &Ctx, key: &str, add: bool) -> Result<()> {
    let key = key.trim().to_string();
    if add {
        keys::parse_recipient(&key)?;
    }
    let journal = ctx.journal()?;
    let cfg = sync::config(&journal)?;
    let present = cfg.recipients.iter().any(|r| r.trim() == key);
    if add && present {
        ctx.notice(&format!("{key} is a recipient already"));
        return run_sync(ctx, false, false, None);
    }
    if !add && !present {
        return Err(hinted(
            format!("{key} is not a recipient of this journal"),
            "see them under [sync] recipients in wol.toml",
        ));
    }
    if !add && cfg.recipients.len() == 1 {
        return Err(hinted(
            "that is the journal's only recipient: nobody could open sealed files without it",
            "add the new key first: wol sync add-recipient KEY",
        ));
    }
    if !add
        && keys::Identities::load(&ctx.user)
            .is_ok_and(|ids| ids.public_keys().iter().any(|k| k.trim() == key))
    {
        return Err(hinted(
            "that is this machine's own key: after removing it, this machine could not open what the others seal",
            "remove it from another machine that stays a recipient",
        ));
    }
    let message = if add {
        "sync: add a recipient"
    } else {
        "sync: remove a recipient"
    };
    // The new sync key is chosen before the removal is committed: from then on every sync
    // seals anew under it until one has pushed, so no crash or failed push leaves the
    // removed machine's copy of the key naming new files.
    let began = !add && sync::begin_key_rotation(&journal)?;
    // For a new recipient, the history is sealed anew by every sync until one has pushed
    // it: a push that fails must not leave the old history closed to the new machine.
    if add {
        sync::begin_reseal(&journal)?;
    }
    let k = key.clone();
    // The key the removed machine holds is retired for good, for every machine.
    let retire = if add {
        None
    } else {
        sync::current_key_id(&journal)
    };
    let edited = journal.edit_config(ctx.signature(&journal)?, message, |text| {
        let mut doc: toml_edit::DocumentMut = text.parse().context("wol.toml is not valid TOML")?;
        let array = doc
            .get_mut("sync")
            .and_then(|s| s.get_mut("recipients"))
            .and_then(|r| r.as_array_mut())
            .context("[sync] recipients in wol.toml is not a list")?;
        if add {
            array.push(k.as_str());
        } else {
            array.retain(|r| r.as_str().map(str::trim) != Some(k.as_str()));
        }
        if let Some(id) = &retire {
            let sync = doc["sync"]
                .as_table_like_mut()
                .context("[sync] in wol.toml is not a table")?;
            if sync.get("retired_keys").is_none() {
                sync.insert("retired_keys", toml_edit::value(toml_edit::Array::new()));
            }
            let retired = sync
                .get_mut("retired_keys")
                .and_then(|r| r.as_array_mut())
                .context("[sync] retired_keys in wol.toml is not a list")?;
            if !retired.iter().any(|r| r.as_str() == Some(id.as_str())) {
                retired.push(id.as_str());
            }
        }
        Ok(doc.to_string())
    });
    if let Err(e) = edited {
        if began {
            sync::abandon_key_rotation(&journal)?;
        }
        if add {
            sync::end_reseal(&journal)?;
        }
        return Err(e);
    }
    let done = if add {
        "sealed the whole history anew: the new key opens it all".to_string()
    } else {
        "sealed the whole history anew without that key, under a new sync key (the other machines \
         take it at their next wol sync). Be aware: what was sealed before stays readable with the \
         removed key wherever it was copied (other clones, the host's storage until it collects \
         garbage); what you write from now on is not, nor can its file names be checked against \
         guessed titles"
            .to_string()
    };
    let synced = run_sync(ctx, false, true, Some(&done));
    if synced.is_err() {
        if add {
            warn(
                format!(
                    "{key} is added to wol.toml, but the history on the sync remote is not sealed for it yet"
                ),
                Some(
                    "run wol sync when the remote can be reached: it seals the history anew for that key",
                ),
            );
        } else {
            warn(
                format!(
                    "{key} is removed from wol.toml, but the sync remote still holds the history sealed for it, under the old sync key"
                ),
                Some(
                    "run wol sync when the remote can be reached: it seals the history anew without that key",
                ),
            );
        }
    }
    synced
}
