use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Subcommand;

use hocvuso_assessment::interchange::{self, Format};
use hocvuso_assessment::media::{self, Bank, MediaFile};

#[derive(Subcommand)]
pub enum Command {
    /// Convert a question bank between formats and print it.
    Convert {
        /// The bank to read (`-` for standard input).
        input: PathBuf,
        /// gift, moodle-xml, qti, json or toml.
        #[arg(long)]
        from: Format,
        /// gift, moodle-xml or json.
        #[arg(long)]
        to: Format,
        /// The course's media folder (`content/courses/<id>/media`): the images and sounds a
        /// Moodle XML bank embeds are written there, and the `media/…` files a bank refers to are
        /// read from there when writing Moodle XML.
        #[arg(long)]
        media: Option<PathBuf>,
    },
}

pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Convert {
            input,
            from,
            to,
            media,
        } => {
            let text = if input.as_os_str() == "-" {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
                    .context("reading standard input")?;
                s
            } else {
                std::fs::read_to_string(&input)
                    .with_context(|| format!("reading {}", input.display()))?
            };
            let converted = interchange::read_bank(&text, from).and_then(|mut bank| {
                if to == Format::MoodleXml && bank.media.is_empty() {
                    if let Some(folder) = &media {
                        bank.media = referenced_media(&bank, folder);
                    }
                }
                Ok((interchange::write_bank(&bank, to)?, bank))
            });
            match converted {
                Ok((out, bank)) => {
                    if to != Format::MoodleXml && !bank.media.is_empty() {
                        let Some(folder) = &media else {
                            let names: Vec<&str> =
                                bank.media.iter().map(|f| f.name.as_str()).collect();
                            bail!(
                                "{}: the bank carries {} media files ({}); give --media \
                                 <course>/media to keep them",
                                input.display(),
                                names.len(),
                                names.join(", ")
                            );
                        };
                        let written = write_media(folder, &bank.media)?;
                        eprintln!(
                            "{}: {written} media files written to {} ({} already there)",
                            input.display(),
                            folder.display(),
                            bank.media.len() - written
                        );
                    }
                    print!("{out}");
                    Ok(())
                }
                Err(e) => {
                    eprintln!("{}: cannot convert:\n{e}", input.display());
                    std::process::exit(1);
                }
            }
        }
    }
}

/// The files of `folder` that the bank's texts refer to as `media/<name>`, checked as an
/// imported file would be. A missing file is left for the writer to report with its question.
fn referenced_media(bank: &Bank, folder: &Path) -> Vec<MediaFile> {
    let mut files: Vec<MediaFile> = Vec::new();
    for question in &bank.questions {
        for text in media::texts(question) {
            for name in media::references(&text.text) {
                // Only plain names inside the folder: never `../` or a sub-folder.
                if media::safe_name(&name).as_deref() != Some(name.as_str())
                    || files.iter().any(|f| f.name == name)
                {
                    continue;
                }
                let Ok(bytes) = std::fs::read(folder.join(&name)) else {
                    continue;
                };
                if media::check(&name, &bytes).is_ok() {
                    files.push(MediaFile { name, bytes });
                }
            }
        }
    }
    files
}

/// Writes the bank's files into `folder`, all or none: a file already there with the same bytes is
/// left alone, one with other bytes stops the whole write. Returns how many were written.
fn write_media(folder: &Path, files: &[MediaFile]) -> Result<usize> {
    let mut new = Vec::new();
    let mut clashes = Vec::new();
    for file in files {
        let path = folder.join(&file.name);
        match std::fs::read(&path) {
            Ok(existing) if existing == file.bytes => {}
            Ok(_) => clashes.push(path.display().to_string()),
            Err(_) => new.push((path, file)),
        }
    }
    if !clashes.is_empty() {
        bail!(
            "these media files already exist with other content; nothing was written (rename or \
             remove them first): {}",
            clashes.join(", ")
        );
    }
    std::fs::create_dir_all(folder).with_context(|| format!("creating {}", folder.display()))?;
    for (path, file) in &new {
        std::fs::write(path, &file.bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(new.len())
}
