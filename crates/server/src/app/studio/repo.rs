//! The content folder as a git repository, through gix (no git binary). The studio only ever
//! writes linear history on the branch `HEAD` points at: a publish is one commit whose tree is
//! the previous commit's with one course folder replaced. Reading is by tree, never by the
//! working files, so what a version held is what its commit holds.
//!
//! Everything here is blocking file I/O: callers run it on a blocking thread.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gix::bstr::ByteSlice;
use gix::objs::tree::{Entry, EntryKind};
use gix::ObjectId;

/// A failure of the repository, in English for the log.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    /// The content folder is inside another repository's work tree (a developer's checkout):
    /// the studio refuses to nest a repository there.
    #[error("the content folder {0} is inside the git work tree of {1}; give the studio a content folder of its own")]
    Nested(PathBuf, PathBuf),
    /// The branch moved between reading it and committing (another publish won).
    #[error("the content repository's head moved")]
    Moved,
    #[error("git: {0}")]
    Git(String),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
}

fn git(e: impl std::fmt::Display) -> RepoError {
    RepoError::Git(e.to_string())
}

/// Files of a folder (or of a tree), by path relative to it with `/` separators.
pub type Files = BTreeMap<String, Vec<u8>>;

/// Who made a commit, for the commit's author and committer lines.
pub struct Person {
    pub name: String,
    pub email: String,
}

/// One version of a course in the history.
#[derive(Debug, Clone)]
pub struct Version {
    pub commit: String,
    pub author: String,
    pub committer: String,
    /// Seconds since the epoch (UTC).
    pub time: i64,
    pub summary: String,
    /// The `Reviewed-by:` trailer, when the publish was reviewed.
    pub reviewer: Option<String>,
}

/// Opens the repository of the content folder, or makes the folder one: `git init`, then the
/// folder as it is becomes the first commit. Refuses a folder inside another work tree.
pub fn open_or_init(
    dir: &Path,
    first_author: &Person,
    at: i64,
) -> Result<gix::Repository, RepoError> {
    let dir = dir.canonicalize()?;
    if let Ok(repo) = gix::open(&dir) {
        return Ok(repo);
    }
    if let Ok(outer) = gix::discover(&dir) {
        let root = outer
            .workdir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| outer.git_dir().to_path_buf());
        return Err(RepoError::Nested(dir, root));
    }
    let repo = gix::init(&dir).map_err(git)?;
    let tree = write_dir(&repo, &dir)?;
    commit(
        &repo,
        first_author,
        first_author,
        "Nội dung ban đầu",
        tree,
        None,
        at,
    )?;
    Ok(repo)
}

/// The commit `HEAD` names; None in a repository without commits.
pub fn head(repo: &gix::Repository) -> Result<Option<ObjectId>, RepoError> {
    match repo.head_id() {
        Ok(id) => Ok(Some(id.detach())),
        Err(_) => Ok(None),
    }
}

/// The tree id of `path` (a folder, `courses/<id>`) at `commit`; None when it is not there.
pub fn subtree(
    repo: &gix::Repository,
    commit: ObjectId,
    path: &str,
) -> Result<Option<ObjectId>, RepoError> {
    let tree = repo.find_commit(commit).map_err(git)?.tree().map_err(git)?;
    Ok(tree
        .lookup_entry_by_path(path)
        .map_err(git)?
        .filter(|e| e.mode().is_tree())
        .map(|e| e.object_id()))
}

/// Every file under `path` at `commit` (empty when the folder is not there).
pub fn files_at(repo: &gix::Repository, commit: ObjectId, path: &str) -> Result<Files, RepoError> {
    let mut out = Files::new();
    if let Some(tree) = subtree(repo, commit, path)? {
        read_tree(repo, tree, "", &mut out)?;
    }
    Ok(out)
}

