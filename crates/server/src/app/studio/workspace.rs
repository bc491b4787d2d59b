//! The studio's folders: a working copy per course draft under the data folder
//! (`studio/drafts/<course>/`), throw-away staging folders where a change is checked before it
//! is written (`studio/staging/…`), and swapping a published course into the content folder.
//! Files are replaced by writing a temporary file and renaming it, so a reader sees the old
//! file or the new one, never half of one.

use std::path::{Path, PathBuf};

use rand::Rng;

use super::repo::Files;

/// A change to a draft: each path (relative to the course folder) gets these bytes, or is
/// removed (None).
pub type Change = Vec<(String, Option<Vec<u8>>)>;

/// Where the studio keeps its folders.
#[derive(Clone)]
pub struct Paths {
    pub content: PathBuf,
    pub studio: PathBuf,
}

impl Paths {
    pub fn new(content: &Path, data: &Path) -> Self {
        Self {
            content: content.to_path_buf(),
            studio: data.join("studio"),
        }
    }

    pub fn draft(&self, course: &str) -> PathBuf {
        self.studio.join("drafts").join(course)
    }
}

/// Whether a relative path may be written in a course folder: `/`-separated segments of
/// lower-case letters, digits, `-`, `_` and `.`, no dot-files, no `..`, at most three deep.
pub fn safe_path(rel: &str) -> bool {
    let segments: Vec<&str> = rel.split('/').collect();
    segments.len() <= 3
        && segments.iter().all(|s| {
            !s.is_empty()
                && !s.starts_with('.')
                && s.len() <= 100
                && s.bytes().all(|b| {
                    b.is_ascii_lowercase()
                        || b.is_ascii_digit()
                        || b == b'-'
                        || b == b'_'
                        || b == b'.'
                })
        })
}

/// Every file under `dir` (not dot-files), by relative path.
pub fn read_files(dir: &Path) -> std::io::Result<Files> {
    let mut out = Files::new();
    if dir.is_dir() {
        read_into(dir, "", &mut out)?;
    }
    Ok(out)
}

fn read_into(dir: &Path, prefix: &str, out: &mut Files) -> std::io::Result<()> {
    for (name, kind, path) in listed(dir)? {
        if kind.is_dir() {
            read_into(&path, &format!("{prefix}{name}/"), out)?;
        } else if kind.is_file() {
            out.insert(format!("{prefix}{name}"), std::fs::read(path)?);
        }
    }
    Ok(())
}

/// A folder's entries as the studio reads and commits them, in the order the system lists
/// them: name, kind and path, leaving out dot-files (a repository's `.git`, editors' leftovers).
pub fn listed(dir: &Path) -> std::io::Result<Vec<(String, std::fs::FileType, PathBuf)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.starts_with('.') {
            out.push((name, entry.file_type()?, entry.path()));
        }
    }
    Ok(out)
}

/// Replaces one file atomically (temporary file in the same folder, then rename).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(".tmp-{:016x}", rand::thread_rng().gen::<u64>()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Applies a change to a folder: writes and removals, then removes folders left empty.
pub fn apply(dir: &Path, change: &Change) -> std::io::Result<()> {
    for (rel, bytes) in change {
        let path = dir.join(rel);
        match bytes {
            Some(b) => write_atomic(&path, b)?,
            None => match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {
                    if let Some(parent) = path.parent() {
                        if parent != dir {
                            let _ = std::fs::remove_dir(parent);
                        }
                    }
                }
            },
        }
    }
    Ok(())
}

/// Writes `files` as the whole content of `dir` (which is made anew).
pub fn write_folder(dir: &Path, files: &Files) -> std::io::Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    for (rel, bytes) in files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(())
}

/// A content folder made for one check: the published folder's files, with one course's folder
/// replaced by the given files. Removed when dropped.
pub struct Staging {
    pub root: PathBuf,
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Staging {
    /// Links the published folder's top-level files and other courses (nothing is copied but
    /// the course being checked), and writes `course`'s files.
    pub fn new(paths: &Paths, course: &str, files: &Files) -> std::io::Result<Self> {
        let root = paths
            .studio
            .join("staging")
            .join(format!("{:016x}", rand::thread_rng().gen::<u64>()));
        std::fs::create_dir_all(root.join("courses"))?;
        let staging = Self { root };
        let content = paths.content.canonicalize()?;
        for entry in std::fs::read_dir(&content)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || name == "courses" {
                continue;
            }
            link(&entry.path(), &staging.root.join(&name))?;
        }
        let courses = content.join("courses");
        if courses.is_dir() {
            for entry in std::fs::read_dir(&courses)? {
                let entry = entry?;
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.starts_with('.') || name == course {
                    continue;
                }
                link(&entry.path(), &staging.root.join("courses").join(&name))?;
            }
        }
        write_folder(&staging.root.join("courses").join(course), files)?;
        Ok(staging)
    }
}

#[cfg(unix)]
fn link(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(from, to)
}

#[cfg(not(unix))]
fn link(from: &Path, to: &Path) -> std::io::Result<()> {
    if from.is_dir() {
        write_folder(to, &read_files(from)?)
    } else {
        std::fs::copy(from, to).map(|_| ())
    }
}

/// Puts a course's files into the content folder in place of its folder: the new folder is
/// written beside it under a dot-name (which the loader skips), then renamed in.
pub fn replace_course(content: &Path, course: &str, files: &Files) -> std::io::Result<()> {
    let courses = content.join("courses");
    let nonce = rand::thread_rng().gen::<u64>();
    let fresh = courses.join(format!(".studio-new-{course}-{nonce:016x}"));
    let old = courses.join(format!(".studio-old-{course}-{nonce:016x}"));
    write_folder(&fresh, files)?;
    let target = courses.join(course);
    if target.exists() {
        std::fs::rename(&target, &old)?;
    }
    std::fs::rename(&fresh, &target)?;
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}
