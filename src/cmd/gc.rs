//! `wol gc`: pack the journal's loose git objects (see [`crate::git_pack`]).

use anyhow::Result;
use clap::Args;

use super::Ctx;
use crate::attach::human_size;
use crate::git_pack::{self, Gc};

/// Pack the journal's loose git objects
///
/// wol writes each git object it makes (an entry, a published page, a tree, a commit) as
/// a file of its own, and packs them by itself in the background when a command leaves
/// more of them than git's gc.auto (6,700); with gc.autoDetach = false it packs them in
/// the foreground. `wol gc` packs them now. Its pack has no deltas: about twice the size
/// of what `git gc` makes of the same objects. Either keeps every object.
///
/// Examples:
///   wol gc
///   wol gc --auto        # only when there are more than gc.auto, as wol does by itself
///   git -C ~/wol config gc.auto 0    # never pack by itself
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct GcArgs {
    /// Pack only when there are more loose objects than gc.auto (6,700 by default)
    #[arg(long)]
    pub auto: bool,
}

pub fn run(ctx: &Ctx, args: GcArgs) -> Result<()> {
    let journal = ctx.journal()?;
    let repo = journal.repo()?;
    let done = git_pack::gc(repo, args.auto);
    if args.auto
        && let Err(e) = &done
    {
        // Started by wol after a command, its output unseen: the next command says it.
        git_pack::record_failure(repo, e);
    }
    match done? {
        Gc::NotYet => {}
        Gc::Busy => ctx.notice("another wol is packing this journal's git objects; nothing to do"),
        Gc::Packed(p) if p.objects == 0 => ctx.notice("no loose git objects: nothing to pack"),
        Gc::Packed(p) => ctx.notice(&format!(
            "packed {} loose git objects ({} on disk) into one pack of {}",
            p.objects,
            human_size(p.loose_bytes),
            human_size(p.pack_bytes)
        )),
    }
    Ok(())
}