fn read_tree(
    repo: &gix::Repository,
    tree: ObjectId,
    prefix: &str,
    out: &mut Files,
) -> Result<(), RepoError> {
    let tree = repo.find_tree(tree).map_err(git)?;
    let decoded = tree.decode().map_err(git)?;
    for entry in &decoded.entries {
        let name = format!("{prefix}{}", entry.filename.to_str_lossy());
        if entry.mode.is_tree() {
            read_tree(repo, entry.oid.to_owned(), &format!("{name}/"), out)?;
        } else if entry.mode.is_blob() {
            let blob = repo.find_blob(entry.oid).map_err(git)?;
            out.insert(name, blob.data.clone());
        }
    }
    Ok(())
}

/// Writes a folder's files (not dot-files, not symbolic links) as blobs and trees.
pub fn write_dir(repo: &gix::Repository, dir: &Path) -> Result<ObjectId, RepoError> {
    let mut entries = Vec::new();
    for (name, kind, path) in super::workspace::listed(dir)? {
        if kind.is_dir() {
            let oid = write_dir(repo, &path)?;
            entries.push(Entry {
                mode: EntryKind::Tree.into(),
                filename: name.into(),
                oid,
            });
        } else if kind.is_file() {
            let oid = repo
                .write_blob(std::fs::read(&path)?)
                .map_err(git)?
                .detach();
            entries.push(Entry {
                mode: EntryKind::Blob.into(),
                filename: name.into(),
                oid,
            });
        }
    }
    entries.sort();
    Ok(repo
        .write_object(&gix::objs::Tree { entries })
        .map_err(git)?
        .detach())
}

/// Writes files (relative paths with `/`) as a tree.
pub fn write_files(repo: &gix::Repository, files: &Files) -> Result<ObjectId, RepoError> {
    // Group by first segment; recurse for folders.
    let mut blobs: BTreeMap<&str, &[u8]> = BTreeMap::new();
    let mut folders: BTreeMap<&str, Files> = BTreeMap::new();
    for (path, bytes) in files {
        match path.split_once('/') {
            Some((dir, rest)) => {
                folders
                    .entry(dir)
                    .or_default()
                    .insert(rest.to_owned(), bytes.clone());
            }
            None => {
                blobs.insert(path, bytes);
            }
        }
    }
    let mut entries = Vec::new();
    for (name, bytes) in blobs {
        entries.push(Entry {
            mode: EntryKind::Blob.into(),
            filename: name.into(),
            oid: repo.write_blob(bytes).map_err(git)?.detach(),
        });
    }
    for (name, inner) in folders {
        entries.push(Entry {
            mode: EntryKind::Tree.into(),
            filename: name.into(),
            oid: write_files(repo, &inner)?,
        });
    }
    entries.sort();
    Ok(repo
        .write_object(&gix::objs::Tree { entries })
        .map_err(git)?
        .detach())
}

/// The root tree of `base` with `courses/<course>` replaced by `course_tree`.
pub fn with_course(
    repo: &gix::Repository,
    base: ObjectId,
    course: &str,
    course_tree: ObjectId,
) -> Result<ObjectId, RepoError> {
    let root = repo.find_commit(base).map_err(git)?.tree().map_err(git)?;
    let mut root: gix::objs::Tree = root.decode().map_err(git)?.into();
    let courses = root
        .entries
        .iter()
        .find(|e| e.filename == "courses" && e.mode.is_tree())
        .map(|e| e.oid);
    let mut courses: gix::objs::Tree = match courses {
        Some(id) => repo
            .find_tree(id)
            .map_err(git)?
            .decode()
            .map_err(git)?
            .into(),
        None => gix::objs::Tree::empty(),
    };
    replace_entry(&mut courses, course, course_tree);
    let courses_id = repo.write_object(&courses).map_err(git)?.detach();
    replace_entry(&mut root, "courses", courses_id);
    Ok(repo.write_object(&root).map_err(git)?.detach())
}

fn replace_entry(tree: &mut gix::objs::Tree, name: &str, oid: ObjectId) {
    tree.entries.retain(|e| e.filename != name);
    tree.entries.push(Entry {
        mode: EntryKind::Tree.into(),
        filename: name.into(),
        oid,
    });
    tree.entries.sort();
}

/// Commits `tree` on top of `parent` (which must still be the head: otherwise `Moved`, and
/// nothing changes) with `author` and `committer` at `at` (seconds, UTC).
pub fn commit(
    repo: &gix::Repository,
    author: &Person,
    committer: &Person,
    message: &str,
    tree: ObjectId,
    parent: Option<ObjectId>,
    at: i64,
) -> Result<ObjectId, RepoError> {
    let signature = |p: &Person| gix::actor::Signature {
        name: p.name.as_str().into(),
        email: p.email.as_str().into(),
        time: gix::date::Time {
            seconds: at,
            offset: 0,
        },
    };
    let (author, committer) = (signature(author), signature(committer));
    let mut author_time = gix::date::parse::TimeBuf::default();
    let mut committer_time = gix::date::parse::TimeBuf::default();
    let result = repo.commit_as(
        committer.to_ref(&mut committer_time),
        author.to_ref(&mut author_time),
        "HEAD",
        message,
        tree,
        parent,
    );
    match result {
        Ok(id) => Ok(id.detach()),
        Err(e) => {
            // The only expected failure: the reference no longer points at `parent`.
            if head(repo)? != parent {
                Err(RepoError::Moved)
            } else {
                Err(git(e))
            }
        }
    }
}

/// The versions of `courses/<course>`, newest first: the commits on the first-parent line
/// from `HEAD` that changed that folder (at most `limit`).
pub fn history(
    repo: &gix::Repository,
    course: &str,
    limit: usize,
) -> Result<Vec<Version>, RepoError> {
    let path = format!("courses/{course}");
    let mut out = Vec::new();
    let mut next = head(repo)?;
    while let Some(id) = next {
        if out.len() >= limit {
            break;
        }
        let commit = repo.find_commit(id).map_err(git)?;
        let parent = commit.parent_ids().next().map(|p| p.detach());
        let here = subtree(repo, id, &path)?;
        let before = match parent {
            Some(p) => subtree(repo, p, &path)?,
            None => None,
        };
        if here != before && here.is_some() {
            let author = commit.author().map_err(git)?;
            let committer = commit.committer().map_err(git)?;
            let time = commit.time().map_err(git)?.seconds;
            let message = commit
                .message_raw()
                .map_err(git)?
                .to_str_lossy()
                .into_owned();
            out.push(Version {
                commit: id.to_string(),
                author: author.name.to_str_lossy().into_owned(),
                committer: committer.name.to_str_lossy().into_owned(),
                time,
                summary: message.lines().next().unwrap_or("").to_owned(),
                reviewer: message
                    .lines()
                    .find_map(|l| l.strip_prefix("Reviewed-by: "))
                    .map(str::to_owned),
            });
        }
        next = parent;
    }
    Ok(out)
}

/// A commit id from its hex form, if it names a commit of this repository.
pub fn commit_id(repo: &gix::Repository, hex: &str) -> Option<ObjectId> {
    let id = ObjectId::from_hex(hex.as_bytes()).ok()?;
    repo.find_commit(id).ok().map(|c| c.id().detach())
}

/// The courses first published (their folder added by a studio commit, one with a `Course:`
/// trailer) at or after `since` (seconds since the epoch), walking back from the head until the
/// commits are older.
pub fn added_since(repo: &gix::Repository, since: i64) -> Result<Vec<String>, RepoError> {
    let mut out = Vec::new();
    let mut next = head(repo)?;
    while let Some(id) = next {
        let commit = repo.find_commit(id).map_err(git)?;
        if commit.time().map_err(git)?.seconds < since {
            break;
        }
        let parent = commit.parent_ids().next().map(|p| p.detach());
        let message = commit
            .message_raw()
            .map_err(git)?
            .to_str_lossy()
            .into_owned();
        let course = message
            .lines()
            .find_map(|l| l.strip_prefix("Course: "))
            .map(|c| c.trim().to_owned());
        if let (Some(course), Some(p)) = (course, parent) {
            if subtree(repo, p, &format!("courses/{course}"))?.is_none() && !out.contains(&course) {
                out.push(course);
            }
        }
        next = parent;
    }
    Ok(out)
}
